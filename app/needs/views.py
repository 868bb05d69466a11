"""Need pages: the list, the form (the coordinator registers what a resident asked for on the phone),
a need with its history, the proposals with their reasons, the moves and the rating."""
import logging

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import history, sections
from app.accounts import services as accounts
from app.core.kinds import KINDS, MEAL_SLOTS
from app.core.vocabulary import labels
from app.lifecycle import PageForm, read_form, redirect_refusals_to
from app.needs import schemas, services
from app.needs.models import NEED_STATUSES, URGENCIES
from app.permissions import can, found, is_staff, require
from app.residents import services as residents
from app.units import services as units
from tenants import clock
from tenants.web import tenant_routes

logger = logging.getLogger(__name__)

bp = tenant_routes(Blueprint("needs", __name__, url_prefix="/c/<slug>/needs"))


@bp.context_processor
def _labels():
    return labels() | {"KINDS": KINDS, "MEAL_SLOTS": MEAL_SLOTS, "URGENCIES": URGENCIES,
                       "NEED_STATUSES": NEED_STATUSES}


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
    """Whom the current member may ask for: (residents, units, staff)."""
    if can("needs.list_all") and can("needs.triage"):
        people, _next = residents.list_residents(limit=200)
        active, _next = units.list_units(status="active", limit=200)
        return people, active, True
    return residents.residents_held_by(current_user.id), units.units_of_user(current_user.id), False


@bp.route("/new", methods=["GET", "POST"])
def create():
    """Staff register a need for anyone (who phoned or came in); a resident for those they act for;
    a unit representative for their unit."""
    require("needs.create")
    resident_choices, unit_choices, staff = _choices()
    form = PageForm(schemas.NeedForm, initial={
        "kind": request.args.get("kind", "meal"), "slot": "lunch", "urgency": "normal", "quantity": "1",
        "day": clock.today().isoformat(), "resident_id": request.args.get("resident_id", ""),
        "unit_id": str(unit_choices[0].id) if unit_choices and not resident_choices and not staff else ""})
    if form.valid:
        need = services.create_need(form.data, actor_id=current_user.id, tz=clock.zone(),
                                    **services.own_scope(current_user.id, everyone=can("needs.list_all")))
        flash(_("Need “%(title)s” registered.", title=need.title), "success")
        return redirect(url_for("needs.detail", need_id=need.id))
    return render_template("needs/form.html", values=form.values, errors=form.errors, staff=staff,
                           resident_choices=resident_choices, unit_choices=unit_choices)


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
    to = request.form.get("to", "")
    if to not in ("triaged", "cancelled", "unmet"):
        abort(400)
    require("needs.cancel" if to == "cancelled" else "needs.triage", need)
    redirect_refusals_to(url_for("needs.detail", need_id=need_id))
    services.move(need, to, actor_id=current_user.id, note=read_form(schemas.MoveIn)["note"])
    flash(_("Saved."), "success")
    return redirect(url_for("needs.detail", need_id=need_id))
