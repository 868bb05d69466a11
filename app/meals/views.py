"""Meal table pages: the overview (each role sees its part), a meal plan with its coming meals, the plan
form, a canteen's settings, its printable manifest with one-tap delivery marks, missed meals, statements."""
import logging
from datetime import date, timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app import history, yearbook
from app.accounts import services as accounts
from app.core import spreadsheet
from app.core.fields import as_id
from app.core.kinds import MEAL_SLOTS, SLOT_LABELS
from app.core.validation import ValidationFailed
from app.core.vocabulary import labels
from app.lifecycle import PageForm, read_form, redirect_refusals_to
from app.meals import schemas, services
from app.meals.models import MODES, PLAN_STATUSES
from app.meals.schemas import MONTH
from app.meals.year import meals_part, meals_street
from app.offers.models import ELIGIBILITY, WEEKDAYS
from app.offers.services import offers_with_units
from app.permissions import can, found, is_staff, require
from app.residents import services as residents
from app.sections import digest, section
from tenants import clock
from tenants.web import tenant_routes

logger = logging.getLogger(__name__)

# The meals part of the year (app.yearbook): the report, the dashboards and the street read it.
yearbook.part("meals", order=40, title=_l("Meal table"), street=meals_street)(meals_part)

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


# --- the homes: a resident's coming meals; a canteen's meals of tomorrow ------------------------------

def _coming_data(context: dict) -> dict:
    return {"title": _("My coming meals"), "url": url_for("meals.index"), "count": len(context["coming"]),
            "items": [{"id": str(o.id), "kind": "meal", "title": str(SLOT_LABELS.get(o.slot, o.slot)),
                       "status": o.status, "when": o.day.isoformat(), "url": url_for("meals.index")}
                      for o in context["coming"]]}


@section("meals", page="resident", order=35, template="meals/_resident_home.html", permission="home.resident",
         data=_coming_data)
def _resident_home():
    """The meals of the next three days and the plans waiting for the office's confirmation (none: no part)."""
    mine = services.held_residents(current_user.id, everyone=False)
    if not mine:
        return None
    today = clock.today()
    coming = services.list_orders(resident_ids=mine, day_from=today, day_to=today + timedelta(days=2), limit=6)
    waiting, _more = services.list_plans(resident_ids=mine, status="requested", limit=5)
    if not coming and not waiting:
        return None
    return _labels() | {"coming": coming, "waiting": waiting, "today": today}


def _tomorrow_data(context: dict) -> dict:
    return {"title": _("Tomorrow's manifest"), "url": url_for("meals.index"),
            "count": sum(context["counts"].values()),
            "items": [{"id": str(o.id), "kind": "meal", "title": o.title, "status": o.status,
                       "count": context["counts"].get(o.id, 0), "when": context["tomorrow"].isoformat(),
                       "url": url_for("meals.manifest", offer_id=o.id, day=context["tomorrow"].isoformat())}
                      for o in context["canteens"]]}


@section("manifest", page="unit", order=20, template="meals/_unit_home.html", permission="home.unit",
         data=_tomorrow_data)
def _unit_home():
    """Each canteen of the unit with its meals of tomorrow, and the manifest to print (none: no part)."""
    own = services.canteens_of_user(current_user.id)
    if not own:
        return None
    tomorrow = clock.today() + timedelta(days=1)
    return {"canteens": own, "tomorrow": tomorrow, "counts": services.meals_on([o.id for o in own], tomorrow)}


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
    mine = services.held_residents(current_user.id, everyone=staff)
    today = clock.today()
    status = request.args.get("status") if request.args.get("status") in PLAN_STATUSES else None
    own_canteens = services.canteens() if staff else services.canteens_of_user(current_user.id)
    redirect_refusals_to(url_for("meals.index", status=status), say=False)  # a cursor someone typed: start again
    plans, next_cursor = services.list_plans(resident_ids=mine, status=status, cursor=request.args.get("cursor"),
                                             limit=50)
    coming = [] if staff else services.with_cancellable(services.list_orders(
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
                offers_with_units(p.offer_id for p in shown).items()},
        can_request=staff or bool(mine), status=status)


# --- plans ------------------------------------------------------------------------------------------

def _plan_choices():
    """The residents a member may ask meals for (staff find anyone with the picker: none listed) and the canteens."""
    people = [] if is_staff() else residents.residents_held_by(current_user.id)
    return people, [o for o in services.canteens() if o.status == "active"]


# The inputs a GET of the plan form may fill in (the resident picker's search without script).
_PLAN_INPUTS = ("resident_id", "resident_id_q", "offer_id", "mode", "starts_on", "ends_on", "diet_notes")
_PLAN_LISTS = ("weekdays", "slots")


