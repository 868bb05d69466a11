"""Council rules: appointing a member to a seat for a term and ending it (the "council" role follows the seats,
through the members domain, which records and tells every change of roles); the resident representatives (the
"representative" role); and what the association's public page may say (names and positions, counts of units)."""
import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import and_, or_, select

from app.accounts import services as accounts
from app.accounts.models import User
from app.core.extensions import db
from app.core.validation import Conflict, ValidationFailed
from app.council.models import POSITIONS, CouncilSeat
from app.council.vocabulary import POSITION_LABELS
from app.members import services as members
from app.units import services as units
from app.units.vocabulary import TYPE_LABELS
from tenants import clock
from tenants.models import Membership, MembershipRole

logger = logging.getLogger(__name__)

COUNCIL_ROLE = "council"
REPRESENTATIVE_ROLE = "representative"
# A person left with no role at all stays a member as a resident (the community's everyday role).
FALLBACK_ROLE = "resident"


@dataclass
class SeatView:
    """A seat as pages and the API show it: the name of who holds it, never their phone or e-mail."""

    id: int
    user_id: int
    name: str
    position: str
    term_start: date
    term_end: date | None
    ended_on: date | None
    note: str
    created_at: datetime
    current: bool

    @property
    def position_label(self) -> str:
        return str(POSITION_LABELS[self.position])


def today() -> date:
    return clock.today()


def _held(day: date):
    """Seats not ended and not lapsed on `day`: current, or still to begin."""
    return and_(CouncilSeat.ended_on.is_(None), or_(CouncilSeat.term_end.is_(None), CouncilSeat.term_end >= day))


def _views(seats: list[CouncilSeat]) -> list[SeatView]:
    day = today()
    names = accounts.user_names(s.user_id for s in seats)
    return [SeatView(id=s.id, user_id=s.user_id, name=names.get(s.user_id, ""), position=s.position,
                     term_start=s.term_start, term_end=s.term_end, ended_on=s.ended_on, note=s.note,
                     created_at=s.created_at, current=s.is_current(day)) for s in seats]


def _in_council_order(views: list[SeatView]) -> list[SeatView]:
    return sorted(views, key=lambda v: (POSITIONS.index(v.position), v.term_start, v.name, v.id))


# --- reading --------------------------------------------------------------------------------------

def get_seat(seat_id: int) -> CouncilSeat | None:
    return db.session.execute(select(CouncilSeat).where(CouncilSeat.id == seat_id)).scalar_one_or_none()


def current_council(day: date | None = None) -> list[SeatView]:
    """Who sits on the council on `day` (today in community time): chairperson first, then by position."""
    day = day or today()
    seats = db.session.execute(select(CouncilSeat).where(_held(day), CouncilSeat.term_start <= day)).scalars()
    return _in_council_order(_views(list(seats)))


def coming_seats() -> list[SeatView]:
    """Appointments whose term has not begun yet."""
    day = today()
    seats = db.session.execute(select(CouncilSeat).where(_held(day), CouncilSeat.term_start > day)).scalars()
    return _in_council_order(_views(list(seats)))


def seat_history(limit: int = 200) -> list[SeatView]:
    """Every seat, the newest appointment first (ended and lapsed terms included)."""
    seats = db.session.execute(select(CouncilSeat).order_by(CouncilSeat.term_start.desc(), CouncilSeat.id.desc())
                               .limit(limit)).scalars()
    return _views(list(seats))


def view_of(seat: CouncilSeat) -> SeatView:
    return _views([seat])[0]


def representatives() -> list[dict]:
    """The resident representatives (members with the representative role), by name: {id, name} only."""
    rows = db.session.execute(
        select(User.id, User.name).join(Membership, Membership.user_id == User.id)
        .join(MembershipRole, MembershipRole.membership_id == Membership.id)
        .where(MembershipRole.role == REPRESENTATIVE_ROLE).order_by(User.name_pinyin, User.id)).all()
    return [{"id": user_id, "name": name} for user_id, name in rows]


def name_of(user_id: int) -> str:
    return accounts.user_names([user_id]).get(user_id, "")


def member_pick(user_id: int) -> dict | None:
    """The picker's item for a member of this community (None for anyone else)."""
    if members.membership_of(user_id) is None:
        return None
    user = db.session.get(User, user_id)
    return members.pick_item(user) if user is not None else None


def member_units() -> tuple[int, list[tuple[str, str, int]]]:
    """The active member units: how many, and how many of each kind [(type, label, count)], largest first."""
    counts = units.counts_by_type()
    kinds = sorted(((t, str(TYPE_LABELS.get(t, t)), n) for t, n in counts.items() if n),
                   key=lambda k: (-k[2], list(TYPE_LABELS).index(k[0]) if k[0] in TYPE_LABELS else 99))
    return sum(counts.values()), kinds


