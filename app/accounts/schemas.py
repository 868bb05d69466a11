"""API schemas of accounts; inputs reject unknown fields (marshmallow's default RAISE)."""
from marshmallow import Schema, fields, validate

from app.core.fields import Length, Text, UtcDateTime


class TokenRequest(Schema):
    email = fields.String(required=True, validate=Length(min=1, max=254),
                          metadata={"description": "e-mail address or 11-digit mobile number"})
    password = fields.String(required=True, validate=Length(min=1, max=200), load_only=True)
    name = Text(load_default="", max_length=100, strip=True, metadata={"description": "to tell your tokens apart"})


class TokenOut(Schema):
    id = fields.Function(lambda t: str(t.id), required=True)
    name = fields.String()
    prefix = fields.String()
    created_at = UtcDateTime()
    last_used_at = UtcDateTime(allow_none=True)
    expires_at = UtcDateTime(allow_none=True)
    revoked_at = UtcDateTime(allow_none=True)


class TokenCreated(TokenOut):
    token = fields.String(required=True, metadata={"description": "shown once; send as `Authorization: Bearer …`"})


class MeOut(Schema):
    id = fields.Function(lambda u: str(u.id), required=True)
    name = fields.String()
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    locale = fields.String(allow_none=True)
    large_text = fields.Boolean()
    is_operator = fields.Boolean()


class MeUpdate(Schema):
    name = Text(min_length=1, max_length=100, strip=True)
    locale = fields.String(validate=validate.OneOf(["zh_CN", "en"]))
    large_text = fields.Boolean()


# --- the account pages' forms (app/accounts/views.py reads them with PageForm, as every page does) ---------

PASSWORD = {"as_typed": True}  # spaces around a password are part of it


class LoginForm(Schema):
    login = Text(required=True, min_length=1, max_length=254, strip=True)
    password = fields.String(required=True, validate=Length(min=1, max=200), metadata=PASSWORD)


class ProfileForm(MeUpdate):
    """The profile form: the name, the language and the text size (an unticked box is normal text)."""

    name = Text(required=True, min_length=1, max_length=100, strip=True)
    locale = fields.String(load_default="zh_CN", validate=validate.OneOf(["zh_CN", "en"]))
    large_text = fields.Boolean(load_default=False)


class PasswordForm(Schema):
    """The password form of the account page; its inputs are `pw-current` and `pw-new`."""

    current = fields.String(data_key="pw-current", required=True, validate=Length(min=1, max=200),
                            metadata=PASSWORD)
    new = fields.String(data_key="pw-new", required=True, validate=Length(min=1, max=200), metadata=PASSWORD)


def password_input(key: str) -> str:
    """The input a password refusal belongs to: the service's `current` and `new` are `pw-current`, `pw-new`."""
    return {"current": "pw-current", "new": "pw-new"}.get(str(key), str(key))


class TokenForm(Schema):
    """The new-token form of the account page; its input is `tk-name`."""

    name = Text(data_key="tk-name", load_default="", max_length=100, strip=True)


class MyCommunityOut(Schema):
    id = fields.Function(lambda c: str(c["community"].id), required=True)
    slug = fields.Function(lambda c: c["community"].slug)
    name = fields.Function(lambda c: c["community"].name)
    status = fields.Function(lambda c: c["community"].status)
    roles = fields.List(fields.String())


class ResetRequest(Schema):
    login = fields.String(required=True, validate=Length(min=1, max=254),
                          metadata={"description": "e-mail address or mobile number"})


class ResetConfirm(Schema):
    code = fields.String(required=True, validate=Length(min=1, max=100))
    password = fields.String(required=True, validate=Length(min=1, max=200), load_only=True, metadata=PASSWORD)