@bp.route("/plans/new", methods=["GET", "POST"])
def new_plan():
    require("meals.view")
    people, canteens = _plan_choices()
    if not people and not is_staff():
        flash(_("Register your resident profile first; then you can ask for meals."), "error")
        return redirect(url_for("residents.create"))
    first = min((services.first_open_day(services.settings_of(o)) for o in canteens), default=None)
    form = PageForm(schemas.PlanIn, initial={
        "resident_id": request.args.get("resident_id", ""), "offer_id": str(canteens[0].id) if canteens else "",
        "weekdays": ["mon", "tue", "wed", "thu", "fri"], "slots": ["lunch"], "mode": "dine_in",
        "starts_on": first.isoformat() if first else "", "ends_on": "", "diet_notes": ""}
        | ({key: request.args[key].strip() for key in _PLAN_INPUTS if key in request.args}
           | {key: request.args.getlist(key) for key in _PLAN_LISTS if key in request.args}
           if request.method == "GET" and "resident_id_q" in request.args else {}))
    chosen = form.values["resident_id"]
    resident = residents.get_resident(resident_id) if (resident_id := as_id(chosen)) else None
    if resident is None or not can("meals.request_plan", resident):
        if form.submitted and "resident_id" not in form.errors:
            form.add_errors({"resident_id": [_("Choose the resident the meals are for.")]})
    elif not form.submitted and not form.values.get("diet_notes"):
        form.values["diet_notes"] = resident.diet_notes
    picked = {}
    if is_staff():
        matches, more = residents.search_residents(form.values.get("resident_id_q"))
        picked = {"resident": residents.pick_item(resident) if resident and resident.status == "active" else None,
                  "resident_matches": [residents.pick_item(r) for r in matches], "more_residents": more}
    if form.valid:
        plan = services.request_plan(form.data, actor_id=current_user.id, confirm=is_staff())
        if plan.status == "active":
            unplaced = services.list_orders(plan_id=plan.id, status="unplaced")
            flash(_("Meal plan confirmed; the meals are ordered."), "success")
            if unplaced:
                flash(_("%(n)s meals found no place: the canteen is full on those days.", n=len(unplaced)), "error")
        else:
            flash(_("Asked for; the community office will confirm the meal plan."), "success")
        return redirect(url_for("meals.plan", plan_id=plan.id))
    return render_template("meals/plan_form.html", values=form.values, errors=form.errors, people=people,
                           staff=is_staff(), canteens=canteens, **picked, units=services.unit_names(canteens),
                           prices={o.id: services.settings_of(o) for o in canteens})


def _render_plan(plan, *, form: PageForm | None = None):
    today = clock.today()
    orders = services.with_cancellable(services.list_orders(
        plan_id=plan.id, day_from=today - timedelta(days=7), day_to=today + timedelta(days=services.HORIZON_DAYS)))
    offer = services.get_canteen(plan.offer_id)
    changes = history.history_of(plan)
    return render_template(
        "meals/plan.html", plan=plan, orders=orders, offer=offer, resident=residents.get_resident(plan.resident_id),
        settings=services.settings_of(offer), changes=changes, today=today, errors=form.errors if form else {},
        actors=accounts.user_names(c.actor_id for c in changes), staff=is_staff(),
        earliest_end=services.first_open_day(services.settings_of(offer)) - timedelta(days=1))


@bp.get("/plans/<int:plan_id>")
def plan(plan_id: int):
    return _render_plan(found(services.get_plan(plan_id), "meals.plan"))


@bp.post("/plans/<int:plan_id>/confirm")
def confirm_plan(plan_id: int):
    plan = found(services.get_plan(plan_id), "meals.plan")
    require("meals.confirm_plan")
    redirect_refusals_to(url_for("meals.plan", plan_id=plan_id))
    services.confirm_plan(plan, actor_id=current_user.id)
    flash(_("Meal plan confirmed; the meals are ordered."), "success")
    return redirect(url_for("meals.plan", plan_id=plan_id))


@bp.post("/plans/<int:plan_id>/decline")
def decline_plan(plan_id: int):
    plan = found(services.get_plan(plan_id), "meals.plan")
    require("meals.confirm_plan")
    redirect_refusals_to(url_for("meals.plan", plan_id=plan_id))
    services.decline_plan(plan, actor_id=current_user.id, note=read_form(schemas.DecideIn)["note"])
    flash(_("The meal plan was not accepted; the resident is told."), "success")
    return redirect(url_for("meals.plan", plan_id=plan_id))


@bp.post("/plans/<int:plan_id>/end")
def end_plan(plan_id: int):
    plan = found(services.get_plan(plan_id), "meals.plan")
    redirect_refusals_to(url_for("meals.plan", plan_id=plan_id))  # a plan that has already stopped
    form = PageForm(schemas.PlanEndIn)
    if not form.valid:
        if "ends_on" in form.errors and form.refusal is None:
            form.errors["ends_on"] = [_("Choose the last day with meals.")]
        return _render_plan(plan, form=form)
    services.end_plan(plan, form.data["ends_on"], actor_id=current_user.id)
    flash(_("The meal plan ends on %(day)s.", day=plan.ends_on.isoformat()), "success")
    return redirect(url_for("meals.plan", plan_id=plan_id))


# --- orders -----------------------------------------------------------------------------------------

def _back(order) -> str:
    target = request.form.get("next", "")
    if target.startswith("/c/") and "//" not in target:
        return target
    return url_for("meals.plan", plan_id=order.plan_id) if order.plan_id else url_for("meals.index")


