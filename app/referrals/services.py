"""Referrals between the communities of one street: the only cross-community work.

A coordinator of community A may hand a need to a neighbouring community B of the same street when
one of B's units shares its offer with the street; the escalation sweep hands an overdue need to the
whole street when some neighbour shares an offer of its kind. What crosses is a minimised copy
(`StreetReferral`), never a Match: a match stays inside one community.

    open ──take (B)──▶ taken ──B confirms──▶ confirmed ──B delivers──▶ served
      │                  │                      │
      └─ A withdraws / window passes ─▶ withdrawn | expired

Each community changes only its own rows. When B takes, confirms or delivers, a job re-enters A's
community to move A's need and tell A's staff (`follow`); when A withdraws a taken referral, a job
re-enters B to cancel B's need. The periodic `sweep` repeats whatever a lost job left undone.
"""
import logging
from dataclasses import replace

from flask_babel import gettext as _
from sqlalchemy import or_, select, update

from app import history
from app.core import engine, signals
from app.core.extensions import db
from app.core.kinds import KIND_LABELS, SLOT_LABELS
from app.core.validation import Conflict, ValidationFailed
from app.needs import services as needs
from app.needs.models import OPEN_STATUSES, Need
from app.notifications import services as notifications
from app.offers import services as offers
from app.offers.models import Offer
from app.referrals.models import LIVE_REFERRAL_STATUSES, StreetReferral
from jobs.queues import enqueue_after_commit
from tenants import clock
from tenants.clock import utcnow
from tenants.context import current_tenant_id
from tenants.models import Community
from tenants.street import street_of

logger = logging.getLogger(__name__)

# Only this eligibility crosses to a neighbour: age is not sensitive; disability and allowance are.
SHAREABLE_ELIGIBILITY = {"elderly"}
# What the origin's need becomes when it follows the referral.
ORIGIN_NEED = {"taken": "matched", "confirmed": "in_service", "served": "done"}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)  # about 100 m: a neighbourhood, not a door


def community_names(ids) -> dict[int, str]:
    ids = {i for i in ids if i}
    return dict(db.session.execute(select(Community.id, Community.name).where(Community.id.in_(ids))).all()) \
        if ids else {}


# --- proposals across the street ------------------------------------------------------------------

def minimised(fact: engine.NeedFacts) -> engine.NeedFacts:
    """The facts a neighbour may know: no sensitive eligibility, no disability grade."""
    return replace(fact, eligibility=fact.eligibility & SHAREABLE_ELIGIBILITY, disability_grade=None)


def street_candidates(fact: engine.NeedFacts, *, limit: int = 5) -> list[engine.Candidate]:
    """The neighbours' shared offers that pass the hard filters for the minimised need, best first,
    each with its community named first among the reasons ("邻近社区 B · 距离 800 米")."""
    if street_of(current_tenant_id()) is None:
        return []
    pool = offers.offer_facts(fact.kind, fact.occurrence, fact.start.date(), street=True)
    if not pool:
        return []
    found = engine.candidates(minimised(fact), pool, limit=limit, now=clock.now())
    titles = {o.id: o.title for o in pool}
    names = community_names(c.community_id for c in found)
    for candidate in found:
        candidate.community_name = names.get(candidate.community_id, "")
        candidate.title = titles.get(candidate.offer_id)
        candidate.reasons = [{"code": "neighbour", "community": candidate.community_name}, *candidate.reasons]
    return found


# --- the origin: refer, withdraw --------------------------------------------------------------------

def _copy(need: Need, fact: engine.NeedFacts) -> dict:
    return {"need_id": need.id, "kind": need.kind, "slot": need.slot, "window_start": need.window_start,
            "window_end": need.window_end, "quantity": need.quantity, "urgency": need.urgency,
            "latitude": _round(need.latitude), "longitude": _round(need.longitude),
            "elderly": "elderly" in fact.eligibility}


def live_referral_of(need: Need) -> StreetReferral | None:
    return db.session.execute(select(StreetReferral).where(
        StreetReferral.from_community_id == need.community_id, StreetReferral.need_id == need.id,
        StreetReferral.status.in_(LIVE_REFERRAL_STATUSES)).order_by(StreetReferral.id.desc())).scalars().first()


