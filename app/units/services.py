"""The rules of the unit registry. Services flush; the request or job commits once."""
import logging

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app import history, permissions
from app.core import search, signals
from app.core.extensions import db
from app.core.pagination import keyset_page
from app.core.validation import Conflict, ValidationFailed
from app.members import services as members
from app.notifications import services as notifications
from app.units.models import Unit, UnitRepresentative

logger = logging.getLogger(__name__)

# What a unit's own representative may change; status and joining date stay with the staff.
REPRESENTATIVE_FIELDS = {"name", "address", "contact_name", "contact_phone", "description"}


def sort_key(name: str) -> str:
    """Pinyin of a Chinese name, so lists sort as Chinese readers expect (and pinyin search works)."""
    # Imported here: its dictionaries take ~55 MB, which workers that never sort names should not carry.
    from pypinyin import Style, lazy_pinyin

    return " ".join(lazy_pinyin(name.strip(), style=Style.NORMAL, errors="default")).lower()[:400]


def _name_taken(name: str, exclude_id: int | None = None) -> bool:
    stmt = select(Unit.id).where(Unit.name == name)
    if exclude_id is not None:
        stmt = stmt.where(Unit.id != exclude_id)
    return db.session.execute(stmt).first() is not None


def _duplicate_name() -> ValidationFailed:
    return ValidationFailed({"name": [_("A unit with this name is already registered in this community.")]})


def create_unit(data: dict) -> Unit:
    """Register a unit from what UnitIn loaded; its name must be free in this community."""
    if _name_taken(data["name"]):
        raise _duplicate_name()
    unit = Unit(**data, name_sort=sort_key(data["name"]))
    db.session.add(unit)
    db.session.flush()
    return unit


def update_unit(unit: Unit, clean: dict, *, allowed: set[str] | None = None, actor_id: int | None = None,
                note: str = "") -> Unit:
    """Change the fields UnitPatch loaded; `allowed` limits which (a representative's own unit). A new status
    goes through `change_status`: dated, with who changed it (`actor_id`) and why (`note`)."""
    if allowed is not None and (forbidden := set(clean) - allowed):
        raise ValidationFailed({field: [_("You may not change this field.")] for field in sorted(forbidden)})
    if "name" in clean and clean["name"] != unit.name and _name_taken(clean["name"], unit.id):
        raise _duplicate_name()
    clean = dict(clean)
    status = clean.pop("status", None)
    for key, value in clean.items():
        setattr(unit, key, value)
    if "name" in clean:
        unit.name_sort = sort_key(unit.name)
    db.session.flush()
    if status is not None:
        change_status(unit, status, actor_id=actor_id, note=note)
    return unit


def change_status(unit: Unit, to_status: str, *, actor_id: int | None, note: str = "", tell: bool = True) -> bool:
    """Move a unit to a status (active, suspended, withdrawn): every change is a dated entry of its history
    with who and why, never a field left to drift. The domains that follow units hear it through
    `unit_status_changed` (offers close a withdrawn or suspended unit's open offers); with `tell` its
    representatives and the staff are told (a caller with its own message, the yearly review, says False).
    False when the unit already had that status."""
    old = unit.status
    if to_status == old:
        return False
    history.record(unit, to_status, actor_id=actor_id, note=note)
    db.session.flush()
    signals.unit_status_changed.send(unit, old=old, new=to_status, actor_id=actor_id, note=note)
    if tell:
        _tell_status(unit)
    return True


def status_history(unit: Unit):
    """The unit's dated status changes, oldest first (who, from what, to what, why)."""
    return history.history_of(unit)


def _tell_status(unit: Unit) -> None:
    """The unit's representatives and the staff hear when a unit is suspended, withdrawn or restored."""
    audience = {"user_ids": [rep.user_id for rep in unit.representatives]} if unit.representatives else None
    payload = {"unit_name": unit.name, "status": unit.status, "link": f"/units/{unit.id}"}
    if audience:
        notifications.emit("unit.status_changed", audience=audience, payload=payload)
    notifications.emit("unit.status_changed", audience=notifications.to_roles("admin", "coordinator"),
                       payload=payload)


def delete_unit(unit: Unit) -> None:
    """Remove a unit that nothing refers to; one with bookings, activities or other records that name it is kept
    (withdraw it instead: its history stays)."""
    try:
        with db.session.begin_nested():
            db.session.delete(unit)
            db.session.flush()
    except IntegrityError as exc:
        raise Conflict(_("Other records name this unit (bookings, activities, …): withdraw it instead of "
                         "removing it, so its history stays."), code="unit_in_use") from exc


