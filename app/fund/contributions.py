"""What each member unit gave to the fund in a year, for the contribution record (app/contributions): posted
donations received in the year, a donation reversed (withdrawn as a mistake) not counted."""
import logging
from datetime import date

from sqlalchemy import func, select

from app.core.extensions import db
from app.fund.models import Donation

logger = logging.getLogger(__name__)


def donations(year: int, unit_ids: list[int] | None = None) -> dict[int, int]:
    """{unit_id: fen} of the year's standing donations of units (one GROUP BY)."""
    stmt = (select(Donation.unit_id, func.sum(Donation.amount_fen))
            .where(Donation.unit_id.is_not(None), Donation.reversed.is_(False),
                   Donation.received_on.between(date(year, 1, 1), date(year, 12, 31)))
            .group_by(Donation.unit_id))
    if unit_ids is not None:
        ids = list(unit_ids)
        if not ids:
            return {}
        stmt = stmt.where(Donation.unit_id.in_(ids))
    return {unit_id: int(fen) for unit_id, fen in db.session.execute(stmt)}
