"""Venue and booking rules: a request's dates are expanded into occurrences, each checked against the venue's
weekly hours (community time), its closed periods and the other confirmed occurrences — the last in one
statement for all dates of a request — and confirmed occurrences never overlap, also when two owners confirm
at once (the database refuses the second: an exclusion constraint on PostgreSQL, a trigger on SQLite)."""
import calendar
import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import DateTime, Integer, func, literal, select, union_all, update
from sqlalchemy.exc import IntegrityError

from app import history, permissions
from app.core import signals
from app.core.extensions import db
from app.core.fields import as_utc
from app.core.kinds import WEEKDAYS
from app.core.validation import Conflict, ValidationFailed, text_problems
from app.notifications import services as notifications
from app.notifications.models import OutboxEvent
from app.units.models import Unit, UnitRepresentative
from app.venues.models import FREQUENCIES, Booking, BookingOccurrence, Venue, VenueClosure
from tenants import clock

logger = logging.getLogger(__name__)

MAX_OCCURRENCES = 200  # a recurring request of at most this many dates (about four years of weekly ones)


def local(moment: datetime) -> datetime:
    return as_utc(moment).astimezone(clock.zone())


# --- venues ---------------------------------------------------------------------------------------

@permissions.loader("venue")
def get_venue(venue_id: int) -> Venue | None:
    return db.session.execute(select(Venue).where(Venue.id == venue_id)).scalar_one_or_none()


def owned_venue_ids(user_id: int, *, staff: bool) -> list[int]:
    """The venues whose requests this person decides: all for staff, else those of the units they represent."""
    stmt = select(Venue.id).where(Venue.status == "active")
    if not staff:
        stmt = stmt.join(UnitRepresentative, UnitRepresentative.unit_id == Venue.unit_id) \
            .where(UnitRepresentative.user_id == user_id)
    return list(db.session.execute(stmt).scalars())


def _owners(venue: Venue) -> list[int]:
    return list(db.session.execute(select(UnitRepresentative.user_id)
                                   .where(UnitRepresentative.unit_id == venue.unit_id)).scalars())


def list_venues() -> list[Venue]:
    return list(db.session.execute(select(Venue).where(Venue.status == "active").order_by(Venue.name, Venue.id))
                .scalars())


def _check_hours(hours: dict, errors: dict) -> dict:
    clean = {}
    for day, intervals in (hours or {}).items():
        if day not in WEEKDAYS:
            errors.setdefault("hours", []).append(_("Unknown weekday: %(day)s.", day=day))
            continue
        spans = []
        for interval in intervals or []:
            try:
                start, end = (time.fromisoformat(v) for v in interval)
            except (TypeError, ValueError):
                errors.setdefault("hours", []).append(_("Hours are written as 08:00–12:00."))
                continue
            if end <= start:
                errors.setdefault("hours", []).append(_("Opening hours must end after they start."))
                continue
            spans.append([start.strftime("%H:%M"), end.strftime("%H:%M")])
        clean[day] = sorted(spans)
    return clean


def create_venue(*, unit_id: int, name: str, capacity: int, hours: dict | None = None,
                 needs_confirmation: bool = True, book_ahead_days: int = 180, description: str = "",
                 step_free: bool = False, accessible_toilet: bool = False, lift: bool = False,
                 hearing_loop: bool = False, accessibility_note: str = "", offer_id: int | None = None,
                 closures: list[dict] | None = None) -> Venue:
    errors: dict[str, list[str]] = {}
    if problems := text_problems(name, max_length=200, required=True):
        errors["name"] = problems
    if capacity is None or capacity < 1:
        errors.setdefault("capacity", []).append(_("Capacity is at least one person."))
    if book_ahead_days is None or book_ahead_days < 1:
        errors.setdefault("book_ahead_days", []).append(_("One may book at least one day ahead."))
    clean_hours = _check_hours(hours or {}, errors)
    if db.session.execute(select(Unit.id).where(Unit.id == unit_id)).scalar_one_or_none() is None:
        errors.setdefault("unit_id", []).append(_("No such unit in this community."))
    periods = []
    for closure in closures or []:
        starts_on, ends_on = closure["starts_on"], closure.get("ends_on") or closure["starts_on"]
        if ends_on < starts_on:
            errors.setdefault("closures", []).append(_("A closed period must end on or after its first day."))
            continue
        periods.append(VenueClosure(starts_on=starts_on, ends_on=ends_on, reason=closure.get("reason", "")))
    if errors:
        raise ValidationFailed(errors)
    venue = Venue(unit_id=unit_id, name=name.strip(), capacity=capacity, hours=clean_hours,
                  needs_confirmation=needs_confirmation, book_ahead_days=book_ahead_days,
                  description=description, step_free=step_free, accessible_toilet=accessible_toilet, lift=lift,
                  hearing_loop=hearing_loop, accessibility_note=accessibility_note, offer_id=offer_id,
                  closures=periods)
    db.session.add(venue)
    db.session.flush()
    return venue


