"""Meal table pages: the overview (each role sees its part), a meal plan with its coming meals, the plan
form, a canteen's settings, its printable manifest with one-tap delivery marks, missed meals, statements."""
import logging
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app import history
from app.core.extensions import db
from app.core.kinds import MEAL_SLOTS
from app.core.validation import Conflict, ValidationFailed
from app.core.vocabulary import flat_errors, labels
from app.matching import listings
from app.meals import services
from app.meals.api import _xlsx, canteen_or_404, order_or_404, own_residents, plan_or_404, with_cancellable
from app.meals.models import MODES, PLAN_STATUSES
from app.meals.schemas import MONTH
from app.offers.models import ELIGIBILITY, WEEKDAYS
from app.permissions import can, found, is_staff, require
from app.residents import services as residents
from app.sections import digest, section
from tenants import clock
from tenants.web import tenant_routes

logger = logging.getLogger(__name__)

bp = tenant_routes(Blueprint("meals", __name__, url_prefix="/c/<slug>/meals"))


@section("meals", page="today", order=30, template="meals/_today.html", permission="matching.confirm")
def _today():
    return labels() | {"meals": services.morning()}


@digest
def _digest_counts():
    meals = services.morning()
    return {"meals_today": sum(total for _offer, total, _marked in meals["manifests"]),
            "missed_meals": len(meals["missed"]), "meal_plans_requested": meals["requested"]}


@bp.context_processor
def _labels():

    return labels() | {
        "MEAL_SLOTS": MEAL_SLOTS, "WEEKDAYS": WEEKDAYS, "MODES": MODES, "ELIGIBILITY": ELIGIBILITY,
        "MODE_LABELS": {"dine_in": _l("Dine-in at the canteen"), "delivery": _l("Delivered home")},
        "PLAN_STATUS_LABELS": {"requested": _l("Waiting for confirmation"), "active": _l("Active"),
                               "ended": _l("Ending"), "declined": _l("Not accepted")},
        "ORDER_STATUS_LABELS": {"ordered": _l("Ordered"), "cancelled": _l("Skipped"), "delivered": _l("Delivered"),
                                "missed": _l("Missed"), "unplaced": _l("No place left")},
        "ORDER_NOTE_LABELS": {"closed": _l("canteen closed"), "full": _l("canteen full"),
                              "plan ended": _l("plan ended")},
        "yuan": lambda cents: f"¥{(cents or 0) / 100:.2f}",
    }


def _message(err) -> str:
    return getattr(err, "message", None) or "; ".join(m for ms in getattr(err, "fields", {}).values() for m in ms)


def _day_arg() -> date:
    try:
        return date.fromisoformat(request.args.get("day", ""))
    except ValueError:
        return clock.today()


def _month_arg() -> str | None:
    month = request.args.get("month", "")
    return month if MONTH.match(month) else None


@bp.get("/")
def index():
    """Staff: requests to confirm, today's manifests, canteens, plans. A canteen: its manifests.
    A resident or family member: their plans and the coming meals, each skippable before the cutoff."""
    require("meals.view")
    staff = is_staff()
    mine = own_residents()
    today = clock.today()
    status = request.args.get("status") if request.args.get("status") in PLAN_STATUSES else None
    own_canteens = services.canteens() if staff else services.canteens_of_user(current_user.id)
    try:
        plans, next_cursor = services.list_plans(resident_ids=mine, status=status,
                                                 cursor=request.args.get("cursor"), limit=50)
    except ValidationFailed:  # a cursor someone typed: start again
        return redirect(url_for("meals.index", status=status))
    coming = [] if staff else with_cancellable(services.list_orders(
        resident_ids=mine, day_from=today, day_to=today + timedelta(days=services.HORIZON_DAYS)))
    requested = services.list_plans(status="requested", limit=50)[0] if staff else []
    shown = plans + requested + coming
    return render_template(
        "meals/index.html", staff=staff, plans=plans, next_cursor=next_cursor, requested=requested, coming=coming,
        canteens=own_canteens, units=services.unit_names(own_canteens), today=today,
        tomorrow=today + timedelta(days=1),
        today_counts={offer.id: (total, marked) for offer, total, marked in services.todays_manifests(today)}
        if staff else {},
        names=residents.resident_names(p.resident_id for p in shown),
        titles={offer_id: offer.title for offer_id, (offer, _unit) in
                listings.offers_with_units(p.offer_id for p in shown).items()},
        can_request=staff or bool(mine), status=status)


