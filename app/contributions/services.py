"""The contribution record of the member units: per unit and year, everything it gave, derived from the source
records each time it is read (never counters that drift). The facts come from the domains that hold them —
matches served and their ratings, meals, offers, venue hours, activities organised, co-organised and attended
(app/reviews/contributions.py, which reads app/activities too), the good cases naming the unit (app/cases) and
the public works it helped with (app/publicworks) — and the record puts them side by side for the
unit's page, the council's ranked table, the commendation's snapshot and the yearly report.

`record(year, unit_ids=None)` answers every unit at once in a fixed number of statements (one GROUP BY per
source), whatever their number.
"""
import io
import logging
from dataclasses import asdict, dataclass, fields

from sqlalchemy import select

from app.cases import contributions as case_facts
from app.core import spreadsheet
from app.core.extensions import db
from app.fund import contributions as fund
from app.publicworks import contributions as public_works_facts
from app.reviews.contributions import Figures, contributions
from app.units.models import Unit

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Record(Figures):
    """One unit's year: the counts of `Figures` (the yearly review's, with their average rating), then the facts
    other domains add."""

    cases: int = 0  # published good cases naming the unit, dated in the year (app/cases)
    public_works: int = 0  # public works requests done in the year that the unit helped with
    donations_fen: int = 0  # to the fund (app/fund/contributions.py)

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


def record(year: int, unit_ids=None) -> dict[int, Record]:
    """{unit_id: Record} for the year: every unit with something in it, or exactly the given units (those with
    nothing get an empty Record)."""
    found: dict[int, dict] = {}
    for unit_id, figures in contributions(year, unit_ids).items():
        found.setdefault(unit_id, {}).update(asdict(figures))
    for unit_id, count in case_facts.cases(year, unit_ids).items():
        found.setdefault(unit_id, {})["cases"] = count
    for unit_id, count in public_works_facts.helped(year, unit_ids).items():
        found.setdefault(unit_id, {})["public_works"] = count
    for unit_id, fen in fund.donations(year, unit_ids).items():
        found.setdefault(unit_id, {})["donations_fen"] = fen
    return {unit_id: Record(**values) for unit_id, values in found.items()}


# What the pages and the export show, in this order (the ratings as their average).
SHOWN = ("matches", "average_rating", "meals", "offers", "venue_hours", "organised", "co_organised", "attended",
         "cases", "public_works")


def ranked(year: int, sort: str | None = None) -> list[dict]:
    """Every unit of the community that is active or gave something in the year, with its Record, ranked by one
    fact (`sort`, highest first) or, without one, by all of them in SHOWN's order; ties by name. One query for
    the units, then record()'s fixed number."""
    records = record(year)
    rows = []
    for unit_id, name, status in db.session.execute(
            select(Unit.id, Unit.name, Unit.status).order_by(Unit.name_sort, Unit.id)):
        if status == "active" or unit_id in records:
            rows.append({"unit_id": unit_id, "name": name, "status": status,
                         "record": records.get(unit_id, Record())})
    keys = [sort] if sort in SHOWN else list(SHOWN)
    rows.sort(key=lambda row: tuple(-(getattr(row["record"], key) or 0) for key in keys))  # stable: names stay
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank
    return rows


def unit_record(year: int, unit_id: int) -> Record:
    return record(year, [unit_id]).get(unit_id, Record())


def export_xlsx(year: int, sort: str | None, headings: list[str]) -> bytes:
    """The ranked table as a workbook; every text cell through app/core/spreadsheet (formula-like names stay text)."""
    from openpyxl import Workbook  # lazily: openpyxl is loaded only when a spreadsheet is read or written

    book = Workbook(write_only=True)
    sheet = book.create_sheet(str(year))
    spreadsheet.append(sheet, headings)
    for row in ranked(year, sort):
        facts = [getattr(row["record"], key) for key in SHOWN]
        spreadsheet.append(sheet, [row["rank"], row["name"], *[value if value is not None else "" for value in facts]])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
