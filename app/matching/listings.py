"""Read-only lists for the docking pages, each in one query with what it shows (no query per row)."""
import logging

from sqlalchemy import select

from app.core.extensions import db
from app.matching.models import Match
from app.needs.models import OPEN_STATUSES, Need
from app.offers.models import Offer
from app.offers.services import offers_with_units  # noqa: F401  (the pages read it from here too)
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


def names_of_needs(needs: list[Need]) -> dict:
    """{"residents": {id: name}, "units": {id: name}, "referred": {referral id: "A resident of …"}} for a page
    of needs, in at most three queries."""
    from flask_babel import gettext as _

    from app.referrals.models import StreetReferral
    from tenants.models import Community

    resident_ids = {n.resident_id for n in needs if n.resident_id}
    unit_ids = {n.unit_id for n in needs if n.unit_id}
    referral_ids = {n.referral_id for n in needs if n.referral_id}
    residents = dict(db.session.execute(select(Resident.id, Resident.name).where(Resident.id.in_(resident_ids)))
                     .all()) if resident_ids else {}
    units = dict(db.session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(unit_ids))).all()) \
        if unit_ids else {}
    referred = {}
    if referral_ids:
        rows = db.session.execute(select(StreetReferral.id, Community.name)
                                  .join(Community, Community.id == StreetReferral.from_community_id)
                                  .where(StreetReferral.id.in_(referral_ids))).all()
        referred = {i: _("A resident of %(community)s", community=name) for i, name in rows}
    return {"residents": residents, "units": units, "referred": referred}


def user_names(user_ids) -> dict[int, str]:
    from app.accounts.models import User

    ids = {i for i in user_ids if i}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all()) if ids else {}
