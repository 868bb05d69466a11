"""Need rules: who may ask for what, the lifecycle with every step recorded, and the facts matching may use."""
import logging
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from types import SimpleNamespace

from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from app import history, permissions
from app.accounts.services import aware
from app.core import signals
from app.core.engine import NeedFacts
from app.core.extensions import db
from app.core.kinds import SLOT_LABELS, occurrence_key
from app.core.pagination import keyset_page
from app.core.validation import Conflict, ValidationFailed, check_text
from app.needs.models import OPEN_STATUSES, Need
from app.notifications import services as notifications
from app.offers.models import Offer
from app.offers.services import shared_kinds
from app.residents import services as residents
from app.units import services as units
from tenants import clock

logger = logging.getLogger(__name__)

MEAL_HOURS = {"breakfast": (time(7), time(9)), "lunch": (time(11), time(13)), "dinner": (time(17), time(19))}


def next_meal_day(slot: str, tz):
    """The first day whose `slot` is still to come in the community's time: today, or tomorrow once it is over."""
    now = clock.utcnow().astimezone(tz)
    return now.date() if now.time() < MEAL_HOURS[slot][1] else now.date() + timedelta(days=1)
# Which moves a person may make by hand; matching moves needs through matched and in_service itself.
MOVES = {
    "submitted": {"triaged", "cancelled", "unmet"},
    "triaged": {"cancelled", "unmet"},
    "matched": {"cancelled"},
    "in_service": {"cancelled"},
    "unmet": {"triaged"},
}
# How a public works request filed for a need (app.publicworks) moves the need: {request status: (need
# statuses it may move from, the need's new status)}. A need someone already moved on by hand stays.
PUBLIC_WORKS_FOLLOW = {"filed": (OPEN_STATUSES, "in_service"), "done": (("in_service",), "done"),
                       "rejected": (("in_service",), "unmet"), "cancelled": (("in_service",), "triaged")}
# How long a need may wait unmatched before it is escalated.
DEADLINES = {"urgent": timedelta(hours=4), "high": timedelta(days=1), "normal": timedelta(days=3),
             "low": timedelta(days=7)}
# A need still being worked on: waiting for a match, or matched and being served.
IN_PROGRESS = (*OPEN_STATUSES, "matched", "in_service")
# Kinds that are not matched with unit offers (public works go to municipal departments).
UNMATCHED_KINDS = {"public_works", "other"}


def own_scope(user_id: int, *, everyone: bool) -> dict:
    """What a member who is not staff (`everyone` False) may ask for and see: the residents they act for and
    the units they represent, as create_need's `own_*` arguments."""
    if everyone:
        return {}
    return {"own_residents": {r.id for r in residents.residents_held_by(user_id)},
            "own_units": {u.id for u in units.units_of_user(user_id)}}


def _aware(value: datetime, tz) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=tz)


def create_need(data: dict, *, actor_id: int | None, tz, own_residents: set[int] | None = None,
                own_units: set[int] | None = None) -> Need:
    """Record a need from what NeedIn loaded. `own_*` limit a resident or unit to their own beneficiaries
    (staff pass None)."""
    clean = data
    resident = unit = None
    errors = {}  # every problem at once
    if clean["resident_id"]:
        resident = residents.get_resident(int(clean["resident_id"]))
        if resident is None or resident.status != "active" or \
                (own_residents is not None and resident.id not in own_residents):
            errors["resident_id"] = [_("No such resident among those you act for.")]
    if clean["unit_id"]:
        unit = units.get_unit(int(clean["unit_id"]))
        if unit is None or (own_units is not None and unit.id not in own_units):
            errors["unit_id"] = [_("No such unit among those you represent.")]
    if not clean["resident_id"] and not clean["unit_id"] and own_residents is not None:
        errors["resident_id"] = [_("Say who needs it.")]
    if clean["kind"] not in UNMATCHED_KINDS and not db.session.execute(
            select(Offer.id).where(Offer.kind == clean["kind"], Offer.status == "active").limit(1)).first() \
            and clean["kind"] not in _shared_kinds():
        errors["kind"] = [_("No unit offers this kind of help yet; call the community office.")]
    if errors:
        raise ValidationFailed(errors)
    if clean["kind"] == "meal":
        day = clean["day"] or clean["window_start"].date()
        start_t, end_t = MEAL_HOURS[clean["slot"]]
        start, end = datetime.combine(day, start_t, tz), datetime.combine(day, end_t, tz)
    else:
        start, end = _aware(clean["window_start"], tz), _aware(clean["window_end"], tz)
    _not_over(clean, start, end, tz)
    start, end = start.astimezone(UTC), end.astimezone(UTC)  # stored in UTC on every backend
    latitude, longitude = clean["latitude"], clean["longitude"]
    if latitude is None and resident is not None:
        latitude, longitude = resident.latitude, resident.longitude
    need = Need(kind=clean["kind"], title=clean["title"].strip(), details=clean["details"].strip(),
                resident_id=resident.id if resident else None, unit_id=unit.id if unit else None,
                submitted_by_id=actor_id, window_start=start, window_end=end, slot=clean["slot"],
                quantity=clean["quantity"], urgency=clean["urgency"], latitude=latitude, longitude=longitude)
    db.session.add(need)
    db.session.flush()
    history.created(need, actor_id=actor_id)
    notifications.emit("need.submitted", audience=notifications.to_roles("admin", "coordinator"),
                       payload={"title": need.title, "kind": need.kind, "link": f"/needs/{need.id}"})
    db.session.flush()
    return need


