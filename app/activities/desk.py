"""What the activity pages read: the list as a reader may see it (with what its rows show, in a fixed number of
statements however many activities there are), and what waits for the staff and a unit's desk."""
import logging

from sqlalchemy import and_, func, or_, select

from app.activities.models import LIVE, SHOWN, Activity, ActivityUnit, Registration
from app.core.extensions import db
from tenants import clock

logger = logging.getLogger(__name__)

OPEN_TO_ALL = (*SHOWN, "cancelled")  # what everyone sees; proposals and rejections only their organisers


def _mine(user_id: int | None, unit_ids) -> list:
    conditions = []
    if user_id is not None:
        conditions.append(Activity.proposed_by_id == user_id)
    if unit_ids:
        conditions.append(Activity.organiser_unit_id.in_(unit_ids))
        conditions.append(Activity.id.in_(select(ActivityUnit.activity_id).where(ActivityUnit.unit_id.in_(unit_ids))))
    return conditions


def visible(*, past: bool, kind: str | None = None, staff: bool, user_id: int | None, unit_ids=(),
            limit: int = 100) -> list[Activity]:
    """Upcoming (not ended yet, soonest first) or past (latest first) activities the reader may see: staff every
    one, the others the approved ones and the cancelled, and the proposals of their own (or their units')."""
    now = clock.utcnow()
    stmt = select(Activity)
    stmt = stmt.where(Activity.ends_at < now) if past else stmt.where(Activity.ends_at >= now)
    if kind:
        stmt = stmt.where(Activity.kind == kind)
    if not staff:
        stmt = stmt.where(or_(Activity.status.in_(OPEN_TO_ALL), *_mine(user_id, list(unit_ids))))
    order = (Activity.starts_at.desc(), Activity.id.desc()) if past else (Activity.starts_at, Activity.id)
    return list(db.session.execute(stmt.order_by(*order).limit(limit)).scalars())


def waiting_counts(activity_ids) -> dict[int, int]:
    """{activity id: people on its waiting list}, in one statement."""
    ids = sorted(set(activity_ids))
    if not ids:
        return {}
    return dict(db.session.execute(
        select(Registration.activity_id, func.count()).where(Registration.activity_id.in_(ids),
                                                             Registration.status == "waiting")
        .group_by(Registration.activity_id)).all())


def proposals_waiting(limit: int = 10) -> tuple[list[Activity], int]:
    """Proposals waiting for the staff's decision (not those already put to a vote), the oldest first."""
    condition = and_(Activity.status == "proposed", Activity.ballot_id.is_(None))
    count = db.session.execute(select(func.count(Activity.id)).where(condition)).scalar_one()
    rows = list(db.session.execute(select(Activity).where(condition)
                                   .order_by(Activity.created_at, Activity.id).limit(limit)).scalars()) if count else []
    return rows, count


def without_record(limit: int = 10) -> tuple[list[Activity], int]:
    """Activities that have taken place (this week or before) and have no record yet."""
    condition = and_(Activity.status.in_(("scheduled", "held")), Activity.ends_at <= clock.utcnow())
    count = db.session.execute(select(func.count(Activity.id)).where(condition)).scalar_one()
    rows = list(db.session.execute(select(Activity).where(condition)
                                   .order_by(Activity.starts_at, Activity.id).limit(limit)).scalars()) if count else []
    return rows, count


def with_waiting_list(limit: int = 10) -> tuple[list[tuple[Activity, int]], int]:
    """Upcoming activities with people on their waiting list, and how many wait at each."""
    waiting = (select(Registration.activity_id, func.count().label("n")).where(Registration.status == "waiting")
               .group_by(Registration.activity_id).subquery())
    condition = and_(Activity.status.in_(LIVE), Activity.ends_at >= clock.utcnow())
    count = db.session.execute(select(func.count(Activity.id)).join(waiting, waiting.c.activity_id == Activity.id)
                               .where(condition)).scalar_one()
    rows = [(a, n) for a, n in db.session.execute(
        select(Activity, waiting.c.n).join(waiting, waiting.c.activity_id == Activity.id).where(condition)
        .order_by(Activity.starts_at, Activity.id).limit(limit)).all()] if count else []
    return rows, count


def upcoming_of_units(unit_ids, limit: int = 10) -> list[Activity]:
    """A unit desk: the upcoming activities its units organise or co-organise (not the cancelled or rejected)."""
    ids = list(unit_ids)
    if not ids:
        return []
    return list(db.session.execute(
        select(Activity).where(Activity.ends_at >= clock.utcnow(),
                               Activity.status.in_(("proposed", *LIVE)), or_(*_mine(None, ids)))
        .order_by(Activity.starts_at, Activity.id).limit(limit)).scalars())


def counts() -> dict[str, int]:
    """The staff's daily digest."""
    return {"activity_proposals": proposals_waiting(limit=0)[1], "activities_without_record": without_record(0)[1],
            "activities_with_waiting_list": with_waiting_list(0)[1]}
