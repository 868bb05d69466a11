"""Activity rules: the lifecycle (proposed → approved → scheduled → held → recorded → closed, or cancelled /
rejected), sign-ups with a waiting list, check-in, accessibility needs and the record.

Places are never over-taken: a sign-up takes the activity's row lock, then one conditional UPDATE of the counter
(`taken < capacity`) decides registered or waiting, so concurrent sign-ups and cancellations of one activity run one
after the other (PostgreSQL; SQLite has a single writer). A freed place is offered to the first on the waiting list
(told, with a time to take it); an offer not taken in time lapses and passes on. Check-in is one conditional UPDATE
(`checked_in_at IS NULL`): repeating it changes nothing.
"""
import logging
import secrets
from datetime import UTC, datetime, time, timedelta

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from app import history, permissions
from app.activities import desk
from app.activities.models import (
    ACTIVE,
    AUDIENCES,
    HOLDING,
    KINDS,
    LIVE,
    NEEDS,
    SHOWN,
    Activity,
    ActivityRules,
    ActivityUnit,
    CulturalPoint,
    Registration,
    RegistrationNeeds,
)
from app.ballots import services as ballots
from app.core import signals
from app.core.extensions import db
from app.core.fields import MAX_ID, as_utc
from app.core.pagination import decode_cursor, encode_cursor
from app.core.validation import Conflict, ValidationFailed, text_problems
from app.notifications import services as notifications
from app.photos import services as photos
from app.residents.models import AuditEvent, Resident
from app.units.models import Unit, UnitRepresentative
from app.venues import services as venues
from app.venues.models import Venue
from tenants import clock

logger = logging.getLogger(__name__)

PHOTO_OWNER = "activity"  # the owner type of a record's photos (app/photos)
EDITABLE = ("kind", "title", "description", "organiser_unit_id", "guests", "speakers", "audience", "capacity",
            "starts_at", "ends_at", "registration_opens_at", "registration_closes_at", "place", "public")
MOVES = {
    "proposed": {"approved", "rejected", "cancelled"},
    "approved": {"scheduled", "cancelled"},
    "scheduled": {"approved", "held", "cancelled"},
    "held": {"recorded"},
    "recorded": {"recorded", "closed"},
}


local = venues.local  # a moment in the community's time zone


# --- the community's rules ------------------------------------------------------------------------

def rules() -> ActivityRules:
    """The community's rules (a transient row with the defaults while none is stored)."""
    found = db.session.execute(select(ActivityRules)).scalar_one_or_none()
    return found or ActivityRules(ballot_kinds=[], ballot_days=5, promotion_hours=24)


def set_rules(*, ballot_kinds: list[str], ballot_days: int, promotion_hours: int,
              actor_id: int | None) -> ActivityRules:
    errors: dict[str, list[str]] = {}
    if any(kind not in KINDS for kind in ballot_kinds):
        errors["ballot_kinds"] = [_("Choose among the kinds of activity.")]
    if not 1 <= (ballot_days or 0) <= 30:
        errors["ballot_days"] = [_("A ballot lasts one to thirty days.")]
    if not 1 <= (promotion_hours or 0) <= 168:
        errors["promotion_hours"] = [_("Between one hour and a week.")]
    if errors:
        raise ValidationFailed(errors)
    row = db.session.execute(select(ActivityRules)).scalar_one_or_none()
    if row is None:
        row = ActivityRules()
        db.session.add(row)
    row.ballot_kinds = [k for k in KINDS if k in ballot_kinds]
    row.ballot_days, row.promotion_hours, row.updated_by_id = ballot_days, promotion_hours, actor_id
    db.session.flush()
    return row


# --- reading --------------------------------------------------------------------------------------

@permissions.loader("activity")
def get_activity(activity_id: int) -> Activity | None:
    return db.session.execute(select(Activity).where(Activity.id == activity_id)).scalar_one_or_none()


def _listing(*, status=None, kind=None, since=None, until=None, unit_id=None, public_only=False, reader=None):
    """`reader`: (user id, represented unit ids) of someone not staff — proposals and rejections only their own."""
    stmt = select(Activity)
    if reader is not None:
        stmt = stmt.where(or_(Activity.status.in_(desk.OPEN_TO_ALL), *desk._mine(*reader)))
    if status:
        stmt = stmt.where(Activity.status == status)
    if kind:
        stmt = stmt.where(Activity.kind == kind)
    if since is not None:
        stmt = stmt.where(Activity.ends_at >= since)
    if until is not None:
        stmt = stmt.where(Activity.starts_at < until)
    if unit_id is not None:
        stmt = stmt.where(or_(Activity.organiser_unit_id == unit_id, Activity.id.in_(
            select(ActivityUnit.activity_id).where(ActivityUnit.unit_id == unit_id))))
    if public_only:
        stmt = stmt.where(Activity.public.is_(True), Activity.status.in_(SHOWN))
    return stmt


def list_activities(*, limit: int = 200, **filters) -> list[Activity]:
    """Activities by start (filters: status, kind, since, until, unit_id, public_only)."""
    return list(db.session.execute(_listing(**filters).order_by(Activity.starts_at, Activity.id).limit(limit))
                .scalars())


def page_activities(*, cursor: str | None = None, limit: int = 50, **filters) -> tuple[list[Activity], str | None]:
    """One page of activities by start, and the cursor of the next (keyset on start and id, never OFFSET)."""
    stmt = _listing(**filters)
    if cursor:
        moment, last_id = decode_cursor(cursor, 2)
        try:
            after = as_utc(datetime.fromisoformat(str(moment)))
        except ValueError:
            after = None
        if after is None or not isinstance(last_id, int) or not 0 < last_id <= MAX_ID:
            raise ValidationFailed({"cursor": [_("This cursor is not valid; start again from the first page.")]})
        stmt = stmt.where(or_(Activity.starts_at > after, (Activity.starts_at == after) & (Activity.id > last_id)))
    rows = list(db.session.execute(stmt.order_by(Activity.starts_at, Activity.id).limit(limit + 1)).scalars())
    items = rows[:limit]
    following = encode_cursor([as_utc(items[-1].starts_at).isoformat(), items[-1].id]) if len(rows) > limit else None
    return items, following


