"""The rules for residents' data: basics for the people who serve them, sensitive data only under consent.

Every read and change of a sensitive field writes an AuditEvent (who, when, which resident, which
field — never the value). Services take the acting user's id; they never look at the request.
"""
import logging

from flask_babel import gettext as _
from sqlalchemy import and_, delete, func, or_, select

from app import permissions
from app.accounts.models import User
from app.core import search, signals
from app.core.extensions import db
from app.core.pagination import keyset_page
from app.core.validation import Conflict, ValidationFailed, text_problems
from app.notifications import services as notifications
from app.residents.models import (
    SENSITIVE_FIELDS,
    AuditEvent,
    Consent,
    DataExport,
    Resident,
    SensitiveAttributes,
    age_on,
)
from app.residents.schemas import TEXT_FIELDS  # noqa: F401 (the export lists them)
from app.units.services import sort_key
from tenants import clock
from tenants.clock import utcnow

logger = logging.getLogger(__name__)

PURPOSE = "services"
CONSENT_METHODS = ("online", "in_person", "phone", "paper")
FLAGS = ("low_income", "living_alone", "special_hardship")


def _check_position(clean: dict, current: Resident | None = None) -> None:
    """A change of one coordinate is checked against the other as stored, so no half position is kept."""
    if ("latitude" in clean or "longitude" in clean) and \
            (clean.get("latitude", getattr(current, "latitude", None)) is None) != \
            (clean.get("longitude", getattr(current, "longitude", None)) is None):
        raise ValidationFailed({"longitude": [_("Give both latitude and longitude, or neither.")]})


def audit(actor_id: int | None, action: str, resident_id: int | None, field: str = "") -> None:
    db.session.add(AuditEvent(actor_id=actor_id, action=action, resident_id=resident_id, field=field))


@signals.paper_vote_recorded.connect
def _audit_paper_vote(ballot, *, voter_id: int, recorded_by_id: int, **_ignored) -> None:
    """A paper vote typed in by a coordinator is in the same access log as a look at sensitive data."""
    audit(recorded_by_id, "paper_vote", None, field=f"ballot:{ballot.id}/user:{voter_id}"[:40])


# --- profiles -------------------------------------------------------------------------------------

def create_resident(clean: dict, *, actor_id: int | None, account_id: int | None = None) -> Resident:
    """Register a profile from what ResidentIn loaded."""
    _check_position(clean)
    resident = Resident(**clean, name_sort=sort_key(clean["name"]), account_id=account_id,
                        registered_by_id=actor_id)
    db.session.add(resident)
    db.session.flush()
    return resident


def update_resident(resident: Resident, clean: dict) -> Resident:
    """Change the fields ResidentPatch loaded."""
    if resident.status == "erased":
        raise Conflict(_("This resident's data has been erased."), "erased")
    _check_position(clean, resident)
    for key, value in clean.items():
        setattr(resident, key, value)
    if "name" in clean:
        resident.name_sort = sort_key(resident.name)
    db.session.flush()
    return resident


@permissions.loader("resident")
def get_resident(resident_id: int) -> Resident | None:
    return db.session.execute(select(Resident).where(Resident.id == resident_id)).scalar_one_or_none()


def find_resident(resident_id: int, *, erased: bool | None = None) -> Resident | None:
    """The profile a URL names; an erased one is gone unless `erased` — by default, unless the member may
    erase profiles (the admin may see that it was erased)."""
    if erased is None:
        erased = permissions.can("residents.erase")
    resident = get_resident(resident_id)
    return None if resident is None or (resident.status == "erased" and not erased) else resident


def list_residents(*, q: str | None = None, cursor: str | None = None, limit: int = 50):
    stmt = select(Resident).where(Resident.status == "active")
    if q and q.strip():
        term = f"%{q.strip().lower()}%"
        stmt = stmt.where(or_(func.lower(Resident.name).like(term), Resident.name_sort.like(term),
                              Resident.phone.like(term), func.lower(Resident.address).like(term),
                              Resident.building == q.strip()))
    return keyset_page(stmt, (Resident.name_sort, Resident.id), cursor=cursor, limit=limit)


def search_residents(q: str | None, *, limit: int = search.PICK_LIMIT) -> tuple[list[Resident], bool]:
    """The picker's matches for what was typed (app.core.search) in pinyin order, and whether there are more.
    One indexed query whatever the size of the register; nothing typed, nothing found."""
    condition = search.name_condition(search.clean_query(q), name=Resident.name, name_pinyin=Resident.name_pinyin,
                                      name_initials=Resident.name_initials, phone=Resident.phone,
                                      tail=Resident.phone_tail)
    if condition is None:
        return [], False
    rows = list(db.session.execute(select(Resident).where(condition, Resident.status == "active")
                                   .order_by(Resident.name_sort, Resident.id).limit(limit + 1)).scalars())
    return rows[:limit], len(rows) > limit


