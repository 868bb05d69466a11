"""Matching rules: proposals with reasons, the unit's answer, confirmation that books capacity atomically,
delivery and rating, escalation, and the optimal batch beside the greedy one."""
import logging
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import select, update

from app import history
from app.core import engine, signals
from app.core.extensions import db
from app.core.kinds import occurrence_key
from app.core.validation import Conflict, ValidationFailed, check_text
from app.matching import disclosure, listings
from app.matching.models import LIVE_STATUSES, Match
from app.needs import services as needs
from app.needs.models import OPEN_STATUSES, Need
from app.notifications import services as notifications
from app.offers import services as offers
from app.offers.models import Offer
from app.referrals import services as referrals
from app.residents import exports
from app.residents.exports import iso as _iso  # the file writes moments as the API does
from app.residents.services import get_resident
from app.units.models import UnitRepresentative
from tenants import clock
from tenants.clock import utcnow

logger = logging.getLogger(__name__)


def _facts_for(need: Need, actor_id):
    tz = clock.zone(need.community_id)
    fact = needs.facts(need, actor_id=actor_id, tz=tz)
    return fact, offers.offer_facts(need.kind, fact.occurrence, fact.start.date())


def proposals(need: Need, *, actor_id: int | None, limit: int = 10, street: bool = True) -> list[engine.Candidate]:
    """The offers that can serve this need now, best first, each with its reasons; then the offers the
    neighbouring communities of the street share (`community_id` set: they are referred, not matched)."""
    fact, pool = _facts_for(need, actor_id)
    found = engine.candidates(fact, pool, limit=limit, now=clock.now())
    if street and not need.referral_id:  # a need taken over from a neighbour is served here
        found += referrals.street_candidates(fact, limit=5)
    return found


@signals.referral_taken.connect
def _propose_referred_offer(referral, *, need: Need, actor_id: int | None) -> None:
    """The neighbour took a referral that chose one of its shared offers: propose it to the unit."""
    try:
        propose(need, referral.offer_id, actor_id=actor_id)
    except ValidationFailed:  # the offer filled up meanwhile: the coordinator matches it here
        logger.info("referral %s: offer %s no longer fits; left to matching", referral.id, referral.offer_id)


def _unit_people(offer_id: int) -> list[int]:
    offer = offers.get_offer(offer_id)
    return list(db.session.execute(select(UnitRepresentative.user_id).where(
        UnitRepresentative.unit_id == offer.unit_id)).scalars())


def propose(need: Need, offer_id: int, *, actor_id: int | None) -> Match:
    """Propose one offer for the need; it must pass the same hard filters the engine applies."""
    if need.status not in OPEN_STATUSES:
        raise Conflict(_("This need is not waiting for a match."), "invalid_transition")
    fact, pool = _facts_for(need, actor_id)
    if fact.end <= clock.now():
        raise ValidationFailed({"offer_id": [_("The time of this need is over (%(day)s); nothing can be proposed "
                                               "for it.", day=fact.start.date().isoformat())]})
    chosen = next((c for c in engine.candidates(fact, pool, limit=len(pool), now=clock.now())
                   if c.offer_id == offer_id), None)
    if chosen is None:
        raise ValidationFailed({"offer_id": [_("This offer cannot serve the need (kind, time, place, eligibility "
                                               "or places left).")]})
    referrals.withdraw_for_need(need, actor_id=actor_id)  # served here after all: the street lets it go
    match = Match(need_id=need.id, offer_id=offer_id, occurrence=fact.occurrence, quantity=need.quantity,
                  score=chosen.score, reasons=chosen.reasons, proposed_by_id=actor_id)
    db.session.add(match)
    db.session.flush()
    history.created(match, actor_id=actor_id)
    history.record(need, "matched", actor_id=actor_id)
    people = _unit_people(offer_id)
    if people:
        notifications.emit("match.proposed", audience=notifications.to_users(*people),
                           payload=disclosure.unit_payload(match, need))
    db.session.flush()
    return match


def get_match(match_id: int) -> Match | None:
    return db.session.execute(select(Match).where(Match.id == match_id)).scalar_one_or_none()


def list_matches(*, status: str | None = None, need_id: int | None = None, unit_id: int | None = None,
                 limit: int = 200) -> list[Match]:
    stmt = select(Match)
    if status:
        stmt = stmt.where(Match.status == status)
    if need_id:
        stmt = stmt.where(Match.need_id == need_id)
    if unit_id:
        stmt = stmt.where(Match.offer_id.in_(select(Offer.id).where(Offer.unit_id == unit_id)))
    return list(db.session.execute(stmt.order_by(Match.id.desc()).limit(limit)).scalars())


