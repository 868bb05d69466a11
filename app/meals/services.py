"""Meal table rules.

A canteen is a unit's active meal offer. Its settings hold the price list (per meal slot and eligibility
group) and the cancellation cutoff (HH:MM on the day before). A resident's meal plan says which weekdays
and meals, dine-in or delivery; staff confirm a plan a resident asked for. Orders are made from plans
for the next days (a daily job, and at once when a plan starts); each order holds one place of the
canteen's slot that day through the same atomic counter matching uses, so plans and one-off matches never
over-book a canteen together. A one-off meal need matched to a canteen and confirmed becomes an order of
the same table (`match_id`; the match holds its places), so the manifest, the delivery marks, the missed
meals and the statements read one notion of "a meal to serve on a day". Until the cutoff an order can be
cancelled (and restored); after it the canteen's manifest for the day is final and is sent to the canteen;
the canteen marks each meal delivered or missed; missed ones reach the coordinator. Statements add up a month
by the day of each meal.
"""
import io
import logging
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import case, func, or_, select, update

from app import history
from app.core import signals, spreadsheet
from app.core.engine import distance_m
from app.core.extensions import db
from app.core.kinds import SLOT_LABELS, occurrence_key
from app.core.pagination import keyset_page
from app.core.sql import insert_ignoring_duplicates, inserted_rows
from app.core.validation import Conflict, ValidationFailed, check_text
from app.core.vocabulary import ELIGIBILITY_LABELS, WEEKDAY_LABELS
from app.matching import services as matching
from app.matching.models import Match
from app.meals.models import DEFAULT_CUTOFF, MealManifest, MealOrder, MealPlan, MealSettings
from app.needs import services as needs
from app.needs.models import Need
from app.notifications import services as notifications
from app.offers import services as offers
from app.offers.models import WEEKDAYS, Offer, OfferClosure
from app.residents import services as residents
from app.residents.models import Resident
from app.units.models import Unit, UnitRepresentative
from tenants import clock
from tenants.clock import utcnow

logger = logging.getLogger(__name__)

HORIZON_DAYS = 7  # orders exist this many days ahead, so a resident can see and cancel them
LIVE_PLAN = ("active", "ended")  # an ended plan still makes orders up to its end day
OPEN_PLAN = ("requested", "active", "ended")  # what a new plan must not overlap


# --- canteens and their settings ------------------------------------------------------------------

def canteens() -> list[Offer]:
    """Every meal offer in the community, active first."""
    return list(db.session.execute(select(Offer).where(Offer.kind == "meal")
                                   .order_by(Offer.status, Offer.id)).scalars())


def get_canteen(offer_id: int) -> Offer | None:
    offer = offers.get_offer(offer_id)
    return offer if offer is not None and offer.kind == "meal" else None


def settings_of(offer: Offer) -> MealSettings:
    """The canteen's settings; defaults (no price list, 17:00 cutoff) until someone saves them."""
    found = db.session.execute(select(MealSettings).where(MealSettings.offer_id == offer.id)).scalar_one_or_none()
    return found or MealSettings(offer_id=offer.id, prices={}, cutoff=DEFAULT_CUTOFF)


def _settings_many(offer_ids) -> dict[int, MealSettings]:
    ids = sorted(set(offer_ids))
    found = {s.offer_id: s for s in db.session.execute(select(MealSettings).where(
        MealSettings.offer_id.in_(ids))).scalars()} if ids else {}
    return {i: found.get(i) or MealSettings(offer_id=i, prices={}, cutoff=DEFAULT_CUTOFF) for i in ids}


def save_settings(offer: Offer, clean: dict) -> MealSettings:
    """Store what SettingsIn loaded: the price list (fen per slot and group) and the cutoff."""
    errors: dict[str, list[str]] = {}  # every problem at once, by the input it belongs to
    unknown = sorted(set(clean["prices"]) - set(offer.slots or []))
    if unknown:
        errors["prices"] = [_("This canteen does not serve: %(slots)s.", slots=", ".join(_slot_words(unknown)))]
    for slot, prices in clean["prices"].items():
        if prices and "anyone" not in prices and "anyone" in (offer.eligibility or []) and slot not in unknown:
            errors[f"prices.{slot}.value.anyone.value"] = [_(
                "Give a price for anyone at %(slot)s: the canteen serves everyone.",
                slot=", ".join(_slot_words([slot])))]
    if errors:
        raise ValidationFailed(errors)
    settings = db.session.execute(select(MealSettings).where(MealSettings.offer_id == offer.id)).scalar_one_or_none()
    if settings is None:
        settings = MealSettings(offer_id=offer.id)
        db.session.add(settings)
    settings.prices = {slot: dict(p) for slot, p in clean["prices"].items() if p}
    settings.cutoff = clean["cutoff"]
    db.session.flush()
    return settings


def price_for(settings: MealSettings, offer: Offer, slot: str, groups: set) -> int:
    """The lowest price of the groups the resident belongs to; without a price list, the offer's price."""
    prices = (settings.prices or {}).get(slot)
    if not prices:
        return offer.price_cents or 0
    applicable = [cents for group, cents in prices.items() if group == "anyone" or group in groups]
    return min(applicable) if applicable else min(prices.values())


def cutoff_at(settings: MealSettings, day: date) -> datetime:
    """The moment after which the day's orders are final: HH:MM on the day before, community time."""
    hours, minutes = (int(x) for x in (settings.cutoff or DEFAULT_CUTOFF).split(":"))
    return datetime.combine(day - timedelta(days=1), time(hours, minutes), clock.zone())


