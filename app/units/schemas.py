"""Unit schemas: one input schema validates the API, the pages and every row of an import."""
from marshmallow import Schema, fields, pre_dump, validate

from app.core.fields import Id, Length, Phone, Text, UtcDateTime
from app.units.models import UNIT_STATUSES, UNIT_TYPES
from app.units.problems import row_problems


class UnitIn(Schema):
    """Spaces around a name or an address are not part of it (and would defeat the unique name)."""

    name = Text(required=True, min_length=1, max_length=100, strip=True)
    type = fields.String(required=True, validate=validate.OneOf(UNIT_TYPES))
    address = Text(load_default="", max_length=200, strip=True)
    contact_name = Text(load_default="", max_length=50, strip=True)
    contact_phone = Phone()
    description = Text(load_default="", max_length=2000, multiline=True, strip=True)
    joined_on = fields.Date(load_default=None, allow_none=True)
    status = fields.String(validate=validate.OneOf(UNIT_STATUSES))


class UnitPatch(UnitIn):
    """The same fields, all optional (marshmallow has no Meta.partial: it must be passed to the schema)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("partial", True)
        super().__init__(*args, **kwargs)


class RepresentativeOut(Schema):
    id = fields.Function(lambda r: str(r.user_id), required=True)
    name = fields.Function(lambda r: r.user.name)


class UnitOut(Schema):
    id = fields.Function(lambda u: str(u.id), required=True)
    name = fields.String(required=True)
    type = fields.String(required=True)
    address = fields.String()
    contact_name = fields.String()
    contact_phone = fields.String()
    description = fields.String()
    status = fields.String()
    joined_on = fields.Date(allow_none=True)
    representatives = fields.List(fields.Nested(RepresentativeOut))
    created_at = UtcDateTime()
    updated_at = UtcDateTime()


class UnitListArgs(Schema):
    q = Text(load_default=None, max_length=100)
    type = fields.String(load_default=None, validate=validate.OneOf(UNIT_TYPES))
    status = fields.String(load_default=None, validate=validate.OneOf(UNIT_STATUSES))
    cursor = fields.String(load_default=None, validate=Length(max=500))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class RepresentativeIn(Schema):
    user_id = Id(required=True)


class ImportRowOut(Schema):
    line = fields.Integer()
    values = fields.Dict()
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()),
                         metadata={"description": "{field: [problems]} in the reader's language"})

    @pre_dump
    def _in_words(self, row, **kwargs):
        return {**row, "errors": row_problems(row)}


class ImportOut(Schema):
    id = fields.Function(lambda i: str(i.id), required=True)
    filename = fields.String()
    status = fields.String()
    total = fields.Function(lambda i: len(i.rows))
    valid = fields.Function(lambda i: len(i.valid_rows))
    invalid = fields.Function(lambda i: len(i.error_rows))
    created_count = fields.Integer()
    skipped_count = fields.Integer()
    rows = fields.List(fields.Nested(ImportRowOut))


class ImportCommitIn(Schema):
    skip_invalid = fields.Boolean(load_default=False)


class ExportArgs(Schema):
    format = fields.String(load_default="xlsx", validate=validate.OneOf(["xlsx", "csv"]))