def _step(match: Match, expected: tuple[str, ...], to_status: str, actor_id: int | None) -> None:
    """Move a match only if it is still where the caller saw it: a second coordinator gets a clear 409."""
    moved = db.session.execute(update(Match).where(Match.id == match.id, Match.status.in_(expected))
                               .values(status=to_status).execution_options(synchronize_session=False)).rowcount
    if moved != 1:
        db.session.refresh(match)
        raise Conflict(_("Someone else has just changed this match (it is now %(status)s); reload the page.",
                         status=match.status), "match_taken")
    history.record(match, to_status, actor_id=actor_id)  # in memory the match still shows where it was


def accept(match: Match, *, actor_id: int | None) -> Match:
    _step(match, ("proposed",), "accepted", actor_id)
    db.session.flush()
    return match


def decline(match: Match, *, actor_id: int | None, note: str = "") -> Match:
    """The unit says no: the need goes back to the pool."""
    check_text("note", note, multiline=True)
    _step(match, ("proposed", "accepted"), "declined", actor_id)
    need = needs.get_need(match.need_id)
    if need.status == "matched":
        history.record(need, "triaged", actor_id=actor_id, note=note)
    notifications.emit("match.declined", audience=notifications.to_roles("admin", "coordinator"),
                       payload={"title": need.title, "link": f"/needs/{need.id}"})
    db.session.flush()
    return match


def confirm(match: Match, *, actor_id: int | None) -> Match:
    """Book the places and confirm; never more bookings than places, whoever confirms at the same time."""
    _step(match, ("accepted",), "confirmed", actor_id)
    offers.reserve(match.offer_id, match.occurrence, match.quantity)
    need = needs.get_need(match.need_id)
    history.record(need, "in_service", actor_id=actor_id)
    # The unit hears through its own (minimised) view of the match; the resident's side through the need.
    unit_people = set(_unit_people(match.offer_id))
    if unit_people:
        notifications.emit("match.confirmed", audience=notifications.to_users(*unit_people),
                           payload=disclosure.unit_payload(match, need))
    if need.resident_id:

        resident = get_resident(need.resident_id)
        if resident and resident.account_id and resident.account_id not in unit_people:
            notifications.emit("match.confirmed", audience=notifications.to_users(resident.account_id),
                               payload={"title": need.title, "kind": need.kind, "link": f"/needs/{need.id}"})
    referrals.local_step(need, "confirmed")
    signals.match_confirmed.send(match, need=need, actor_id=actor_id)  # a one-off meal joins the manifest
    db.session.flush()
    return match


def service_day(match: Match, need: Need | None = None) -> date:
    """The day the match's service begins, in the community's time."""
    return disclosure.service_day_of(need or needs.get_need(match.need_id))


def deliver(match: Match, *, actor_id: int | None) -> Match:
    """The unit has served it: only on or after the service day (the need is done, its rating asked for)."""
    need = needs.get_need(match.need_id)
    day = service_day(match, need)
    if match.status == "confirmed" and day > clock.today():
        raise ValidationFailed({"day": [_("The service is on %(day)s; mark it delivered on that day or later.",
                                          day=day.isoformat())]})
    _step(match, ("confirmed",), "delivered", actor_id)
    signals.match_delivered.send(match, actor_id=actor_id)  # the one-off meal made from it, if any
    if need.status == "in_service":
        history.record(need, "done", actor_id=actor_id)
    referrals.local_step(need, "served")
    db.session.flush()
    return match


def rate(match: Match, rating: int, comment: str, *, actor_id: int | None) -> Match:
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ValidationFailed({"rating": [_("Must be between %(a)s and %(b)s.", a=1, b=5)]})
    check_text("comment", comment, multiline=True)
    if match.status != "delivered":
        raise Conflict(_("Only a delivered service can be rated."), "not_delivered")
    _step(match, ("delivered",), "rated", actor_id)
    match.rating, match.comment = rating, (comment or "")[:1000]
    db.session.execute(update(Offer).where(Offer.id == match.offer_id).values(
        rating_sum=Offer.rating_sum + rating, rating_count=Offer.rating_count + 1)
        .execution_options(synchronize_session=False))
    db.session.flush()
    return match


def live_match_of(need: Need) -> Match | None:
    return db.session.execute(select(Match).where(Match.need_id == need.id, Match.status.in_(LIVE_STATUSES))
                              .order_by(Match.id.desc())).scalars().first()


# --- batch ----------------------------------------------------------------------------------------

