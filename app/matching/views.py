"""Docking pages: the matches of a unit (accept, decline, delivered) and of the staff (confirm), the batch
assignment, and the coordinator's docking work of the day (a section of the today page)."""
import logging
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.core.database import retry_when_locked
from app.core.extensions import db
from app.core.fields import MAX_ID
from app.core.kinds import KINDS, MEAL_SLOTS
from app.core.validation import Conflict, ValidationFailed
from app.core.vocabulary import labels
from app.lifecycle import redirect_refusals_to
from app.matching import disclosure, listings, services
from app.matching.models import LIVE_STATUSES
from app.matching.words import reasons_text
from app.needs import services as needs
from app.needs import views as need_pages
from app.needs.models import Need
from app.permissions import can, found, is_staff, require
from app.sections import section
from app.units.services import units_of_user
from tenants import clock
from tenants.web import tenant_routes

logger = logging.getLogger(__name__)

bp = tenant_routes(Blueprint("matches", __name__, url_prefix="/c/<slug>"))


@bp.context_processor
def _labels():
    return labels() | {"KINDS": KINDS, "MEAL_SLOTS": MEAL_SLOTS, "reasons_text": reasons_text}


def _message(err) -> str:
    return getattr(err, "message", None) or "; ".join(m for ms in getattr(err, "fields", {}).values() for m in ms)


def _audience() -> str:
    """Staff see the whole match; anyone else on a match page answers for a unit (disclosure.py)."""
    return disclosure.STAFF if can("matching.propose") else disclosure.UNIT


@bp.get("/matches")
def index():
    """Staff see every live match; a unit representative the proposals and bookings of their units."""
    staff = is_staff()
    unit_ids = None if staff else [u.id for u in units_of_user(current_user.id)]
    if not staff and not unit_ids:
        abort(403)
    shown = disclosure.match_views(LIVE_STATUSES, audience=_audience(), unit_ids=unit_ids, limit=300)
    groups = {status: [v for v in shown if v.status == status] for status in LIVE_STATUSES}
    return render_template("matches/index.html", groups=groups, staff=staff)


@bp.get("/matches/<int:match_id>")
def detail(match_id: int):
    """One match, where the messages to the unit lead: what it must do and, once committed, for whom."""
    match = services.get_match(match_id)
    if match is None:
        abort(404)
    require("matches.view", match)
    return render_template("matches/detail.html", v=disclosure.view_of(match, audience=_audience()),
                           staff=is_staff())


def _act(match_id: int, action: str, step, done: str):
    @retry_when_locked
    def run():
        match = services.get_match(match_id)
        if match is None:
            abort(404)
        require(action, match)
        step(match)
        db.session.commit()

    try:
        run()
        flash(done, "success")
    except (Conflict, ValidationFailed) as err:
        db.session.rollback()
        flash(_message(err), "error")
    # The buttons on a match's own page bring the person back to it; those on the list, to the list.
    if request.form.get("back") == "detail":
        return redirect(url_for("matches.detail", match_id=match_id))
    return redirect(url_for("matches.index"))


@bp.post("/matches/<int:match_id>/accept")
def accept(match_id: int):
    return _act(match_id, "matches.answer", lambda m: services.accept(m, actor_id=current_user.id),
                _("Accepted; the community office will confirm."))


@bp.post("/matches/<int:match_id>/decline")
def decline(match_id: int):
    note = request.form.get("note", "").strip()[:500]
    return _act(match_id, "matches.answer", lambda m: services.decline(m, actor_id=current_user.id, note=note),
                _("Declined; the need goes back to the coordinator."))


@bp.post("/matches/<int:match_id>/confirm")
def confirm(match_id: int):
    """Confirm an accepted match, booking its places (a clear message when none are left)."""
    require("matching.confirm")
    return _act(match_id, "matches.view", lambda m: services.confirm(m, actor_id=current_user.id),
                _("Confirmed; the places are booked."))


@bp.post("/matches/<int:match_id>/deliver")
def deliver(match_id: int):
    return _act(match_id, "matches.deliver", lambda m: services.deliver(m, actor_id=current_user.id),
                _("Marked as delivered."))


def _batch_args(source) -> tuple[dict, dict]:
    values = {"kind": source.get("kind", ""), "day": source.get("day", ""), "slot": source.get("slot", "")}
    errors = {}
    if values["kind"] not in KINDS:
        errors["kind"] = [_("Choose a kind.")]
    try:
        day = date.fromisoformat(values["day"])
    except ValueError:
        day = None
        errors["day"] = [_("Give the day as YYYY-MM-DD.")]
    slot = values["slot"] or None
    if slot is not None and slot not in MEAL_SLOTS:
        errors["slot"] = [_("Choose breakfast, lunch or dinner.")]
    if values["kind"] == "meal" and slot is None:
        errors["slot"] = [_("Choose breakfast, lunch or dinner.")]
    return {"kind": values["kind"], "day": day, "slot": slot}, (errors, values)


