"""Resident schemas: one input schema for pages and API; sensitive attributes have their own."""
from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validate, validates

from app.core.fields import Length, Phone, Text, UtcDateTime
from app.residents.models import DISABILITY_CATEGORIES
from tenants import clock

RELATIONS = ("self", "child", "spouse", "relative", "other")
TEXT_FIELDS = ("name", "phone", "building", "entrance", "room", "address", "household", "diet_notes")


class ResidentIn(Schema):
    """Texts come stripped of the spaces around them."""

    name = Text(required=True, min_length=1, max_length=100, strip=True)
    phone = Phone()
    building = Text(load_default="", max_length=20, strip=True)
    entrance = Text(load_default="", max_length=20, strip=True)
    room = Text(load_default="", max_length=20, strip=True)
    address = Text(load_default="", max_length=200, strip=True)
    latitude = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=-90, max=90))
    longitude = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=-180, max=180))
    household = Text(load_default="", max_length=200, strip=True)
    birth_date = fields.Date(load_default=None, allow_none=True)
    diet_notes = Text(load_default="", max_length=500, multiline=True, strip=True)
    account_relation = fields.String(load_default="self", validate=validate.OneOf(RELATIONS))

    @validates("birth_date")
    def _birth(self, value, **kwargs):
        if value and (value > clock.today() or value.year < 1900):
            raise ValidationError(_("Must be a date in the past."))


class ResidentPatch(ResidentIn):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("partial", True)
        super().__init__(*args, **kwargs)


class SensitiveIn(Schema):
    disability_category = fields.String(load_default=None, allow_none=True,
                                        validate=validate.OneOf(DISABILITY_CATEGORIES))
    disability_grade = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=4))
    low_income = fields.Boolean(load_default=False)
    living_alone = fields.Boolean(load_default=False)
    special_hardship = fields.Boolean(load_default=False)


class ConsentIn(Schema):
    given_by = Text(required=True, min_length=1, max_length=100,
                    metadata={"description": "the resident, or who signed for them"})
    method = fields.String(load_default="in_person", validate=validate.OneOf(["online", "in_person", "phone", "paper"]))
    note = Text(load_default="", max_length=500, multiline=True)


class ConsentForm(ConsentIn):
    """The page's consent form: who gave it may stay empty when a resident records their own."""

    given_by = Text(load_default="", max_length=100)


class ResidentOut(Schema):
    id = fields.Function(lambda r: str(r.id), required=True)
    name = fields.String()
    phone = fields.String()
    building = fields.String()
    entrance = fields.String()
    room = fields.String()
    address = fields.String()
    latitude = fields.Float(allow_none=True)
    longitude = fields.Float(allow_none=True)
    household = fields.String()
    birth_date = fields.Date(allow_none=True)
    age = fields.Integer(allow_none=True)
    diet_notes = fields.String()
    account_relation = fields.String()
    status = fields.String()
    deletion_requested_at = UtcDateTime(allow_none=True)
    created_at = UtcDateTime()


class SensitiveOut(Schema):
    consent = fields.Boolean(required=True, metadata={"description": "false: no active consent, nothing shown"})
    disability_category = fields.String(allow_none=True)
    disability_grade = fields.Integer(allow_none=True)
    low_income = fields.Boolean(allow_none=True)
    living_alone = fields.Boolean(allow_none=True)
    special_hardship = fields.Boolean(allow_none=True)


class ConsentOut(Schema):
    id = fields.Function(lambda c: str(c.id), required=True)
    purpose = fields.String()
    given_by = fields.String()
    method = fields.String()
    given_at = UtcDateTime()
    withdrawn_at = UtcDateTime(allow_none=True)


class AuditOut(Schema):
    id = fields.Function(lambda a: str(a.id), required=True)
    actor_id = fields.Function(lambda a: str(a.actor_id) if a.actor_id else None, allow_none=True)
    action = fields.String()
    resident_id = fields.Function(lambda a: str(a.resident_id) if a.resident_id else None, allow_none=True)
    field = fields.String()
    at = UtcDateTime()


class DataExportOut(Schema):
    id = fields.Function(lambda e: str(e.id), required=True)
    resident_id = fields.Function(lambda e: str(e.resident_id))
    requested_by_id = fields.Function(lambda e: str(e.requested_by_id) if e.requested_by_id else None,
                                      allow_none=True)
    status = fields.String(metadata={"description": "pending: being prepared; ready: can be downloaded"})
    sensitive_included = fields.Boolean(attribute="with_sensitive")
    created_at = UtcDateTime()
    ready_at = UtcDateTime(allow_none=True)
    expires_at = UtcDateTime(allow_none=True, metadata={"description": "deleted after this"})


class ResidentListArgs(Schema):
    q = Text(load_default=None, max_length=100)
    cursor = fields.String(load_default=None, validate=Length(max=500))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
