"""What each side of a match may see — the one place that decides it.

SPEC, Privacy: "a canteen sees a name, address and diet, never a disability grade". The staff see the whole
match (score, every reason, the beneficiary's profile). A unit representative answering a match sees only
what serving needs: the need's kind, title, details and time; the requesting unit for a unit↔unit need;
diet notes for meals; and the beneficiary's name, home and phone only while the match is accepted or
confirmed (before that the unit is only asked whether it can serve; after delivery it no longer needs
them). Never disability, 低保, living alone, date of birth or household — and no reason that would reveal
them (the priority reason exists because of them), nor the score they weigh in.

Pages, the API and the messages to unit representatives all go through `match_view` / `match_views` /
`unit_payload`; templates and schemas show what they are given and decide nothing.
"""
import logging

from sqlalchemy import select
from sqlalchemy.orm import aliased

from app.core.extensions import db
from app.matching.models import Match
from app.needs.models import Need
from app.needs.services import local_window
from app.offers.models import Offer
from app.residents.models import Resident
from app.units.models import Unit
from tenants import clock

logger = logging.getLogger(__name__)

STAFF, UNIT = "staff", "unit"
# While a unit is committed to serving, it needs to find and reach the person.
IDENTITY_STATUSES = ("accepted", "confirmed")
# Reasons a unit may read: its own facts (distance, places left, its rating). Listed, not excluded, so a
# reason added later (say a priority with its grade) stays with the staff until someone decides otherwise.
UNIT_REASONS = ("distance", "left", "rating")
HOME_FIELDS = ("building", "entrance", "room", "address")


class View(dict):
    """A dict read like an object (templates, permission rules, schemas); a missing key is simply absent."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def _need(need: Need, requesting_unit: Unit | None, audience: str) -> View:
    shown = View(id=need.id, kind=need.kind, title=need.title, details=need.details, slot=need.slot,
                 quantity=need.quantity, window_start=need.window_start, window_end=need.window_end,
                 urgency=need.urgency, requesting_unit=requesting_unit.name if requesting_unit else None)
    if audience == STAFF:
        shown |= {"status": need.status, "resident_id": need.resident_id, "unit_id": need.unit_id}
    return shown


def _beneficiary(resident: Resident | None, need: Need, status: str, audience: str) -> View | None:
    if resident is None:
        return None
    if audience == STAFF:
        return View(id=resident.id, name=resident.name, phone=resident.phone,
                    **{key: getattr(resident, key) for key in HOME_FIELDS}, diet_notes=resident.diet_notes,
                    birth_date=resident.birth_date, age=resident.age, household=resident.household)
    shown = View()
    if need.kind == "meal":
        shown["diet_notes"] = resident.diet_notes
    if status in IDENTITY_STATUSES:
        shown |= {"name": resident.name, "phone": resident.phone,
                  **{key: getattr(resident, key) for key in HOME_FIELDS}}
    return shown


def service_day_of(need: Need):
    """The day the need is served, in the community's time (a unit marks it delivered from then on)."""
    return local_window(need, clock.zone(need.community_id))[0].date()


def match_view(match: Match, need: Need, offer: Offer, unit: Unit, resident: Resident | None,
               requesting_unit: Unit | None = None, *, audience: str) -> View:
    """The match as `audience` (STAFF or UNIT) may see it."""
    shown = View(id=match.id, need_id=match.need_id, offer_id=match.offer_id, occurrence=match.occurrence,
                 quantity=match.quantity, status=match.status, rating=match.rating, comment=match.comment,
                 created_at=match.created_at, offer_title=offer.title, unit_id=unit.id, unit_name=unit.name,
                 service_on=(day := service_day_of(need)), due=day <= clock.today(need.community_id),
                 need=_need(need, requesting_unit, audience),
                 beneficiary=_beneficiary(resident, need, match.status, audience))
    if audience == STAFF:
        shown |= {"score": match.score, "reasons": list(match.reasons or [])}
    else:
        shown["reasons"] = [r for r in match.reasons or [] if r.get("code") in UNIT_REASONS]
    return shown


def _rows(stmt) -> list[tuple]:
    """(match, need, offer, serving unit, resident, requesting unit) rows for a statement on matches."""
    requesting = aliased(Unit)
    stmt = (stmt.add_columns(Need, Offer, Unit, Resident, requesting)
            .join(Need, Need.id == Match.need_id)
            .join(Offer, Offer.id == Match.offer_id)
            .join(Unit, Unit.id == Offer.unit_id)
            .outerjoin(Resident, Resident.id == Need.resident_id)
            .outerjoin(requesting, requesting.id == Need.unit_id))
    return list(db.session.execute(stmt).all())


def match_views(statuses=None, *, audience: str, unit_ids=None, need_id: int | None = None,
                limit: int = 200) -> list[View]:
    """Matches (newest first) as `audience` may see them, in one query; `unit_ids` limits to those units."""
    stmt = select(Match)
    if statuses:
        stmt = stmt.where(Match.status.in_(list(statuses)))
    if need_id:
        stmt = stmt.where(Match.need_id == need_id)
    if unit_ids is not None:
        stmt = stmt.where(Match.offer_id.in_(select(Offer.id).where(Offer.unit_id.in_(list(unit_ids) or [-1]))))
    rows = _rows(stmt.order_by(Match.id.desc()).limit(limit))
    return [match_view(*row, audience=audience) for row in rows]


def view_of(match: Match, *, audience: str) -> View:
    """One match as `audience` may see it."""
    [row] = _rows(select(Match).where(Match.id == match.id))
    return match_view(*row, audience=audience)


def unit_payload(match: Match, need: Need) -> dict:
    """What a message to the unit's representatives may carry: the need's title and kind, a link."""
    return {"title": need.title, "kind": need.kind, "link": f"/matches/{match.id}"}