def _posted_day() -> date:
    """The manifest's day a delivery mark is made from (the form's, else the address's); none is refused."""
    raw = request.form.get("day") or request.args.get("day", "")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed({"day": [_("Give the day of the manifest, as YYYY-MM-DD.")]}) from None


@bp.post("/orders/<int:order_id>/cancel")
def cancel_order(order_id: int):
    order = found(services.get_order(order_id), "meals.plan")
    redirect_refusals_to(_back(order))
    services.cancel_order(order, actor_id=current_user.id)
    flash(_("The meal on %(day)s is skipped.", day=order.day.isoformat()), "success")
    return redirect(_back(order))


@bp.post("/orders/<int:order_id>/restore")
def restore_order(order_id: int):
    order = found(services.get_order(order_id), "meals.plan")
    redirect_refusals_to(_back(order))
    services.restore_order(order, actor_id=current_user.id)
    flash(_("The meal on %(day)s is ordered again.", day=order.day.isoformat()), "success")
    return redirect(_back(order))


@bp.post("/orders/<int:order_id>/delivery")
def mark_delivery(order_id: int):
    order = found(services.get_order(order_id))
    require("meals.canteen", services.get_canteen(order.offer_id))
    day = request.form.get("day", "")
    back = url_for("meals.manifest", offer_id=order.offer_id, day=day or order.day.isoformat()) + f"#order-{order.id}"
    redirect_refusals_to(back)
    data = read_form(schemas.DeliveryIn)
    services.mark_delivery(order, data["outcome"], actor_id=current_user.id, note=data["note"], day=_posted_day())
    return redirect(back)


# --- canteens -------------------------------------------------------------------------------------

@bp.route("/canteens/<int:offer_id>/settings", methods=["GET", "POST"])
def canteen_settings(offer_id: int):
    """The price list (yuan per meal for each group) and the cutoff."""
    offer = found(services.get_canteen(offer_id), "meals.canteen")
    require("offers.edit", offer)
    settings = services.settings_of(offer)
    form = PageForm(schemas.SettingsForm, error_key=schemas.settings_input, initial={"cutoff": settings.cutoff} | {
        f"price-{slot}-{group}": f"{cents / 100:.2f}" for slot, prices in (settings.prices or {}).items()
        for group, cents in prices.items()})
    if form.valid:
        services.save_settings(offer, form.data)
        flash(_("Saved."), "success")
        return redirect(url_for("meals.canteen_settings", offer_id=offer.id))
    return render_template("meals/settings.html", offer=offer, values=form.values, errors=form.errors)


@bp.get("/canteens/<int:offer_id>/manifest")
def manifest(offer_id: int):
    offer = found(services.get_canteen(offer_id), "meals.canteen")
    day = _day_arg()
    return render_template("meals/manifest.html", offer=offer, m=services.manifest(offer, day), day=day,
                           today=clock.today(), prev=day - timedelta(days=1), next=day + timedelta(days=1))


@bp.get("/canteens/<int:offer_id>/manifest.xlsx")
def manifest_xlsx(offer_id: int):
    offer = found(services.get_canteen(offer_id), "meals.canteen")
    day = _day_arg()
    return spreadsheet.xlsx_download(services.manifest_xlsx(services.manifest(offer, day)),
                                  f"manifest-{offer.id}-{day}.xlsx")


@bp.post("/canteens/<int:offer_id>/delivered")
def mark_rest_delivered(offer_id: int):
    offer = found(services.get_canteen(offer_id), "meals.canteen")
    redirect_refusals_to(url_for("meals.manifest", offer_id=offer.id, day=_day_arg().isoformat()))
    day = _posted_day()
    n = services.mark_rest_delivered(offer, day, actor_id=current_user.id)
    flash(_("%(n)s meals marked delivered.", n=n), "success")
    return redirect(url_for("meals.manifest", offer_id=offer.id, day=day.isoformat()))


@bp.get("/canteens/<int:offer_id>/statement")
def canteen_statement(offer_id: int):
    offer = found(services.get_canteen(offer_id), "meals.canteen")
    return render_template("meals/canteen_statement.html", offer=offer,
                           s=services.canteen_statement(offer, _month_arg()))


@bp.get("/canteens/<int:offer_id>/statement.xlsx")
def canteen_statement_xlsx(offer_id: int):
    offer = found(services.get_canteen(offer_id), "meals.canteen")
    statement = services.canteen_statement(offer, _month_arg())
    return spreadsheet.xlsx_download(services.canteen_statement_xlsx(statement),
                                  f"statement-{offer.id}-{statement.month}.xlsx")


# --- the coordinator's list and the resident's statement ---------------------------------------------

@bp.get("/missed")
def missed():
    require("meals.missed")
    return render_template("meals/missed.html", rows=services.missed(days=7), today=clock.today())


@bp.get("/residents/<int:resident_id>/statement")
def resident_statement(resident_id: int):
    resident = found(residents.find_resident(resident_id), "meals.statement")
    return render_template("meals/resident_statement.html", resident=resident,
                           s=services.resident_statement(resident, _month_arg()))