EDITABLE = ("name", "description", "capacity", "hours", "needs_confirmation", "book_ahead_days", "step_free",
            "accessible_toilet", "lift", "hearing_loop", "accessibility_note")


def update_venue(venue: Venue, changes: dict) -> Venue:
    """Change what the owner keeps of a venue (the fields given); bookings already made stay as they are."""
    errors: dict[str, list[str]] = {}
    if "name" in changes and (problems := text_problems(changes["name"], max_length=200, required=True)):
        errors["name"] = problems
    if "capacity" in changes and (changes["capacity"] is None or changes["capacity"] < 1):
        errors["capacity"] = [_("Capacity is at least one person.")]
    if "hours" in changes:
        changes = {**changes, "hours": _check_hours(changes["hours"] or {}, errors)}
    if errors:
        raise ValidationFailed(errors)
    for key in EDITABLE:
        if key in changes:
            setattr(venue, key, changes[key].strip() if key == "name" else changes[key])
    db.session.flush()
    return venue


def close_venue(venue: Venue, *, starts_on: date, ends_on: date | None = None, reason: str = "") -> VenueClosure:
    ends_on = ends_on or starts_on
    if ends_on < starts_on:
        raise ValidationFailed({"ends_on": [_("A closed period must end on or after its first day.")]})
    closure = VenueClosure(venue_id=venue.id, starts_on=starts_on, ends_on=ends_on, reason=reason)
    venue.closures.append(closure)
    db.session.flush()
    return closure


def remove_closure(venue: Venue, closure_id: int) -> VenueClosure | None:
    """Open the venue again for a closed period (bookings may fall in it again); None: no such period."""
    closure = next((c for c in venue.closures if c.id == closure_id), None)
    if closure is not None:
        venue.closures.remove(closure)
        db.session.flush()
    return closure


# --- a venue offer is the venue's place in the docking ---------------------------------------------

@signals.offer_created.connect
def _offer_created(offer, *, actor_id: int | None = None) -> None:
    """A new offer of kind venue makes its bookable venue: its title, unit, capacity and weekly hours; the
    owner confirms each request, as requests of a venue offer always needed."""
    if offer.kind != "venue" or db.session.execute(select(Venue.id).where(Venue.offer_id == offer.id)) \
            .scalar_one_or_none() is not None:
        return
    create_venue(unit_id=offer.unit_id, name=offer.title, capacity=max(offer.capacity or 1, 1),
                 hours=offer.weekly or {}, description=offer.description or "", offer_id=offer.id)


@signals.offer_day_closed.connect
def _offer_day_closed(offer, *, day: date, actor_id: int | None, note: str = "") -> None:
    """A venue offer closed for a day closes its venue that day: no booking falls on it."""
    if offer.kind != "venue":
        return
    venue = db.session.execute(select(Venue).where(Venue.offer_id == offer.id)).scalar_one_or_none()
    if venue is not None and not any(c.starts_on <= day <= c.ends_on for c in venue.closures):
        close_venue(venue, starts_on=day, reason=note[:200])


# --- the history of a booking's dates --------------------------------------------------------------

HISTORY_TYPE = "bookingoccurrence"  # as app.history names a BookingOccurrence


