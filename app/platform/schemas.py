"""Platform schemas: a new community with its first admin, and a community's status."""
import logging

from marshmallow import Schema, fields, validate

from app.core.fields import Length, Login, Text

logger = logging.getLogger(__name__)


class CommunityIn(Schema):
    slug = fields.String(required=True, validate=Length(min=1, max=40))
    name = Text(required=True, min_length=1, max_length=100)
    street = Text(load_default=None, allow_none=True, max_length=100)
    admin_login = Login(required=True, metadata={"description": "e-mail or mobile number of the first admin"})
    admin_name = Text(load_default=None, allow_none=True, max_length=100)


class StatusIn(Schema):
    status = fields.String(required=True, validate=validate.OneOf(["active", "suspended"]))


class StatusConfirmForm(StatusIn):
    """The page's form: suspending asks for the community's short name, typed again (`confirm`)."""

    confirm = fields.String(load_default=None, allow_none=True, validate=Length(max=40))