def first_open_day(settings: MealSettings, now: datetime | None = None) -> date:
    """The first day whose orders can still be made or cancelled."""
    now = now or clock.now()
    day = now.date() + timedelta(days=1)
    while now >= cutoff_at(settings, day):
        day += timedelta(days=1)
    return day


def _cancellable(order: MealOrder, settings: MealSettings, now: datetime) -> bool:
    return order.status in ("ordered", "unplaced") and now < cutoff_at(settings, order.day)


# --- meal plans ------------------------------------------------------------------------------------

def get_plan(plan_id: int) -> MealPlan | None:
    return db.session.execute(select(MealPlan).where(MealPlan.id == plan_id)).scalar_one_or_none()


def list_plans(*, resident_id: int | None = None, offer_id: int | None = None, status: str | None = None,
               resident_ids: list[int] | None = None, cursor: str | None = None, limit: int = 50):
    stmt = select(MealPlan)
    if resident_id:
        stmt = stmt.where(MealPlan.resident_id == resident_id)
    if resident_ids is not None:
        stmt = stmt.where(MealPlan.resident_id.in_(resident_ids or [-1]))
    if offer_id:
        stmt = stmt.where(MealPlan.offer_id == offer_id)
    if status:
        stmt = stmt.where(MealPlan.status == status)
    return keyset_page(stmt, (MealPlan.id,), cursor=cursor, limit=limit, descending=True)


def _overlapping(resident_id: int, clean: dict) -> MealPlan | None:
    """Another plan of the resident that orders the same meal on the same weekday in overlapping dates."""
    stmt = select(MealPlan).where(MealPlan.resident_id == resident_id, MealPlan.status.in_(OPEN_PLAN),
                                  or_(MealPlan.ends_on.is_(None), MealPlan.ends_on >= clean["starts_on"]))
    if clean.get("ends_on"):
        stmt = stmt.where(MealPlan.starts_on <= clean["ends_on"])
    for plan in db.session.execute(stmt).scalars():
        if set(plan.weekdays) & set(clean["weekdays"]) and set(plan.slots) & set(clean["slots"]):
            return plan
    return None


def request_plan(data: dict, *, actor_id: int | None, confirm: bool) -> MealPlan:
    """A new plan from what PlanIn loaded: staff make it active at once (`confirm`); a resident's request
    waits for staff."""
    clean = dict(data)
    resident = residents.get_resident(int(clean.pop("resident_id")))
    if resident is None or resident.status != "active":
        raise ValidationFailed({"resident_id": [_("No such resident in this community.")]})
    offer = get_canteen(int(clean.pop("offer_id")))
    if offer is None:
        raise ValidationFailed({"offer_id": [_("Choose one of the community's canteens.")]})
    errors: dict[str, list[str]] = {}
    if offer.status != "active":
        errors["offer_id"] = [_("This canteen is not taking orders now.")]
    missing = [s for s in clean["slots"] if s not in (offer.slots or [])]
    if missing:
        errors["slots"] = [_("This canteen does not serve: %(slots)s.", slots=", ".join(_slot_words(missing)))]
    closed = [d for d in clean["weekdays"] if offer.weekly and d not in offer.weekly]
    if closed:
        errors["weekdays"] = [_("The canteen is closed on: %(days)s.", days=", ".join(_day_words(closed)))]
    if clean["mode"] == "delivery" and not offer.delivery:
        errors["mode"] = [_("This canteen does not deliver; choose dine-in.")]
    elif clean["mode"] == "delivery" and offer.radius_m:

        away = distance_m(offer.latitude, offer.longitude, resident.latitude, resident.longitude)
        if away is not None and away > offer.radius_m:
            errors["mode"] = [_("The home is %(away)s m away; this canteen delivers within %(radius)s m.",
                                away=round(away), radius=offer.radius_m)]
    settings = settings_of(offer)
    first = first_open_day(settings)
    if clean["starts_on"] < first:
        errors["starts_on"] = [_("The earliest start is %(day)s (orders close at %(cutoff)s the day before).",
                                 day=first.isoformat(), cutoff=settings.cutoff)]
    if errors:
        raise ValidationFailed(errors)
    if "anyone" not in (offer.eligibility or ["anyone"]):
        groups, _grade = residents.eligibility_of([resident.id], actor_id=actor_id, purpose="meals")[resident.id]
        if not groups & set(offer.eligibility):

            raise ValidationFailed({"resident_id": [_("This canteen serves only: %(groups)s.", groups=", ".join(
                str(ELIGIBILITY_LABELS[g]) for g in offer.eligibility if g in ELIGIBILITY_LABELS))]})
    clean["diet_notes"] = clean["diet_notes"] or resident.diet_notes
    clash = _overlapping(resident.id, clean)
    if clash is not None:
        raise ValidationFailed({"weekdays": [_("This overlaps meal plan no. %(id)s of the same resident "
                                               "(same meal on the same weekday); end that plan first.",
                                               id=clash.id)]})
    plan = MealPlan(resident_id=resident.id, offer_id=offer.id, status="active" if confirm else "requested",
                    created_by_id=actor_id, **clean)
    db.session.add(plan)
    db.session.flush()
    history.created(plan, actor_id=actor_id)
    if confirm:
        generate_orders(plans=[plan])
        _tell_resident(resident, "meal.plan_confirmed", plan, offer)
    else:
        notifications.emit("meal.plan_requested", audience=notifications.to_roles("admin", "coordinator"),
                           payload={"name": resident.name, "canteen": offer.title, "link": f"/meals/plans/{plan.id}"},
                           actor_id=actor_id)
    db.session.flush()
    return plan


