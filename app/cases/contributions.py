"""What the good cases add to a unit's contribution record: the published cases naming it whose date falls in the
year. One GROUP BY, whatever the number of units."""
from datetime import date

from sqlalchemy import and_, func, select

from app.cases.models import CaseUnit, GoodCase
from app.core.extensions import db


def cases(year: int, unit_ids=None) -> dict[int, int]:
    """{unit_id: published cases naming it, dated in the year}: every unit with some, or exactly the given units
    (those with none get 0)."""
    ids = None if unit_ids is None else sorted(set(unit_ids))
    if ids is not None and not ids:
        return {}
    found: dict[int, int] = {} if ids is None else dict.fromkeys(ids, 0)
    stmt = (select(CaseUnit.unit_id, func.count(GoodCase.id))
            .join(GoodCase, and_(GoodCase.id == CaseUnit.case_id, GoodCase.community_id == CaseUnit.community_id))
            .where(GoodCase.status == "published", GoodCase.happened_on >= date(year, 1, 1),
                   GoodCase.happened_on <= date(year, 12, 31))
            .group_by(CaseUnit.unit_id))
    if ids is not None:
        stmt = stmt.where(CaseUnit.unit_id.in_(ids))
    for unit_id, count in db.session.execute(stmt):
        found[unit_id] = int(count)
    return found
