"""Meal table schemas: a canteen's settings, a meal plan, orders, manifests and statements."""
import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates, validates_schema

from app.core.fields import Id, Length, Text, Yuan
from app.core.kinds import MEAL_SLOTS
from app.meals.models import MODES, ORDER_STATUSES, PLAN_STATUSES
from app.offers.models import ELIGIBILITY, WEEKDAYS

HOUR = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _id(o, name):
    value = getattr(o, name)
    return None if value is None else str(value)


class SettingsIn(Schema):
    prices = fields.Dict(keys=fields.String(validate=validate.OneOf(MEAL_SLOTS)),
                         values=fields.Dict(keys=fields.String(validate=validate.OneOf(ELIGIBILITY)),
                                            values=fields.Integer(validate=validate.Range(min=0, max=1_000_000))),
                         load_default=dict,
                         metadata={"description": 'cents per meal slot and eligibility group, e.g. '
                                                  '{"lunch": {"anyone": 1500, "elderly": 800}}'})
    cutoff = fields.String(load_default="17:00", metadata={"description": "HH:MM on the day before the meal"})

    @validates("cutoff")
    def _cutoff(self, value, **kwargs):
        if not HOUR.match(value):
            raise ValidationError(_("Give the time as HH:MM, e.g. 17:00."))


class SettingsForm(SettingsIn):
    """The settings page: one input per meal and group (`price-lunch-elderly`) in yuan; an empty one sets no price."""

    prices = fields.Dict(keys=fields.String(validate=validate.OneOf(MEAL_SLOTS)),
                         values=fields.Dict(keys=fields.String(validate=validate.OneOf(ELIGIBILITY)), values=Yuan()),
                         load_default=dict)

    @pre_load
    def _inputs(self, data, **kwargs):
        data, prices = dict(data), {}
        for key in [k for k in data if k.startswith("price-")]:
            _price, slot, group = (key.split("-", 2) + ["", ""])[:3]
            text = data.pop(key)
            if text:
                prices.setdefault(slot, {})[group] = text
        data["prices"] = prices
        return data


def settings_input(key: str) -> str:
    """The input a settings error belongs to: "prices.lunch.value.elderly.value" is `price-lunch-elderly`."""
    parts = str(key).split(".")
    if parts[0] == "prices" and len(parts) >= 4:
        return f"price-{parts[1]}-{parts[3]}"
    return parts[0]


class SettingsOut(Schema):
    offer_id = fields.Function(lambda s: str(s.offer_id))
    prices = fields.Dict()
    cutoff = fields.String()