def count_this_month() -> int:
    """Activities (not cancelled or rejected) that start in the community's current month: the overview's figure."""
    today = clock.today()
    zone = clock.zone()
    first = datetime.combine(today.replace(day=1), time(0), tzinfo=zone)
    following = datetime.combine((today.replace(day=28) + timedelta(days=4)).replace(day=1), time(0), tzinfo=zone)
    return db.session.execute(select(func.count(Activity.id)).where(
        Activity.status.not_in(("cancelled", "rejected")), Activity.starts_at >= first.astimezone(UTC),
        Activity.starts_at < following.astimezone(UTC))).scalar_one()


# --- proposing and editing ------------------------------------------------------------------------

def _check(values: dict, errors: dict, current: Activity | None = None) -> dict:
    """Check the fields given (an edit checks what it changes against what is stored)."""
    merged = {key: getattr(current, key) for key in EDITABLE} if current is not None else {}
    merged.update(values)
    if "kind" in values and values["kind"] not in KINDS:
        errors["kind"] = [_("Choose a kind of activity.")]
    if "audience" in values and values["audience"] not in AUDIENCES:
        errors["audience"] = [_("Choose who may sign up.")]
    if "title" in values and (problems := text_problems(values["title"], max_length=200, required=True)):
        errors["title"] = problems
    for key, limit in (("guests", 500), ("speakers", 500), ("place", 200)):
        if key in values and (problems := text_problems(values[key] or "", max_length=limit)):
            errors[key] = problems
    if "capacity" in values and values["capacity"] is not None and values["capacity"] < 1:
        errors["capacity"] = [_("At least one place, or leave it empty for no limit.")]
    starts, ends = merged.get("starts_at"), merged.get("ends_at")
    if starts is None and "starts_at" not in errors:
        errors["starts_at"] = [_("When does it start?")]
    if ends is None and "ends_at" not in errors:
        errors["ends_at"] = [_("When does it end?")]
    if starts is not None and ends is not None and as_utc(ends) <= as_utc(starts):
        errors["ends_at"] = [_("An activity must end after it starts.")]
    opens, closes = merged.get("registration_opens_at"), merged.get("registration_closes_at")
    if opens is not None and closes is not None and as_utc(closes) <= as_utc(opens):
        errors["registration_closes_at"] = [_("Sign-ups must close after they open.")]
    if closes is not None and ends is not None and as_utc(closes) > as_utc(ends):
        errors["registration_closes_at"] = [_("Sign-ups close at the latest when the activity ends.")]
    if values.get("organiser_unit_id") is not None and _unit_missing(values["organiser_unit_id"]):
        errors["organiser_unit_id"] = [_("No such unit in this community.")]
    return merged


def _unit_missing(unit_id: int) -> bool:
    return db.session.execute(select(Unit.id).where(Unit.id == unit_id)).scalar_one_or_none() is None


def _co_organisers(unit_ids, errors: dict) -> list[int]:
    wanted = sorted(set(unit_ids or []))
    if not wanted:
        return []
    found = set(db.session.execute(select(Unit.id).where(Unit.id.in_(wanted))).scalars())
    if found != set(wanted):
        errors["co_organiser_ids"] = [_("No such unit in this community.")]
    return [u for u in wanted if u in found]


TIMES = ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at")


def _in_utc(values: dict) -> dict:
    """Times are stored in UTC (SQLite compares them as text)."""
    return {k: (as_utc(v) if k in TIMES and v is not None else v) for k, v in values.items()}


def propose(*, actor_id: int | None, co_organiser_ids=(), **values) -> Activity:
    """A new activity, proposed (by staff, a unit or a representative); the staff are told."""
    values = _in_utc(values)
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise TypeError(f"unknown activity fields {sorted(unknown)}")
    errors: dict[str, list[str]] = {}
    values.setdefault("kind", "other")
    values.setdefault("audience", "both")
    merged = _check(values, errors)
    co = _co_organisers(co_organiser_ids, errors)
    if merged.get("starts_at") is not None and as_utc(merged["starts_at"]) < clock.utcnow():
        errors.setdefault("starts_at", []).append(_("This date has passed."))
    if errors:
        raise ValidationFailed(errors)
    activity = Activity(**{k: (v.strip() if isinstance(v, str) and k != "kind" else v) for k, v in values.items()},
                        proposed_by_id=actor_id, status="proposed")
    activity.co_organisers = [ActivityUnit(unit_id=u) for u in co if u != values.get("organiser_unit_id")]
    db.session.add(activity)
    db.session.flush()
    history.created(activity, actor_id=actor_id)
    notifications.emit("activity.proposed", audience=notifications.to_roles("admin", "coordinator"),
                       actor_id=actor_id, payload=_payload(activity))
    return activity