def confirm_plan(plan: MealPlan, *, actor_id: int | None) -> MealPlan:
    if plan.status != "requested":
        raise Conflict(_("This meal plan is not waiting for confirmation."), "invalid_transition")
    offer = offers.get_offer(plan.offer_id)
    first = first_open_day(settings_of(offer))
    if plan.starts_on < first:
        plan.starts_on = first  # asked for a day that has closed meanwhile: start at the first open one
        if plan.ends_on is not None and plan.ends_on < first:
            raise ValidationFailed({"ends_on": [_("This plan would end before its first possible day.")]})
    history.record(plan, "active", actor_id=actor_id)
    db.session.flush()
    generate_orders(plans=[plan])
    _tell_resident(residents.get_resident(plan.resident_id), "meal.plan_confirmed", plan, offer)
    return plan


def decline_plan(plan: MealPlan, *, actor_id: int | None, note: str = "") -> MealPlan:
    check_text("note", note, multiline=True)
    if plan.status != "requested":
        raise Conflict(_("This meal plan is not waiting for confirmation."), "invalid_transition")
    history.record(plan, "declined", actor_id=actor_id, note=note)
    _tell_resident(residents.get_resident(plan.resident_id), "meal.plan_declined", plan,
                   offers.get_offer(plan.offer_id), note=note)
    db.session.flush()
    return plan


def end_plan(plan: MealPlan, ends_on: date, *, actor_id: int | None) -> MealPlan:
    """Stop a plan after `ends_on`: later orders are cancelled; days already final cannot be."""
    if plan.status not in ("requested", "active", "ended"):
        raise Conflict(_("This meal plan has already stopped."), "invalid_transition")
    settings = settings_of(offers.get_offer(plan.offer_id))
    earliest = first_open_day(settings) - timedelta(days=1)
    if plan.status != "requested" and ends_on < earliest:
        raise ValidationFailed({"ends_on": [_("Meals up to %(day)s are already final; the plan can end on "
                                              "%(day)s at the earliest.", day=earliest.isoformat())]})
    if plan.ends_on is not None and ends_on > plan.ends_on:
        raise ValidationFailed({"ends_on": [_("The plan already ends on %(day)s.", day=plan.ends_on.isoformat())]})
    plan.ends_on = max(ends_on, plan.starts_on - timedelta(days=1))
    later = db.session.execute(select(MealOrder).where(MealOrder.plan_id == plan.id, MealOrder.day > plan.ends_on,
                                                       MealOrder.status.in_(("ordered", "unplaced")))
                               .with_for_update()).scalars().all()
    for order in later:
        _cancel(order, actor_id=actor_id, note="plan ended")
    history.record(plan, "declined" if plan.status == "requested" else "ended", actor_id=actor_id,
                   note=plan.ends_on.isoformat())
    db.session.flush()
    return plan


def _tell_resident(resident: Resident | None, event: str, plan: MealPlan, offer: Offer, note: str = "") -> None:
    if resident is None or resident.account_id is None:
        return
    notifications.emit(event, audience=notifications.to_users(resident.account_id),
                       payload={"canteen": offer.title, "starts_on": plan.starts_on.isoformat(), "note": note,
                                "link": f"/meals/plans/{plan.id}"})


# --- daily orders -----------------------------------------------------------------------------------

def generate_orders(*, plans: list[MealPlan] | None = None, start: date | None = None,
                    days: int = HORIZON_DAYS, actor_id: int | None = None) -> int:
    """Make the orders of the next `days` days from live plans; idempotent (one order per plan, day and meal).

    Each new order takes a place of the canteen's slot; a full canteen leaves it `unplaced` for the
    coordinator. A closure day makes it `cancelled`. Returns how many orders were made.
    """
    start = start or clock.now().date()
    end = start + timedelta(days=days - 1)
    if plans is None:
        plans = list(db.session.execute(select(MealPlan).where(
            MealPlan.status.in_(LIVE_PLAN), MealPlan.starts_on <= end,
            or_(MealPlan.ends_on.is_(None), MealPlan.ends_on >= start))).scalars())
    plans = [p for p in plans if p.status in LIVE_PLAN]
    if not plans:
        return 0
    plan_ids = [p.id for p in plans]
    existing = set(db.session.execute(select(MealOrder.plan_id, MealOrder.day, MealOrder.slot).where(
        MealOrder.plan_id.in_(plan_ids), MealOrder.day.between(start, end))))
    wanted = [(plan, day, slot) for plan in plans for day in _days(plan, start, end) for slot in plan.slots
              if (plan.id, day, slot) not in existing]
    if not wanted:
        return 0
    offer_ids = {p.offer_id for p in plans}
    offer_rows = {o.id: o for o in db.session.execute(select(Offer).where(Offer.id.in_(offer_ids))).scalars()}
    settings = _settings_many(offer_ids)
    closed = set(db.session.execute(select(OfferClosure.offer_id, OfferClosure.day).where(
        OfferClosure.offer_id.in_(offer_ids), OfferClosure.day.between(start, end))))
    groups = residents.eligibility_of({plan.resident_id for plan, _d, _s in wanted}, actor_id=actor_id,
                                      purpose="meal_price")
    by_occurrence = defaultdict(list)  # one canteen's meal on one day: its places are taken together
    for plan, day, slot in wanted:
        by_occurrence[(plan.offer_id, day, slot)].append(plan)
    rows, placed = [], {}
    for (offer_id, day, slot), group in by_occurrence.items():
        offer = offer_rows[offer_id]
        if (offer_id, day) in closed or offer.status != "active":
            n, note = 0, "closed"
        else:
            n, note = _take_places(offer_id, occurrence_key("meal", day, slot), len(group)), "full"
        placed[(offer_id, day, slot)] = n
        rows += [{"community_id": plan.community_id, "plan_id": plan.id, "resident_id": plan.resident_id,
                  "offer_id": offer_id, "day": day, "slot": slot, "mode": plan.mode, "diet_notes": plan.diet_notes,
                  "price_cents": price_for(settings[offer_id], offer, slot,
                                           groups.get(plan.resident_id, (set(),))[0]),
                  "status": "ordered" if i < n else ("cancelled" if note == "closed" else "unplaced"),
                  "note": "" if i < n else note, "created_at": utcnow()} for i, plan in enumerate(group)]
    new = inserted_rows(MealOrder, rows, MealOrder.offer_id, MealOrder.day, MealOrder.slot, MealOrder.status)
    kept = Counter((offer_id, day, slot) for offer_id, day, slot, status in new if status == "ordered")
    for occurrence, n in placed.items():
        if kept[occurrence] < n:  # another run made some of them meanwhile: give their places back
            offers.release(occurrence[0], occurrence_key("meal", *occurrence[1:]), n - kept[occurrence])
    made = len(new)
    db.session.flush()
    return made