# --- the roles ------------------------------------------------------------------------------------

def _membership(user_id: int, field: str = "user_id") -> Membership:
    membership = members.membership_of(user_id)
    if membership is None:
        raise ValidationFailed({field: [_("This person is not a member of the community.")]})
    return membership


def _grant(membership: Membership, role: str) -> None:
    if not membership.has_role(role):
        members.set_roles(membership, [*membership.role_names, role])


def _revoke(membership: Membership, role: str) -> None:
    if membership.has_role(role):
        members.set_roles(membership, [r for r in membership.role_names if r != role] or [FALLBACK_ROLE])


# --- the council ----------------------------------------------------------------------------------

def appoint(data: dict, *, actor_id: int | None) -> CouncilSeat:
    """Seat a member (SeatIn's data) and give them the council role. One chairperson at a time, one seat a
    person; a term ends after it starts and not before today."""
    start, end = data["term_start"], data.get("term_end")
    problems: dict[str, list[str]] = {}
    membership = members.membership_of(data["user_id"])
    if membership is None:
        problems["user_id"] = [_("This person is not a member of the community.")]
    if end is not None and end <= start:
        problems["term_end"] = [_("The term must end after it starts.")]
    elif end is not None and end < today():
        problems["term_end"] = [_("This term is already over; give a last day from today on.")]
    if problems:
        raise ValidationFailed(problems)
    held = list(db.session.execute(select(CouncilSeat).where(_held(today()))).scalars())
    names = accounts.user_names([data["user_id"], *(s.user_id for s in held)])
    mine = next((s for s in held if s.user_id == data["user_id"]), None)
    if mine is not None:
        raise Conflict(_("%(name)s already holds a seat on the council (%(position)s); end that term first.",
                         name=names.get(mine.user_id, ""), position=POSITION_LABELS[mine.position]), "seat_held")
    if data["position"] == "chair":
        chair = next((s for s in held if s.position == "chair" and s.overlaps(start, end)), None)
        if chair is not None:
            raise Conflict(_("The council already has a chairperson for this term: %(name)s. End that term "
                             "first, or start the new term after it.", name=names.get(chair.user_id, "")),
                           "chair_taken")
    seat = CouncilSeat(user_id=data["user_id"], position=data["position"], term_start=start, term_end=end,
                       note=data.get("note") or "", appointed_by_id=actor_id)
    db.session.add(seat)
    db.session.flush()
    _grant(membership, COUNCIL_ROLE)
    logger.info("council seat %s: user %s as %s from %s", seat.id, seat.user_id, seat.position, start)
    return seat


def _still_seated(user_id: int, day: date) -> bool:
    return db.session.execute(select(CouncilSeat.id).where(CouncilSeat.user_id == user_id, _held(day))
                              .limit(1)).first() is not None


def end_term(seat: CouncilSeat, *, actor_id: int | None, note: str = "") -> CouncilSeat:
    """End a term today (the row stays, as history); the person's council role goes with their last seat."""
    day = today()
    if not seat.is_held(day):
        raise Conflict(_("This term has already ended."), "term_ended")
    seat.ended_on = day
    seat.ended_by_id = actor_id
    if note:
        seat.note = f"{seat.note} · {note}"[:200] if seat.note else note
    db.session.flush()
    membership = members.membership_of(seat.user_id)
    if membership is not None and not _still_seated(seat.user_id, day):
        _revoke(membership, COUNCIL_ROLE)
    return seat


def close_lapsed_terms() -> int:
    """Daily: a term whose last day has passed ends (the day after it), and its holder's council role goes
    unless they hold another seat. Run twice, the second run finds nothing."""
    day = today()
    lapsed = list(db.session.execute(select(CouncilSeat).where(
        CouncilSeat.ended_on.is_(None), CouncilSeat.term_end.is_not(None), CouncilSeat.term_end < day)).scalars())
    for seat in lapsed:
        seat.ended_on = seat.term_end + timedelta(days=1)
    db.session.flush()
    for user_id in {s.user_id for s in lapsed}:
        membership = members.membership_of(user_id)
        if membership is not None and not _still_seated(user_id, day):
            _revoke(membership, COUNCIL_ROLE)
    return len(lapsed)


# --- the resident representatives -----------------------------------------------------------------

def appoint_representative(user_id: int) -> Membership:
    membership = _membership(user_id)
    if membership.has_role(REPRESENTATIVE_ROLE):
        raise Conflict(_("This member is already a resident representative."), "already_representative")
    _grant(membership, REPRESENTATIVE_ROLE)
    return membership


def remove_representative(user_id: int) -> Membership | None:
    """None when the person is no representative of this community (the caller answers 404)."""
    membership = members.membership_of(user_id)
    if membership is None or not membership.has_role(REPRESENTATIVE_ROLE):
        return None
    _revoke(membership, REPRESENTATIVE_ROLE)
    return membership