# --- plans ------------------------------------------------------------------------------------------

def _plan_choices():
    if can("meals.confirm_plan"):
        people, _next = residents.list_residents(limit=200)
    else:
        people = residents.residents_held_by(current_user.id)
    return people, [o for o in services.canteens() if o.status == "active"]


@bp.route("/plans/new", methods=["GET", "POST"])
def new_plan():
    require("meals.view")
    people, canteens = _plan_choices()
    if not people and not can("meals.confirm_plan"):
        flash(_("Register your resident profile first; then you can ask for meals."), "error")
        return redirect(url_for("residents.create"))
    errors: dict = {}
    first = min((services.first_open_day(services.settings_of(o)) for o in canteens), default=None)
    values = {"resident_id": request.args.get("resident_id", ""), "offer_id": str(canteens[0].id) if canteens else "",
              "weekdays": ["mon", "tue", "wed", "thu", "fri"], "slots": ["lunch"], "mode": "dine_in",
              "starts_on": first.isoformat() if first else "", "ends_on": "", "diet_notes": ""}
    if request.method == "POST":
        form = request.form
        values = {key: form.get(key, "").strip() for key in ("resident_id", "offer_id", "mode", "starts_on",
                                                              "ends_on", "diet_notes")}
        values |= {"weekdays": form.getlist("weekdays"), "slots": form.getlist("slots")}
        data = dict(values) | {"ends_on": values["ends_on"] or None}
        resident = residents.get_resident(int(values["resident_id"])) if values["resident_id"].isdigit() else None
        if resident is None or not can("meals.request_plan", resident):
            errors = {"resident_id": [_("Choose the resident the meals are for.")]}
        else:
            try:
                plan = services.request_plan(data, actor_id=current_user.id, confirm=can("meals.confirm_plan"))
                db.session.commit()
                if plan.status == "active":
                    unplaced = services.list_orders(plan_id=plan.id, status="unplaced")
                    flash(_("Meal plan confirmed; the meals are ordered."), "success")
                    if unplaced:
                        flash(_("%(n)s meals found no place: the canteen is full on those days.", n=len(unplaced)),
                              "error")
                else:
                    flash(_("Asked for; the community office will confirm the meal plan."), "success")
                return redirect(url_for("meals.plan", plan_id=plan.id))
            except ValidationFailed as err:
                db.session.rollback()
                errors = flat_errors(err.fields)
    elif values["resident_id"].isdigit():
        resident = residents.get_resident(int(values["resident_id"]))
        if resident is not None and can("meals.request_plan", resident):
            values["diet_notes"] = resident.diet_notes
    return render_template("meals/plan_form.html", values=values, errors=errors, people=people, canteens=canteens,
                           units=services.unit_names(canteens),
                           prices={o.id: services.settings_of(o) for o in canteens}), (422 if errors else 200)


def _render_plan(plan, *, errors=None, status_code=200):
    today = clock.today()
    orders = with_cancellable(services.list_orders(plan_id=plan.id, day_from=today - timedelta(days=7),
                                                   day_to=today + timedelta(days=services.HORIZON_DAYS)))
    offer = services.get_canteen(plan.offer_id)
    changes = history.history_of(plan)
    return render_template(
        "meals/plan.html", plan=plan, orders=orders, offer=offer, resident=residents.get_resident(plan.resident_id),
        settings=services.settings_of(offer), changes=changes, today=today, errors=errors or {},
        actors=listings.user_names(c.actor_id for c in changes), staff=is_staff(),
        earliest_end=services.first_open_day(services.settings_of(offer)) - timedelta(days=1)), status_code