def update_activity(activity: Activity, changes: dict, *, co_organiser_ids=None) -> Activity:
    if activity.status not in ("proposed", "approved", "scheduled"):
        raise Conflict(_("A held, closed or cancelled activity is no longer changed."))
    changes = _in_utc(changes)
    errors: dict[str, list[str]] = {}
    _check({k: v for k, v in changes.items() if k in EDITABLE}, errors, current=activity)
    co = _co_organisers(co_organiser_ids, errors) if co_organiser_ids is not None else None
    if "capacity" in changes and changes["capacity"] is not None and changes["capacity"] < activity.taken:
        errors["capacity"] = [_("%(n)d people already hold a place; the capacity cannot be below that.",
                                n=activity.taken)]
    if errors:
        raise ValidationFailed(errors)
    moved = any(k in changes and changes[k] != as_utc(getattr(activity, k)) for k in ("starts_at", "ends_at"))
    if moved and activity.booking_id:
        raise Conflict(_("The activity is booked in a venue: move the booking's date, or cancel it first."))
    for key in EDITABLE:
        if key in changes:
            value = changes[key]
            setattr(activity, key, value.strip() if isinstance(value, str) and key != "kind" else value)
    if co is not None:
        activity.co_organisers = [link for link in activity.co_organisers if link.unit_id in co] + [
            ActivityUnit(unit_id=u) for u in co if u not in activity.co_organiser_ids
            and u != activity.organiser_unit_id]
    db.session.flush()
    if "capacity" in changes:
        _offer_free_places(activity)
    return activity


def _move(activity: Activity, to_status: str, *, actor_id: int | None, note: str = "") -> None:
    if to_status not in MOVES.get(activity.status, set()):
        raise Conflict(_("This activity cannot go from “%(old)s” to “%(new)s”.", old=activity.status,
                         new=to_status))
    history.record(activity, to_status, actor_id=actor_id, note=note)


def _payload(activity: Activity, **extra) -> dict:
    return {"title": activity.title, "when": f"{local(activity.starts_at):%Y-%m-%d %H:%M}",
            "link": f"/activities/{activity.id}", **extra}


# --- approval: by the staff, or a ballot where the community asks one ------------------------------

def _withdraw_ballot(activity: Activity, *, actor_id: int | None, reason: str) -> None:
    """A proposal cancelled or rejected while its ballot runs: the ballot ends as withdrawn (nobody votes on it)."""
    if activity.ballot_id is not None and activity.status == "proposed":
        ballot = ballots.get(activity.ballot_id)
        if ballot is not None:
            ballots.withdraw(ballot, actor_id=actor_id, reason=reason)


def needs_ballot(activity: Activity) -> bool:
    return activity.kind in (rules().ballot_kinds or [])


def approve(activity: Activity, *, actor_id: int | None) -> Activity:
    """The staff approve a proposal; for a kind the community puts to a vote, this opens the ballot instead
    (the council and the representatives decide; the activity is approved or rejected when it closes)."""
    if activity.status != "proposed":
        raise Conflict(_("Only a proposed activity is approved."))
    if needs_ballot(activity):
        if activity.ballot_id is not None:
            raise Conflict(_("This proposal is already put to the vote."))
        current = rules()
        with force_locale("zh_CN"):
            title = _("Hold the activity “%(title)s”?", title=activity.title)
        ballot = ballots.create(
            subject_type="activity", subject_id=activity.id, title=title,
            body=activity.description or "", kind="yes_no",
            electorate={"roles": ["council", "representative"], "user_ids": []}, excluded={},
            closes_at=clock.utcnow() + timedelta(days=current.ballot_days),
            owner_ids=[activity.proposed_by_id] if activity.proposed_by_id else [], actor_id=actor_id)
        activity.ballot_id = ballot.id
        db.session.flush()
        return activity
    _approved(activity, actor_id=actor_id)
    return activity


def _approved(activity: Activity, *, actor_id: int | None, note: str = "") -> None:
    _move(activity, "approved", actor_id=actor_id, note=note)
    if activity.place and activity.venue_id is None:
        history.record(activity, "scheduled", actor_id=actor_id)
    db.session.flush()
    if activity.proposed_by_id and activity.proposed_by_id != actor_id:
        notifications.emit("activity.decided", audience=notifications.to_users(activity.proposed_by_id),
                           actor_id=actor_id, payload=_payload(activity, approved=True))


def reject(activity: Activity, *, actor_id: int | None, reason: str) -> Activity:
    if problems := text_problems(reason, max_length=500, required=True):
        raise ValidationFailed({"reason": problems})
    _withdraw_ballot(activity, actor_id=actor_id, reason=reason)  # the staff decide instead (a closed one stays)
    _move(activity, "rejected", actor_id=actor_id, note=reason)
    db.session.flush()
    if activity.proposed_by_id and activity.proposed_by_id != actor_id:
        notifications.emit("activity.decided", audience=notifications.to_users(activity.proposed_by_id),
                           actor_id=actor_id, payload=_payload(activity, approved=False, reason=reason))
    return activity


@signals.ballot_closed.connect
def _on_ballot_closed(sender, *, subject_type: str = "", subject_id=None, outcome: str = "", **_ignored) -> None:
    if subject_type != "activity" or subject_id is None:
        return
    activity = get_activity(int(subject_id))
    if activity is None or activity.status != "proposed":
        return  # told twice, or decided otherwise meanwhile
    with force_locale("zh_CN"):
        if outcome == "approved":
            _approved(activity, actor_id=None, note=_("Approved by ballot."))
        else:
            reject(activity, actor_id=None, reason=_("Not approved by ballot."))


# --- scheduling: a venue booking, or a place outside the venues ------------------------------------