def pick_item(resident: Resident) -> dict:
    """How a resident appears among a picker's options: the name, then the address, age and phone tail."""
    parts = ["-".join(p for p in (resident.building, resident.entrance, resident.room) if p)]
    if resident.age is not None:
        parts.append(_("%(n)s years", n=resident.age))
    if resident.phone_tail:
        parts.append(_("phone …%(tail)s", tail=resident.phone_tail))
    return {"id": str(resident.id), "label": resident.name, "detail": " · ".join(p for p in parts if p)}


def residents_held_by(user_id: int) -> list[Resident]:
    """The residents a user acts for: themself, and family they look after."""
    return list(db.session.execute(select(Resident).where(Resident.account_id == user_id,
                                                          Resident.status == "active")
                                   .order_by(Resident.id)).scalars())


@permissions.loader("held_residents")
def held_resident_ids(user_id: int) -> set[int]:
    """The ids of the residents a user acts for (for `permissions`, over a whole list at once)."""
    return set(db.session.execute(select(Resident.id).where(Resident.account_id == user_id)).scalars())


def count_residents() -> int:
    return db.session.execute(select(func.count(Resident.id)).where(Resident.status == "active")).scalar_one()


# --- consent --------------------------------------------------------------------------------------

def active_consent(resident: Resident) -> Consent | None:
    return db.session.execute(select(Consent).where(
        Consent.resident_id == resident.id, Consent.purpose == PURPOSE, Consent.withdrawn_at.is_(None))
    ).scalars().first()


def consents_of(resident: Resident) -> list[Consent]:
    return list(db.session.execute(select(Consent).where(Consent.resident_id == resident.id)
                                   .order_by(Consent.given_at.desc(), Consent.id.desc())).scalars())


def record_consent(resident: Resident, *, given_by: str, method: str, actor_id: int | None,
                   note: str = "") -> Consent:
    """The resident (or who signs for them) agrees that their sensitive data serve to match services."""
    if resident.status == "erased":
        raise Conflict(_("This resident's data has been erased."), "erased")
    given_by = (given_by or "").strip()
    errors = {field: problems for field, problems in (  # every problem at once
        ("given_by", text_problems(given_by) if given_by else [_("Say who gave the consent.")]),
        ("method", [] if method in CONSENT_METHODS else
         [_("Must be one of: %(choices)s.", choices=", ".join(CONSENT_METHODS))]),
        ("note", text_problems(note, multiline=True))) if problems}
    if errors:
        raise ValidationFailed(errors)
    existing = active_consent(resident)
    if existing is not None:
        return existing
    consent = Consent(resident_id=resident.id, purpose=PURPOSE, given_by=given_by[:100], method=method,
                      recorded_by_id=actor_id, note=(note or "")[:500])
    db.session.add(consent)
    audit(actor_id, "consent", resident.id)
    db.session.flush()
    return consent


def withdraw_consent(resident: Resident, *, actor_id: int | None) -> bool:
    """From now on the sensitive data are blocked: not shown, not used, until a new consent."""
    consent = active_consent(resident)
    if consent is None:
        return False
    consent.withdrawn_at, consent.withdrawn_by_id = utcnow(), actor_id
    audit(actor_id, "withdraw", resident.id)
    db.session.flush()
    return True


# --- sensitive attributes -------------------------------------------------------------------------

def _attributes(resident: Resident) -> SensitiveAttributes | None:
    return db.session.execute(select(SensitiveAttributes).where(
        SensitiveAttributes.resident_id == resident.id)).scalar_one_or_none()


def read_sensitive(resident: Resident, *, actor_id: int | None) -> dict | None:
    """The sensitive attributes (audited, field by field), or None when there is no active consent."""
    if active_consent(resident) is None:
        return None
    attributes = _attributes(resident)
    for field in SENSITIVE_FIELDS:
        audit(actor_id, "read", resident.id, field)
    db.session.flush()
    if attributes is None:
        return {field: None for field in SENSITIVE_FIELDS} | {"low_income": False, "living_alone": False,
                                                              "special_hardship": False}
    return {field: getattr(attributes, field) for field in SENSITIVE_FIELDS}


def set_sensitive(resident: Resident, data: dict, *, actor_id: int | None) -> dict:
    """Store the attributes SensitiveIn loaded (one not given is cleared); refused without an active consent,
    and nothing is half-saved."""
    if active_consent(resident) is None:
        raise ValidationFailed({field: [_("Record the resident's consent before storing this.")]
                                for field in data if field in SENSITIVE_FIELDS} or
                               {"consent": [_("Record the resident's consent before storing this.")]})
    clean = {field: data.get(field, False if field in FLAGS else None) for field in SENSITIVE_FIELDS}
    if (clean.get("disability_category") is None) != (clean.get("disability_grade") is None):
        raise ValidationFailed(
            {"disability_grade": [_("Give both the disability category and the grade, or neither.")]})
    attributes = _attributes(resident)
    if attributes is None:
        attributes = SensitiveAttributes(resident_id=resident.id)
        db.session.add(attributes)
    for field in SENSITIVE_FIELDS:
        if getattr(attributes, field) != clean[field]:
            setattr(attributes, field, clean[field])
            audit(actor_id, "change", resident.id, field)
    db.session.flush()
    return {field: getattr(attributes, field) for field in SENSITIVE_FIELDS}