@bp.get("/plans/<int:plan_id>")
def plan(plan_id: int):
    return _render_plan(plan_or_404(plan_id))


@bp.post("/plans/<int:plan_id>/confirm")
def confirm_plan(plan_id: int):
    found = plan_or_404(plan_id)
    require("meals.confirm_plan")
    try:
        services.confirm_plan(found, actor_id=current_user.id)
        db.session.commit()
        flash(_("Meal plan confirmed; the meals are ordered."), "success")
    except (Conflict, ValidationFailed) as err:
        db.session.rollback()
        flash(_message(err), "error")
    return redirect(url_for("meals.plan", plan_id=plan_id))


@bp.post("/plans/<int:plan_id>/decline")
def decline_plan(plan_id: int):
    found = plan_or_404(plan_id)
    require("meals.confirm_plan")
    try:
        services.decline_plan(found, actor_id=current_user.id, note=request.form.get("note", "").strip()[:200])
        db.session.commit()
        flash(_("The meal plan was not accepted; the resident is told."), "success")
    except Conflict as err:
        db.session.rollback()
        flash(err.message, "error")
    return redirect(url_for("meals.plan", plan_id=plan_id))


@bp.post("/plans/<int:plan_id>/end")
def end_plan(plan_id: int):
    found = plan_or_404(plan_id)
    try:
        ends_on = date.fromisoformat(request.form.get("ends_on", ""))
    except ValueError:
        return _render_plan(found, errors={"ends_on": [_("Choose the last day with meals.")]}, status_code=422)
    try:
        services.end_plan(found, ends_on, actor_id=current_user.id)
        db.session.commit()
        flash(_("The meal plan ends on %(day)s.", day=found.ends_on.isoformat()), "success")
    except ValidationFailed as err:
        db.session.rollback()
        return _render_plan(found, errors=flat_errors(err.fields), status_code=422)
    except Conflict as err:
        db.session.rollback()
        flash(err.message, "error")
    return redirect(url_for("meals.plan", plan_id=plan_id))


# --- orders -----------------------------------------------------------------------------------------

def _back(order) -> str:
    target = request.form.get("next", "")
    return target if target.startswith("/c/") and "//" not in target else url_for("meals.plan", plan_id=order.plan_id)


@bp.post("/orders/<int:order_id>/cancel")
def cancel_order(order_id: int):
    order = order_or_404(order_id)
    try:
        services.cancel_order(order, actor_id=current_user.id)
        db.session.commit()
        flash(_("The meal on %(day)s is skipped.", day=order.day.isoformat()), "success")
    except ValidationFailed as err:
        db.session.rollback()
        flash(_message(err), "error")
    return redirect(_back(order))


@bp.post("/orders/<int:order_id>/restore")
def restore_order(order_id: int):
    order = order_or_404(order_id)
    try:
        services.restore_order(order, actor_id=current_user.id)
        db.session.commit()
        flash(_("The meal on %(day)s is ordered again.", day=order.day.isoformat()), "success")
    except (ValidationFailed, Conflict) as err:
        db.session.rollback()
        flash(_message(err), "error")
    return redirect(_back(order))


@bp.post("/orders/<int:order_id>/delivery")
def mark_delivery(order_id: int):
    order = services.get_order(order_id)
    if order is None:
        abort(404)
    require("meals.canteen", services.get_canteen(order.offer_id))
    outcome = request.form.get("outcome", "")
    if outcome not in ("delivered", "missed"):
        abort(400)
    try:
        services.mark_delivery(order, outcome, actor_id=current_user.id, note=request.form.get("note", "").strip())
        db.session.commit()
    except (ValidationFailed, Conflict) as err:
        db.session.rollback()
        flash(_message(err), "error")
    return redirect(url_for("meals.manifest", offer_id=order.offer_id, day=order.day.isoformat())
                    + f"#order-{order.id}")


# --- canteens -------------------------------------------------------------------------------------