def _remember(rows, to_status: str, *, actor_id: int | None, from_status: str | None = None, note: str = "") -> None:
    """Write down a decision about these dates (app/history.py), each with its date in the note."""
    for row in rows:
        db.session.add(history.StatusChange(
            object_type=HISTORY_TYPE, object_id=row.id, from_status=from_status or row.status, to_status=to_status,
            actor_id=actor_id, note=(note or f"{local(row.starts_at):%Y-%m-%d %H:%M}–{local(row.ends_at):%H:%M}")))


def booking_history(booking: Booking) -> list:
    """The decisions about a booking's dates, oldest first, in one query."""
    found = history.histories(HISTORY_TYPE, [o.id for o in booking.occurrences])
    return sorted((c for changes in found.values() for c in changes), key=lambda c: c.id)


# --- expanding a request into dates ----------------------------------------------------------------

def expand(starts_at: datetime, ends_at: datetime, *, frequency: str = "once", interval: int = 1,
           until: date | None = None, count: int | None = None) -> list[tuple[datetime, datetime]]:
    """The dates of a request, in UTC: the first one, then every `interval` weeks or months (same local
    time, so a daylight-saving change does not move them), up to `until` (included) or `count` dates."""
    errors: dict[str, list[str]] = {}
    if ends_at <= starts_at:
        errors["ends_at"] = [_("A booking must end after it starts.")]
    if frequency not in FREQUENCIES:
        errors["frequency"] = [_("Choose once, weekly or monthly.")]
    elif frequency != "once":
        if until is None and not count:
            errors["until"] = [_("A recurring booking needs an end date or a number of times.")]
        if interval is None or interval < 1:
            errors["interval"] = [_("The interval is at least one.")]
        if count is not None and not 1 <= count <= MAX_OCCURRENCES:
            errors["count"] = [_("At most %(n)d dates in one request.", n=MAX_OCCURRENCES)]
    if errors:
        raise ValidationFailed(errors)
    zone = clock.zone()
    first, last = local(starts_at), local(ends_at)
    length = last - first
    if frequency == "once":
        return [(as_utc(starts_at), as_utc(ends_at))]
    if until is not None and until < first.date():
        raise ValidationFailed({"until": [_("The end date is before the first date.")]})
    dates = []
    k = 0
    while True:
        if frequency == "weekly":
            day = first.date() + timedelta(weeks=k * interval)
        else:
            months = first.month - 1 + k * interval
            year, month = first.year + months // 12, months % 12 + 1
            if first.day > calendar.monthrange(year, month)[1]:  # no 31st this month: that month is skipped
                k += 1
                continue
            day = date(year, month, first.day)
        if (until is not None and day > until) or (count and len(dates) >= count):
            break
        if len(dates) >= MAX_OCCURRENCES:
            raise ValidationFailed({"until": [_("At most %(n)d dates in one request.", n=MAX_OCCURRENCES)]})
        start = datetime.combine(day, first.timetz().replace(tzinfo=None), tzinfo=zone)
        dates.append((start.astimezone(UTC), (start + length).astimezone(UTC)))
        k += 1
    return dates


# --- conflicts -------------------------------------------------------------------------------------

@dataclass
class Candidate:
    starts_at: datetime
    ends_at: datetime
    problems: list[str] = field(default_factory=list)  # why this date cannot be booked
    overlaps: list[int] = field(default_factory=list)  # confirmed occurrences it meets

    @property
    def ok(self) -> bool:
        return not self.problems


def _within_hours(venue: Venue, start: datetime, end: datetime) -> bool:
    if not venue.hours:
        return True
    a, b = local(start), local(end)
    if a.date() != b.date() and not (b.time() == time(0) and b.date() == a.date() + timedelta(days=1)):
        return False
    end_time = "24:00" if b.time() == time(0) and b.date() != a.date() else b.strftime("%H:%M")
    spans = venue.hours.get(WEEKDAYS[a.weekday()]) or []
    return any(s <= a.strftime("%H:%M") and end_time <= e for s, e in spans)


def _closure(venue: Venue, start: datetime, end: datetime) -> VenueClosure | None:
    first, last = local(start).date(), local(end - timedelta(microseconds=1)).date()
    return next((c for c in venue.closures if c.starts_on <= last and first <= c.ends_on), None)


