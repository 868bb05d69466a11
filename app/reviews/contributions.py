"""What each member unit gave the community in a year, counted from the source records every time (never
from counters that could drift): the matches its offers served and their ratings, the meals its canteens
served, the offers it published, the hours its venues were lent and the joint activities it organised or
co-organised and its people attended (app/activities/contributions.py). The yearly review shows these; a
later contribution record, commendation or report reads the same function.

`contributions(year)` answers every unit at once in a fixed number of statements (one GROUP BY per source, seven),
however many units there are. A year runs from 1 January 00:00 to 31 December 24:00 in the community's
time zone (tenants/clock.zone()).

The public works a unit helped with are counted beside these by app/publicworks/contributions.py, and the
whole record of a unit's year is app/contributions.
"""
import logging
from dataclasses import asdict, dataclass
from datetime import date

from sqlalchemy import and_, func, or_, select

from app.activities import contributions as activity_facts
from app.core.extensions import db
from app.history import StatusChange
from app.matching.models import Match
from app.meals.models import MealOrder
from app.offers.models import Offer
from tenants import clock

logger = logging.getLogger(__name__)

SERVED = ("delivered", "rated")  # a rated match was delivered first


@dataclass(frozen=True)
class Figures:
    """One unit's year: matches served (delivered in the year), how many of them were rated and the sum of
    those ratings (1–5), meals served (delivered meal orders, counted in meals), offers published; hours its
    venues were lent (confirmed dates), joint activities it organised and co-organised (recorded or closed), its
    people checked in at activities."""

    matches: int = 0
    ratings: int = 0
    rating_sum: int = 0
    meals: int = 0
    offers: int = 0
    venue_hours: float = 0.0
    organised: int = 0
    co_organised: int = 0
    attended: int = 0

    @property
    def average_rating(self) -> float | None:
        return round(self.rating_sum / self.ratings, 1) if self.ratings else None

    @property
    def nothing(self) -> bool:
        """Nothing at all in the year: the review flags the unit (本年度无贡献)."""
        return not (self.matches or self.meals or self.offers or self.venue_hours or self.organised
                    or self.co_organised)

    def as_dict(self) -> dict:
        return asdict(self) | {"average_rating": self.average_rating, "nothing": self.nothing}

    @classmethod
    def from_dict(cls, data: dict | None) -> "Figures":
        data = data or {}
        counts = ("matches", "ratings", "rating_sum", "meals", "offers", "organised", "co_organised", "attended")
        return cls(**{key: int(data.get(key) or 0) for key in counts},
                   venue_hours=float(data.get("venue_hours") or 0))


year_bounds = clock.year_bounds  # the community's year as UTC instants (tenants/clock.py)


def contributions(year: int, unit_ids=None) -> dict[int, Figures]:
    """{unit_id: Figures} for the year: every unit of the community with something in the year, or exactly the
    given units (those with nothing get empty Figures). Seven statements, whatever the number of units."""
    start, end = year_bounds(year)
    first, last = date(year, 1, 1), date(year, 12, 31)
    ids = None if unit_ids is None else sorted(set(unit_ids))
    found: dict[int, dict] = {} if ids is None else {unit_id: {} for unit_id in ids}
    if ids is not None and not ids:
        return {}

    def only_units(stmt):
        return stmt if ids is None else stmt.where(Offer.unit_id.in_(ids))

    # Matches of the unit's offers delivered in the year (the dated change to "delivered" says when).
    delivered = select(StatusChange.object_id).where(
        StatusChange.object_type == "match", StatusChange.to_status == "delivered",
        StatusChange.at >= start, StatusChange.at < end)
    for unit_id, served, rated, rating_sum in db.session.execute(only_units(
            select(Offer.unit_id, func.count(Match.id), func.count(Match.rating), func.sum(Match.rating))
            .join(Offer, and_(Offer.id == Match.offer_id, Offer.community_id == Match.community_id))
            .where(Match.status.in_(SERVED), Match.id.in_(delivered))
            .group_by(Offer.unit_id))):
        found.setdefault(unit_id, {}).update(matches=served, ratings=rated, rating_sum=int(rating_sum or 0))

    # Meals its canteens served on a day of the year (plans' meals and one-off meals alike).
    for unit_id, meals in db.session.execute(only_units(
            select(Offer.unit_id, func.sum(MealOrder.quantity))
            .join(Offer, and_(Offer.id == MealOrder.offer_id, Offer.community_id == MealOrder.community_id))
            .where(MealOrder.status == "delivered", MealOrder.day >= first, MealOrder.day <= last)
            .group_by(Offer.unit_id))):
        found.setdefault(unit_id, {})["meals"] = int(meals or 0)

    # Offers published in the year, or published before and still open in it.
    for unit_id, published in db.session.execute(only_units(
            select(Offer.unit_id, func.count(Offer.id))
            .where(Offer.created_at < end, or_(
                Offer.created_at >= start,
                and_(Offer.status == "active", or_(Offer.valid_until.is_(None), Offer.valid_until >= first))))
            .group_by(Offer.unit_id))):
        found.setdefault(unit_id, {})["offers"] = published

    # Venue hours lent, activities organised and co-organised, people who came (four more GROUP BYs).
    for unit_id, facts in activity_facts.contributions(year, ids).items():
        kept = {key: value for key, value in facts.items() if value}
        if kept or ids is not None:
            found.setdefault(unit_id, {}).update(kept)

    return {unit_id: Figures(**values) for unit_id, values in found.items()}
