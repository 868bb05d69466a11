"""The API's shared pieces: the flask-smorest Api documenting our error body, and the collection envelope."""
import logging
from collections.abc import Callable
from operator import attrgetter

from flask import jsonify
from flask_smorest import Api as SmorestApi
from marshmallow import Schema, fields

logger = logging.getLogger(__name__)


class ErrorBody(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    fields_ = fields.Dict(data_key="fields", keys=fields.String(), values=fields.List(fields.String()))


class ErrorSchema(Schema):
    error = fields.Nested(ErrorBody, required=True)


class Api(SmorestApi):
    """flask-smorest, documenting our error body; app.core.errors renders errors for pages and API alike."""

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self):
        pass


def collection_schema(item_schema: type[Schema], name: str) -> type[Schema]:
    """`{"items": [...], "next_cursor": str|null}` for an item schema."""
    return type(name, (Schema,), {
        "items": fields.List(fields.Nested(item_schema), required=True),
        "next_cursor": fields.String(allow_none=True, required=True),
    })


# Fields whose JSON form is the stored value itself when it already has this exact type (str for String,
# int but not bool for Integer, ...): `row_dumper` copies such values instead of calling the field.
_AS_STORED = {fields.String: str, fields.Integer: int, fields.Boolean: bool, fields.Float: float}


def row_dumper(schema_cls: type[Schema]) -> Callable[[object], dict]:
    """An output schema as one plain function for long lists of objects: the same dict as
    `schema_cls().dump(obj)`. Values that are already what JSON needs (a str for a String field ...) are read
    in one `attrgetter` call and copied; every other value goes through its field's own `_serialize`.
    For objects with every attribute the schema names (ORM rows); tests/test_api_rows.py holds it to `dump`."""
    copied, checks, steps = [], [], []
    for name, field in schema_cls().dump_fields.items():
        key, attr = field.data_key or name, field.attribute or name
        stored = _AS_STORED.get(type(field))
        if stored is not None and "." not in attr:
            copied.append((key, attr))
            checks.append((key, attr, stored, field._serialize))
        elif isinstance(field, fields.Function):
            steps.append((key, field.serialize_func))
        elif isinstance(field, fields.Nested) or (isinstance(field, fields.List)
                                                  and isinstance(field.inner, fields.Nested)):
            steps.append((key, _nested_step(field, attr)))
        else:
            steps.append((key, _plain_step(field, attr)))
    keys = [key for key, _attr in copied]
    read = attrgetter(*(attr for _key, attr in copied)) if copied else (lambda obj: ())
    if len(copied) == 1:
        read = (lambda one: lambda obj: (one(obj),))(read)

    def dump(obj) -> dict:
        row = dict(zip(keys, read(obj)))
        for key, attr, stored, serialize in checks:
            value = row[key]
            if value is not None and value.__class__ is not stored:
                row[key] = serialize(value, attr, obj)
        for key, step in steps:
            row[key] = step(obj)
        return row

    return dump


def _plain_step(field, attr):
    serialize = field._serialize
    return lambda obj: serialize(getattr(obj, attr), attr, obj)


def _nested_step(field, attr):
    """A Nested field (one or many) or a List of Nested: the inner schema compiled the same way."""
    many = isinstance(field, fields.List) or field.many
    inner = row_dumper(type(field.inner.schema if isinstance(field, fields.List) else field.schema))

    def step(obj):
        value = getattr(obj, attr)
        if value is None:
            return None
        return [inner(v) for v in value] if many else inner(value)

    return step


def collection_response(items, next_cursor: str | None, dump: Callable[[object], dict]):
    """A collection answered as JSON straight away (flask-smorest passes a Response through; the
    endpoint's @response schema still documents it)."""
    return jsonify({"items": [dump(item) for item in items], "next_cursor": next_cursor})