def refer(need: Need, offer_id: int, *, actor_id: int | None) -> StreetReferral:
    """Hand the need to the neighbour whose shared offer the coordinator chose (it must pass the filters)."""
    fact = needs.facts(need, actor_id=actor_id, tz=clock.zone(need.community_id))
    if need.status not in OPEN_STATUSES:
        raise Conflict(_("This need is not waiting for a match."), "invalid_transition")
    if need.referral_id:
        raise ValidationFailed({"offer_id": [_("This need came from a neighbouring community; it is served here.")]})
    chosen = next((c for c in street_candidates(fact, limit=1000) if c.offer_id == offer_id), None)
    if chosen is None:
        raise ValidationFailed({"offer_id": [_("This offer cannot serve the need (kind, time, place, eligibility "
                                               "or places left).")]})
    if live_referral_of(need) is not None:
        raise Conflict(_("This need has already been referred to a neighbouring community."), "already_referred")
    referral = StreetReferral(to_community_id=chosen.community_id, offer_id=offer_id, source="proposed",
                              created_by_id=actor_id, **_copy(need, fact))
    db.session.add(referral)
    db.session.flush()
    history.record(need, "matched", actor_id=actor_id, note=chosen.community_name or "")
    enqueue_after_commit(follow, referral.id, tenant_id=chosen.community_id)  # B's staff hear of it there
    return referral


def refer_to_street(need: Need, fact: engine.NeedFacts, communities: set[int]) -> StreetReferral | None:
    """Escalation: offer the overdue need to the whole street; `communities` share an offer of its kind."""
    if need.referral_id or live_referral_of(need) is not None:
        return None
    referral = StreetReferral(to_community_id=None, offer_id=None, source="escalated", **_copy(need, fact))
    db.session.add(referral)
    db.session.flush()
    for community_id in sorted(communities):
        enqueue_after_commit(follow, referral.id, tenant_id=community_id)
    return referral


def withdraw(referral: StreetReferral, *, actor_id: int | None, move_need: bool = True) -> StreetReferral:
    """The origin takes the need back (served otherwise, or no longer needed); its need waits here again."""
    tenant = current_tenant_id()
    if referral.from_community_id != tenant:
        raise Conflict(_("Only the community that referred the need may withdraw it."), "not_origin")
    was_taken = referral.status in ("taken", "confirmed")
    _move(referral, LIVE_REFERRAL_STATUSES, "withdrawn", closed_at=utcnow())
    referral.origin_status = "withdrawn"
    need = _origin_need(referral)
    if move_need and need is not None and need.status in ("matched", "in_service"):
        history.record(need, "triaged", actor_id=actor_id, note=_("Referral withdrawn"))
    if was_taken:
        enqueue_after_commit(follow, referral.id, tenant_id=referral.to_community_id)
    db.session.flush()
    return referral


@signals.need_cancelled.connect
def _withdraw_cancelled(need: Need, *, actor_id: int | None, note: str) -> None:
    withdraw_for_need(need, actor_id=actor_id)


def withdraw_for_need(need: Need, *, actor_id: int | None) -> None:
    """The origin's need is cancelled or matched here: its live referral is withdrawn with it."""
    referral = live_referral_of(need)
    if referral is not None:
        withdraw(referral, actor_id=actor_id, move_need=False)  # the caller moves the need itself


def _origin_need(referral: StreetReferral) -> Need | None:
    return db.session.execute(select(Need).where(Need.id == referral.need_id)).scalar_one_or_none()


def _move(referral: StreetReferral, expected, to_status: str, **values) -> None:
    """Move the referral only if it is still where the caller saw it: the second community gets a clear 409."""
    moved = db.session.execute(
        update(StreetReferral).where(StreetReferral.id == referral.id, StreetReferral.status.in_(expected))
        .values(status=to_status, **values).execution_options(synchronize_session=False)).rowcount
    db.session.refresh(referral)
    if moved != 1:
        raise Conflict(_("Someone else has just changed this referral (it is now %(status)s); reload the page.",
                         status=referral.status), "referral_taken")


# --- the neighbour: take, and the steps of its own match --------------------------------------------

def is_incoming(referral: StreetReferral) -> bool:
    return referral.from_community_id != current_tenant_id()


