"""Need pages: the list, the form (the coordinator registers what a resident asked for on the phone),
a need with its history, the proposals with their reasons, the moves and the rating."""
import logging

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import history, sections
from app.accounts import services as accounts
from app.core.extensions import db
from app.core.kinds import KINDS, MEAL_SLOTS
from app.core.validation import Conflict, ValidationFailed
from app.core.vocabulary import flat_errors, labels
from app.needs import services
from app.needs.api import own_scope
from app.needs.models import NEED_STATUSES, URGENCIES
from app.permissions import can, found, is_staff, require
from app.residents import services as residents
from app.units import services as units
from tenants import clock
from tenants.web import tenant_routes

logger = logging.getLogger(__name__)

bp = tenant_routes(Blueprint("needs", __name__, url_prefix="/c/<slug>/needs"))
TEXT_FIELDS = ("kind", "title", "details", "resident_id", "unit_id", "window_start", "window_end", "day", "slot",
               "quantity", "urgency")


@bp.context_processor
def _labels():
    return labels() | {"KINDS": KINDS, "MEAL_SLOTS": MEAL_SLOTS, "URGENCIES": URGENCIES,
                       "NEED_STATUSES": NEED_STATUSES}


def _need_or_404(need_id: int, action: str = "needs.view"):
    return found(services.get_need(need_id), action)


def _message(err) -> str:
    return getattr(err, "message", None) or "; ".join(m for ms in getattr(err, "fields", {}).values() for m in ms)


@bp.get("/")
def index():
    """Staff see every need (filter by status and kind); others the needs of those they act for."""
    staff = can("needs.list_all")
    status = request.args.get("status") if request.args.get("status") in (*NEED_STATUSES, "open") else None
    kind = request.args.get("kind") if request.args.get("kind") in KINDS else None
    args = {"status": status, "kind": kind}
    scope = own_scope()
    if scope:
        args |= {"resident_ids": scope["own_residents"], "unit_ids": scope["own_units"]}
    try:
        items, next_cursor = services.list_needs(**args, cursor=request.args.get("cursor"), limit=50)
    except ValidationFailed:
        return redirect(url_for("needs.index", status=status, kind=kind))
    return render_template("needs/index.html", needs=items, next_cursor=next_cursor, status=status, kind=kind,
                           staff=staff, names=services.names_of(items))


def _choices() -> tuple[list, list, bool]:
    """Whom the current member may ask for: (residents, units, staff)."""
    if can("needs.list_all") and can("needs.triage"):
        found, _next = residents.list_residents(limit=200)
        active, _next = units.list_units(status="active", limit=200)
        return found, active, True
    return residents.residents_held_by(current_user.id), units.units_of_user(current_user.id), False


def _form() -> dict:
    data = {key: request.form.get(key, "").strip() for key in TEXT_FIELDS if key in request.form}
    for key in ("resident_id", "unit_id", "window_start", "window_end", "day", "slot"):
        if data.get(key) == "":
            data[key] = None
    if data.get("quantity") == "":
        data.pop("quantity")
    if data.get("kind") == "meal":  # a meal is a day and a slot; the other inputs stay unused
        data.pop("window_start", None)
        data.pop("window_end", None)
    else:
        data.pop("day", None)
        data.pop("slot", None)
    return data


@bp.route("/new", methods=["GET", "POST"])
def create():
    """Staff register a need for anyone (who phoned or came in); a resident for those they act for;
    a unit representative for their unit."""
    require("needs.create")
    resident_choices, unit_choices, staff = _choices()
    tz = clock.zone()
    errors = {}
    values = {"kind": request.args.get("kind", "meal"), "slot": "lunch", "urgency": "normal", "quantity": "1",
              "day": clock.today().isoformat(),
              "resident_id": request.args.get("resident_id", ""),
              "unit_id": str(unit_choices[0].id) if unit_choices and not resident_choices and not staff else ""}
    if request.method == "POST":
        data = _form()
        values = {**{k: request.form.get(k, "").strip() for k in TEXT_FIELDS}}
        try:
            need = services.create_need(data, actor_id=current_user.id, tz=tz, **own_scope())
            db.session.commit()
            flash(_("Need “%(title)s” registered.", title=need.title), "success")
            return redirect(url_for("needs.detail", need_id=need.id))
        except ValidationFailed as err:
            db.session.rollback()
            errors = flat_errors(err.fields)
    return render_template("needs/form.html", values=values, errors=errors, staff=staff,
                           resident_choices=resident_choices, unit_choices=unit_choices), (422 if errors else 200)


def render_detail(need, *, context: dict | None = None, status_code: int = 200):
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
        window=services.local_window(need, clock.zone())), status_code


@bp.get("/<int:need_id>")
def detail(need_id: int):
    return render_detail(_need_or_404(need_id))


@bp.post("/<int:need_id>/moves")
def move(need_id: int):
    need = _need_or_404(need_id)
    to = request.form.get("to", "")
    if to not in ("triaged", "cancelled", "unmet"):
        abort(400)
    require("needs.cancel" if to == "cancelled" else "needs.triage", need)
    try:
        services.move(need, to, actor_id=current_user.id, note=request.form.get("note", "").strip()[:500])
        db.session.commit()
        flash(_("Saved."), "success")
    except Conflict as err:
        db.session.rollback()
        flash(err.message, "error")
    return redirect(url_for("needs.detail", need_id=need_id))