def book_venue(activity: Activity, venue: Venue, *, actor_id: int | None) -> Activity:
    """Ask the venue for the activity's time (one date); confirmed at once where the venue needs no
    confirmation, else the activity is scheduled when the owner confirms."""
    if activity.status not in ("approved", "proposed"):
        raise Conflict(_("Only a proposed or approved activity is booked into a venue."))
    if activity.booking_id is not None:
        raise Conflict(_("This activity already has a booking; cancel it first."))
    if activity.capacity is not None and activity.capacity > venue.capacity:
        raise ValidationFailed({"venue_id": [_("The venue holds %(n)d people; the activity has %(m)d places.",
                                               n=venue.capacity, m=activity.capacity)]})
    booking = venues.request_booking(venue, starts_at=activity.starts_at, ends_at=activity.ends_at,
                                     purpose=activity.title[:200], requested_by_id=actor_id,
                                     unit_id=activity.organiser_unit_id)
    activity.venue_id, activity.booking_id, activity.place = venue.id, booking.id, ""
    db.session.flush()
    if activity.status == "approved" and any(o.status == "confirmed" for o in booking.occurrences):
        history.record(activity, "scheduled", actor_id=actor_id)
        db.session.flush()
    return activity


def set_place(activity: Activity, place: str, *, actor_id: int | None) -> Activity:
    """Hold it outside the venues (a street corner, the square): scheduled once approved."""
    if problems := text_problems(place, max_length=200, required=True):
        raise ValidationFailed({"place": problems})
    if activity.booking_id is not None:
        raise Conflict(_("This activity already has a booking; cancel it first."))
    if activity.status not in ("proposed", "approved"):
        raise Conflict(_("Only a proposed or approved activity is given a place."))
    activity.place, activity.venue_id = place.strip(), None
    if activity.status == "approved":
        history.record(activity, "scheduled", actor_id=actor_id)
    db.session.flush()
    return activity


@signals.booking_decided.connect
def _on_booking_decided(sender, *, confirmed=(), declined=(), actor_id=None, **_ignored) -> None:
    """A venue owner confirmed or declined dates: the activities booked on them are scheduled or go back."""
    booking_ids = {o.booking_id for o in (*confirmed, *declined)}
    if not booking_ids:
        return
    for activity in db.session.execute(select(Activity).where(Activity.booking_id.in_(booking_ids))).scalars():
        if any(o.booking_id == activity.booking_id for o in confirmed) and activity.status == "approved":
            history.record(activity, "scheduled", actor_id=actor_id)
        elif any(o.booking_id == activity.booking_id for o in declined):
            if activity.status == "scheduled":
                history.record(activity, "approved", actor_id=actor_id, note="venue declined")
            activity.booking_id, activity.venue_id = None, None
    db.session.flush()


# --- cancelling, holding, recording, closing ------------------------------------------------------

def _registrant_accounts(activity_id: int, statuses=ACTIVE) -> list[int]:
    """The accounts to tell about a registration: who signed up, and the resident's own account."""
    rows = db.session.execute(
        select(Registration.registered_by_id, Resident.account_id)
        .outerjoin(Resident, Resident.id == Registration.resident_id)
        .where(Registration.activity_id == activity_id, Registration.status.in_(statuses))).all()
    return sorted({uid for row in rows for uid in row if uid})


def cancel(activity: Activity, *, actor_id: int | None, reason: str) -> Activity:
    """Call it off: every registrant is told, their registrations end, its venue dates are given back."""
    if problems := text_problems(reason, max_length=500, required=True):
        raise ValidationFailed({"reason": problems})
    told = _registrant_accounts(activity.id)
    _withdraw_ballot(activity, actor_id=actor_id, reason=reason)
    _move(activity, "cancelled", actor_id=actor_id, note=reason)
    activity.cancel_reason = reason.strip()
    now = clock.utcnow()
    db.session.execute(update(Registration).where(Registration.activity_id == activity.id,
                                                  Registration.status.in_(ACTIVE))
                       .values(status="cancelled", cancelled_at=now).execution_options(synchronize_session=False))
    activity.taken = 0
    if activity.booking_id:
        booking = venues.get_booking(activity.booking_id)
        if booking is not None:
            venues.cancel_booking(booking, actor_id=actor_id)
    db.session.flush()
    if told:
        notifications.emit("activity.cancelled", audience=notifications.to_users(*told), actor_id=actor_id,
                           payload=_payload(activity, reason=activity.cancel_reason))
    return activity


def mark_held(activity: Activity, *, actor_id: int | None) -> Activity:
    if activity.status == "held":
        return activity
    if as_utc(activity.starts_at) > clock.utcnow():
        raise Conflict(_("The activity has not started yet."))
    _move(activity, "held", actor_id=actor_id)
    db.session.flush()
    return activity


def held_due(now: datetime | None = None) -> int:
    """Scheduled activities that have ended are held (the job, every few minutes)."""
    now = now or clock.utcnow()
    count = 0
    for activity in db.session.execute(select(Activity).where(Activity.status == "scheduled",
                                                              Activity.ends_at <= now)).scalars():
        history.record(activity, "held", actor_id=None)
        count += 1
    db.session.flush()
    return count


def record(activity: Activity, *, text: str, walk_ins: int = 0, actor_id: int | None) -> Activity:
    """Write the record of a held activity: a text, with at least one photo already added (app/photos);
    the attendance figures come from the check-ins. A record may be rewritten until the activity is closed."""
    errors: dict[str, list[str]] = {}
    if problems := text_problems(text, max_length=5000, required=True):
        errors["record_text"] = problems
    if walk_ins is None or walk_ins < 0:
        errors["walk_ins"] = [_("A number, zero or more.")]
    if not photos.photos_of(PHOTO_OWNER, [activity.id]).get(activity.id):
        errors["photos"] = [_("A record needs at least one photo.")]
    if activity.status not in ("held", "recorded"):
        raise Conflict(_("Only a held activity is recorded."))
    if errors:
        raise ValidationFailed(errors)
    activity.record_text, activity.walk_ins = text.strip(), walk_ins
    activity.recorded_at = clock.utcnow()
    if activity.status == "held":
        _move(activity, "recorded", actor_id=actor_id)
    db.session.flush()
    return activity


