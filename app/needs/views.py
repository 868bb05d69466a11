"""Need pages: the list, the form (the coordinator registers what a resident asked for on the phone),
a need with its history, the proposals with their reasons, the moves and the rating."""
import logging

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import history, sections
from app.accounts import services as accounts
from app.core.fields import as_id
from app.core.kinds import KIND_LABELS, KINDS, MEAL_SLOTS
from app.core.vocabulary import NEED_STATUS_LABELS, labels
from app.lifecycle import PageForm, read_form, redirect_refusals_to
from app.needs import schemas, services
from app.needs.models import NEED_STATUSES, URGENCIES
from app.permissions import can, found, is_staff, require
from app.residents import services as residents
from app.sections import section
from app.units import services as units
from tenants import clock
from tenants.web import tenant_routes

logger = logging.getLogger(__name__)

bp = tenant_routes(Blueprint("needs", __name__, url_prefix="/c/<slug>/needs"))


@bp.context_processor
def _labels():
    return labels() | {"KINDS": KINDS, "MEAL_SLOTS": MEAL_SLOTS, "URGENCIES": URGENCIES,
                       "NEED_STATUSES": NEED_STATUSES}


# --- the homes: a resident asks and follows what they asked for; a unit follows its own needs ------------

def _ask(kind: str | None) -> dict:
    return {"kind": kind, "url": url_for("needs.create", kind=kind),
            "title": _("Ask for a meal") if kind == "meal" else _("Ask for help")}


def _ask_data(context: dict) -> dict:
    return {"title": context["title"], "url": context["url"], "count": None, "items": []}


@section("ask_meal", page="resident", order=10, template="needs/_ask.html", permission="needs.create",
         data=_ask_data)
def _ask_meal():
    return _ask("meal")


@section("ask_help", page="resident", order=20, template="needs/_ask.html", permission="needs.create",
         data=_ask_data)
def _ask_help():
    return _ask(None)


def need_item(need) -> dict:
    """A need as a home's API lists it."""
    return {"id": str(need.id), "kind": need.kind, "title": need.title, "status": need.status,
            "label": str(NEED_STATUS_LABELS[need.status]), "when": need.window_start.isoformat(),
            "url": url_for("needs.detail", need_id=need.id)}


def _requests_data(context: dict) -> dict:
    return {"title": context["title"], "url": url_for("needs.index"), "count": context["open_count"],
            "items": [need_item(n) for n in context["needs"]]}


@section("requests", page="resident", order=30, template="needs/_home.html", permission="home.resident",
         data=_requests_data)
def _my_requests():
    """The latest needs of the residents this account acts for (their own, their family's), with statuses."""
    held = residents.residents_held_by(current_user.id)
    latest, still_open = services.requests_of(resident_ids=[r.id for r in held])
    return labels() | {"needs": latest, "open_count": still_open, "title": _("My requests"), "ask": True,
                       "names": {r.id: r.name for r in held} if len(held) > 1 else {}}


@section("needs", page="unit", order=40, template="needs/_home.html", permission="home.unit", data=_requests_data)
def _unit_needs():
    """What the unit itself asked for (unit to unit: catering for the temple fair)."""
    latest, still_open = services.requests_of(unit_ids=[u.id for u in units.units_of_user(current_user.id)])
    return labels() | {"needs": latest, "open_count": still_open, "title": _("Our unit's needs"), "ask": False,
                       "names": {}}


def _waiting_data(context: dict) -> dict:
    return {"title": _("Needs waiting for a unit"), "url": url_for("needs.index", status="open"),
            "count": context["waiting"], "items": [
                {"kind": "escalated", "title": _("Waited too long"), "count": context["escalated"]}]}


@section("needs", page="council", order=40, template="needs/_council_home.html", permission="needs.list_all",
         data=_waiting_data)
def _council_home():
    """How many needs still wait for a unit, counted (no one's name): what the association has yet to meet."""
    return services.waiting_counts()


@bp.get("/")
def index():
    """Staff see every need (filter by status and kind); others the needs of those they act for."""
    staff = can("needs.list_all")
    status = request.args.get("status") if request.args.get("status") in (*NEED_STATUSES, "open") else None
    kind = request.args.get("kind") if request.args.get("kind") in KINDS else None
    args = {"status": status, "kind": kind}
    scope = services.own_scope(current_user.id, everyone=staff)
    if scope:
        args |= {"resident_ids": scope["own_residents"], "unit_ids": scope["own_units"]}
    redirect_refusals_to(url_for("needs.index", status=status, kind=kind), say=False)  # a stale cursor
    items, next_cursor = services.list_needs(**args, cursor=request.args.get("cursor"), limit=50)
    rows, opens = services.for_reader(items)
    return render_template("needs/index.html", needs=rows, opens=opens, next_cursor=next_cursor, status=status,
                           kind=kind, staff=staff, names=services.names_of(rows))


def _choices() -> tuple[list, list, bool]:
    """Whom the current member may ask for: (residents, units, staff). Staff ask for anyone: they find the
    resident or unit with a picker (the lists would be the whole register), so the lists stay empty."""
    if can("needs.list_all") and can("needs.triage"):
        return [], [], True
    return residents.residents_held_by(current_user.id), units.units_of_user(current_user.id), False