def _take_places(offer_id: int, key: str, n: int) -> int:
    """Take places for up to n meals: all at once when they fit (one UPDATE), else as many as are left."""
    want = n
    while want > 0:
        try:
            offers.reserve(offer_id, key, want)
            return want
        except Conflict:  # fewer places than wanted: ask what is left (it may shrink meanwhile: try less)
            want = min(want - 1, offers.places_left(offer_id, key))
    return 0


def _days(plan: MealPlan, start: date, end: date):
    day = max(start, plan.starts_on)
    last = min(end, plan.ends_on) if plan.ends_on else end
    while day <= last:
        if WEEKDAYS[day.weekday()] in plan.weekdays:
            yield day
        day += timedelta(days=1)


def daily_orders() -> int:
    """Scheduled: make the coming days' orders for every live plan of the community."""
    return generate_orders()


def get_order(order_id: int) -> MealOrder | None:
    return db.session.execute(select(MealOrder).where(MealOrder.id == order_id)).scalar_one_or_none()


def list_orders(*, resident_id: int | None = None, plan_id: int | None = None, offer_id: int | None = None,
                day_from: date | None = None, day_to: date | None = None, status: str | None = None,
                resident_ids: list[int] | None = None, limit: int = 100) -> list[MealOrder]:
    stmt = select(MealOrder)
    if resident_id:
        stmt = stmt.where(MealOrder.resident_id == resident_id)
    if resident_ids is not None:
        stmt = stmt.where(MealOrder.resident_id.in_(resident_ids or [-1]))
    if plan_id:
        stmt = stmt.where(MealOrder.plan_id == plan_id)
    if offer_id:
        stmt = stmt.where(MealOrder.offer_id == offer_id)
    if day_from:
        stmt = stmt.where(MealOrder.day >= day_from)
    if day_to:
        stmt = stmt.where(MealOrder.day <= day_to)
    if status:
        stmt = stmt.where(MealOrder.status == status)
    return list(db.session.execute(stmt.order_by(MealOrder.day, MealOrder.slot, MealOrder.id).limit(limit)).scalars())


def with_cancellable(orders: list[MealOrder]) -> list[MealOrder]:
    """Mark each order with whether it can still change (`open`) and be cancelled (`cancellable`) now."""
    open_ids = cancellable_ids(orders)
    for order in orders:
        order.open = order.id in open_ids
        order.cancellable = order.open and order.status in ("ordered", "unplaced")
    return orders


def held_residents(user_id: int, *, everyone: bool) -> list[int] | None:
    """Whose meals a member sees: everyone's (staff: None), else the residents they act for."""
    return None if everyone else [r.id for r in residents.residents_held_by(user_id)]


def cancellable_ids(orders: list[MealOrder]) -> set[int]:
    """Which of these orders can still be cancelled (or restored) now."""
    settings = _settings_many(o.offer_id for o in orders)
    now = clock.now()
    return {o.id for o in orders if now < cutoff_at(settings[o.offer_id], o.day)}


def _cancel(order: MealOrder, *, actor_id: int | None, note: str) -> None:
    if order.status == "ordered" and order.match_id is None:  # a one-off meal's places are its match's
        offers.release(order.offer_id, occurrence_key("meal", order.day, order.slot), order.quantity)
    order.status, order.note, order.changed_by_id, order.changed_at = "cancelled", note, actor_id, utcnow()


def cancel_order(order: MealOrder, *, actor_id: int | None) -> MealOrder:
    """Skip one meal; only before the cutoff (the canteen has planned the day after it)."""
    settings = settings_of(offers.get_offer(order.offer_id))
    if order.status == "cancelled":
        return order
    if not _cancellable(order, settings, clock.now()):
        raise ValidationFailed({"day": [_("Orders for %(day)s closed at %(cutoff)s the day before; it can no "
                                          "longer be cancelled.", day=order.day.isoformat(), cutoff=settings.cutoff)]})
    if order.match_id is not None:  # a one-off meal: its need is cancelled, which ends the match and this order
        need = _need_of(order)
        if need is not None and need.status != "cancelled":
            needs.move(need, "cancelled", actor_id=actor_id, note=_("Meal skipped"))
        _cancel(order, actor_id=actor_id, note="cancelled")
        db.session.flush()
        return order
    _cancel(order, actor_id=actor_id, note="cancelled")
    db.session.flush()
    return order