def overlapping(venue_id: int, ranges: list[tuple[datetime, datetime]], *, statuses=("confirmed",),
                exclude_booking_id: int | None = None, exclude_ids=()) -> dict[int, list[BookingOccurrence]]:
    """For each candidate range (by index), the occurrences of the venue with one of `statuses` that overlap
    it (half-open: touching edges do not) — in ONE statement whatever the number of ranges."""
    if not ranges:
        return {}
    candidates = union_all(*(
        select(literal(i, Integer).label("i"), literal(as_utc(s), DateTime(timezone=True)).label("s"),
               literal(as_utc(e), DateTime(timezone=True)).label("e"))
        for i, (s, e) in enumerate(ranges))).subquery("candidates")
    occ = BookingOccurrence
    stmt = (select(candidates.c.i, occ).join(candidates, (occ.starts_at < candidates.c.e)
                                             & (occ.ends_at > candidates.c.s))
            .where(occ.venue_id == venue_id, occ.status.in_(statuses)).order_by(candidates.c.i, occ.starts_at))
    if exclude_booking_id is not None:
        stmt = stmt.where(occ.booking_id != exclude_booking_id)
    if exclude_ids:
        stmt = stmt.where(occ.id.not_in(list(exclude_ids)))
    found: dict[int, list[BookingOccurrence]] = {}
    for i, row in db.session.execute(stmt):
        found.setdefault(i, []).append(row)
    return found


def check(venue: Venue, ranges: list[tuple[datetime, datetime]], *, exclude_booking_id: int | None = None,
          exclude_ids=()) -> list[Candidate]:
    """Each date with what stands in its way: too far ahead, in the past, outside the hours, in a closed
    period, or over another confirmed booking."""
    now = clock.utcnow()
    horizon = clock.today() + timedelta(days=venue.book_ahead_days)
    found = overlapping(venue.id, ranges, exclude_booking_id=exclude_booking_id, exclude_ids=exclude_ids)
    result = []
    for i, (start, end) in enumerate(ranges):
        c = Candidate(as_utc(start), as_utc(end))
        if c.starts_at < now:
            c.problems.append(_("This date has passed."))
        if local(start).date() > horizon:
            c.problems.append(_("Too far ahead: this venue takes bookings up to %(days)d days ahead.",
                                days=venue.book_ahead_days))
        if not _within_hours(venue, start, end):
            c.problems.append(_("Outside the venue's bookable hours."))
        closure = _closure(venue, start, end)
        if closure is not None:
            c.problems.append(_("The venue is closed then (%(reason)s).", reason=closure.reason) if closure.reason
                              else _("The venue is closed then."))
        if found.get(i):
            c.overlaps = [o.id for o in found[i]]
            c.problems.append(_("Already booked at that time."))
        result.append(c)
    return result


# --- bookings --------------------------------------------------------------------------------------

def get_booking(booking_id: int) -> Booking | None:
    return db.session.execute(select(Booking).where(Booking.id == booking_id)).scalar_one_or_none()


def get_occurrence(booking: Booking, occurrence_id: int) -> BookingOccurrence | None:
    return next((o for o in booking.occurrences if o.id == occurrence_id), None)


def lock(venue: Venue) -> None:
    """Take the venue's row lock (PostgreSQL) before confirming dates of it: two confirmations of one venue
    then run one after the other, and the second sees the first's dates (without it each would wait for the
    other inside the exclusion constraint's check, a deadlock). SQLite has one writer at a time anyway."""
    db.session.execute(select(Venue.id).where(Venue.id == venue.id).with_for_update())


def _flush_occupied():
    """Flush; the database's refusal of an overlapping confirmed occurrence becomes a 409."""
    try:
        db.session.flush()
    except IntegrityError as exc:
        _refused(exc)


def _refused(exc: IntegrityError):
    text = str(exc.orig)
    if "booking_overlap" in text or "booking_occurrences_no_overlap" in text:
        raise Conflict(_("The venue was booked for that time a moment ago; nothing was changed."),
                       code="venue_taken") from exc
    raise exc