# The inputs a GET of the form may fill in (the kind chosen first, a picker's search without script).
_INPUTS = ("kind", "title", "details", "resident_id", "unit_id", "resident_id_q", "unit_id_q", "day", "slot",
           "window_start", "window_end", "quantity", "urgency")


def _pickers(form) -> dict:
    """The staff's pickers: the chosen resident and unit, and the matches of what was searched for. A search
    typed but nothing chosen is not sent on: the form asks to choose among the matches."""
    found_residents, more_residents = residents.search_residents(form.values.get("resident_id_q"))
    found_units, more_units = units.search_units(form.values.get("unit_id_q"))
    resident = residents.get_resident(rid) if (rid := as_id(form.values.get("resident_id"))) else None
    unit = units.get_unit(uid) if (uid := as_id(form.values.get("unit_id"))) else None
    if form.submitted:
        for name, chosen in (("resident_id", resident), ("unit_id", unit)):
            if form.values.get(f"{name}_q") and chosen is None and name not in form.errors:
                form.add_errors({name: [_("Choose one of the matches, or empty the search.")]})
    return {"resident": residents.pick_item(resident) if resident and resident.status == "active" else None,
            "resident_matches": [residents.pick_item(r) for r in found_residents], "more_residents": more_residents,
            "unit": units.pick_item(unit) if unit else None,
            "unit_matches": [units.pick_item(u) for u in found_units], "more_units": more_units}


@bp.route("/new", methods=["GET", "POST"])
def create():
    """Staff register a need for anyone (who phoned or came in); a resident for those they act for;
    a unit representative for their unit. The kind comes first (`?kind=meal` chooses it in the link); the
    form then asks only what that kind needs."""
    require("needs.create")
    resident_choices, unit_choices, staff = _choices()
    kind = request.args.get("kind")
    if request.method == "GET" and kind not in KINDS:
        # Sent without a choice (the form has no browser check: its message is ours, in the reader's language).
        error = _("Choose the kind of help.") if "kind" in request.args else None
        return render_template("needs/kind.html", error=error,
                               keep={key: request.args[key] for key in ("resident_id", "unit_id")
                                     if request.args.get(key)}), 422 if error else 200
    # A meal starts as the next lunch still to come (tomorrow's once today's is over), and a request asked by a
    # resident needs no typed title: the kind's name is one until they write their own.
    initial = {"kind": "meal", "slot": "lunch", "urgency": "normal", "quantity": "1",
               "day": services.next_meal_day("lunch", clock.zone()).isoformat(), "resident_id": "",
               "title": "" if staff or kind not in KIND_LABELS else str(KIND_LABELS[kind]),
               "unit_id": str(unit_choices[0].id) if unit_choices and not resident_choices and not staff else ""}
    if request.method == "GET":
        initial |= {key: request.args[key].strip() for key in _INPUTS if key in request.args}
    form = PageForm(schemas.NeedForm, initial=initial)
    picked = _pickers(form) if staff else {}
    if form.valid:
        need = services.create_need(form.data, actor_id=current_user.id, tz=clock.zone(),
                                    **services.own_scope(current_user.id, everyone=can("needs.list_all")))
        flash(_("Need “%(title)s” registered.", title=need.title), "success")
        return redirect(url_for("needs.detail", need_id=need.id))
    return render_template("needs/form.html", values=form.values, errors=form.errors, staff=staff,
                           resident_choices=resident_choices, unit_choices=unit_choices, **picked)


def render_detail(need, *, context: dict | None = None):
    """The need with its history and moves; the parts other domains add (matching's proposals, matches and
    rating, a referral, public works requests) are sections of the "need" page (app.sections), which
    receive `context` too (a refused rating's errors and values)."""
    changes = history.history_of(need)
    moves = [to for to in sorted(services.MOVES.get(need.status, set()))
             if can("needs.cancel" if to == "cancelled" else "needs.triage", need)]
    parts = sections.rendered("need", need, **{"errors": {}, "values": {}, **(context or {})})
    return render_template(
        "needs/detail.html", need=need, changes=changes, actors=accounts.user_names(c.actor_id for c in changes),
        sections=parts, staff=is_staff(), names=services.names_of([need]), moves=moves,
        window=services.local_window(need, clock.zone()))


@bp.get("/<int:need_id>")
def detail(need_id: int):
    return render_detail(found(services.get_need(need_id), "needs.view"))


@bp.post("/<int:need_id>/moves")
def move(need_id: int):
    need = found(services.get_need(need_id), "needs.view")
    redirect_refusals_to(url_for("needs.detail", need_id=need_id))
    data = read_form(schemas.MoveIn)  # the move is one of MoveIn's
    require("needs.cancel" if data["to"] == "cancelled" else "needs.triage", need)
    services.move(need, data["to"], actor_id=current_user.id, note=data["note"])
    flash(_("Saved."), "success")
    return redirect(url_for("needs.detail", need_id=need_id))