def close(activity: Activity, *, actor_id: int | None) -> Activity:
    """Close a recorded activity: it needs its text and at least one photo (checked again: a photo may have
    been deleted since)."""
    if activity.status != "recorded":
        raise Conflict(_("Write the record (a text and at least one photo) before closing."))
    errors = {}
    if not (activity.record_text or "").strip():
        errors["record_text"] = [_("The record needs a text.")]
    if not photos.photos_of(PHOTO_OWNER, [activity.id]).get(activity.id):
        errors["photos"] = [_("A record needs at least one photo.")]
    if errors:
        raise ValidationFailed(errors)
    _move(activity, "closed", actor_id=actor_id)
    db.session.flush()
    return activity


def history_of(activity: Activity):
    return history.history_of(activity)


# --- sign-ups ------------------------------------------------------------------------------------

def _lock(activity: Activity) -> None:
    """The activity's row lock (PostgreSQL): sign-ups, cancellations and promotions of one activity run one
    after the other, so the counter and the waiting list always agree."""
    db.session.execute(select(Activity.id).where(Activity.id == activity.id).with_for_update())


def registration_problems(activity: Activity, *, who: str) -> list[str]:
    """Why nobody can sign up now (empty: they can). `who` is "resident" or "unit"."""
    now = clock.utcnow()
    if activity.status in ("held", "recorded", "closed"):
        return [_("This activity has taken place.")]
    if activity.status in ("cancelled", "rejected"):
        return [_("This activity does not take place.")]
    if activity.status not in LIVE:
        return [_("Sign-ups are not open for this activity.")]
    if who == "resident" and activity.audience == "units":
        return [_("This activity is for member units.")]
    if who == "unit" and activity.audience == "residents":
        return [_("This activity is for residents.")]
    if activity.registration_opens_at and now < as_utc(activity.registration_opens_at):
        return [_("Sign-ups open on %(when)s.", when=f"{local(activity.registration_opens_at):%Y-%m-%d %H:%M}")]
    closes = activity.registration_closes_at or activity.starts_at
    if now >= as_utc(closes):
        return [_("Sign-ups have closed.")]
    return []


# A door code is read off a phone or typed by a volunteer: capitals and digits without look-alikes (no I, L, O, U,
# 0, 1), ten of them (50 bits), shown in groups of five; typed in any case, with spaces or hyphens, it is found.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
CODE_LENGTH = 10


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normal_code(typed: str) -> str:
    """A code as stored, from what was typed (case, spaces and hyphens do not matter)."""
    return "".join(ch for ch in (typed or "").upper() if not ch.isspace() and ch != "-")


def grouped_code(code: str) -> str:
    """ABCDE FGHJK: how a code is shown to be read aloud or typed."""
    return " ".join(code[i:i + 5] for i in range(0, len(code), 5))


def sign_up(activity: Activity, *, actor_id: int | None, resident: Resident | None = None, name: str = "",
            phone: str = "", unit_id: int | None = None, needs=None, needs_note: str = "",
            needs_consent: bool = False) -> Registration:
    """Sign someone up: a resident (by themself, their family or the coordinator), or a unit's person by name.
    A full activity puts them on the waiting list (not an error). Needs are kept only with consent."""
    errors: dict[str, list[str]] = {}
    who = "unit" if unit_id is not None and resident is None else "resident"
    if problems := registration_problems(activity, who=who):
        errors["activity"] = problems
    if resident is None:
        if problems := text_problems(name, max_length=100, required=True):
            errors["name"] = problems
        if unit_id is not None and _unit_missing(unit_id):
            errors["unit_id"] = [_("No such unit in this community.")]
    needs = list(needs or [])
    if any(n not in NEEDS for n in needs):
        errors["needs"] = [_("Choose among the needs listed.")]
    if (needs or (needs_note or "").strip()) and not needs_consent:
        errors["needs_consent"] = [_("Agree that the organisers may know these needs, or leave them empty.")]
    if problems := text_problems(needs_note or "", max_length=300):
        errors["needs_note"] = problems
    if errors:
        raise ValidationFailed(errors)
    _lock(activity)
    if resident is not None and _live_registration(activity.id, resident.id) is not None:
        raise Conflict(_("%(name)s is already signed up for this activity.", name=resident.name),
                       code="already_registered")
    took = db.session.execute(
        update(Activity).where(Activity.id == activity.id,
                               or_(Activity.capacity.is_(None), Activity.taken < Activity.capacity))
        .values(taken=Activity.taken + 1).execution_options(synchronize_session=False)).rowcount == 1
    digits = "".join(ch for ch in (phone or (resident.phone if resident is not None else "") or "") if ch.isdigit())
    registration = Registration(activity_id=activity.id, resident_id=resident.id if resident else None,
                                unit_id=unit_id, name=(resident.name if resident else name.strip())[:100],
                                phone_tail=digits[-4:], status="registered" if took else "waiting",
                                code=_new_code(), registered_by_id=actor_id)
    db.session.add(registration)
    try:
        db.session.flush()
    except IntegrityError as exc:  # a second sign-up of the same resident that raced this one
        raise Conflict(_("Already signed up for this activity."), code="already_registered") from exc
    if needs or (needs_note or "").strip():
        db.session.add(RegistrationNeeds(registration_id=registration.id, needs=needs, note=needs_note.strip(),
                                         consent_by_id=actor_id))
        db.session.flush()
    db.session.expire(activity, ["taken"])
    _tell_registrant(activity, registration, "registration.confirmed")
    return registration


def _live_registration(activity_id: int, resident_id: int) -> Registration | None:
    return db.session.execute(select(Registration).where(
        Registration.activity_id == activity_id, Registration.resident_id == resident_id,
        Registration.status.in_(ACTIVE))).scalars().first()


