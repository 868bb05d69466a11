"""The contribution record of the member units: per unit and year, everything it gave, derived from the source
records each time it is read (never counters that drift). The facts come from the domains that hold them —
matches served and their ratings, meals, offers, venue hours, activities organised, co-organised and attended
(app/reviews/contributions.py, which reads app/activities too) — and the record puts them side by side for the
unit's page, the council's ranked table, the commendation's snapshot and the yearly report.

`record(year, unit_ids=None)` answers every unit at once in a fixed number of statements, whatever their number.
"""
import logging
from dataclasses import asdict, dataclass, fields

from app.fund import contributions as fund
from app.reviews.contributions import Figures, contributions

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Record:
    """One unit's year. The counts of `Figures` (the yearly review's), then the facts other domains add."""

    matches: int = 0
    ratings: int = 0
    rating_sum: int = 0
    meals: int = 0
    offers: int = 0
    venue_hours: float = 0.0
    organised: int = 0
    co_organised: int = 0
    attended: int = 0
    donations_fen: int = 0  # to the fund (app/fund/contributions.py)

    @property
    def average_rating(self) -> float | None:
        return round(self.rating_sum / self.ratings, 1) if self.ratings else None

    @property
    def nothing(self) -> bool:
        return not any(getattr(self, f.name) for f in fields(self) if f.name not in ("ratings", "rating_sum"))

    def as_dict(self) -> dict:
        return asdict(self) | {"average_rating": self.average_rating}

    @classmethod
    def from_dict(cls, data: dict | None) -> "Record":
        data = data or {}
        return cls(**{f.name: f.type(data.get(f.name) or 0) if f.type in (int, float) else data.get(f.name)
                      for f in fields(cls) if f.name in data})

    @classmethod
    def keys(cls) -> list[str]:
        return [f.name for f in fields(cls)]


def _from_figures(figures: Figures) -> dict:
    return {key: value for key, value in asdict(figures).items() if key in Record.keys()}


def record(year: int, unit_ids=None) -> dict[int, Record]:
    """{unit_id: Record} for the year: every unit with something in it, or exactly the given units (those with
    nothing get an empty Record)."""
    found: dict[int, dict] = {}
    for unit_id, figures in contributions(year, unit_ids).items():
        found.setdefault(unit_id, {}).update(_from_figures(figures))
    for unit_id, fen in fund.donations(year, unit_ids).items():
        found.setdefault(unit_id, {})["donations_fen"] = fen
    return {unit_id: Record(**values) for unit_id, values in found.items()}
