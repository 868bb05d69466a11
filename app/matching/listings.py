"""Read-only lists for the docking pages, each in one query with what it shows (no query per row)."""
import logging

from sqlalchemy import select

from app.core.extensions import db
from app.matching.models import Match
from app.needs.models import OPEN_STATUSES, Need
from app.offers.models import Offer
from app.residents.models import Resident
from app.units.models import Unit

logger = logging.getLogger(__name__)


def needs_with_names(stmt_filter, *, limit: int = 20) -> list[tuple]:
    """(need, resident name, unit name) rows for needs matching `stmt_filter`, newest first."""
    stmt = (select(Need, Resident.name, Unit.name)
            .outerjoin(Resident, Resident.id == Need.resident_id)
            .outerjoin(Unit, Unit.id == Need.unit_id)
            .where(*stmt_filter).order_by(Need.id.desc()).limit(limit))
    return list(db.session.execute(stmt).all())


def new_needs(limit: int = 20) -> list[tuple]:
    return needs_with_names([Need.status == "submitted"], limit=limit)


def escalated_needs(limit: int = 20) -> list[tuple]:
    return needs_with_names([Need.escalated_at.is_not(None), Need.status.in_(OPEN_STATUSES)], limit=limit)


def matches_of_needs(need_ids) -> list[tuple]:
    """(match, offer title, unit name) rows of the given needs, oldest first, in one query."""
    ids = set(need_ids)
    if not ids:
        return []
    stmt = (select(Match, Offer.title, Unit.name).join(Offer, Offer.id == Match.offer_id)
            .join(Unit, Unit.id == Offer.unit_id).where(Match.need_id.in_(ids)).order_by(Match.id))
    return list(db.session.execute(stmt).all())