def request_booking(venue: Venue, *, starts_at: datetime, ends_at: datetime, purpose: str,
                    requested_by_id: int | None, unit_id: int | None = None, frequency: str = "once",
                    interval: int = 1, until: date | None = None, count: int | None = None,
                    skip: list[int] | None = None, dry_run: bool = False):
    """Ask for a venue on one date or a series. The conflicting dates are reported (422, per date) unless
    they are skipped (`skip`: their positions in the series, shown by a dry run); a dry run saves nothing
    and returns the dates with their problems."""
    errors: dict[str, list[str]] = {}
    if problems := text_problems(purpose, max_length=200, required=True):
        errors["purpose"] = problems
    if unit_id is not None and db.session.execute(select(Unit.id).where(Unit.id == unit_id)) \
            .scalar_one_or_none() is None:
        errors["unit_id"] = [_("No such unit in this community.")]
    try:
        ranges = expand(starts_at, ends_at, frequency=frequency, interval=interval, until=until, count=count)
    except ValidationFailed as exc:
        raise ValidationFailed({**errors, **exc.fields}) from exc
    candidates = check(venue, ranges)
    if dry_run:
        if errors:
            raise ValidationFailed(errors)
        return candidates
    skipped = set(skip or [])
    kept = [c for i, c in enumerate(candidates) if i not in skipped]
    if not kept:
        errors.setdefault("skip", []).append(_("Keep at least one date."))
    problems = [f"{local(c.starts_at):%Y-%m-%d %H:%M}: {'; '.join(c.problems)}" for c in kept if not c.ok]
    if problems:
        errors["starts_at"] = problems
    if errors:
        raise ValidationFailed(errors)
    status = "pending" if venue.needs_confirmation else "confirmed"
    if not venue.needs_confirmation:
        lock(venue)
        if any(not c.ok for c in check(venue, [(c.starts_at, c.ends_at) for c in kept])):
            raise Conflict(_("The venue was booked for that time a moment ago; nothing was changed."),
                           code="venue_taken")
    booking = Booking(venue_id=venue.id, unit_id=unit_id, requested_by_id=requested_by_id, purpose=purpose.strip(),
                      recurrence={} if frequency == "once" else {
                          "frequency": frequency, "interval": interval,
                          **({"until": until.isoformat()} if until else {}), **({"count": count} if count else {})})
    booking.occurrences = [BookingOccurrence(venue_id=venue.id, starts_at=c.starts_at, ends_at=c.ends_at,
                                             status=status, decided_by_id=None if venue.needs_confirmation
                                             else requested_by_id,
                                             decided_at=None if venue.needs_confirmation else clock.utcnow())
                           for c in kept]
    db.session.add(booking)
    _flush_occupied()
    if venue.needs_confirmation:
        owners = _owners(venue)
        if owners:
            notifications.emit("booking.requested", audience=notifications.to_users(*owners), actor_id=requested_by_id,
                               payload={"venue": venue.name, "purpose": booking.purpose, "count": len(kept),
                                        "first": f"{local(kept[0].starts_at):%Y-%m-%d %H:%M}",
                                        "link": "/venues/approvals"})
    return booking


def _tell_decided(venue: Venue, decided: dict[int, dict]) -> None:
    """Each requester hears how many of their dates were confirmed or declined (one message per booking)."""
    if not decided:
        return
    bookings = db.session.execute(select(Booking).where(Booking.id.in_(list(decided)))).scalars()
    for booking in bookings:
        if booking.requested_by_id is None:
            continue
        counts = decided[booking.id]
        notifications.emit("booking.decided", audience=notifications.to_users(booking.requested_by_id),
                           payload={"venue": venue.name, "purpose": booking.purpose,
                                    "confirmed": counts.get("confirmed", 0), "declined": counts.get("declined", 0),
                                    "link": f"/venues/bookings/{booking.id}"})


def add_occurrence(booking: Booking, venue: Venue, *, starts_at: datetime, ends_at: datetime,
                   actor_id: int | None) -> BookingOccurrence:
    """Add a date to a booking (a skipped one back, or one more), checked like the others."""
    if ends_at <= starts_at:
        raise ValidationFailed({"ends_at": [_("A booking must end after it starts.")]})
    (candidate,) = check(venue, [(starts_at, ends_at)])
    if not candidate.ok:
        raise ValidationFailed({"starts_at": candidate.problems})
    confirmed = not venue.needs_confirmation
    occurrence = BookingOccurrence(venue_id=venue.id, starts_at=candidate.starts_at, ends_at=candidate.ends_at,
                                   status="confirmed" if confirmed else "pending",
                                   decided_by_id=actor_id if confirmed else None,
                                   decided_at=clock.utcnow() if confirmed else None)
    booking.occurrences.append(occurrence)
    _flush_occupied()
    return occurrence