def take(referral: StreetReferral, *, actor_id: int | None, title: str | None = None) -> Need:
    """The neighbour takes the referral: a need is registered here for the external beneficiary, and
    the chosen shared offer (if any) is proposed to its unit; otherwise normal matching goes on here."""
    tenant = current_tenant_id()
    if not is_incoming(referral):
        raise Conflict(_("Your own community referred this need."), "not_target")
    moved = db.session.execute(
        update(StreetReferral).where(StreetReferral.id == referral.id, StreetReferral.status == "open",
                                     or_(StreetReferral.to_community_id.is_(None),
                                         StreetReferral.to_community_id == tenant))
        .values(status="taken", to_community_id=tenant, taken_by_id=actor_id, taken_at=utcnow())
        .execution_options(synchronize_session=False)).rowcount
    db.session.refresh(referral)
    if moved != 1:
        raise Conflict(_("This referral is no longer open (it is now %(status)s).", status=referral.status),
                       "referral_taken")
    origin = community_names([referral.from_community_id]).get(referral.from_community_id, "")
    need = Need(kind=referral.kind, title=(title or summary(referral, origin))[:200], details="",
                resident_id=None, unit_id=None, submitted_by_id=actor_id, window_start=referral.window_start,
                window_end=referral.window_end, slot=referral.slot, quantity=referral.quantity,
                urgency=referral.urgency, latitude=referral.latitude, longitude=referral.longitude,
                referral_id=referral.id)
    db.session.add(need)
    db.session.flush()
    history.record(need, "submitted", actor_id=actor_id, note=origin)
    history.record(need, "triaged", actor_id=actor_id)
    if referral.offer_id is not None:  # matching proposes the chosen shared offer, if it still fits
        signals.referral_taken.send(referral, need=need, actor_id=actor_id)
    enqueue_after_commit(follow, referral.id, tenant_id=referral.from_community_id)
    db.session.flush()
    return need


def local_step(need: Need, to_status: str) -> None:
    """The neighbour confirmed or delivered the match of a need it took over: the referral follows, and
    a job tells the origin."""
    if not need.referral_id:
        return
    expected = {"confirmed": ("taken",), "served": ("taken", "confirmed")}[to_status]
    values = {"closed_at": utcnow()} if to_status == "served" else {}
    moved = db.session.execute(
        update(StreetReferral).where(StreetReferral.id == need.referral_id, StreetReferral.status.in_(expected),
                                     StreetReferral.to_community_id == need.community_id)
        .values(status=to_status, **values).execution_options(synchronize_session=False)).rowcount
    if moved:
        referral = db.session.get(StreetReferral, need.referral_id)
        enqueue_after_commit(follow, need.referral_id, tenant_id=referral.from_community_id)


# --- following, in each community's own context -------------------------------------------------------

def follow(referral_id: int) -> str:
    """Job, run in one community's context: bring this community's side up to date with the referral."""
    referral = get_referral(referral_id)
    if referral is None:
        return "gone"
    if referral.from_community_id == current_tenant_id():
        return _follow_origin(referral)
    return _follow_target(referral)


def _follow_origin(referral: StreetReferral) -> str:
    """The origin's need follows what the neighbour did; the origin's staff hear when it is taken or served."""
    if referral.origin_status == referral.status:
        return "up to date"
    need = _origin_need(referral)
    target = community_names([referral.to_community_id]).get(referral.to_community_id, "")
    to_need = ORIGIN_NEED.get(referral.status)
    if need is not None and to_need and need.status not in ("done", "cancelled", to_need):
        history.record(need, to_need, actor_id=None, note=target)
    if need is not None and referral.status == "expired" and need.status == "matched":
        history.record(need, "triaged", actor_id=None)
    if need is not None and referral.status in ("taken", "served"):
        notifications.emit(f"referral.{referral.status}", audience=notifications.to_roles("admin", "coordinator"),
                           payload={"title": need.title, "community": target, "link": f"/needs/{need.id}"})
    referral.origin_status = referral.status
    db.session.flush()
    return referral.status


def _follow_target(referral: StreetReferral) -> str:
    """In a neighbour: tell its staff of a new referral; cancel its need when the origin withdrew."""
    if referral.status == "open":
        origin = community_names([referral.from_community_id]).get(referral.from_community_id, "")
        notifications.emit("referral.arrived", audience=notifications.to_roles("admin", "coordinator"),
                           payload={"kind": referral.kind, "community": origin,
                                    "link": f"/referrals/{referral.id}"})
        return "told"
    if referral.status == "withdrawn":
        return "cancelled" if _cancel_local_need(referral) else "nothing"
    return "nothing"


def _cancel_local_need(referral: StreetReferral) -> bool:
    need = local_need(referral)
    if need is None or need.status in ("done", "cancelled"):
        return False
    needs.move(need, "cancelled", actor_id=None, note=_("Referral withdrawn"))
    return True


def sweep() -> int:
    """Scheduled per community: expire open referrals whose time has passed, and repeat any follow-up a
    lost job left undone (the origin's needs, the neighbour's cancelled needs)."""
    tenant = current_tenant_id()
    now = utcnow()
    done = 0
    mine = StreetReferral.from_community_id == tenant
    for referral in db.session.execute(select(StreetReferral).where(
            mine, StreetReferral.status == "open", StreetReferral.window_end < now)).scalars():
        _move(referral, ("open",), "expired", closed_at=now)
        done += 1
    for referral in db.session.execute(select(StreetReferral).where(
            mine, StreetReferral.origin_status != StreetReferral.status)).scalars():
        _follow_origin(referral)
        done += 1
    stale = db.session.execute(select(StreetReferral).join(Need, Need.referral_id == StreetReferral.id).where(
        StreetReferral.to_community_id == tenant, StreetReferral.status == "withdrawn",
        Need.status.not_in(("done", "cancelled")))).scalars().all()
    for referral in stale:
        done += _cancel_local_need(referral)
    db.session.flush()
    return done