def _accounts_of(registration: Registration) -> list[int]:
    ids = {registration.registered_by_id}
    if registration.resident_id:
        ids.add(db.session.execute(select(Resident.account_id).where(Resident.id == registration.resident_id))
                .scalar_one_or_none())
    return sorted(i for i in ids if i)


def _tell_registrant(activity: Activity, registration: Registration, event: str, **extra) -> None:
    accounts = _accounts_of(registration)
    if accounts:
        notifications.emit(event, audience=notifications.to_users(*accounts), actor_id=registration.registered_by_id,
                           payload=_payload(activity, name=registration.name, status=registration.status,
                                            link=f"/activities/{activity.id}/registrations/{registration.id}",
                                            **extra))


@permissions.loader("registration")
def get_registration(registration_id: int) -> Registration | None:
    return db.session.execute(select(Registration).where(Registration.id == registration_id)).scalar_one_or_none()


def registration_by_code(activity: Activity, code: str) -> Registration | None:
    """The registration a QR code names, of this activity only (a code of another activity or community is
    not found)."""
    code = normal_code(code)
    if not code or len(code) > 32:
        return None
    return db.session.execute(select(Registration).where(Registration.code == code,
                                                         Registration.activity_id == activity.id)).scalar_one_or_none()


def registrations_of(activity: Activity, *, statuses=None) -> list[Registration]:
    stmt = select(Registration).where(Registration.activity_id == activity.id)
    if statuses:
        stmt = stmt.where(Registration.status.in_(statuses))
    return list(db.session.execute(stmt.order_by(Registration.status != "registered", Registration.id)).scalars())


def my_registrations(user_id: int, *, upcoming_only: bool = True) -> list[tuple[Registration, Activity]]:
    """What someone signed up for (themself, or for the residents they act for), with the activities."""
    held = select(Resident.id).where(Resident.account_id == user_id)
    stmt = (select(Registration, Activity).join(Activity, Activity.id == Registration.activity_id)
            .where(or_(Registration.registered_by_id == user_id, Registration.resident_id.in_(held))))
    if upcoming_only:
        stmt = stmt.where(Activity.ends_at >= clock.utcnow())
    return list(db.session.execute(stmt.order_by(Activity.starts_at, Registration.id)).all())


def cancel_registration(registration: Registration, *, actor_id: int | None) -> Registration:
    """Give up a place (or one on the waiting list); a freed place goes to the next on the list."""
    if registration.status not in ACTIVE:
        return registration  # already off: nothing changes
    activity = get_activity(registration.activity_id)
    if activity.status not in LIVE:  # held or later: the place counts (present or a no-show), nobody is offered it
        raise Conflict(_("The activity has taken place: its sign-ups are no longer cancelled."))
    _lock(activity)
    db.session.refresh(registration)
    if registration.status not in ACTIVE:
        return registration
    held_place = registration.status in HOLDING
    history_note = registration.status
    registration.status, registration.cancelled_at = "cancelled", clock.utcnow()
    db.session.flush()
    logger.debug("registration %s cancelled (was %s)", registration.id, history_note)
    if held_place:
        _pass_place_on(activity)
    return registration


def _pass_place_on(activity: Activity) -> None:
    """A place was freed: offer it to the first on the waiting list, or give it back to the counter."""
    if _offer_next(activity) is None:
        db.session.execute(update(Activity).where(Activity.id == activity.id, Activity.taken > 0)
                           .values(taken=Activity.taken - 1).execution_options(synchronize_session=False))
        db.session.expire(activity, ["taken"])


def _offer_next(activity: Activity) -> Registration | None:
    """Offer the place to the first waiting person, once (a conditional UPDATE from waiting)."""
    hours = rules().promotion_hours
    until = clock.utcnow() + timedelta(hours=hours)
    closes = as_utc(activity.registration_closes_at or activity.starts_at)
    until = min(until, max(closes, clock.utcnow() + timedelta(hours=1)))
    while True:
        first = db.session.execute(select(Registration).where(
            Registration.activity_id == activity.id, Registration.status == "waiting")
            .order_by(Registration.id).limit(1)).scalar_one_or_none()
        if first is None:
            return None
        moved = db.session.execute(update(Registration).where(Registration.id == first.id,
                                                              Registration.status == "waiting")
                                   .values(status="offered", offered_until=until)
                                   .execution_options(synchronize_session=False)).rowcount
        db.session.expire(first)
        if moved == 1:
            _tell_registrant(activity, first, "registration.offered",
                             until=f"{local(until):%Y-%m-%d %H:%M}")
            return first


def _offer_free_places(activity: Activity) -> int:
    """After the capacity grew: take free places for the waiting list, one offer each."""
    if activity.status not in LIVE:
        return 0
    _lock(activity)
    count = 0
    while True:
        took = db.session.execute(
            update(Activity).where(Activity.id == activity.id,
                                   or_(Activity.capacity.is_(None), Activity.taken < Activity.capacity))
            .values(taken=Activity.taken + 1).execution_options(synchronize_session=False)).rowcount == 1
        if not took:
            break
        if _offer_next(activity) is None:
            db.session.execute(update(Activity).where(Activity.id == activity.id)
                               .values(taken=Activity.taken - 1).execution_options(synchronize_session=False))
            break
        count += 1
    db.session.expire(activity, ["taken"])
    return count