def move_occurrence(occurrence: BookingOccurrence, venue: Venue, *, starts_at: datetime, ends_at: datetime,
                    actor_id: int | None) -> BookingOccurrence:
    """Move one date of a booking; the others stay. A moved date asks the owner again when the venue
    needs confirmation."""
    if occurrence.status in ("cancelled", "declined"):
        raise Conflict(_("This date was cancelled or declined; add a new date instead."))
    if ends_at <= starts_at:
        raise ValidationFailed({"ends_at": [_("A booking must end after it starts.")]})
    (candidate,) = check(venue, [(starts_at, ends_at)], exclude_ids=[occurrence.id])
    if not candidate.ok:
        raise ValidationFailed({"starts_at": candidate.problems})
    was = f"{local(occurrence.starts_at):%Y-%m-%d %H:%M}–{local(occurrence.ends_at):%H:%M}"
    now = f"{local(candidate.starts_at):%Y-%m-%d %H:%M}–{local(candidate.ends_at):%H:%M}"
    _remember([occurrence], "pending" if venue.needs_confirmation else occurrence.status, actor_id=actor_id,
              note=_("Moved from %(was)s to %(now)s", was=was, now=now))
    occurrence.starts_at, occurrence.ends_at = candidate.starts_at, candidate.ends_at
    if venue.needs_confirmation:
        occurrence.status, occurrence.decided_by_id, occurrence.decided_at = "pending", None, None
    _flush_occupied()
    return occurrence


def cancel_occurrence(occurrence: BookingOccurrence, *, actor_id: int | None) -> BookingOccurrence:
    if occurrence.status in ("cancelled", "declined"):
        return occurrence  # already off: cancelling again changes nothing
    _remember([occurrence], "cancelled", actor_id=actor_id)
    occurrence.status, occurrence.decided_by_id, occurrence.decided_at = "cancelled", actor_id, clock.utcnow()
    db.session.flush()
    return occurrence


def cancel_booking(booking: Booking, *, actor_id: int | None) -> Booking:
    for occurrence in booking.occurrences:
        if as_utc(occurrence.starts_at) > clock.utcnow():
            cancel_occurrence(occurrence, actor_id=actor_id)
    booking.status = "cancelled"
    db.session.flush()
    return booking


# --- the owner's decisions -------------------------------------------------------------------------

def pending_for(venue_ids) -> list[BookingOccurrence]:
    """The dates waiting for the owners of these venues, soonest first (one query)."""
    venue_ids = list(venue_ids)
    if not venue_ids:
        return []
    return list(db.session.execute(
        select(BookingOccurrence).where(BookingOccurrence.venue_id.in_(venue_ids),
                                        BookingOccurrence.status == "pending",
                                        BookingOccurrence.starts_at > clock.utcnow())
        .order_by(BookingOccurrence.starts_at, BookingOccurrence.id)).scalars())


def _pending(booking: Booking, occurrence_ids=None) -> list[BookingOccurrence]:
    """The booking's dates waiting for a decision: all, or those of `occurrence_ids`."""
    return [o for o in booking.occurrences if o.status == "pending"
            and (occurrence_ids is None or o.id in occurrence_ids)]


def would_decline(booking: Booking, occurrence_ids=None) -> list[BookingOccurrence]:
    """The other requests' pending dates that confirming these dates of `booking` declines."""
    chosen = _pending(booking, occurrence_ids)
    found = overlapping(booking.venue_id, [(o.starts_at, o.ends_at) for o in chosen], statuses=("pending",),
                        exclude_booking_id=booking.id)
    seen, result = set(), []
    for rows in found.values():
        for row in rows:
            if row.id not in seen:
                seen.add(row.id)
                result.append(row)
    return result


