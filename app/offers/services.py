"""Offer rules: who may publish for which unit, capacity that never drops below what is booked, closures."""
import logging
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import and_, func, select, update

from app import permissions
from app.core import signals
from app.core.engine import OfferFacts
from app.core.extensions import db
from app.core.pagination import keyset_page
from app.core.sql import insert_ignoring_duplicates
from app.core.validation import Conflict, ValidationFailed, check_text
from app.offers.models import Offer, OfferClosure, OfferOccurrence
from app.units import services as units
from app.units.models import Unit
from tenants.context import current_tenant_id
from tenants.street import across_street

logger = logging.getLogger(__name__)


def create_offer(data: dict) -> Offer:
    """Publish an offer from what OfferIn loaded, for an active unit of this community."""
    clean = dict(data)
    unit = units.get_unit(int(clean.pop("unit_id")))
    if unit is None:
        raise ValidationFailed({"unit_id": [_("No such unit in this community.")]})
    if unit.status != "active":
        raise ValidationFailed({"unit_id": [_("Only an active member unit can publish offers.")]})
    offer = Offer(unit_id=unit.id, **clean)
    db.session.add(offer)
    db.session.flush()
    signals.offer_created.send(offer, actor_id=None)
    return offer


def update_offer(offer: Offer, data: dict) -> Offer:
    """Change the fields OfferPatch loaded; an offer stays with its unit."""
    clean = {key: value for key, value in data.items() if key != "unit_id"}
    if "capacity" in clean:
        booked = most_booked(offer)
        if clean["capacity"] < booked:
            raise ValidationFailed({"capacity": [_("%(n)s places are already booked; the capacity cannot be lower.",
                                                   n=booked)]})
    for key, value in clean.items():
        setattr(offer, key, value)
    db.session.flush()
    return offer


OPEN_STATUSES = ("active", "paused")  # an ended offer is closed for good


def close_offers_of_unit(unit_id: int) -> int:
    """End every open offer of a unit (its offers close with it): nothing more is matched, booked or ordered
    from them (matching and the meal table take only active offers); what is already confirmed stays as it
    was and is served or cancelled by the staff. How many were closed."""
    found = list(db.session.execute(select(Offer).where(Offer.unit_id == unit_id,
                                                        Offer.status.in_(OPEN_STATUSES))).scalars())
    for offer in found:
        offer.status = "ended"
    db.session.flush()
    return len(found)


@signals.unit_status_changed.connect
def _unit_status_changed(unit, *, old: str, new: str, actor_id: int | None, note: str = "") -> None:
    """A unit withdrawn (a drop of the yearly review, or the staff) or suspended closes its open offers."""
    if new in ("withdrawn", "suspended"):
        close_offers_of_unit(unit.id)


def most_booked(offer: Offer) -> int:
    return db.session.execute(select(func.coalesce(func.max(OfferOccurrence.booked), 0))
                              .where(OfferOccurrence.offer_id == offer.id)).scalar_one()


def offers_with_units(offer_ids) -> dict[int, tuple]:
    """{offer_id: (offer, unit)} in one query."""
    ids = set(offer_ids)
    if not ids:
        return {}
    rows = db.session.execute(select(Offer, Unit).join(Unit, Unit.id == Offer.unit_id).where(Offer.id.in_(ids)))
    return {offer.id: (offer, unit) for offer, unit in rows}


@permissions.loader("offer")
def get_offer(offer_id: int) -> Offer | None:
    return db.session.execute(select(Offer).where(Offer.id == offer_id)).scalar_one_or_none()


def list_offers(*, kind: str | None = None, unit_id: int | None = None, status: str | None = None,
                cursor: str | None = None, limit: int = 50, unit_ids=None):
    stmt = select(Offer)
    if unit_ids is not None:
        stmt = stmt.where(Offer.unit_id.in_(list(unit_ids) or [-1]))
    if kind:
        stmt = stmt.where(Offer.kind == kind)
    if unit_id:
        stmt = stmt.where(Offer.unit_id == unit_id)
    if status:
        stmt = stmt.where(Offer.status == status)
    return keyset_page(stmt, (Offer.id,), cursor=cursor, limit=limit, descending=True)


def add_closure(offer: Offer, day: date, note: str = "") -> OfferClosure:
    check_text("note", note, multiline=True)
    closure = db.session.execute(select(OfferClosure).where(OfferClosure.offer_id == offer.id,
                                                            OfferClosure.day == day)).scalar_one_or_none()
    if closure is None:
        closure = OfferClosure(offer_id=offer.id, day=day, note=note[:200])
        db.session.add(closure)
        db.session.flush()
        signals.offer_day_closed.send(offer, day=day, actor_id=None, note=closure.note)
    return closure