@permissions.loader("unit")
def get_unit(unit_id: int) -> Unit | None:
    return db.session.execute(select(Unit).where(Unit.id == unit_id)).scalar_one_or_none()


def list_units(*, q: str | None = None, type: str | None = None, status: str | None = None,
               cursor: str | None = None, limit: int = 50, by_contact: bool = True):
    """A page of units in pinyin order, and the cursor of the next page (`by_contact`: `q` also finds the contact
    person, for readers who may see them)."""
    # The representatives come in the page's own statement (a join on the limited page), not a second one.
    stmt = select(Unit).options(joinedload(Unit.representatives))
    if q and q.strip():
        # Escape LIKE wildcards: a search for "%" or "_" must not match every unit.
        escaped = q.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        term = f"%{escaped}%"
        columns = [func.lower(Unit.name), Unit.name_sort, func.lower(Unit.address)]
        if by_contact:
            columns.append(func.lower(Unit.contact_name))
        stmt = stmt.where(or_(*(column.like(term, escape="\\") for column in columns)))
    if type:
        stmt = stmt.where(Unit.type == type)
    if status:
        stmt = stmt.where(Unit.status == status)
    return keyset_page(stmt, (Unit.name_sort, Unit.id), cursor=cursor, limit=limit)


def search_units(q: str | None, *, status: str | None = "active",
                 limit: int = search.PICK_LIMIT) -> tuple[list[Unit], bool]:
    """The picker's matches (name, pinyin initials, pinyin) in pinyin order, and whether there are more."""
    condition = search.name_condition(search.clean_query(q), name=Unit.name, name_pinyin=Unit.name_pinyin,
                                      name_initials=Unit.name_initials)
    if condition is None:
        return [], False
    stmt = select(Unit).where(condition)
    if status:
        stmt = stmt.where(Unit.status == status)
    rows = list(db.session.execute(stmt.order_by(Unit.name_sort, Unit.id).limit(limit + 1)).scalars())
    return rows[:limit], len(rows) > limit


def pick_item(unit: Unit) -> dict:
    return {"id": str(unit.id), "label": unit.name, "detail": unit.address}


def all_units():
    """Every unit in pinyin order, streamed (for exports)."""
    return db.session.execute(select(Unit).order_by(Unit.name_sort, Unit.id).execution_options(yield_per=500)).scalars()


def counts_by_type() -> dict[str, int]:
    rows = db.session.execute(
        select(Unit.type, func.count()).where(Unit.status == "active").group_by(Unit.type)
    ).all()
    return dict(rows)


def count_units() -> int:
    return db.session.execute(select(func.count(Unit.id))).scalar_one()


def add_representative(unit: Unit, user_id: int) -> UnitRepresentative:
    """Make a community member the unit's representative (and give them the unit role)."""
    membership = members.membership_of(user_id)
    if membership is None:
        raise ValidationFailed({"user_id": [_("This person is not a member of the community.")]})
    if unit.is_represented_by(user_id):
        return next(rep for rep in unit.representatives if rep.user_id == user_id)
    members.grant_roles(membership, ["unit"])
    rep = UnitRepresentative(user_id=user_id)
    unit.representatives.append(rep)
    db.session.flush()
    return rep


def remove_representative(unit: Unit, user_id: int) -> bool:
    for rep in list(unit.representatives):
        if rep.user_id == user_id:
            unit.representatives.remove(rep)
            db.session.flush()
            return True
    return False


def units_of_user(user_id: int) -> list[Unit]:
    return list(db.session.execute(
        select(Unit).join(UnitRepresentative, UnitRepresentative.unit_id == Unit.id)
        .where(UnitRepresentative.user_id == user_id).order_by(Unit.name_sort)
    ).scalars())


@permissions.loader("represented_units")
def represented_unit_ids(user_id: int) -> set[int]:
    """The ids of the units a user represents (for `permissions`, over a whole list at once)."""
    return set(db.session.execute(
        select(UnitRepresentative.unit_id).where(UnitRepresentative.user_id == user_id)).scalars())


def names_of(ids) -> dict[int, str]:
    """{id: name} of the given units, in one query."""
    ids = set(ids)
    return dict(db.session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(ids))).all()) if ids else {}