class PlanIn(Schema):
    resident_id = Id(required=True, error_messages={"required": _l("Choose the resident the meals are for.")})
    offer_id = Id(required=True, error_messages={"required": _l("Choose one of the community's canteens.")})
    weekdays = fields.List(fields.String(validate=validate.OneOf(WEEKDAYS)), required=True,
                           validate=Length(min=1, max=7))
    slots = fields.List(fields.String(validate=validate.OneOf(MEAL_SLOTS)), required=True,
                        validate=Length(min=1, max=3))
    mode = fields.String(load_default="dine_in", validate=validate.OneOf(MODES))
    diet_notes = Text(load_default="", max_length=500, multiline=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(load_default=None, allow_none=True)

    @validates_schema(skip_on_field_errors=False)
    def _dates(self, data, **kwargs):
        if data.get("ends_on") and data.get("starts_on") and data["ends_on"] < data["starts_on"]:
            raise ValidationError({"ends_on": [_("The end comes before the start.")]})


class PlanEndIn(Schema):
    ends_on = fields.Date(required=True, metadata={"description": "the last day with meals"})


class DecideIn(Schema):
    note = Text(load_default="", max_length=200, multiline=True)


class PlanOut(Schema):
    id = fields.Function(lambda p: str(p.id), required=True)
    resident_id = fields.Function(lambda p: str(p.resident_id))
    offer_id = fields.Function(lambda p: str(p.offer_id))
    weekdays = fields.List(fields.String())
    slots = fields.List(fields.String())
    mode = fields.String()
    diet_notes = fields.String()
    starts_on = fields.Date()
    ends_on = fields.Date(allow_none=True)
    status = fields.String(validate=validate.OneOf(PLAN_STATUSES))


class PlanListArgs(Schema):
    resident_id = Id(load_default=None)
    offer_id = Id(load_default=None)
    status = fields.String(load_default=None, validate=validate.OneOf(PLAN_STATUSES))
    cursor = fields.String(load_default=None, validate=Length(max=500))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class OrderOut(Schema):
    id = fields.Function(lambda o: str(o.id), required=True)
    plan_id = fields.Function(lambda o: str(o.plan_id) if o.plan_id else None, allow_none=True,
                              metadata={"description": "the meal plan, or null for a one-off meal"})
    match_id = fields.Function(lambda o: str(o.match_id) if o.match_id else None, allow_none=True,
                               metadata={"description": "the match of a one-off meal need, or null"})
    resident_id = fields.Function(lambda o: str(o.resident_id) if o.resident_id else None, allow_none=True)
    beneficiary = fields.String(metadata={"description": "who eats, when there is no resident profile here"})
    quantity = fields.Integer()
    offer_id = fields.Function(lambda o: str(o.offer_id))
    day = fields.Date()
    slot = fields.String()
    mode = fields.String()
    diet_notes = fields.String()
    price_cents = fields.Integer()
    status = fields.String(validate=validate.OneOf(ORDER_STATUSES))
    note = fields.String()
    cancellable = fields.Boolean(metadata={"description": "true while the cancellation cutoff has not passed"})


class OrderListArgs(Schema):
    resident_id = Id(load_default=None)
    plan_id = Id(load_default=None)
    day_from = fields.Date(load_default=None)
    day_to = fields.Date(load_default=None)
    status = fields.String(load_default=None, validate=validate.OneOf(ORDER_STATUSES))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


class DeliveryIn(Schema):
    outcome = fields.String(required=True, validate=validate.OneOf(["delivered", "missed"]))
    note = Text(load_default="", max_length=200, multiline=True)
    day = fields.Date(load_default=None, allow_none=True, metadata={
        "description": "the manifest's day the mark is made from: a meal of another day is refused (422)"})


class DayArgs(Schema):
    day = fields.Date(load_default=None, metadata={"description": "default: today in the community's time"})


class MonthArgs(Schema):
    month = fields.String(load_default=None, metadata={"description": "YYYY-MM; default: this month"})

    @validates("month")
    def _month(self, value, **kwargs):
        if value is not None and not MONTH.match(value):
            raise ValidationError(_("Give the month as YYYY-MM, e.g. 2026-11."))


class MissedArgs(Schema):
    days = fields.Integer(load_default=7, validate=validate.Range(min=1, max=62))


class ManifestRowOut(Schema):
    order_id = fields.Function(lambda r: str(r.order_id))
    name = fields.String()
    building = fields.String()
    entrance = fields.String()
    room = fields.String()
    address = fields.String()
    diet_notes = fields.String()
    slot = fields.String()
    mode = fields.String()
    status = fields.String()
    quantity = fields.Integer(metadata={"description": "meals for this person (a one-off need may ask for more)"})
    one_off = fields.Boolean(metadata={"description": "a one-off meal matched to a need, not a plan's"})


class ManifestOut(Schema):
    offer_id = fields.Function(lambda m: str(m.offer_id))
    canteen = fields.String()
    day = fields.Date()
    final = fields.Boolean(metadata={"description": "true once the cancellation cutoff for the day has passed"})
    counts = fields.Dict(metadata={"description": '{"lunch": {"dine_in": 12, "delivery": 30}}'})
    total = fields.Integer()
    rows = fields.List(fields.Nested(ManifestRowOut), metadata={"description": "delivery first, by building"})


class StatementLineOut(Schema):
    day = fields.Date()
    slot = fields.String()
    canteen = fields.String()
    mode = fields.String()
    status = fields.String()
    price_cents = fields.Integer(metadata={"description": "each"})
    quantity = fields.Integer()


class ResidentStatementOut(Schema):
    resident_id = fields.Function(lambda s: str(s.resident_id))
    month = fields.String()
    lines = fields.List(fields.Nested(StatementLineOut))
    counts = fields.Dict(metadata={"description": "orders per status"})
    amount_cents = fields.Integer(metadata={"description": "delivered meals"})
    open_cents = fields.Integer(metadata={"description": "meals ordered but not yet marked"})


class CanteenDayOut(Schema):
    day = fields.Date()
    slot = fields.String()
    delivered = fields.Integer()
    missed = fields.Integer()
    cancelled = fields.Integer()
    open = fields.Integer()
    amount_cents = fields.Integer()


class CanteenStatementOut(Schema):
    offer_id = fields.Function(lambda s: str(s.offer_id))
    canteen = fields.String()
    month = fields.String()
    days = fields.List(fields.Nested(CanteenDayOut))
    by_price = fields.Dict(metadata={"description": "delivered meals per price in cents"})
    counts = fields.Dict()
    amount_cents = fields.Integer()
