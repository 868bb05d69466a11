"""Member schemas."""
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from app.core.fields import Length, Login, Text, UtcDateTime
from tenants.models import ROLES


class MemberOut(Schema):
    id = fields.Function(lambda mu: str(mu[0].id), required=True)
    user_id = fields.Function(lambda mu: str(mu[1].id))
    name = fields.Function(lambda mu: mu[1].name)
    email = fields.Function(lambda mu: mu[1].email)
    phone = fields.Function(lambda mu: mu[1].phone)
    roles = fields.Function(lambda mu: mu[0].role_names)
    joined_at = UtcDateTime(getter=lambda mu: mu[0].created_at)
    initial_password = fields.Function(lambda mu: mu[2] if len(mu) > 2 else None, allow_none=True)


class MemberIn(Schema):
    login = Login(required=True)
    name = Text(load_default=None, allow_none=True, max_length=100)
    roles = fields.List(fields.String(validate=validate.OneOf(ROLES)), required=True,
                        validate=Length(min=1, max=len(ROLES), error=_l("Choose at least one role.")))


class MemberPatch(Schema):
    roles = fields.List(fields.String(validate=validate.OneOf(ROLES)), required=True,
                        validate=Length(min=1, max=len(ROLES), error=_l("Choose at least one role.")))


class MemberListArgs(Schema):
    role = fields.String(load_default=None, validate=validate.OneOf(ROLES))
    q = Text(load_default=None, max_length=100)
    cursor = fields.String(load_default=None, validate=Length(max=500))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