def _not_over(clean: dict, start: datetime, end: datetime, tz) -> None:
    """A need is for a time still to come (or under way): a day or a window already over is refused."""
    now = clock.utcnow().astimezone(tz)
    if end > now:
        return
    if clean["kind"] != "meal":
        raise ValidationFailed({"window_start": [_("This time is already over (now is %(now)s); give a time "
                                                   "still to come.", now=now.strftime("%Y-%m-%d %H:%M"))]})
    if start.date() < now.date():
        raise ValidationFailed({"day": [_("%(day)s has passed; choose today or a later day.",
                                          day=start.date().isoformat())]})
    raise ValidationFailed({"day": [_("%(slot)s today is over (until %(end)s); choose a later meal or day.",
                                      slot=SLOT_LABELS.get(clean["slot"], clean["slot"]),
                                      end=end.strftime("%H:%M"))]})


def _shared_kinds() -> dict:

    return shared_kinds()  # a neighbouring community of the street may serve it


def get_need(need_id: int) -> Need | None:
    return db.session.execute(select(Need).where(Need.id == need_id)).scalar_one_or_none()


def needs_of_resident(resident_id: int) -> list[Need]:
    """Every need a resident is the beneficiary of, oldest first (for their data export)."""
    return list(db.session.execute(select(Need).where(Need.resident_id == resident_id).order_by(Need.id)).scalars())


def list_needs(*, status: str | None = None, kind: str | None = None, resident_ids=None, unit_ids=None,
               cursor: str | None = None, limit: int = 50):
    stmt = select(Need)
    if status == "open":
        stmt = stmt.where(Need.status.in_(OPEN_STATUSES))
    elif status:
        stmt = stmt.where(Need.status == status)
    if kind:
        stmt = stmt.where(Need.kind == kind)
    if resident_ids is not None or unit_ids is not None:

        stmt = stmt.where(or_(Need.resident_id.in_(resident_ids or []), Need.unit_id.in_(unit_ids or [])))
    return keyset_page(stmt, (Need.id,), cursor=cursor, limit=limit, descending=True)


def requests_of(*, resident_ids=(), unit_ids=(), limit: int = 5) -> tuple[list[Need], int]:
    """The latest needs for these residents or units, and how many of all of them are still open (a home's
    "my requests"): two queries, whatever their number."""
    whose = or_(Need.resident_id.in_(list(resident_ids) or [-1]), Need.unit_id.in_(list(unit_ids) or [-1]))
    latest = list(db.session.execute(select(Need).where(whose).order_by(Need.id.desc()).limit(limit)).scalars())
    still_open = db.session.execute(select(func.count()).select_from(Need).where(
        whose, Need.status.in_(IN_PROGRESS))).scalar_one() if latest else 0
    return latest, still_open


def waiting_counts() -> dict[str, int]:
    """How many needs wait for a match, and of them how many waited too long (the council's home)."""
    waiting, escalated = db.session.execute(
        select(func.count(), func.count(Need.escalated_at)).where(Need.status.in_(OPEN_STATUSES))).one()
    return {"waiting": waiting, "escalated": escalated}


# What a reader who may not open a need still sees of it in a list: what, when, how urgent, how far along.
SUMMARY_FIELDS = ("id", "kind", "window_start", "window_end", "slot", "quantity", "urgency", "status",
                  "escalated_at", "created_at")


def for_reader(many: list[Need]) -> tuple[list, set[int]]:
    """A page of needs as its reader may see it, and the ids of those they may open (`permissions.openable`).

    The others keep only SUMMARY_FIELDS: no beneficiary, unit or referral, and no title or details (they may
    name the person). The council follows the community's needs this way; the page and the API show the same.
    """
    opens = permissions.openable("needs.view", many)
    blank = {"title": None, "details": None, "resident_id": None, "unit_id": None, "referral_id": None,
             "submitted_by_id": None}
    return [n if n.id in opens else SimpleNamespace(**{f: getattr(n, f) for f in SUMMARY_FIELDS}, **blank)
            for n in many], opens


