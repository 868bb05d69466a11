"""Docking pages: the matches of a unit (accept, decline, delivered) and of the staff (confirm), the batch
assignment, and the coordinator's docking work of the day (a section of the today page)."""
import logging

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from app import yearbook
from app.core.extensions import db
from app.core.kinds import KINDS, MEAL_SLOTS
from app.core.vocabulary import labels
from app.lifecycle import PageForm, read_form, redirect_refusals_to, retry_when_locked
from app.matching import disclosure, listings, schemas, services
from app.matching.models import LIVE_STATUSES
from app.matching.words import reasons_text
from app.matching.year import needs_part, needs_street
from app.needs import services as needs
from app.needs import views as need_pages
from app.needs.models import Need
from app.needs.services import names_of as names_of_needs
from app.offers.services import offers_with_units
from app.permissions import can, found, is_staff, openable, require
from app.referrals import services as referrals
from app.sections import section
from app.units.services import units_of_user
from tenants import clock
from tenants.web import tenant_routes

logger = logging.getLogger(__name__)

# The needs part of the year (app.yearbook): the report, the dashboards and the street read it.
yearbook.part("needs", order=30, title=_l("Needs and matches"), street=needs_street)(needs_part)

bp = tenant_routes(Blueprint("matches", __name__, url_prefix="/c/<slug>"))


@bp.context_processor
def _labels():
    return labels() | {"KINDS": KINDS, "MEAL_SLOTS": MEAL_SLOTS, "reasons_text": reasons_text}


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
    return render_template("matches/index.html", groups=groups, staff=staff,
                           may=openable("matches.answer", shown))


@bp.get("/matches/<int:match_id>")
def detail(match_id: int):
    """One match, where the messages to the unit lead: what it must do and, once committed, for whom."""
    match = found(services.get_match(match_id), "matches.view")
    return render_template("matches/detail.html", v=disclosure.view_of(match, audience=_audience()),
                           staff=is_staff())


def _act(match_id: int, action: str, step, done: str):
    match = found(services.get_match(match_id), action)
    # The buttons on a match's own page bring the person back to it; those on the list, to the list.
    back = url_for("matches.detail", match_id=match_id) if request.form.get("back") == "detail" \
        else url_for("matches.index")
    redirect_refusals_to(back)
    step(match)
    flash(done, "success")
    return redirect(back)


@bp.post("/matches/<int:match_id>/accept")
@retry_when_locked
def accept(match_id: int):
    return _act(match_id, "matches.answer", lambda m: services.accept(m, actor_id=current_user.id),
                _("Accepted; the community office will confirm."))


@bp.post("/matches/<int:match_id>/decline")
@retry_when_locked
def decline(match_id: int):
    return _act(match_id, "matches.answer", lambda m: services.decline(
        m, actor_id=current_user.id, note=read_form(schemas.DeclineIn)["note"]),
        _("Declined; the need goes back to the coordinator."))


@bp.post("/matches/<int:match_id>/confirm")
@retry_when_locked
def confirm(match_id: int):
    """Confirm an accepted match, booking its places (a clear message when none are left)."""
    require("matching.confirm")
    return _act(match_id, "matches.view", lambda m: services.confirm(m, actor_id=current_user.id),
                _("Confirmed; the places are booked."))


@bp.post("/matches/<int:match_id>/deliver")
@retry_when_locked
def deliver(match_id: int):
    return _act(match_id, "matches.deliver", lambda m: services.deliver(m, actor_id=current_user.id),
                _("Marked as delivered."))


@bp.route("/matching/batch", methods=["GET", "POST"])
def batch():
    """All open needs of a kind on a day at once: the optimal plan beside first come, first served."""
    require("matching.batch")
    source = request.form if request.method == "POST" else request.args
    form = PageForm(schemas.BatchForm, initial={"kind": "meal", "day": clock.today().isoformat(), "slot": "lunch"},
                    source=source, submitted=bool(source.get("kind") or source.get("day")), shows_refusals=False)
    plan = None
    if form.valid:
        args = form.data
        plan = services.batch_plan(args["kind"], args["day"], args["slot"], actor_id=current_user.id)
        if request.method == "POST":
            # Refused (a need was taken meanwhile): the plan as it is now, with why.
            redirect_refusals_to(url_for("matches.batch", kind=args["kind"], day=args["day"].isoformat(),
                                         slot=args["slot"]))
            made = services.apply_batch(plan, actor_id=current_user.id)
            flash(_("%(n)s proposals sent to the units.", n=len(made)), "success")
            return redirect(url_for("matches.index"))
    pairs = []
    if plan:
        need_ids = {int(n) for n in plan["optimal"]} | {int(n) for n in plan["greedy"]}
        needs = {n.id: n for n in db.session.execute(
            select(Need).where(Need.id.in_(need_ids or [-1]))).scalars()}
        names = names_of_needs(list(needs.values()))
        offers = offers_with_units(set(plan["optimal"].values()) | set(plan["greedy"].values()))
        for need_id in sorted(need_ids):
            need = needs.get(need_id)
            pairs.append({"need": need, "who": names["residents"].get(need.resident_id) or
                          names["units"].get(need.unit_id) if need else None,
                          "optimal": offers.get(plan["optimal"].get(need_id)),
                          "greedy": offers.get(plan["greedy"].get(need_id))})
    return render_template("matches/batch.html", plan=plan, pairs=pairs, values=form.values, errors=form.errors)