def _need_of(order: MealOrder) -> Need | None:
    match = matching.get_match(order.match_id) if order.match_id else None
    return needs.get_need(match.need_id) if match else None


def restore_order(order: MealOrder, *, actor_id: int | None) -> MealOrder:
    """Take back a cancellation (or retry a meal the canteen had no place for), before the cutoff."""
    settings = settings_of(offers.get_offer(order.offer_id))
    if order.status not in ("cancelled", "unplaced") or order.note in ("closed", "plan ended") or order.match_id:
        raise Conflict(_("This meal cannot be restored."), "invalid_transition")
    if clock.now() >= cutoff_at(settings, order.day):
        raise ValidationFailed({"day": [_("Orders for %(day)s closed at %(cutoff)s the day before.",
                                          day=order.day.isoformat(), cutoff=settings.cutoff)]})
    offers.reserve(order.offer_id, occurrence_key("meal", order.day, order.slot), 1)  # Conflict when full
    order.status, order.note, order.changed_by_id, order.changed_at = "ordered", "", actor_id, utcnow()
    db.session.flush()
    return order


@signals.offer_day_closed.connect
def _offer_day_closed(offer, *, day: date, actor_id: int | None, **_extra) -> None:
    if offer.kind == "meal":
        cancel_for_closure(offer.id, day, actor_id=actor_id)


def cancel_for_closure(offer_id: int, day: date, *, actor_id: int | None) -> int:
    """The canteen closes on a day: its orders that day are cancelled and their places freed."""
    found = db.session.execute(select(MealOrder).where(MealOrder.offer_id == offer_id, MealOrder.day == day,
                                                       MealOrder.status.in_(("ordered", "unplaced")),
                                                       MealOrder.plan_id.is_not(None))
                               .with_for_update()).scalars().all()
    for order in found:
        _cancel(order, actor_id=actor_id, note="closed")
    return len(found)


# --- one-off meals: a confirmed match of a meal need ------------------------------------------------------

@signals.match_confirmed.connect
def _one_off_meal(match: Match, *, need: Need, actor_id: int | None) -> None:
    if need.kind == "meal" and need.slot:
        order_for_match(match, need, actor_id=actor_id)


def order_for_match(match: Match, need: Need, *, actor_id: int | None) -> MealOrder | None:
    """The meal a confirmed match serves, on the canteen's day like a plan's meal (its places are already
    booked by the match): priced for the resident, delivered home when the canteen delivers."""
    offer = get_canteen(match.offer_id)
    if offer is None:
        return None
    day = matching.service_day(match, need)
    resident = residents.get_resident(need.resident_id) if need.resident_id else None
    groups = residents.eligibility_of([resident.id], actor_id=actor_id, purpose="meal_price").get(
        resident.id, (set(),))[0] if resident else set()
    if resident is not None:
        beneficiary = ""
    else:
        names = needs.names_of([need])
        beneficiary = (names["units"].get(need.unit_id) or names["referred"].get(need.referral_id) or need.title)
    order = MealOrder(match_id=match.id, resident_id=resident.id if resident else None,
                      beneficiary=str(beneficiary)[:200], offer_id=offer.id, day=day, slot=need.slot,
                      mode="delivery" if offer.delivery else "dine_in",
                      diet_notes=(resident.diet_notes if resident else "") or "", quantity=match.quantity,
                      price_cents=price_for(settings_of(offer), offer, need.slot, groups), status="ordered")
    db.session.add(order)
    db.session.flush()
    return order


@signals.match_delivered.connect
def _one_off_delivered(match: Match, *, actor_id: int | None) -> None:
    db.session.execute(update(MealOrder).where(MealOrder.match_id == match.id,
                                               MealOrder.status.in_(("ordered", "missed")))
                       .values(status="delivered", changed_by_id=actor_id, changed_at=utcnow())
                       .execution_options(synchronize_session="fetch"))


@signals.need_cancelled.connect
def _one_off_cancelled(need: Need, *, actor_id: int | None, note: str) -> None:
    """A cancelled need ends its match (matching gives the places back) and its one-off meal leaves the day."""
    found = db.session.execute(select(MealOrder).where(
        MealOrder.match_id.in_(select(Match.id).where(Match.need_id == need.id)),
        MealOrder.status.in_(("ordered", "unplaced")))).scalars().all()
    for order in found:
        order.status, order.note, order.changed_by_id, order.changed_at = "cancelled", "cancelled", actor_id, utcnow()


# --- deliveries -------------------------------------------------------------------------------------

