"""Need pages: the list, the form (the coordinator registers what a resident asked for on the phone),
a need with its history, the proposals with their reasons, the moves and the rating."""
import logging

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app import history
from app.core.extensions import db
from app.core.kinds import KINDS, MEAL_SLOTS
from app.core.validation import Conflict, ValidationFailed
from app.core.vocabulary import flat_errors, labels
from app.matching import listings
from app.matching import services as matching
from app.matching.models import Match
from app.matching.words import reasons_text
from app.needs import services
from app.needs.api import own_scope
from app.needs.models import NEED_STATUSES, URGENCIES
from app.permissions import can, found, require
from app.publicworks import services as public_works
from app.referrals import services as referrals
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
                           staff=staff, names=listings.names_of_needs(items))


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


def _render_detail(need, *, errors=None, values=None, status_code=200):
    staff = can("matching.propose")
    changes = history.history_of(need)
    matches = matching.list_matches(need_id=need.id)
    live = next((m for m in matches if m.status in ("proposed", "accepted", "confirmed")), None)
    delivered = next((m for m in matches if m.status == "delivered"), None)
    proposals = []
    if staff and need.status in ("submitted", "triaged"):
        proposals = matching.proposals(need, actor_id=current_user.id)
        db.session.commit()  # the use of sensitive facts was audited
    offers = listings.offers_with_units([m.offer_id for m in matches] + [p.offer_id for p in proposals
                                                                         if not p.community_id])
    names = listings.names_of_needs([need])
    referral = referrals.live_referral_of(need) if staff else None
    moves = [to for to in sorted(services.MOVES.get(need.status, set()))
             if can("needs.cancel" if to == "cancelled" else "needs.triage", need)]
    works = public_works.requests_of_need(need.id) \
        if need.kind == "public_works" and can("public_works.view") else []
    return render_template(
        "needs/detail.html", need=need, public_works=works, changes=changes,
        actors=listings.user_names(c.actor_id for c in changes),
        matches=matches, live=live, delivered=delivered, proposals=proposals, offers=offers, staff=staff,
        names=names, moves=moves, reasons_text=reasons_text, referral=referral, window=services.local_window(
            need, clock.zone()), errors=errors or {}, values=values or {},
        can_rate=delivered is not None and can("matches.rate", need)), status_code


@bp.get("/<int:need_id>")
def detail(need_id: int):
    return _render_detail(_need_or_404(need_id))


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


@bp.post("/<int:need_id>/propose")
def propose(need_id: int):
    """Propose one offer for the need: the unit is asked to accept."""
    need = _need_or_404(need_id, "matching.propose")
    offer_id = request.form.get("offer_id", "")
    try:
        if not offer_id.isdigit():
            raise ValidationFailed({"offer_id": [_("Choose an offer.")]})
        matching.propose(need, int(offer_id), actor_id=current_user.id)
        db.session.commit()
        flash(_("Proposed; the unit is asked to accept."), "success")
    except (ValidationFailed, Conflict) as err:
        db.session.rollback()
        flash(_message(err), "error")
    return redirect(url_for("needs.detail", need_id=need_id))


@bp.post("/<int:need_id>/refer")
def refer(need_id: int):
    """Refer the need to the neighbouring community whose shared offer was chosen."""
    need = _need_or_404(need_id, "matching.propose")
    require("referrals.refer")
    offer_id = request.form.get("offer_id", "")
    try:
        if not offer_id.isdigit():
            raise ValidationFailed({"offer_id": [_("Choose an offer.")]})
        referral = matching.refer(need, int(offer_id), actor_id=current_user.id)
        db.session.commit()
        flash(_("Referred; the neighbouring community is asked to take it on."), "success")
        return redirect(url_for("referrals.detail", referral_id=referral.id))
    except (ValidationFailed, Conflict) as err:
        db.session.rollback()
        flash(_message(err), "error")
    return redirect(url_for("needs.detail", need_id=need_id))


@bp.post("/<int:need_id>/rating")
def rate(need_id: int):
    """The resident (or whoever acts for them, or the coordinator) rates the delivered service 1–5."""
    need = _need_or_404(need_id, "matches.rate")
    match = db.session.execute(select(Match).where(Match.need_id == need.id, Match.status == "delivered")
                               .order_by(Match.id.desc())).scalars().first()
    values = {"rating": request.form.get("rating", ""), "comment": request.form.get("comment", "").strip()}
    if match is None:
        flash(_("Only a delivered service can be rated."), "error")
        return redirect(url_for("needs.detail", need_id=need_id))
    errors = {}
    if values["rating"] not in ("1", "2", "3", "4", "5"):
        errors["rating"] = [_("Choose from 1 to 5 stars.")]
    elif len(values["comment"]) > 1000:
        errors["comment"] = [_("At most %(n)s characters.", n=1000)]
    if errors:
        return _render_detail(need, errors=errors, values=values, status_code=422)
    try:
        matching.rate(match, int(values["rating"]), values["comment"], actor_id=current_user.id)
        db.session.commit()
        flash(_("Thank you for your rating."), "success")
    except (ValidationFailed, Conflict) as err:
        db.session.rollback()
        flash(_message(err), "error")
    return redirect(url_for("needs.detail", need_id=need_id))