def confirm(booking: Booking, venue: Venue, *, actor_id: int | None, occurrence_ids=None) -> dict:
    """Confirm the pending dates of a booking (all, or those chosen); the other requests' pending dates
    that overlap them are declined in the same step. Returns what was confirmed and what was declined."""
    chosen = _pending(booking, occurrence_ids)
    if not chosen:
        raise Conflict(_("Nothing here waits for a decision."))
    lock(venue)
    candidates = check(venue, [(o.starts_at, o.ends_at) for o in chosen], exclude_booking_id=booking.id)
    taken = [c for c in candidates if c.overlaps]
    if taken:
        raise Conflict(_("The venue is already booked on %(dates)s; decline those dates or move them.",
                         dates=", ".join(f"{local(c.starts_at):%Y-%m-%d %H:%M}" for c in taken)),
                       code="venue_taken")
    declined = would_decline(booking, [o.id for o in chosen])
    now = clock.utcnow()
    # Conditional updates, so two owners deciding at once cannot both win: each row moves only from pending
    # (the second one finds its dates already declined, or the venue taken, and changes nothing).
    if _decide([o.id for o in chosen], "confirmed", actor_id, now) != len(chosen):
        raise Conflict(_("These dates were decided a moment ago; nothing was changed."), code="venue_taken")
    declined_ids = [row.id for row in declined]
    _decide(declined_ids, "declined", actor_id, now)
    _remember(chosen, "confirmed", actor_id=actor_id, from_status="pending")
    _remember(declined, "declined", actor_id=actor_id, from_status="pending")
    decided = {booking.id: {"confirmed": len(chosen)}}
    for row in declined:
        decided.setdefault(row.booking_id, {}).setdefault("declined", 0)
        decided[row.booking_id]["declined"] += 1
    for row in (*chosen, *declined):
        db.session.expire(row)
    _tell_decided(venue, decided)
    signals.booking_decided.send(venue, confirmed=chosen, declined=declined, actor_id=actor_id)
    return {"confirmed": chosen, "declined": declined}


def _decide(ids: list[int], status: str, actor_id: int | None, now: datetime) -> int:
    """Move these pending dates to `status` in one statement; how many moved."""
    if not ids:
        return 0
    try:
        result = db.session.execute(
            update(BookingOccurrence).where(BookingOccurrence.id.in_(ids), BookingOccurrence.status == "pending")
            .values(status=status, decided_by_id=actor_id, decided_at=now)
            .execution_options(synchronize_session=False))
    except IntegrityError as exc:
        _refused(exc)
    return result.rowcount


def decline(booking: Booking, venue: Venue, *, actor_id: int | None, occurrence_ids=None) -> list[BookingOccurrence]:
    chosen = _pending(booking, occurrence_ids)
    if not chosen:
        raise Conflict(_("Nothing here waits for a decision."))
    moved = _decide([o.id for o in chosen], "declined", actor_id, clock.utcnow())
    _remember(chosen, "declined", actor_id=actor_id, from_status="pending")
    for o in chosen:
        db.session.expire(o)
    _tell_decided(venue, {booking.id: {"declined": moved}})
    signals.booking_decided.send(venue, confirmed=[], declined=chosen, actor_id=actor_id)
    return chosen


def waiting_count(venue_ids) -> int:
    """How many future dates of these venues wait for a decision (one query)."""
    venue_ids = list(venue_ids)
    if not venue_ids:
        return 0
    return db.session.execute(select(func.count(BookingOccurrence.id)).where(
        BookingOccurrence.venue_id.in_(venue_ids), BookingOccurrence.status == "pending",
        BookingOccurrence.starts_at > clock.utcnow())).scalar_one()


# --- the reminder the day before -------------------------------------------------------------------

REMINDER_EVENT = "booking.reminder"