def mark_delivery(order: MealOrder, outcome: str, *, actor_id: int | None, note: str = "",
                  day: date | None = None) -> MealOrder:
    """The canteen (or staff) marks a meal delivered (or eaten in) or missed; a miss reaches the coordinator.
    `day`: the manifest the mark is made from; a meal of another day is refused. A one-off meal delivered
    delivers its match (the need is done and its rating asked for)."""
    check_text("note", note, multiline=True)
    if day is not None and day != order.day:
        raise ValidationFailed({"day": [_("This meal is on %(meal)s, not on %(day)s: mark it on the manifest of "
                                          "%(meal)s.", meal=order.day.isoformat(), day=day.isoformat())]})
    if order.status not in ("ordered", "delivered", "missed"):
        raise Conflict(_("Only an ordered meal can be marked."), "invalid_transition")
    if order.day > clock.now().date():
        raise ValidationFailed({"outcome": [_("The meal is on %(day)s; mark it on the day.",
                                              day=order.day.isoformat())]})
    match = matching.get_match(order.match_id) if order.match_id else None
    if match is not None and outcome == "missed" and match.status not in ("confirmed",):
        raise Conflict(_("This one-off meal was marked delivered and its rating asked for; it cannot be marked "
                         "missed now."), "invalid_transition")
    newly_missed = outcome == "missed" and order.status != "missed"
    order.status, order.note, order.changed_by_id, order.changed_at = outcome, note[:200], actor_id, utcnow()
    if match is not None and outcome == "delivered" and match.status == "confirmed":
        db.session.flush()
        matching.deliver(match, actor_id=actor_id)
    if newly_missed:
        resident = residents.get_resident(order.resident_id) if order.resident_id else None
        offer = offers.get_offer(order.offer_id)
        notifications.emit("meal.missed", audience=notifications.to_roles("admin", "coordinator"),
                           payload={"name": resident.name if resident else order.beneficiary, "canteen": offer.title,
                                    "day": order.day.isoformat(), "slot": order.slot, "note": note[:200],
                                    "link": "/meals/missed"}, actor_id=actor_id)
    db.session.flush()
    return order


def mark_rest_delivered(offer: Offer, day: date, *, actor_id: int | None) -> int:
    """One tap at the end of the round: every meal of the day still open is delivered (a one-off meal's
    match with it)."""
    if day > clock.now().date():
        raise ValidationFailed({"day": [_("The meal is on %(day)s; mark it on the day.", day=day.isoformat())]})
    one_off = list(db.session.execute(select(Match).where(Match.id.in_(
        select(MealOrder.match_id).where(MealOrder.offer_id == offer.id, MealOrder.day == day,
                                         MealOrder.status == "ordered", MealOrder.match_id.is_not(None))),
        Match.status == "confirmed")).scalars())
    n = db.session.execute(
        update(MealOrder).where(MealOrder.offer_id == offer.id, MealOrder.day == day, MealOrder.status == "ordered")
        .values(status="delivered", changed_by_id=actor_id, changed_at=utcnow())
        .execution_options(synchronize_session=False)).rowcount
    for match in one_off:
        matching.deliver(match, actor_id=actor_id)
    return n


def missed(*, days: int = 7) -> list[tuple[MealOrder, Resident, Offer]]:
    """Missed meals of the last `days` days and unplaced ones from today on, newest first: the coordinator's list."""
    today = clock.now().date()
    return list(db.session.execute(
        select(MealOrder, Resident, Offer).outerjoin(Resident, Resident.id == MealOrder.resident_id)
        .join(Offer, Offer.id == MealOrder.offer_id)
        .where(or_(MealOrder.status == "missed", (MealOrder.status == "unplaced") & (MealOrder.day >= today)),
               MealOrder.day >= today - timedelta(days=days))
        .order_by(MealOrder.day.desc(), MealOrder.slot, Resident.name_sort, MealOrder.id)))


# --- manifests ----------------------------------------------------------------------------------------

@dataclass
class ManifestRow:
    """What a canteen may know of a meal: who, where, the diet — nothing else of the resident."""

    order_id: int
    name: str
    building: str
    entrance: str
    room: str
    address: str
    diet_notes: str
    slot: str
    mode: str
    status: str
    quantity: int = 1
    one_off: bool = False  # a one-off meal matched to a need, not a plan's


@dataclass
class Manifest:
    offer_id: int
    canteen: str
    day: date
    final: bool
    counts: dict = field(default_factory=dict)
    rows: list[ManifestRow] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(n for modes in self.counts.values() for n in modes.values())

    def by_building(self) -> list[tuple[str, list[ManifestRow]]]:
        """The delivery round: meals grouped by building, in building order."""
        groups = defaultdict(list)
        for row in self.rows:
            if row.mode == "delivery":
                groups[row.building].append(row)
        return sorted(groups.items(), key=lambda item: _natural(item[0]))

    def dine_in(self) -> list[ManifestRow]:
        return [row for row in self.rows if row.mode == "dine_in"]


def _natural(text: str):

    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", text or "") if part]


SLOT_ORDER = {"breakfast": 0, "lunch": 1, "dinner": 2}


def manifest(offer: Offer, day: date) -> Manifest:
    """The canteen's day: meals per slot and mode, and the list of who eats (cancelled meals left out)."""
    found = db.session.execute(
        select(MealOrder.id, func.coalesce(Resident.name, MealOrder.beneficiary),
               func.coalesce(Resident.building, ""), func.coalesce(Resident.entrance, ""),
               func.coalesce(Resident.room, ""), func.coalesce(Resident.address, ""),
               MealOrder.diet_notes, MealOrder.slot, MealOrder.mode, MealOrder.status, MealOrder.quantity,
               MealOrder.match_id.is_not(None))
        .outerjoin(Resident, Resident.id == MealOrder.resident_id)
        .where(MealOrder.offer_id == offer.id, MealOrder.day == day,
               MealOrder.status.in_(("ordered", "delivered", "missed")))).all()
    counts: dict[str, Counter] = {}
    rows = [ManifestRow(*columns[:11], one_off=bool(columns[11])) for columns in found]
    for row in rows:
        counts.setdefault(row.slot, Counter())[row.mode] += row.quantity
    rows.sort(key=lambda r: (SLOT_ORDER.get(r.slot, 9), r.mode, _natural(r.building), _natural(r.entrance),
                             _natural(r.room), r.name))
    final = clock.now() >= cutoff_at(settings_of(offer), day)
    ordered_counts = {slot: dict(counts[slot]) for slot in sorted(counts, key=lambda s: SLOT_ORDER.get(s, 9))}
    return Manifest(offer.id, offer.title, day, final, ordered_counts, rows)


