"""The API's shared field types: the input and output rules of date-times, written once.

Every API schema (app/*/schemas.py and the schemas declared in app/*/api.py) uses these instead of
marshmallow's own `DateTime`; the tests walk every schema and the OpenAPI document to keep it so
(tests/test_fields.py).
"""
import logging
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import has_app_context
from flask_babel import get_timezone
from marshmallow import fields, missing

logger = logging.getLogger(__name__)


def as_utc(value: datetime) -> datetime:
    """A stored moment in UTC: naive values (SQLite's) are UTC already, aware ones are converted."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _local_zone():
    """The zone a person means when they give a time without an offset: the community's (the request's)."""
    if not has_app_context():
        return UTC
    zone = get_timezone()  # app.core.i18n.select_timezone: the community of the request, else the default
    return ZoneInfo(str(zone)) if zone is not None else UTC


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
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=_local_zone())
