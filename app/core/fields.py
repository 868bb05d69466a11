"""The shared field types: the input and output rules of ids, free text, date-times and money, written once.

Every API schema (app/*/schemas.py and the schemas declared in app/*/api.py) uses these instead of
marshmallow's own `DateTime`, `String` for free text, and `Integer`/`String` for ids; the tests walk
every schema and the OpenAPI document to keep it so (tests/test_fields.py).
"""
import logging
import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from flask import has_app_context
from flask_babel import get_timezone
from flask_babel import gettext as _
from marshmallow import ValidationError, fields, missing, validate

from app.core.validation import control_characters_message, has_control_characters

logger = logging.getLogger(__name__)

# The database's INTEGER (PostgreSQL's `integer`, what every primary key here is): larger ids cannot exist.
MAX_ID = 2**31 - 1


def as_id(text: str | None) -> int | None:
    """A form or query value read as an id of the database's range, or None (ASCII digits only: "²" and
    a 30-digit number are no ids)."""
    if text and len(text) <= 10 and text.isascii() and text.isdigit() and 0 < int(text) <= MAX_ID:
        return int(text)
    return None
_DIGITS = re.compile(r"[0-9]{1,10}")


class Id(fields.Field):
    """An object's id in a query or a JSON body: its digits as a string (ids are strings in the API), or a
    JSON number; 1 … 2**31-1. Loads as an int, so nothing out of the database's range reaches a query."""

    def __init__(self, **kwargs):
        kwargs["metadata"] = {"type": "string", "pattern": "^[0-9]{1,10}$", "example": "42",
                              **kwargs.get("metadata", {})}
        super().__init__(**kwargs)

    @staticmethod
    def message() -> str:
        return _("Must be an id: a whole number from 1 to %(max)s.", max=MAX_ID)

    def _deserialize(self, value, attr, data, **kwargs) -> int:
        if isinstance(value, bool):
            raise ValidationError(self.message())
        if isinstance(value, str) and _DIGITS.fullmatch(value.strip()):
            value = int(value.strip())
        if not isinstance(value, int) or not 1 <= value <= MAX_ID:
            raise ValidationError(self.message())
        return value

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else str(value)


def not_loaded(data: dict, original, *names: str) -> bool:
    """Whether one of `names` was sent but did not load (its own message is told already).

    For the checks across fields (`@validates_schema(skip_on_field_errors=False, pass_original=True)`): they
    run even when a field is wrong, so that every problem of a form is told at once, and skip what would only
    repeat a wrong field's problem in other words.
    """
    sent = original if isinstance(original, dict) else {}
    return any(name in sent and name not in data for name in names)


class Length(validate.Length):
    """marshmallow's Length, saying which bound was missed, in characters for a text and in choices for a list.

    marshmallow gives one message for both bounds ("Length must be between 1 and 200."), so a title of 300
    characters was told it may not be empty. Here an empty text is "required", a long one "at most N
    characters", an empty list "choose at least one". A given `error` (or `equal`) keeps marshmallow's way.
    """

    def __call__(self, value):
        if self.error is not None or self.equal is not None:
            return super().__call__(value)
        length, text = len(value), isinstance(value, str)
        if self.min is not None and length < self.min:
            if self.min == 1:
                raise ValidationError(_("This field is required.") if text else _("Choose at least one."))
            raise ValidationError(_("Too short: at least %(n)s characters.", n=self.min) if text
                                  else _("Choose at least %(n)s.", n=self.min))
        if self.max is not None and length > self.max:
            raise ValidationError(_("Too long: at most %(n)s characters.", n=self.max) if text
                                  else _("Choose at most %(n)s.", n=self.max))
        return value


class Text(fields.String):
    """Free text a person typed: no control characters (a `multiline` text keeps line breaks and tabs),
    at most `max_length` characters (and at least `min_length`), optionally stripped of surrounding spaces.

    The length messages say which bound was missed (`Length`). With `strip`, surrounding spaces are removed
    before the length is checked, so `Text(strip=True, min_length=1)` refuses a blank text.
    """

    def __init__(self, *, max_length: int | None = None, min_length: int | None = None, multiline: bool = False,
                 strip: bool = False, **kwargs):
        validators = kwargs.pop("validate", None)
        validators = [] if validators is None else list(validators) if isinstance(validators, list | tuple) \
            else [validators]
        if max_length is not None or min_length is not None:
            validators.insert(0, Length(min=min_length, max=max_length))
        super().__init__(validate=validators or None, **kwargs)
        self.multiline = multiline
        self.strip = strip

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        if has_control_characters(text, multiline=self.multiline):  # before stripping: "名\x85" is no name
            raise ValidationError(control_characters_message())
        return text.strip() if self.strip else text