def move(need: Need, to_status: str, *, actor_id: int | None, note: str = "") -> Need:
    """A move made by a person (triage, cancel, unmet), checked against the lifecycle."""
    check_text("note", note, multiline=True)
    if to_status not in MOVES.get(need.status, set()):
        raise Conflict(_("A need that is %(status)s cannot become %(to)s.", status=need.status, to=to_status),
                       "invalid_transition")
    if to_status == "cancelled":  # its live match ends (matching), a referral of it is withdrawn (referrals)
        signals.need_cancelled.send(need, actor_id=actor_id, note=note)
    history.record(need, to_status, actor_id=actor_id, note=note)
    db.session.flush()
    return need


def follow_public_works(need: Need, request_status: str, *, actor_id: int | None, note: str = "") -> bool:
    """Move a public works need along with the request filed for it (recorded); False when it stays."""
    rule = PUBLIC_WORKS_FOLLOW.get(request_status)
    if rule is None or need.status not in rule[0]:
        return False
    history.record(need, rule[1], actor_id=actor_id, note=note)
    db.session.flush()
    return True


def local_window(need: Need, tz) -> tuple[datetime, datetime]:
    """The need's window in the community's local time (weekly hours are local)."""
    return aware(need.window_start).astimezone(tz), aware(need.window_end).astimezone(tz)


def facts(need: Need, *, actor_id: int | None, tz) -> NeedFacts:
    """What matching may know of the need; sensitive facts only under consent, and their use is audited."""
    return facts_many([need], actor_id=actor_id, tz=tz)[0]


def facts_many(many: list[Need], *, actor_id: int | None, tz, chunk: int = 1000) -> list[NeedFacts]:
    """`facts` of many needs (a batch): one query per `chunk` residents, not one per need."""
    ids = sorted({need.resident_id for need in many if need.resident_id})
    groups = {}
    for i in range(0, len(ids), chunk):
        groups.update(residents.eligibility_of(ids[i:i + chunk], actor_id=actor_id, purpose="matching"))
    referred = {n.referral_id for n in many if n.referral_id}
    # A beneficiary from a neighbouring community: only what the referral carries.
    elderly = _referred("elderly", referred) if referred else set()
    found = []
    for need in many:
        eligibility, grade = groups.get(need.resident_id, (set(), None))
        if need.referral_id in elderly:
            eligibility = eligibility | {"elderly"}
        start, end = local_window(need, tz)
        found.append(NeedFacts(id=need.id, kind=need.kind, start=start, end=end,
                               occurrence=occurrence_key(need.kind, start.date(), need.slot),
                               quantity=need.quantity, urgency=need.urgency, latitude=need.latitude,
                               longitude=need.longitude, eligibility=eligibility, disability_grade=grade,
                               slot=need.slot))
    return found


def overdue(now: datetime) -> list[Need]:
    """Open needs past their urgency's deadline and not yet escalated."""
    found = []
    for urgency, wait in DEADLINES.items():
        found += list(db.session.execute(select(Need).where(
            Need.status.in_(OPEN_STATUSES), Need.urgency == urgency, Need.escalated_at.is_(None),
            Need.created_at <= now - wait)).scalars())
    return found


# --- who a need is for --------------------------------------------------------------------------------

# A need taken over from a neighbouring community knows its beneficiary only through the street referral;
# app.referrals lends these lookups with @referred_lookup ("names": {referral id: words}, "elderly": {ids}).
REFERRED_LOOKUPS: dict[str, Callable[[set[int]], object]] = {}


def referred_lookup(kind: str):
    def register(func):
        REFERRED_LOOKUPS[kind] = func
        return func

    return register


def _referred(kind: str, referral_ids: set[int]):
    lookup = REFERRED_LOOKUPS.get(kind)
    return lookup(referral_ids) if lookup else ({} if kind == "names" else set())


def names_of(many: list[Need]) -> dict:
    """{"residents": {id: name}, "units": {id: name}, "referred": {referral id: "A resident of …"}} for a page
    of needs, in at most three queries."""
    resident_ids = {n.resident_id for n in many if n.resident_id}
    unit_ids = {n.unit_id for n in many if n.unit_id}
    referral_ids = {n.referral_id for n in many if n.referral_id}
    return {"residents": residents.names_of(resident_ids), "units": units.names_of(unit_ids),
            "referred": _referred("names", referral_ids) if referral_ids else {}}
