"""The API's shared pieces: the flask-smorest Api documenting our error body, and the collection envelope."""
import logging

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