def take_offer(registration: Registration, *, actor_id: int | None) -> Registration:
    """Take the place offered (before its time runs out)."""
    if registration.status == "registered":
        return registration
    if registration.status != "offered":
        raise Conflict(_("No place is offered to you for this activity."))
    if registration.offered_until and as_utc(registration.offered_until) < clock.utcnow():
        raise Conflict(_("The time to take this place has passed."))
    moved = db.session.execute(update(Registration).where(Registration.id == registration.id,
                                                          Registration.status == "offered")
                               .values(status="registered", offered_until=None)
                               .execution_options(synchronize_session=False)).rowcount
    db.session.expire(registration)
    if moved != 1:
        raise Conflict(_("The time to take this place has passed."))
    return registration


def lapse_due(now: datetime | None = None) -> int:
    """Offers not taken in time lapse; each freed place goes on to the next on the list (the job)."""
    now = now or clock.utcnow()
    count = 0
    rows = list(db.session.execute(select(Registration).where(Registration.status == "offered",
                                                              Registration.offered_until < now)).scalars())
    for registration in rows:
        activity = get_activity(registration.activity_id)
        _lock(activity)
        moved = db.session.execute(update(Registration).where(Registration.id == registration.id,
                                                              Registration.status == "offered")
                                   .values(status="lapsed").execution_options(synchronize_session=False)).rowcount
        if moved:
            count += 1
            if activity.status in LIVE:
                _pass_place_on(activity)
    db.session.flush()
    return count


# --- accessibility needs: sensitive, consent-gated, audited ---------------------------------------

def needs_of(activity: Activity, *, actor_id: int | None) -> dict[int, RegistrationNeeds]:
    """The registrants' needs, for the organisers (the caller checked the permission); each reading of a
    resident's needs is written to the residents' access log."""
    rows = list(db.session.execute(
        select(RegistrationNeeds, Registration.resident_id)
        .join(Registration, Registration.id == RegistrationNeeds.registration_id)
        .where(Registration.activity_id == activity.id, Registration.status.in_(ACTIVE))).all())
    if rows:  # one statement for the whole list, however many read (the registrants page stays constant)
        db.session.execute(insert(AuditEvent), [
            {"actor_id": actor_id, "action": "read", "resident_id": resident_id,
             "field": f"activity_needs:{activity.id}"[:40]} for _needs, resident_id in rows])
    return {needs.registration_id: needs for needs, _resident in rows}


def needs_summary(activity: Activity) -> dict[str, int]:
    """How many need what (counts only: no names, no audit needed) — for planning the room."""
    counts = dict.fromkeys(NEEDS, 0)
    for (needs,) in db.session.execute(
            select(RegistrationNeeds.needs).join(Registration, Registration.id == RegistrationNeeds.registration_id)
            .where(Registration.activity_id == activity.id, Registration.status.in_(ACTIVE))):
        for need in needs or []:
            if need in counts:
                counts[need] += 1
    return counts


# --- check-in ------------------------------------------------------------------------------------

DOOR_OPEN = ("approved", "scheduled", "held", "recorded")  # check-ins count until the record is closed


def check_in(registration: Registration, *, actor_id: int | None) -> bool:
    """Mark them present; True the first time, False when they were already (nothing changes). A closed
    activity's figures stay as its record has them."""
    if get_activity(registration.activity_id).status not in DOOR_OPEN:
        raise Conflict(_("The activity is closed: nobody is signed in any more."), code="closed")
    if registration.status not in HOLDING:
        raise Conflict(_("%(name)s has no place at this activity (%(status)s).", name=registration.name,
                         status=registration.status), code="not_registered")
    moved = db.session.execute(update(Registration).where(Registration.id == registration.id,
                                                          Registration.checked_in_at.is_(None))
                               .values(checked_in_at=clock.utcnow(), checked_in_by_id=actor_id,
                                       status="registered")
                               .execution_options(synchronize_session=False)).rowcount
    db.session.expire(registration)
    return moved == 1


def add_walk_in(activity: Activity, *, actor_id: int | None, resident: Resident | None = None, name: str = "",
                unit_id: int | None = None) -> Registration:
    """Someone who came without signing up, present at once (does not take a place from the list)."""
    if activity.status not in ("approved", "scheduled", "held"):
        raise Conflict(_("Walk-ins are added on the day of a scheduled activity."))
    if resident is None and (problems := text_problems(name, max_length=100, required=True)):
        raise ValidationFailed({"name": problems})
    if resident is not None:
        existing = _live_registration(activity.id, resident.id)
        if existing is not None:
            if existing.status in HOLDING:
                check_in(existing, actor_id=actor_id)
                return existing
            existing.status, existing.cancelled_at = "cancelled", clock.utcnow()
            db.session.flush()
    now = clock.utcnow()
    registration = Registration(activity_id=activity.id, resident_id=resident.id if resident else None,
                                unit_id=unit_id, name=(resident.name if resident else name.strip())[:100],
                                status="registered", code=_new_code(), walk_in=True, registered_by_id=actor_id,
                                checked_in_at=now, checked_in_by_id=actor_id)
    db.session.add(registration)
    db.session.flush()
    return registration


def attendance(activity: Activity) -> dict[str, int]:
    """The figures of the record: places, waiting, present (walk-ins among them), no-shows — one GROUP BY."""
    rows = db.session.execute(
        select(Registration.status, Registration.walk_in, Registration.checked_in_at.is_not(None), func.count())
        .where(Registration.activity_id == activity.id)
        .group_by(Registration.status, Registration.walk_in, Registration.checked_in_at.is_not(None))).all()
    figures = {"registered": 0, "waiting": 0, "offered": 0, "present": 0, "walk_ins": 0, "no_shows": 0}
    for status, walk_in, present, count in rows:
        if status in ("registered", "offered") and not walk_in:
            figures[status] += count
        if status == "waiting":
            figures["waiting"] += count
        if present:
            figures["present"] += count
            if walk_in:
                figures["walk_ins"] += count
        elif status == "registered" and as_utc(activity.ends_at) <= clock.utcnow():
            figures["no_shows"] += count
    figures["present"] += activity.walk_ins or 0
    figures["walk_ins"] += activity.walk_ins or 0
    return figures