# A log-in is an e-mail address or a mainland mobile number (11 digits, starting with 1); a contact phone may
# also be a landline with its area code, an extension, a "+86".
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MOBILE_RE = re.compile(r"^1\d{10}$")
PHONE_RE = re.compile(r"^[0-9+\-() ]{5,30}$")
_PHONE_LIKE = re.compile(r"^[0-9+\-() ]+$")


class Phone(Text):
    """A contact phone: digits, spaces, + - and brackets (5 to 30 of them), stripped; empty when not given."""

    def __init__(self, **kwargs):
        kwargs.setdefault("load_default", "")
        super().__init__(strip=True, max_length=30, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        if text and not PHONE_RE.match(text):
            raise ValidationError(_("Must be a phone number (digits, spaces, + - and brackets)."))
        return text


class Login(Text):
    """What a person logs in with: an e-mail address or an 11-digit mobile number, stripped. The message says
    what is wrong with the one it looks like: "123" is told about mobile numbers, not about e-mail."""

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {"description": "e-mail address or 11-digit mobile number"})
        super().__init__(strip=True, min_length=1, max_length=254, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        if not text or MOBILE_RE.match(text) or EMAIL_RE.match(text):
            return text  # an empty one is told "required" by the length rule
        if "@" in text:
            raise ValidationError(_("Must be a valid e-mail address."))
        if _PHONE_LIKE.match(text):
            raise ValidationError(_("Must be an 11-digit mobile number."))
        raise ValidationError(_("Give an e-mail address or an 11-digit mobile number."))


def as_utc(value: datetime) -> datetime:
    """A stored moment in UTC: naive values (SQLite's) are UTC already, aware ones are converted."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _local_zone():
    """The zone a person means when they give a time without an offset: the community's (the request's)."""
    if not has_app_context():
        return UTC
    zone = get_timezone()  # app.core.i18n.select_timezone: the community of the request, else the default
    return ZoneInfo(str(zone)) if zone is not None else UTC


FIRST_YEAR, LAST_YEAR = 1900, 2999  # the moments anyone here means; outside them date arithmetic overflows


class UtcDateTime(fields.DateTime):
    """A date and time that always carries its UTC offset (RFC 3339, the OpenAPI `date-time`).

    Out: in UTC, written with "+00:00". Values are stored in UTC; SQLite hands them back naive, so a naive
    value is UTC. In: a value with an offset is taken as it is; one without an offset is read in the
    community's time zone (a coordinator typing "09:00" means 09:00 there). The loaded value is aware.

    `getter` dumps a value computed from the object (for objects that are not plain attributes, e.g. tuples).
    """

    def __init__(self, *args, getter=None, **kwargs):
        kwargs["metadata"] = {"example": "2026-12-01T01:30:00+00:00", **kwargs.get("metadata", {})}
        if getter is not None:
            kwargs.setdefault("dump_only", True)
        super().__init__(*args, **kwargs)
        self.getter = getter

    def get_value(self, obj, attr, accessor=None, default=missing):
        if self.getter is not None:
            return self.getter(obj)
        return super().get_value(obj, attr, accessor=accessor, default=default)

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        if isinstance(value, datetime):
            value = as_utc(value)
        return super()._serialize(value, attr, obj, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> datetime:
        moment = super()._deserialize(value, attr, data, **kwargs)
        moment = moment if moment.tzinfo is not None else moment.replace(tzinfo=_local_zone())
        try:
            in_utc = moment.astimezone(UTC)  # 0001-01-01T00:00 in Shanghai is before the first UTC moment
        except OverflowError as exc:
            raise self.make_error("invalid", input=value, obj_type=self.OBJ_TYPE) from exc
        if not FIRST_YEAR <= in_utc.year <= LAST_YEAR:  # a week or a day later, or in local time, must still exist
            raise self.make_error("invalid", input=value, obj_type=self.OBJ_TYPE)
        return moment


MAX_FEN = 10_000_000  # ¥100,000: more than any price the association sets


class Yuan(fields.Field):
    """Money as people type it, in yuan ("12.50", "¥8", "7.5元"), loaded as whole fen (cents), the way it is
    stored; dumped back as yuan text with two decimals. Not negative, at most two decimals. The pages' price
    inputs use it; the API speaks fen (`price_cents`)."""

    def __init__(self, *args, **kwargs):
        kwargs["metadata"] = {"type": "string", "example": "12.50", **kwargs.get("metadata", {})}
        super().__init__(*args, **kwargs)

    @staticmethod
    def message() -> str:
        return _("Give the price in yuan, for example 12.50.")

    def _deserialize(self, value, attr, data, **kwargs) -> int:
        if isinstance(value, bool) or value is None:
            raise ValidationError(self.message())
        text = str(value).replace("¥", "").replace("￥", "").replace("元", "").strip()
        try:
            fen = Decimal(text or "0") * 100
        except (InvalidOperation, ValueError):
            raise ValidationError(self.message()) from None
        if not fen.is_finite() or fen < 0 or fen > MAX_FEN or fen != fen.to_integral_value():
            raise ValidationError(self.message())
        return int(fen)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else f"{value / 100:.2f}"


# The unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters of this alphabet (no I, O, S, V,
# Z), the last one a check character computed from the first 17 with these weights (3^i mod 31).
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
CREDIT_CODE_LENGTH = 18


def credit_code_check(first17: str) -> str:
    """The check character of a credit code's first 17 characters (all of CREDIT_CODE_ALPHABET)."""
    total = sum(CREDIT_CODE_ALPHABET.index(ch) * weight for ch, weight in zip(first17, CREDIT_CODE_WEIGHTS))
    code = 31 - total % 31
    return CREDIT_CODE_ALPHABET[0 if code == 31 else code]


