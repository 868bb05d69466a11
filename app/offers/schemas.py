"""Offer schemas."""
import re

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates, validates_schema

from app.core.fields import Id, Length, Text, Yuan, not_loaded
from app.core.kinds import KINDS, MEAL_SLOTS
from app.core.vocabulary import WEEKDAY_LABELS
from app.offers.models import ELIGIBILITY, TERMS, WEEKDAYS

HOUR = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class OfferIn(Schema):
    unit_id = Id(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    title = Text(required=True, min_length=1, max_length=200)
    description = Text(load_default="", max_length=2000, multiline=True)
    terms = fields.String(load_default="free", validate=validate.OneOf(TERMS))
    price_cents = fields.Integer(load_default=0, validate=validate.Range(min=0, max=10_000_000))
    eligibility = fields.List(fields.String(validate=validate.OneOf(ELIGIBILITY)), load_default=lambda: ["anyone"],
                              validate=Length(min=1, max=len(ELIGIBILITY)))
    latitude = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=-90, max=90))
    longitude = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=-180, max=180))
    radius_m = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=100_000))
    capacity = fields.Integer(required=True, validate=validate.Range(min=1, max=100_000))
    slots = fields.List(fields.String(validate=validate.OneOf(MEAL_SLOTS)), load_default=list)
    delivery = fields.Boolean(load_default=False)
    shared_with_street = fields.Boolean(load_default=False, metadata={
        "description": "the neighbouring communities of the street may see the offer and refer needs to it"})
    weekly = fields.Dict(keys=fields.String(validate=validate.OneOf(WEEKDAYS)),
                         values=fields.List(fields.List(fields.String(), validate=Length(equal=2))),
                         load_default=dict,
                         metadata={"description": 'e.g. {"sat": [["08:00", "12:00"]]}; empty: always'})
    valid_from = fields.Date(load_default=None, allow_none=True)
    valid_until = fields.Date(load_default=None, allow_none=True)
    status = fields.String(validate=validate.OneOf(["active", "paused", "ended"]))

    @validates("weekly")
    def _weekly(self, value, **kwargs):
        wrong = [day for day in WEEKDAYS if any(not (HOUR.match(start) and HOUR.match(end)) or start >= end
                                                for start, end in value.get(day, []))]
        if wrong:  # one message per day, with the day's name (a code such as "mon" is no word for a person)
            raise ValidationError([_("Hours must be HH:MM and end after they start (%(day)s).",
                                     day=WEEKDAY_LABELS[day]) for day in wrong])

    @validates_schema(skip_on_field_errors=False, pass_original=True)
    def _dates(self, data, original, **kwargs):
        """Runs even when a field is wrong (only the fields that loaded are in `data`): every problem at once."""
        errors = {}
        if data.get("valid_from") and data.get("valid_until") and data["valid_until"] < data["valid_from"]:
            errors["valid_until"] = [_("The end comes before the start.")]
        if (data.get("latitude") is None) != (data.get("longitude") is None) and \
                ("latitude" in data or "longitude" in data) and not not_loaded(data, original, "latitude", "longitude"):
            errors["longitude"] = [_("Give both latitude and longitude, or neither.")]
        if data.get("kind") == "meal" and "slots" in data and not data.get("slots"):
            errors["slots"] = [_("Choose at least one meal: breakfast, lunch or dinner.")]
        if errors:
            raise ValidationError(errors)


class OfferPatch(OfferIn):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("partial", True)
        super().__init__(*args, **kwargs)


class OfferForm(OfferIn):
    """The offer form of the pages: the price in yuan, each day's hours as two inputs (`weekly_mon_from`,
    `weekly_mon_to` …), meal slots only for a meal, no status input meaning "unchanged"."""

    price_cents = Yuan(data_key="price", load_default=0)

    @pre_load
    def _inputs(self, data, **kwargs):
        data = dict(data)
        weekly = {}
        for day in WEEKDAYS:
            start, end = data.pop(f"weekly_{day}_from", ""), data.pop(f"weekly_{day}_to", "")
            if start or end:
                weekly[day] = [[start, end]]
        data["weekly"] = weekly
        if data.get("kind") != "meal":
            data["slots"] = []
        if not data.get("status"):
            data.pop("status", None)
        return data

    @validates("weekly")
    def _weekly(self, value, **kwargs):
        half = [day for day in WEEKDAYS if any(not start or not end for start, end in value.get(day, []))]
        messages = [_("Give both the opening and the closing hour (%(day)s).", day=WEEKDAY_LABELS[day])
                    for day in half]
        try:  # and the other days' mistakes with them
            super()._weekly({day: spans for day, spans in value.items() if day not in half}, **kwargs)
        except ValidationError as err:
            messages += err.messages
        if messages:
            raise ValidationError(messages)


def weekly_inputs(weekly: dict | None) -> dict:
    """An offer's weekly hours as the form's inputs show them."""
    values = {}
    for day in WEEKDAYS:
        spans = (weekly or {}).get(day) or [["", ""]]
        values[f"weekly_{day}_from"], values[f"weekly_{day}_to"] = spans[0]
    return values


class OfferOut(Schema):
    id = fields.Function(lambda o: str(o.id), required=True)
    unit_id = fields.Function(lambda o: str(o.unit_id))
    kind = fields.String()
    title = fields.String()
    description = fields.String()
    terms = fields.String()
    price_cents = fields.Integer()
    eligibility = fields.List(fields.String())
    latitude = fields.Float(allow_none=True)
    longitude = fields.Float(allow_none=True)
    radius_m = fields.Integer(allow_none=True)
    capacity = fields.Integer()
    slots = fields.List(fields.String())
    delivery = fields.Boolean()
    shared_with_street = fields.Boolean()
    weekly = fields.Dict()
    valid_from = fields.Date(allow_none=True)
    valid_until = fields.Date(allow_none=True)
    status = fields.String()
    rating = fields.Float(allow_none=True)


class ClosureIn(Schema):
    day = fields.Date(required=True)
    note = Text(load_default="", max_length=200, multiline=True)