@bp.route("/matching/batch", methods=["GET", "POST"])
def batch():
    """All open needs of a kind on a day at once: the optimal plan beside first come, first served."""
    require("matching.batch")
    source = request.form if request.method == "POST" else request.args
    plan, errors = None, {}
    values = {"kind": "meal", "day": clock.today().isoformat(),
              "slot": "lunch"}
    if source.get("kind") or source.get("day"):
        args, (errors, values) = _batch_args(source)
        if not errors:
            plan = services.batch_plan(args["kind"], args["day"], args["slot"], actor_id=current_user.id)
            if request.method == "POST":
                try:
                    made = services.apply_batch(plan, actor_id=current_user.id)
                    db.session.commit()
                    flash(_("%(n)s proposals sent to the units.", n=len(made)), "success")
                    return redirect(url_for("matches.index"))
                except (Conflict, ValidationFailed) as err:
                    db.session.rollback()
                    flash(_message(err), "error")
                    plan = services.batch_plan(args["kind"], args["day"], args["slot"], actor_id=current_user.id)
            db.session.commit()  # the use of sensitive facts was audited
    pairs = []
    if plan:
        need_ids = {int(n) for n in plan["optimal"]} | {int(n) for n in plan["greedy"]}
        needs = {n.id: n for n in db.session.execute(
            select(Need).where(Need.id.in_(need_ids or [-1]))).scalars()}
        names = listings.names_of_needs(list(needs.values()))
        offers = listings.offers_with_units(set(plan["optimal"].values()) | set(plan["greedy"].values()))
        for need_id in sorted(need_ids):
            need = needs.get(need_id)
            pairs.append({"need": need, "who": names["residents"].get(need.resident_id) or
                          names["units"].get(need.unit_id) if need else None,
                          "optimal": offers.get(plan["optimal"].get(need_id)),
                          "greedy": offers.get(plan["greedy"].get(need_id))})
    return render_template("matches/batch.html", plan=plan, pairs=pairs, values=values, errors=errors), \
        (422 if errors else 200)


@section("docking", page="today", order=10, template="matches/_today.html", permission="matching.confirm")
def _today():
    """The coordinator's work of the day: each list in one query, whatever its length."""
    return labels() | {
        "new_needs": listings.new_needs(), "escalated": listings.escalated_needs(),
        "proposed": disclosure.match_views(("proposed",), audience=disclosure.STAFF, limit=20),
        "accepted": disclosure.match_views(("accepted",), audience=disclosure.STAFF, limit=20)}


# --- a need's page: its matching part, and the moves made from it -------------------------------------

@section("docking", page="need", order=30, template="matches/_need.html", permission="needs.view")
def _need_part(need):
    """The current match, the rating once delivered, and for staff the offers that can serve it."""
    staff = is_staff()
    matches = services.list_matches(need_id=need.id)
    delivered = next((m for m in matches if m.status == "delivered"), None)
    proposals = []
    if staff and need.status in ("submitted", "triaged"):
        proposals = services.proposals(need, actor_id=current_user.id)  # audited; the request commits it
    offers = listings.offers_with_units([m.offer_id for m in matches] + [p.offer_id for p in proposals
                                                                         if not p.community_id])
    return labels() | {
        "need": need, "matches": matches, "delivered": delivered, "proposals": proposals, "offers": offers,
        "staff": staff, "reasons_text": reasons_text, "can_rate": delivered is not None and can("matches.rate", need),
        "live": next((m for m in matches if m.status in LIVE_STATUSES), None)}


def _chosen_offer() -> int:
    offer_id = request.form.get("offer_id", "")
    if not (offer_id.isascii() and offer_id.isdigit() and len(offer_id) <= 10 and 0 < int(offer_id) <= MAX_ID):
        raise ValidationFailed({"offer_id": [_("Choose an offer.")]})
    return int(offer_id)


@bp.post("/needs/<int:need_id>/propose")
def propose(need_id: int):
    """Propose one offer for the need: the unit is asked to accept."""
    need = found(needs.get_need(need_id), "matching.propose")
    redirect_refusals_to(url_for("needs.detail", need_id=need_id))
    services.propose(need, _chosen_offer(), actor_id=current_user.id)
    flash(_("Proposed; the unit is asked to accept."), "success")
    return redirect(url_for("needs.detail", need_id=need_id))


@bp.post("/needs/<int:need_id>/refer")
def refer(need_id: int):
    """Refer the need to the neighbouring community whose shared offer was chosen."""
    need = found(needs.get_need(need_id), "matching.propose")
    require("referrals.refer")
    redirect_refusals_to(url_for("needs.detail", need_id=need_id))
    referral = services.refer(need, _chosen_offer(), actor_id=current_user.id)
    flash(_("Referred; the neighbouring community is asked to take it on."), "success")
    return redirect(url_for("referrals.detail", referral_id=referral.id))


@bp.post("/needs/<int:need_id>/rating")
def rate(need_id: int):
    """The resident (or whoever acts for them, or the coordinator) rates the delivered service 1–5."""
    need = found(needs.get_need(need_id), "matches.rate")
    match = services.delivered_match_of(need)
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
        return need_pages.render_detail(need, context={"errors": errors, "values": values}, status_code=422)
    redirect_refusals_to(url_for("needs.detail", need_id=need_id))
    services.rate(match, int(values["rating"]), values["comment"], actor_id=current_user.id)
    flash(_("Thank you for your rating."), "success")
    return redirect(url_for("needs.detail", need_id=need_id))