def credit_code_problem(text: str) -> str | None:
    """What is wrong with an (upper-cased, stripped) credit code, in the reader's language; None when valid."""
    if len(text) != CREDIT_CODE_LENGTH:
        return _("A unified social credit code has 18 characters; this one has %(n)s.", n=len(text))
    bad = [ch for ch in text if ch not in CREDIT_CODE_ALPHABET]
    if bad:
        return _("“%(ch)s” cannot be in a unified social credit code (only digits and capital letters other "
                 "than I, O, S, V and Z).", ch=bad[0])
    if credit_code_check(text[:17]) != text[17]:
        return _("The last character (the check digit) does not match the others: check the code on the "
                 "business licence again.")
    return None


class CreditCode(Text):
    """A unified social credit code (统一社会信用代码): 18 characters, loaded in capitals (lower case is accepted),
    spaces and hyphens ignored, the check digit verified per GB 32100-2015."""

    def __init__(self, **kwargs):
        kwargs["metadata"] = {"description": "统一社会信用代码: 18 characters, check digit verified",
                              "example": "91350100M000100Y43", **kwargs.get("metadata", {})}
        super().__init__(strip=True, max_length=40, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        text = re.sub(r"[\s\-]", "", text).upper()
        if not text:
            raise ValidationError(_("This field is required."))
        problem = credit_code_problem(text)
        if problem:
            raise ValidationError(problem)
        return text


def normalize_mobile(text: str) -> str:
    """A mainland mobile number as people write it ("+86 138-0013-8000", "0086 13800138000") reduced to its
    11 digits; what is not one comes back with only its separators removed."""
    digits = re.sub(r"[\s\-()]", "", text or "")
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix):]
            break
    else:
        if len(digits) == 13 and digits.startswith("86"):
            digits = digits[2:]
    return digits


CN_MOBILE_RE = re.compile(r"^1[3-9][0-9]{9}$")


class MobilePhone(Text):
    """A mainland mobile number (11 digits starting with 13–19); "+86", spaces and hyphens are accepted and
    removed, so it loads as the 11 digits (the form a log-in by phone takes)."""

    def __init__(self, **kwargs):
        kwargs["metadata"] = {"description": "mainland mobile number, 11 digits", "example": "13800138000",
                              **kwargs.get("metadata", {})}
        super().__init__(strip=True, max_length=30, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        text = normalize_mobile(super()._deserialize(value, attr, data, **kwargs))
        if not text:
            raise ValidationError(_("This field is required."))
        if not text.isascii() or not text.isdigit():
            raise ValidationError(_("A mobile number has only digits (a +86 in front, spaces and hyphens are fine)."))
        if len(text) != 11:
            raise ValidationError(_("A mobile number has 11 digits; this one has %(n)s.", n=len(text)))
        if not CN_MOBILE_RE.match(text):
            raise ValidationError(_("A mainland mobile number starts with 13 to 19."))
        return text
