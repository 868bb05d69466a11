"""Need schemas: what a need and a move accept, on the pages and the API alike."""
import logging

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema

from app.core.fields import Id, Text, UtcDateTime, not_loaded
from app.core.kinds import KINDS, MEAL_SLOTS
from app.needs.models import URGENCIES

logger = logging.getLogger(__name__)


class NeedIn(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    title = Text(required=True, min_length=1, max_length=200)
    details = Text(load_default="", max_length=2000, multiline=True)
    resident_id = Id(load_default=None, allow_none=True)
    unit_id = Id(load_default=None, allow_none=True)
    window_start = UtcDateTime(load_default=None, allow_none=True,
                               metadata={"description": "without an offset: the community's time"})
    window_end = UtcDateTime(load_default=None, allow_none=True)
    day = fields.Date(load_default=None, allow_none=True, metadata={"description": "for meals: the day"})
    slot = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(MEAL_SLOTS))
    quantity = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    urgency = fields.String(load_default="normal", validate=validate.OneOf(URGENCIES))
    latitude = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=-90, max=90))
    longitude = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=-180, max=180))

    @validates_schema(skip_on_field_errors=False, pass_original=True)
    def _consistent(self, data, original, **kwargs):
        """Runs even when a field is wrong (only the fields that loaded are in `data`): every problem at once."""
        errors = {}
        if data.get("kind") == "meal":
            if not data.get("slot") and not not_loaded(data, original, "slot"):
                errors["slot"] = [_("Choose breakfast, lunch or dinner.")]
            if not data.get("day") and not data.get("window_start") and \
                    not not_loaded(data, original, "day", "window_start"):
                errors["day"] = [_("This field is required.")]
        elif "kind" in data and (not data.get("window_start") or not data.get("window_end")) and \
                not not_loaded(data, original, "window_start", "window_end"):
            errors["window_start"] = [_("Give when it is needed: a start and an end.")]
        if data.get("window_start") and data.get("window_end") and data["window_end"] <= data["window_start"]:
            errors["window_end"] = [_("The end comes before the start.")]
        if (data.get("latitude") is None) != (data.get("longitude") is None) and \
                not not_loaded(data, original, "latitude", "longitude"):
            errors["longitude"] = [_("Give both latitude and longitude, or neither.")]
        if errors:
            raise ValidationError(errors)


class NeedForm(NeedIn):
    """The need form of the pages: a meal is a day and a slot, anything else a window; the other inputs
    stay unused."""

    @pre_load
    def _inputs(self, data, **kwargs):
        unused = ("window_start", "window_end") if data.get("kind") == "meal" else ("day", "slot")
        return {key: value for key, value in data.items() if key not in unused}


class MoveIn(Schema):
    to = fields.String(required=True, validate=validate.OneOf(["triaged", "cancelled", "unmet"]))
    note = Text(load_default="", max_length=500, multiline=True)
