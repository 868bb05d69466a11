"""What each unit gave the community's joint activities in a year, derived from the records every time (never
from counters): the hours its venues were lent (confirmed booking dates starting in the year, summed in SQL), the
activities it organised and co-organised that were held and recorded (recorded or closed, starting in the year),
and how many of its people were checked in at an activity in the year. The yearly review (app/reviews) and the
commendation read these.

Four statements whatever the number of units (one GROUP BY per source). A year runs from 1 January 00:00 to
31 December 24:00 in the community's time zone.
"""

from sqlalchemy import and_, func, select

from app.activities.models import Activity, ActivityUnit, Registration
from app.core.extensions import db
from app.venues.models import BookingOccurrence, Venue
from tenants import clock

DONE = ("recorded", "closed")  # held, with their record: what counts as an activity organised
EMPTY = {"venue_hours": 0.0, "organised": 0, "co_organised": 0, "attended": 0}




def _seconds(starts, ends):
    """The length of [starts, ends) in seconds, computed by the database."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", ends - starts)
    return (func.julianday(ends) - func.julianday(starts)) * 86400.0


def contributions(year: int, unit_ids=None) -> dict[int, dict]:
    """{unit_id: {"venue_hours", "organised", "co_organised", "attended"}}: every unit with something in the
    year, or exactly the given units (those with nothing get zeros)."""
    ids = None if unit_ids is None else sorted(set(unit_ids))
    if ids is not None and not ids:
        return {}
    start, end = clock.year_bounds(year)
    found: dict[int, dict] = {} if ids is None else {unit_id: dict(EMPTY) for unit_id in ids}

    def add(rows, key, convert=int):
        for unit_id, value in rows:
            if unit_id is not None and (ids is None or unit_id in found):
                found.setdefault(unit_id, dict(EMPTY))[key] = convert(value or 0)

    def only(stmt, column):
        return stmt if ids is None else stmt.where(column.in_(ids))

    occ = BookingOccurrence
    add(db.session.execute(only(
        select(Venue.unit_id, func.sum(_seconds(occ.starts_at, occ.ends_at)))
        .join(Venue, and_(Venue.id == occ.venue_id, Venue.community_id == occ.community_id))
        .where(occ.status == "confirmed", occ.starts_at >= start, occ.starts_at < end)
        .group_by(Venue.unit_id), Venue.unit_id)), "venue_hours", lambda s: round(float(s) / 3600, 1))

    in_year = and_(Activity.status.in_(DONE), Activity.starts_at >= start, Activity.starts_at < end)
    add(db.session.execute(only(
        select(Activity.organiser_unit_id, func.count(Activity.id)).where(in_year)
        .group_by(Activity.organiser_unit_id), Activity.organiser_unit_id)), "organised")
    add(db.session.execute(only(
        select(ActivityUnit.unit_id, func.count(ActivityUnit.id))
        .join(Activity, and_(Activity.id == ActivityUnit.activity_id,
                             Activity.community_id == ActivityUnit.community_id))
        .where(in_year).group_by(ActivityUnit.unit_id), ActivityUnit.unit_id)), "co_organised")
    add(db.session.execute(only(
        select(Registration.unit_id, func.count(Registration.id))
        .where(Registration.checked_in_at >= start, Registration.checked_in_at < end)
        .group_by(Registration.unit_id), Registration.unit_id)), "attended")
    return found