def manifest_xlsx(m: Manifest) -> bytes:

    from openpyxl import Workbook  # lazily: openpyxl is loaded only when a spreadsheet is read or written
    from openpyxl.styles import Font  # lazily: openpyxl is loaded only when a spreadsheet is read or written


    book = Workbook()
    sheet = book.active
    sheet.title = m.day.isoformat()
    spreadsheet.append(sheet, [_("Manifest"), m.canteen, m.day.isoformat()])
    sheet["A1"].font = Font(bold=True)
    for slot, modes in m.counts.items():
        spreadsheet.append(sheet, [str(SLOT_LABELS.get(slot, slot)), _("Dine-in"), modes.get("dine_in", 0),
                                   _("Delivery"), modes.get("delivery", 0)])
    spreadsheet.append(sheet, [])
    spreadsheet.append(sheet, [_("Meal"), _("Way"), _("Building"), _("Entrance"), _("Room"), _("Full name"),
                               _("Address"), _("Diet notes"), _("Done")])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    words = {"dine_in": _("Dine-in"), "delivery": _("Delivery")}
    for row in m.rows:
        name = row.name if row.quantity == 1 else f"{row.name} ×{row.quantity}"
        spreadsheet.append(sheet, [str(SLOT_LABELS.get(row.slot, row.slot)), words[row.mode], row.building,
                                   row.entrance, row.room, name, row.address, row.diet_notes,
                                   "✓" if row.status == "delivered" else ""])
    for column, width in zip("ABCDEFGHI", (8, 8, 8, 8, 8, 12, 28, 28, 6), strict=True):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def send_manifests() -> int:
    """Scheduled: when a canteen's orders for tomorrow close, send it tomorrow's manifest, once."""
    now = clock.now()
    tomorrow = now.date() + timedelta(days=1)
    active = [o for o in canteens() if o.status == "active"]
    settings = _settings_many(o.id for o in active)
    sent_before = set(db.session.execute(select(MealManifest.offer_id).where(MealManifest.day == tomorrow)).scalars())
    due = [o for o in active if o.id not in sent_before and now >= cutoff_at(settings[o.id], tomorrow)]
    if not due:
        return 0
    generate_orders(start=tomorrow, days=1)  # a plan confirmed late still makes its meal before the list goes
    sent = 0
    for offer in due:
        m = manifest(offer, tomorrow)
        if not insert_ignoring_duplicates(MealManifest, [{"community_id": offer.community_id, "offer_id": offer.id,
                                                          "day": tomorrow, "meals": m.total, "sent_at": utcnow()}]):
            continue  # another run sent it meanwhile
        people = list(db.session.execute(select(UnitRepresentative.user_id).where(
            UnitRepresentative.unit_id == offer.unit_id)).scalars())
        if people:
            notifications.emit("meal.manifest", audience=notifications.to_users(*people),
                               payload={"canteen": offer.title, "day": tomorrow.isoformat(), "meals": m.total,
                                        "counts": m.counts,
                                        "link": f"/meals/canteens/{offer.id}/manifest?day={tomorrow.isoformat()}"})
        sent += 1
    db.session.flush()
    return sent


def todays_manifests(day: date | None = None) -> list[tuple[Offer, int, int]]:
    """(canteen, meals, of them delivered or missed) for a day: the coordinator's morning view."""
    day = day or clock.now().date()
    rows = db.session.execute(
        select(MealOrder.offer_id, func.sum(MealOrder.quantity),
               func.sum(case((MealOrder.status.in_(("delivered", "missed")), MealOrder.quantity), else_=0)))
        .where(MealOrder.day == day, MealOrder.status.in_(("ordered", "delivered", "missed")))
        .group_by(MealOrder.offer_id)).all()
    if not rows:
        return []
    by_id = {o.id: o for o in db.session.execute(select(Offer).where(Offer.id.in_([r[0] for r in rows]))).scalars()}
    return [(by_id[offer_id], int(total), int(marked or 0)) for offer_id, total, marked in rows]


def meals_on(offer_ids, day: date) -> dict[int, int]:
    """How many meals each of these canteens serves on a day (a unit's desk: tomorrow's manifest)."""
    if not offer_ids:
        return {}
    return dict(db.session.execute(
        select(MealOrder.offer_id, func.count())
        .where(MealOrder.offer_id.in_(list(offer_ids)), MealOrder.day == day,
               MealOrder.status.in_(("ordered", "delivered", "missed")))
        .group_by(MealOrder.offer_id)).all())


def morning(today: date | None = None) -> dict:
    """The meal table's part of the coordinator's day: today's manifests, yesterday's missed meals,
    meals that found no place, plans waiting for confirmation."""
    today = today or clock.now().date()
    gaps = missed(days=1)
    return {"manifests": todays_manifests(today),
            "missed": [row for row in gaps if row[0].status == "missed"],
            "unplaced": [row for row in gaps if row[0].status == "unplaced"],
            "requested": db.session.execute(select(func.count()).select_from(MealPlan).where(
                MealPlan.status == "requested")).scalar_one()}


def canteens_of_user(user_id: int) -> list[Offer]:
    """The meal offers of the units this person represents."""
    return list(db.session.execute(
        select(Offer).join(UnitRepresentative, UnitRepresentative.unit_id == Offer.unit_id)
        .where(UnitRepresentative.user_id == user_id, Offer.kind == "meal").order_by(Offer.id)).scalars())