@section("docking", page="today", order=10, template="matches/_today.html", permission="matching.confirm")
def _today():
    """The coordinator's work of the day: each list in one query, whatever its length."""
    return labels() | {
        "new_needs": listings.new_needs(), "escalated": listings.escalated_needs(),
        "proposed": disclosure.match_views(("proposed",), audience=disclosure.STAFF, limit=20),
        "accepted": disclosure.match_views(("accepted",), audience=disclosure.STAFF, limit=20)}


def _proposals_data(context: dict) -> dict:
    return {"title": _("Proposals waiting for your answer"), "url": url_for("matches.index"),
            "count": len(context["proposed"]),
            "items": [{"id": str(v.id), "kind": v.need.kind, "title": v.need.title, "status": v.status,
                       "when": v.need.window_start.isoformat(), "url": url_for("matches.detail", match_id=v.id)}
                      for v in context["proposed"]]}


@section("proposals", page="unit", order=10, template="matches/_unit_home.html", permission="home.unit",
         data=_proposals_data)
def _unit_home():
    """A unit's desk: the proposals to accept or decline in one tap, and what it committed to deliver."""
    unit_ids = [u.id for u in units_of_user(current_user.id)]
    return labels() | {"reasons_text": reasons_text, "proposed": disclosure.match_views(
        ("proposed",), audience=disclosure.UNIT, unit_ids=unit_ids, limit=20), "confirmed": disclosure.match_views(
        ("confirmed",), audience=disclosure.UNIT, unit_ids=unit_ids, limit=50)}


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
    offers = offers_with_units([m.offer_id for m in matches] + [p.offer_id for p in proposals
                                                                         if not p.community_id])
    return labels() | {
        "need": need, "matches": matches, "delivered": delivered, "proposals": proposals, "offers": offers,
        "staff": staff, "reasons_text": reasons_text, "can_rate": delivered is not None and can("matches.rate", need),
        "live": next((m for m in matches if m.status in LIVE_STATUSES), None)}


@bp.post("/needs/<int:need_id>/propose")
def propose(need_id: int):
    """Propose one offer for the need: the unit is asked to accept."""
    need = found(needs.get_need(need_id), "matching.propose")
    redirect_refusals_to(url_for("needs.detail", need_id=need_id))
    services.propose(need, read_form(schemas.OfferChoice)["offer_id"], actor_id=current_user.id)
    flash(_("Proposed; the unit is asked to accept."), "success")
    return redirect(url_for("needs.detail", need_id=need_id))


@bp.post("/needs/<int:need_id>/refer")
def refer(need_id: int):
    """Refer the need to the neighbouring community whose shared offer was chosen."""
    need = found(needs.get_need(need_id), "matching.propose")
    require("referrals.refer")
    redirect_refusals_to(url_for("needs.detail", need_id=need_id))
    referral = referrals.refer(need, read_form(schemas.OfferChoice)["offer_id"], actor_id=current_user.id)
    flash(_("Referred; the neighbouring community is asked to take it on."), "success")
    return redirect(url_for("referrals.detail", referral_id=referral.id))


@bp.post("/needs/<int:need_id>/rating")
def rate(need_id: int):
    """The resident (or whoever acts for them, or the coordinator) rates the delivered service 1–5."""
    need = found(needs.get_need(need_id), "matches.rate")
    match = services.delivered_match_of(need)
    if match is None:
        flash(_("Only a delivered service can be rated."), "error")
        return redirect(url_for("needs.detail", need_id=need_id))
    redirect_refusals_to(url_for("needs.detail", need_id=need_id))
    form = PageForm(schemas.RatingIn, shows_refusals=False)  # its own mistakes beside it; a refusal is flashed
    if not form.valid:
        return need_pages.render_detail(need, context={"errors": form.errors, "values": form.values})
    services.rate(match, form.data["rating"], form.data["comment"], actor_id=current_user.id)
    flash(_("Thank you for your rating."), "success")
    return redirect(url_for("needs.detail", need_id=need_id))