def priority_attributes(resident_ids: list[int]) -> dict[int, dict]:
    """For matching: attributes of consenting residents only, without writing an audit row per match run.

    The caller records one 'read' audit per resident it actually uses.
    """
    if not resident_ids:
        return {}
    consenting = select(Consent.resident_id).where(Consent.resident_id.in_(resident_ids),
                                                   Consent.purpose == PURPOSE, Consent.withdrawn_at.is_(None))
    rows = db.session.execute(select(SensitiveAttributes).where(
        SensitiveAttributes.resident_id.in_(consenting))).scalars()
    return {row.resident_id: {field: getattr(row, field) for field in SENSITIVE_FIELDS} for row in rows}


def eligibility_of(resident_ids, *, actor_id: int | None, purpose: str) -> dict[int, tuple[set, int | None]]:
    """Which eligibility groups each resident belongs to (elderly, disabled, low_income, living_alone) and
    their disability grade: what an offer's eligibility and a price list ask. One query: the age, and the
    sensitive attributes only under an active consent; each resident whose attributes are used gets one
    audited read for `purpose`."""
    ids = sorted({i for i in resident_ids if i})
    if not ids:
        return {}
    consenting = select(Consent.id).where(Consent.resident_id == Resident.id, Consent.purpose == PURPOSE,
                                          Consent.withdrawn_at.is_(None)).exists()
    rows = db.session.execute(
        select(Resident.id, Resident.birth_date, SensitiveAttributes)
        .outerjoin(SensitiveAttributes, and_(SensitiveAttributes.resident_id == Resident.id, consenting))
        .where(Resident.id.in_(ids))).all()
    today = clock.today()
    found = {}
    for resident_id, birth, attributes in rows:
        groups, grade = set(), None
        if birth is not None and age_on(birth, today) >= 60:
            groups.add("elderly")
        if attributes is not None:
            audit(actor_id, "read", resident_id, purpose)
            groups |= {key for key in ("low_income", "living_alone") if getattr(attributes, key)}
            if attributes.disability_category:
                groups.add("disabled")
                grade = attributes.disability_grade
        found[resident_id] = (groups, grade)
    return found


# --- deletion (the export is in exports.py) --------------------------------------------------------

def request_deletion(resident: Resident, *, actor_id: int | None) -> Resident:
    if resident.deletion_requested_at is None:
        resident.deletion_requested_at = utcnow()
        audit(actor_id, "deletion_request", resident.id)
        notifications.emit("resident.deletion_requested", audience=notifications.to_roles("admin"),
                           payload={"resident_id": resident.id, "link": f"/residents/{resident.id}"})
    db.session.flush()
    return resident


def erase(resident: Resident, *, actor_id: int | None) -> Resident:
    """Delete the resident's personal data; the row stays, anonymous, so records that point to it hold."""
    withdraw_consent(resident, actor_id=actor_id)
    for given in consents_of(resident):  # who signed (often the resident's own name) is personal data too
        given.given_by, given.note = _("Erased resident"), ""
    attributes = _attributes(resident)
    if attributes is not None:
        db.session.delete(attributes)
    # Prepared export files are copies of the personal data: they go too.
    db.session.execute(delete(DataExport).where(DataExport.resident_id == resident.id))
    resident.name, resident.name_sort = _("Erased resident"), "~"
    for key in ("phone", "building", "entrance", "room", "address", "household", "diet_notes"):
        setattr(resident, key, "")
    resident.latitude = resident.longitude = resident.birth_date = None
    resident.account_id, resident.status = None, "erased"
    audit(actor_id, "erase", resident.id)
    db.session.flush()
    return resident


def audit_trail(*, resident_id: int | None = None, cursor: str | None = None, limit: int = 100):
    stmt = select(AuditEvent)
    if resident_id is not None:
        stmt = stmt.where(AuditEvent.resident_id == resident_id)
    return keyset_page(stmt, (AuditEvent.id,), cursor=cursor, limit=limit, descending=True)


def resident_names(resident_ids) -> dict[int, str]:
    """{resident id: name} in one query."""
    ids = {i for i in resident_ids if i}
    if not ids:
        return {}
    return dict(db.session.execute(select(Resident.id, Resident.name).where(Resident.id.in_(ids))).all())


def names_for(events) -> dict:
    """Names of the actors and residents in a page of audit events, in two queries."""

    actor_ids = {e.actor_id for e in events if e.actor_id}
    actors = dict(db.session.execute(select(User.id, User.name).where(User.id.in_(actor_ids))).all()) \
        if actor_ids else {}
    return {"actors": actors, "residents": resident_names(e.resident_id for e in events)}


def names_of(ids) -> dict[int, str]:
    """{id: name} of the given residents, in one query."""
    ids = set(ids)
    return dict(db.session.execute(select(Resident.id, Resident.name).where(Resident.id.in_(ids))).all()) if ids else {}