# --- reading ------------------------------------------------------------------------------------------

def get_referral(referral_id: int) -> StreetReferral | None:
    """The referral if this community is party to it (tenants/street.py scopes the query), else None."""
    return db.session.execute(select(StreetReferral).where(StreetReferral.id == referral_id)).scalar_one_or_none()


def local_need(referral: StreetReferral) -> Need | None:
    """This community's need for the referral: the origin's own, or the one the neighbour registered."""
    if referral.from_community_id == current_tenant_id():
        return _origin_need(referral)
    return db.session.execute(select(Need).where(Need.referral_id == referral.id)).scalars().first()


def list_referrals(*, box: str = "incoming", status: str | None = None, limit: int = 100) -> list[StreetReferral]:
    """incoming: addressed to this community or to its street by a neighbour; outgoing: referred from here."""
    tenant = current_tenant_id()
    stmt = select(StreetReferral)
    if box == "outgoing":
        stmt = stmt.where(StreetReferral.from_community_id == tenant)
    else:
        stmt = stmt.where(StreetReferral.from_community_id != tenant)
    if status == "live":
        stmt = stmt.where(StreetReferral.status.in_(LIVE_REFERRAL_STATUSES))
    elif status:
        stmt = stmt.where(StreetReferral.status == status)
    return list(db.session.execute(stmt.order_by(StreetReferral.id.desc()).limit(limit)).scalars())


def described(referrals: list[StreetReferral]) -> list[dict]:
    """Each referral with what this community may read about it, in at most three queries for any number."""
    tenant = current_tenant_id()
    names = community_names({r.from_community_id for r in referrals} | {r.to_community_id for r in referrals})
    taken_here = [r.id for r in referrals if r.from_community_id != tenant]
    local = dict(db.session.execute(select(Need.referral_id, Need.id).where(Need.referral_id.in_(taken_here)))
                 .all()) if taken_here else {}
    outgoing_offers = {r.offer_id for r in referrals if r.from_community_id == tenant and r.offer_id}
    incoming_offers = {r.offer_id for r in referrals if r.from_community_id != tenant and r.offer_id}
    titles = {i: title for i, (_c, title) in offers.shared_titles(outgoing_offers).items()}
    if incoming_offers:

        titles |= dict(db.session.execute(select(Offer.id, Offer.title).where(Offer.id.in_(incoming_offers))).all())
    found = []
    for r in referrals:
        outgoing = r.from_community_id == tenant
        found.append({
            "referral": r, "direction": "outgoing" if outgoing else "incoming",
            "from_name": names.get(r.from_community_id, ""), "to_name": names.get(r.to_community_id, ""),
            "need_id": r.need_id if outgoing else local.get(r.id), "offer_title": titles.get(r.offer_id),
            "summary": summary(r), "beneficiary": _("A resident of %(community)s",
                                                    community=names.get(r.from_community_id, "")),
        })
    return found


def summary(referral, origin: str | None = None) -> str:
    """A title made of the minimised copy alone ("午餐 · 助餐"): the origin's own title may name the person."""
    kind = KIND_LABELS.get(referral.kind, referral.kind)
    text = f"{SLOT_LABELS[referral.slot]} · {kind}" if referral.slot in SLOT_LABELS else str(kind)
    if origin:
        return _("%(what)s for a resident of %(community)s", what=text, community=origin)
    return text



def incoming(limit: int = 20) -> list[dict]:
    """Open referrals from the neighbouring communities of the street, for the coordinator's work queue."""
    return described(list_referrals(box="incoming", status="open", limit=limit))


@needs.referred_lookup("names")
def referred_names(referral_ids: set[int]) -> dict[int, str]:
    """{referral id: "A resident of <origin community>"}: all a neighbour knows of the beneficiary."""
    rows = db.session.execute(select(StreetReferral.id, Community.name)
                              .join(Community, Community.id == StreetReferral.from_community_id)
                              .where(StreetReferral.id.in_(referral_ids))).all()
    return {i: _("A resident of %(community)s", community=name) for i, name in rows}


@needs.referred_lookup("elderly")
def referred_elderly(referral_ids: set[int]) -> set[int]:
    return set(db.session.execute(select(StreetReferral.id).where(
        StreetReferral.id.in_(referral_ids), StreetReferral.elderly.is_(True))).scalars())