def batch_plan(kind: str, day: date, slot: str | None, *, actor_id: int | None) -> dict:
    """All open needs of a kind on a day (and meal slot): the optimal assignment and the greedy one."""
    tz = clock.zone()
    stmt = select(Need).where(Need.kind == kind, Need.status.in_(OPEN_STATUSES)).order_by(Need.created_at, Need.id)
    if slot:
        stmt = stmt.where(Need.slot == slot)
    open_needs = [n for n in db.session.execute(stmt).scalars()
                  if needs.local_window(n, tz)[0].date() == day]
    facts = needs.facts_many(open_needs, actor_id=actor_id, tz=tz)  # two queries per 1,000, not two per need
    key = occurrence_key(kind, day, slot)
    pool = offers.offer_facts(kind, key, day)
    started = datetime.now()
    now = clock.now()  # a need whose time is over is proposed nothing
    best = engine.optimal_assignment(facts, pool, now=now)
    seconds = (datetime.now() - started).total_seconds()
    greedy = engine.greedy_assignment(facts, pool, now=now)
    return {"kind": kind, "day": day.isoformat(), "slot": slot, "needs": len(open_needs),
            "optimal": best, "greedy": greedy, "served": len(best), "greedy_served": len(greedy),
            "seconds": round(seconds, 3)}


def apply_batch(plan: dict, *, actor_id: int | None) -> list[Match]:
    """Propose every pair of the optimal plan (each still checked by `propose`)."""
    made = []
    for need_id, offer_id in plan["optimal"].items():
        need = needs.get_need(int(need_id))
        if need is not None and need.status in OPEN_STATUSES:
            made.append(propose(need, int(offer_id), actor_id=actor_id))
    return made


# --- escalation -----------------------------------------------------------------------------------

def escalate_overdue() -> int:
    """Scheduled: flag needs left unmatched past their deadline and tell the staff; where a neighbouring
    community of the street shares an offer of the need's kind, also offer the need to the street."""
    flagged = needs.overdue(utcnow())
    shared = offers.shared_kinds() if flagged else {}
    tz = clock.zone() if shared else None
    for need in flagged:
        need.escalated_at = utcnow()
        notifications.emit("need.escalated", audience=notifications.to_roles("admin", "coordinator"),
                           payload={"title": need.title, "urgency": need.urgency, "link": f"/needs/{need.id}"})
        if need.kind in shared and not need.referral_id:
            referrals.refer_to_street(need, needs.facts(need, actor_id=None, tz=tz), shared[need.kind])
    db.session.flush()
    return len(flagged)


@signals.need_cancelled.connect
def _end_live_matches(need: Need, *, actor_id: int | None, note: str) -> None:
    """A cancelled need frees its unit: its live match is cancelled and booked places are given back."""
    live = db.session.execute(select(Match).where(Match.need_id == need.id, Match.status.in_(LIVE_STATUSES))
                              .with_for_update()).scalars().all()
    for match in live:
        if match.status == "confirmed":
            offers.release(match.offer_id, match.occurrence, match.quantity)
        history.record(match, "cancelled", actor_id=actor_id, note=note)


@exports.part("needs")
def _needs_of_resident(resident) -> list[dict]:
    """The resident's file: their needs, each with its history and its matches."""
    their_needs = needs.needs_of_resident(resident.id)
    changes = history.histories("need", [n.id for n in their_needs])
    matches: dict[int, list] = {}
    for match, offer_title, unit_name in listings.matches_of_needs([n.id for n in their_needs]):
        matches.setdefault(match.need_id, []).append({
            "offer": offer_title, "unit": unit_name, "status": match.status, "quantity": match.quantity,
            "rating": match.rating, "comment": match.comment, "created_at": _iso(match.created_at)})
    return [{
        "id": str(n.id), "kind": n.kind, "title": n.title, "details": n.details, "status": n.status,
        "window_start": _iso(n.window_start), "window_end": _iso(n.window_end), "slot": n.slot,
        "quantity": n.quantity, "urgency": n.urgency, "created_at": _iso(n.created_at),
        "history": [{"from": c.from_status, "to": c.to_status, "at": _iso(c.at), "note": c.note}
                    for c in changes.get(n.id, [])],
        "matches": matches.get(n.id, []),
    } for n in their_needs]


def delivered_match_of(need: Need) -> Match | None:
    """The need's latest delivered match: the one its beneficiary rates."""
    return db.session.execute(select(Match).where(Match.need_id == need.id, Match.status == "delivered")
                              .order_by(Match.id.desc())).scalars().first()