# --- reminders -----------------------------------------------------------------------------------

def remind_due(now: datetime | None = None) -> int:
    """The day before (community time), each registrant of a scheduled activity hears of it once; the
    notifications respect each person's quiet hours."""
    now = now or clock.utcnow()
    zone = clock.zone()
    tomorrow = now.astimezone(zone).date() + timedelta(days=1)
    start = datetime.combine(tomorrow, time(0), tzinfo=zone).astimezone(UTC)
    end = start + timedelta(days=1)
    count = 0
    due = list(db.session.execute(select(Activity).where(
        Activity.status.in_(LIVE), Activity.reminded_at.is_(None), Activity.starts_at >= now,
        Activity.starts_at < end)).scalars())
    for activity in due:
        claimed = db.session.execute(update(Activity).where(Activity.id == activity.id,
                                                            Activity.reminded_at.is_(None))
                                     .values(reminded_at=now).execution_options(synchronize_session=False)).rowcount
        if not claimed:
            continue  # another run took it
        accounts = _registrant_accounts(activity.id, statuses=HOLDING)
        if accounts:
            notifications.emit("activity.reminder", audience=notifications.to_users(*accounts),
                               payload=_payload(activity, place=place_of(activity)))
        count += 1
    return count


def place_of(activity: Activity) -> str:
    if activity.venue_id:
        venue = venues.get_venue(activity.venue_id)
        return venue.name if venue else ""
    return activity.place or ""


# --- cultural activity points --------------------------------------------------------------------

def designate_point(*, name: str, unit_id: int | None = None, venue_id: int | None = None,
                    yearly_target: int = 4) -> CulturalPoint:
    errors: dict[str, list[str]] = {}
    if problems := text_problems(name, max_length=200, required=True):
        errors["name"] = problems
    if (unit_id is None) == (venue_id is None):
        errors["unit_id"] = [_("Choose a unit or a venue.")]
    elif unit_id is not None and _unit_missing(unit_id):
        errors["unit_id"] = [_("No such unit in this community.")]
    elif venue_id is not None and venues.get_venue(venue_id) is None:
        errors["venue_id"] = [_("No such venue in this community.")]
    if not 1 <= (yearly_target or 0) <= 52:
        errors["yearly_target"] = [_("Between one and fifty-two a year.")]
    if not errors and db.session.execute(select(CulturalPoint.id).where(
            or_(CulturalPoint.unit_id == unit_id, CulturalPoint.venue_id == venue_id)
            if unit_id is not None and venue_id is not None else
            (CulturalPoint.unit_id == unit_id) if unit_id is not None else (CulturalPoint.venue_id == venue_id))
    ).first():
        errors["unit_id" if unit_id is not None else "venue_id"] = [_("Already a cultural activity point.")]
    if errors:
        raise ValidationFailed(errors)
    point = CulturalPoint(name=name.strip(), unit_id=unit_id, venue_id=venue_id, yearly_target=yearly_target)
    db.session.add(point)
    db.session.flush()
    return point


def points_progress(year: int) -> list[dict]:
    """Each point's activities of the year that have their record (text and photo: recorded or closed),
    against its target — one query for the points, one for the counts."""
    points = list(db.session.execute(select(CulturalPoint).order_by(CulturalPoint.name, CulturalPoint.id)).scalars())
    if not points:
        return []
    start, end = clock.year_bounds(year)
    done = select(Activity.id, Activity.organiser_unit_id, Activity.venue_id).where(
        Activity.status.in_(("recorded", "closed")), Activity.starts_at >= start, Activity.starts_at < end)
    rows = db.session.execute(done).all()
    co = {}
    if rows:
        for activity_id, unit_id in db.session.execute(select(ActivityUnit.activity_id, ActivityUnit.unit_id)
                                                       .where(ActivityUnit.activity_id.in_([r[0] for r in rows]))):
            co.setdefault(activity_id, set()).add(unit_id)
    result = []
    for point in points:
        count = sum(1 for activity_id, unit_id, venue_id in rows
                    if (point.venue_id is not None and venue_id == point.venue_id)
                    or (point.unit_id is not None and (unit_id == point.unit_id
                                                       or point.unit_id in co.get(activity_id, ()))))
        result.append({"point": point, "done": count, "target": point.yearly_target,
                       "behind": count < point.yearly_target})
    return result


AUTUMN_MONTH = 9  # from September the points behind their year's target are reminded, once a year


def remind_points_behind(now: datetime | None = None) -> int:
    now = now or clock.utcnow()
    today = now.astimezone(clock.zone()).date()
    if today.month < AUTUMN_MONTH:
        return 0
    count = 0
    for row in points_progress(today.year):
        point = row["point"]
        if not row["behind"] or point.autumn_reminded_year == today.year:
            continue
        point.autumn_reminded_year = today.year
        owners = []
        unit_id = point.unit_id
        if unit_id is None and point.venue_id is not None:
            venue = venues.get_venue(point.venue_id)
            unit_id = venue.unit_id if venue else None
        if unit_id is not None:
            owners = list(db.session.execute(select(UnitRepresentative.user_id)
                                             .where(UnitRepresentative.unit_id == unit_id)).scalars())
        payload = {"name": point.name, "done": row["done"], "target": row["target"], "year": today.year,
                   "link": "/activities/points"}
        notifications.emit("cultural_point.behind", audience=notifications.to_roles("admin", "coordinator"),
                           payload=payload)
        if owners:
            notifications.emit("cultural_point.behind", audience=notifications.to_users(*owners), payload=payload)
        count += 1
    db.session.flush()
    return count