def closures_of(offer: Offer) -> list[OfferClosure]:
    return list(db.session.execute(select(OfferClosure).where(OfferClosure.offer_id == offer.id)
                                   .order_by(OfferClosure.day)).scalars())


# --- capacity -------------------------------------------------------------------------------------

def reserve(offer_id: int, key: str, quantity: int) -> None:
    """Book places atomically: one conditional UPDATE, so concurrent bookings can never exceed capacity."""
    insert_ignoring_duplicates(OfferOccurrence, [{"community_id": current_tenant_id(), "offer_id": offer_id,
                                                  "key": key, "booked": 0}])
    capacity = select(Offer.capacity).where(Offer.id == offer_id).scalar_subquery()
    done = db.session.execute(
        update(OfferOccurrence)
        .where(OfferOccurrence.offer_id == offer_id, OfferOccurrence.key == key,
               OfferOccurrence.booked + quantity <= capacity)
        .values(booked=OfferOccurrence.booked + quantity)
        .execution_options(synchronize_session=False)).rowcount
    if done != 1:
        raise Conflict(_("No places left on this offer for that time."), "capacity")


def places_left(offer_id: int, key: str) -> int:
    booked = select(OfferOccurrence.booked).where(OfferOccurrence.offer_id == offer_id,
                                                  OfferOccurrence.key == key).scalar_subquery()
    return db.session.execute(select(Offer.capacity - func.coalesce(booked, 0))
                              .where(Offer.id == offer_id)).scalar_one()


def release(offer_id: int, key: str, quantity: int) -> None:
    db.session.execute(
        update(OfferOccurrence).where(OfferOccurrence.offer_id == offer_id, OfferOccurrence.key == key)
        .values(booked=func.max(OfferOccurrence.booked - quantity, 0) if db.session.get_bind().dialect.name ==
                "sqlite" else func.greatest(OfferOccurrence.booked - quantity, 0))
        .execution_options(synchronize_session=False))


def offer_facts(kind: str, key: str, day: date, *, street: bool = False) -> list[OfferFacts]:
    """Every active offer of a kind with its places left for one occurrence and whether it is closed that
    day: one query (a counter and a closure are unique per offer, so the joins add no rows).

    `street`: instead, the offers the other communities of the street share (tenants/street.py).
    """
    stmt = (select(Offer, OfferOccurrence.booked, OfferClosure.id)
            .outerjoin(OfferOccurrence, and_(OfferOccurrence.offer_id == Offer.id, OfferOccurrence.key == key,
                                             OfferOccurrence.community_id == Offer.community_id))
            .outerjoin(OfferClosure, and_(OfferClosure.offer_id == Offer.id, OfferClosure.day == day,
                                          OfferClosure.community_id == Offer.community_id))
            .where(Offer.kind == kind, Offer.status == "active").order_by(Offer.id))
    rows = db.session.execute(across_street(stmt, via=Offer) if street else stmt).all()
    return [OfferFacts(id=o.id, unit_id=o.unit_id, kind=o.kind, capacity=o.capacity, booked=booked or 0,
                       eligibility=o.eligibility, latitude=o.latitude, longitude=o.longitude, radius_m=o.radius_m,
                       weekly=o.weekly, closed_days={day} if closure_id else set(), slots=o.slots,
                       rating=o.rating, valid_from=o.valid_from, valid_until=o.valid_until,
                       community_id=o.community_id if street else None, title=o.title)
            for o, booked, closure_id in rows]


def shared_kinds() -> dict[str, set[int]]:
    """{kind: {community ids}} of the active offers the neighbouring communities share with the street."""
    rows = db.session.execute(across_street(select(Offer.kind, Offer.community_id).where(Offer.status == "active")
                                            .distinct(), via=Offer)).all()
    found: dict[str, set[int]] = {}
    for kind, community_id in rows:
        found.setdefault(kind, set()).add(community_id)
    return found


def shared_titles(offer_ids) -> dict[int, tuple[int, str]]:
    """{offer id: (community id, title)} of neighbours' shared offers, in one query."""
    ids = set(offer_ids)
    if not ids:
        return {}
    rows = db.session.execute(across_street(select(Offer.id, Offer.community_id, Offer.title)
                                            .where(Offer.id.in_(ids)), via=Offer)).all()
    return {offer_id: (community_id, title) for offer_id, community_id, title in rows}
