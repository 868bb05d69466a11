"""The meals' part of the year (app.yearbook): the meals served (delivered) by meal slot and way (dine-in at the
canteen, delivered home), and by month. One statement: the served meals summed by day, slot and way;
`meals_street(year)`, the street's figure alone (the meals served): one sum."""
import logging
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import and_, case, func, select

from app import yearbook
from app.core.charts import Chart, Series
from app.core.extensions import db
from app.core.kinds import MEAL_SLOTS, SLOT_LABELS
from app.meals.models import MODES, MealOrder
from app.yearbook import Figure, Table

logger = logging.getLogger(__name__)


def _served_in(year: int):
    return and_(MealOrder.status == "delivered", MealOrder.day >= date(year, 1, 1),
                MealOrder.day < date(year + 1, 1, 1))


def _street_figure(served: int) -> Figure:
    return Figure("meals_served", _("Meals served"), served, _("meals"), street=True)


def meals_street(year: int) -> yearbook.StreetQuery:
    """The part's street figure alone: one sum of the same served meals, dine-in and delivered."""

    def figures(row) -> list[Figure]:
        orders, served = row
        return [_street_figure(int(served or 0))] if orders else []

    return yearbook.StreetQuery(select(
        func.count(MealOrder.id).label("meal_orders"),
        func.sum(case((MealOrder.mode.in_(MODES), MealOrder.quantity), else_=0)).label("meals_served"))
        .where(_served_in(year)), figures)


def meals_part(year: int) -> yearbook.Part | None:
    rows = db.session.execute(
        select(MealOrder.day, MealOrder.slot, MealOrder.mode, func.sum(MealOrder.quantity))
        .where(_served_in(year)).group_by(MealOrder.day, MealOrder.slot, MealOrder.mode)).all()
    if not rows:
        return None
    by_slot: dict[str, dict[str, int]] = {}
    months = {"dine_in": [0] * 12, "delivery": [0] * 12}
    for day, slot, mode, meals in rows:
        meals = int(meals or 0)
        cell = by_slot.setdefault(slot, {"dine_in": 0, "delivery": 0})
        cell[mode] = cell.get(mode, 0) + meals
        months.setdefault(mode, [0] * 12)[day.month - 1] += meals
    slots = [s for s in MEAL_SLOTS if s in by_slot] + sorted(s for s in by_slot if s not in MEAL_SLOTS)
    dine_in = sum(c.get("dine_in", 0) for c in by_slot.values())
    delivery = sum(c.get("delivery", 0) for c in by_slot.values())
    return yearbook.Part(
        figures=[_street_figure(dine_in + delivery),
                 Figure("meals_dine_in", _("Meals eaten at the canteen"), dine_in, _("meals")),
                 Figure("meals_delivered", _("Meals delivered home"), delivery, _("meals"))],
        tables=[Table("meals_by_slot", _("Meals served by meal and way"),
                      [_("Meal"), _("Dine-in"), _("Delivery"), _("Total")],
                      [[str(SLOT_LABELS.get(s, s)), by_slot[s].get("dine_in", 0), by_slot[s].get("delivery", 0),
                        sum(by_slot[s].values())] for s in slots])],
        charts=[Chart(_("Meals served by month"), [str(m) for m in range(1, 13)],
                      [Series(_("Dine-in"), months["dine_in"]), Series(_("Delivery"), months["delivery"])],
                      unit=_("meals"), axis=_("Month"))])
