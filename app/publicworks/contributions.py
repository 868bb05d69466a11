"""What member units gave the community's public works in a year: the requests done in the year (by their
done date) that each unit helped with. One GROUP BY, whatever the number of units."""
from datetime import date

from sqlalchemy import and_, func, select

from app.core.extensions import db
from app.publicworks.models import PublicWorksHelper, PublicWorksRequest


def helped(year: int, unit_ids=None) -> dict[int, int]:
    """{unit_id: requests done in the year it helped with}: every unit with some, or exactly the given units
    (those with none get 0)."""
    ids = None if unit_ids is None else sorted(set(unit_ids))
    if ids is not None and not ids:
        return {}
    found: dict[int, int] = {} if ids is None else dict.fromkeys(ids, 0)
    stmt = (select(PublicWorksHelper.unit_id, func.count(func.distinct(PublicWorksRequest.id)))
            .join(PublicWorksRequest, and_(PublicWorksRequest.id == PublicWorksHelper.request_id,
                                           PublicWorksRequest.community_id == PublicWorksHelper.community_id))
            .where(PublicWorksRequest.status == "done", PublicWorksRequest.done_on >= date(year, 1, 1),
                   PublicWorksRequest.done_on <= date(year, 12, 31))
            .group_by(PublicWorksHelper.unit_id))
    if ids is not None:
        stmt = stmt.where(PublicWorksHelper.unit_id.in_(ids))
    for unit_id, count in db.session.execute(stmt):
        found[unit_id] = int(count)
    return found