def send_reminders(day: date | None = None) -> int:
    """Tell each representative of a lending unit, once, the confirmed dates of its venues on `day`
    (default: tomorrow, community time), in one message. The reminder itself is the marker: a representative
    who already has one for that day (an outbox row) gets no second one, so running again sends nothing.
    Quiet hours apply as to any message that is not urgent. How many messages were sent."""
    day = day or clock.today() + timedelta(days=1)
    zone = clock.zone()
    start = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
    rows = db.session.execute(
        select(BookingOccurrence, Venue, UnitRepresentative.user_id)
        .join(Venue, Venue.id == BookingOccurrence.venue_id)
        .join(UnitRepresentative, UnitRepresentative.unit_id == Venue.unit_id)
        .where(BookingOccurrence.status == "confirmed", BookingOccurrence.starts_at >= start,
               BookingOccurrence.starts_at < start + timedelta(days=1), Venue.status == "active")
        .order_by(UnitRepresentative.user_id, BookingOccurrence.starts_at, BookingOccurrence.id)).all()
    if not rows:
        return 0
    told = set()
    for event in db.session.execute(select(OutboxEvent).where(
            OutboxEvent.event == REMINDER_EVENT, OutboxEvent.created_at >= clock.utcnow() - timedelta(days=3))
    ).scalars():
        if (event.payload or {}).get("day") == day.isoformat():
            told.update((event.audience or {}).get("user_ids", []))
    by_user: dict[int, list[str]] = {}
    bookings = {b.id: b for b in bookings_of(o.booking_id for o, _v, _u in rows)}
    for occurrence, venue, user_id in rows:
        if user_id in told:
            continue
        by_user.setdefault(user_id, []).append(
            f"{local(occurrence.starts_at):%H:%M}–{local(occurrence.ends_at):%H:%M} {venue.name}"
            f"（{bookings[occurrence.booking_id].purpose}）")
    for user_id, lines in by_user.items():
        notifications.emit(REMINDER_EVENT, audience=notifications.to_users(user_id),
                           payload={"day": day.isoformat(), "count": len(lines), "dates": lines,
                                    "link": "/venues/"})
    return len(by_user)


# --- the week view --------------------------------------------------------------------------------

def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week(venue: Venue, monday: date) -> list[BookingOccurrence]:
    """The occupied dates (confirmed, and pending ones shown as such) of a venue's week, in one query."""
    zone = clock.zone()
    start = datetime.combine(monday_of(monday), time(0), tzinfo=zone)
    end = start + timedelta(days=7)
    return list(db.session.execute(
        select(BookingOccurrence).where(BookingOccurrence.venue_id == venue.id,
                                        BookingOccurrence.status.in_(("confirmed", "pending")),
                                        BookingOccurrence.starts_at < end.astimezone(UTC),
                                        BookingOccurrence.ends_at > start.astimezone(UTC))
        .order_by(BookingOccurrence.starts_at)).scalars())


def bookings_of(ids) -> list[Booking]:
    ids = sorted(set(ids))
    return list(db.session.execute(select(Booking).where(Booking.id.in_(ids))).scalars()) if ids else []


def venues_of(ids) -> list[Venue]:
    ids = sorted(set(ids))
    return list(db.session.execute(select(Venue).where(Venue.id.in_(ids))).scalars()) if ids else []


# --- the iCalendar feed ---------------------------------------------------------------------------

CALENDAR_DAYS_BACK, CALENDAR_DAYS_AHEAD = 30, 366


def ical_feed(venue: Venue, *, host: str) -> bytes:
    """The venue's confirmed dates from a month ago to a year ahead as iCalendar (RFC 5545), one query.
    Each event says only that the venue is booked: who asked and what for stay on the booking's page."""
    from icalendar import Calendar, Event  # a feed's library, needed only here

    now = clock.utcnow()
    rows = db.session.execute(
        select(BookingOccurrence).where(BookingOccurrence.venue_id == venue.id,
                                        BookingOccurrence.status == "confirmed",
                                        BookingOccurrence.ends_at > now - timedelta(days=CALENDAR_DAYS_BACK),
                                        BookingOccurrence.starts_at < now + timedelta(days=CALENDAR_DAYS_AHEAD))
        .order_by(BookingOccurrence.starts_at)).scalars()
    feed = Calendar()
    feed.add("prodid", "-//Huzhu//venues//ZH")
    feed.add("version", "2.0")
    feed.add("x-wr-calname", venue.name)
    feed.add("x-wr-timezone", str(clock.zone()))
    for row in rows:
        event = Event()
        event.add("uid", f"occurrence-{row.id}@{host}")
        event.add("dtstamp", now)
        event.add("dtstart", as_utc(row.starts_at))
        event.add("dtend", as_utc(row.ends_at))
        event.add("summary", _("Booked: %(venue)s", venue=venue.name))
        event.add("location", venue.name)
        feed.add_component(event)
    return feed.to_ical()