@bp.route("/canteens/<int:offer_id>/settings", methods=["GET", "POST"])
def canteen_settings(offer_id: int):
    """The price list (yuan per meal for each group) and the cutoff."""
    offer = canteen_or_404(offer_id)
    require("offers.edit", offer)
    settings = services.settings_of(offer)
    errors: dict = {}
    values = {"cutoff": settings.cutoff} | {f"price-{slot}-{group}": f"{cents / 100:.2f}"
                                            for slot, prices in (settings.prices or {}).items()
                                            for group, cents in prices.items()}
    if request.method == "POST":
        values = {key: value.strip() for key, value in request.form.items() if key != "csrf_token"}
        prices: dict = {}
        for slot in offer.slots or []:
            for group in ELIGIBILITY:
                text = values.get(f"price-{slot}-{group}", "").replace("¥", "").replace("元", "")
                if not text:
                    continue
                try:
                    cents = Decimal(text) * 100
                    if cents < 0 or cents != cents.to_integral_value():
                        raise InvalidOperation
                    prices.setdefault(slot, {})[group] = int(cents)
                except InvalidOperation:
                    errors.setdefault(f"price-{slot}-{group}", []).append(
                        _("Give the price in yuan, e.g. 8 or 7.50."))
        if not errors:
            try:
                services.save_settings(offer, {"prices": prices, "cutoff": values.get("cutoff", "")})
                db.session.commit()
                flash(_("Saved."), "success")
                return redirect(url_for("meals.canteen_settings", offer_id=offer.id))
            except ValidationFailed as err:
                db.session.rollback()
                errors = flat_errors(err.fields)
    return render_template("meals/settings.html", offer=offer, values=values, errors=errors), (422 if errors else 200)


@bp.get("/canteens/<int:offer_id>/manifest")
def manifest(offer_id: int):
    offer = canteen_or_404(offer_id)
    day = _day_arg()
    found = services.manifest(offer, day)
    return render_template("meals/manifest.html", offer=offer, m=found, day=day,
                           today=clock.today(), prev=day - timedelta(days=1),
                           next=day + timedelta(days=1))


@bp.get("/canteens/<int:offer_id>/manifest.xlsx")
def manifest_xlsx(offer_id: int):

    offer = canteen_or_404(offer_id)
    day = _day_arg()
    return _xlsx(services.manifest_xlsx(services.manifest(offer, day)), f"manifest-{offer.id}-{day}.xlsx")


@bp.post("/canteens/<int:offer_id>/delivered")
def mark_rest_delivered(offer_id: int):
    offer = canteen_or_404(offer_id)
    day = _day_arg()
    try:
        n = services.mark_rest_delivered(offer, day, actor_id=current_user.id)
        db.session.commit()
        flash(_("%(n)s meals marked delivered.", n=n), "success")
    except ValidationFailed as err:
        db.session.rollback()
        flash(_message(err), "error")
    return redirect(url_for("meals.manifest", offer_id=offer.id, day=day.isoformat()))


@bp.get("/canteens/<int:offer_id>/statement")
def canteen_statement(offer_id: int):
    offer = canteen_or_404(offer_id)
    statement = services.canteen_statement(offer, _month_arg())
    return render_template("meals/canteen_statement.html", offer=offer, s=statement)


@bp.get("/canteens/<int:offer_id>/statement.xlsx")
def canteen_statement_xlsx(offer_id: int):

    offer = canteen_or_404(offer_id)
    statement = services.canteen_statement(offer, _month_arg())
    return _xlsx(services.canteen_statement_xlsx(statement), f"statement-{offer.id}-{statement.month}.xlsx")


# --- the coordinator's list and the resident's statement ---------------------------------------------

@bp.get("/missed")
def missed():
    require("meals.missed")
    return render_template("meals/missed.html", rows=services.missed(days=7), today=clock.today())


@bp.get("/residents/<int:resident_id>/statement")
def resident_statement(resident_id: int):
    resident = found(residents.find_resident(resident_id, erased=can("residents.erase")), "meals.statement")
    return render_template("meals/resident_statement.html", resident=resident,
                           s=services.resident_statement(resident, _month_arg()))