def unit_names(offer_list) -> dict[int, str]:
    ids = {o.unit_id for o in offer_list}
    if not ids:
        return {}
    return dict(db.session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(ids))).all())


# --- statements ------------------------------------------------------------------------------------------

def month_range(month: str | None) -> tuple[str, date, date]:
    """'YYYY-MM' (default: this month) → (label, first day, last day)."""
    if month:
        year, number = (int(x) for x in month.split("-"))
        first = date(year, number, 1)
    else:
        first = clock.now().date().replace(day=1)
    after = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first.strftime("%Y-%m"), first, after - timedelta(days=1)


@dataclass
class ResidentStatement:
    resident_id: int
    month: str
    lines: list = field(default_factory=list)
    counts: dict = field(default_factory=dict)
    amount_cents: int = 0
    open_cents: int = 0


def resident_statement(resident: Resident, month: str | None = None) -> ResidentStatement:
    """A resident's month: every meal by day, what was cancelled or missed, what is owed (delivered meals)."""
    label, first, last = month_range(month)
    found = db.session.execute(
        select(MealOrder, Offer.title).join(Offer, Offer.id == MealOrder.offer_id)
        .where(MealOrder.resident_id == resident.id, MealOrder.day.between(first, last))
        .order_by(MealOrder.day, MealOrder.slot)).all()
    statement = ResidentStatement(resident.id, label)
    counts = Counter()
    for order, canteen in sorted(found, key=lambda t: (t[0].day, SLOT_ORDER.get(t[0].slot, 9))):
        counts[order.status] += order.quantity
        statement.lines.append({"day": order.day, "slot": order.slot, "canteen": canteen, "mode": order.mode,
                                "status": order.status, "price_cents": order.price_cents,
                                "quantity": order.quantity})
        if order.status == "delivered":
            statement.amount_cents += order.price_cents * order.quantity
        elif order.status == "ordered":
            statement.open_cents += order.price_cents * order.quantity
    statement.counts = dict(counts)
    return statement


@dataclass
class CanteenStatement:
    offer_id: int
    canteen: str
    month: str
    days: list = field(default_factory=list)
    by_price: dict = field(default_factory=dict)
    counts: dict = field(default_factory=dict)
    amount_cents: int = 0


def canteen_statement(offer: Offer, month: str | None = None) -> CanteenStatement:
    """A canteen's month per day and meal: delivered, missed, cancelled, still open; the amount of delivered
    meals and how many at each price (no names: the canteen is paid per meal, not told who pays what)."""
    label, first, last = month_range(month)
    rows = db.session.execute(
        select(MealOrder.day, MealOrder.slot, MealOrder.status, MealOrder.price_cents, func.sum(MealOrder.quantity))
        .where(MealOrder.offer_id == offer.id, MealOrder.day.between(first, last))
        .group_by(MealOrder.day, MealOrder.slot, MealOrder.status, MealOrder.price_cents)).all()
    statement = CanteenStatement(offer.id, offer.title, label)
    per_day: dict[tuple, dict] = {}
    counts, by_price = Counter(), Counter()
    for day, slot, status, price, n in rows:
        n = int(n)
        line = per_day.setdefault((day, slot), {"day": day, "slot": slot, "delivered": 0, "missed": 0,
                                                "cancelled": 0, "open": 0, "amount_cents": 0})
        bucket = {"ordered": "open", "unplaced": "cancelled"}.get(status, status)
        line[bucket] += n
        counts[bucket] += n
        if status == "delivered":
            line["amount_cents"] += price * n
            statement.amount_cents += price * n
            by_price[str(price)] += n
    statement.days = [per_day[key] for key in sorted(per_day, key=lambda k: (k[0], SLOT_ORDER.get(k[1], 9)))]
    statement.counts, statement.by_price = dict(counts), dict(sorted(by_price.items(), key=lambda i: int(i[0])))
    return statement


def canteen_statement_xlsx(s: CanteenStatement) -> bytes:

    from openpyxl import Workbook  # lazily: openpyxl is loaded only when a spreadsheet is read or written
    from openpyxl.styles import Font  # lazily: openpyxl is loaded only when a spreadsheet is read or written


    book = Workbook()
    sheet = book.active
    sheet.title = s.month
    spreadsheet.append(sheet, [_("Monthly statement"), s.canteen, s.month])
    sheet["A1"].font = Font(bold=True)
    spreadsheet.append(sheet, [_("Day"), _("Meal"), _("Delivered"), _("Missed"), _("Cancelled"),
                               _("Not yet marked"), _("Amount (yuan)")])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for line in s.days:
        spreadsheet.append(sheet, [line["day"].isoformat(), str(SLOT_LABELS.get(line["slot"], line["slot"])),
                                   line["delivered"], line["missed"], line["cancelled"], line["open"],
                                   line["amount_cents"] / 100])
    spreadsheet.append(sheet, [_("Total"), "", s.counts.get("delivered", 0), s.counts.get("missed", 0),
                               s.counts.get("cancelled", 0), s.counts.get("open", 0), s.amount_cents / 100])
    spreadsheet.append(sheet, [])
    spreadsheet.append(sheet, [_("Price (yuan)"), _("Delivered")])
    for price, n in s.by_price.items():
        spreadsheet.append(sheet, [int(price) / 100, n])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _slot_words(slots) -> list[str]:

    return [str(SLOT_LABELS.get(s, s)) for s in slots]


def _day_words(days) -> list[str]:

    return [str(WEEKDAY_LABELS.get(d, d)) for d in days]
