"""The year's figures of a community, contributed by each domain: the yearly report, the dashboards and the street
office's comparison read this registry, so a domain adds its figures without editing the report (as app/sections.py
does for the pages' parts).

A domain declares its part in its own package (usually views.py, which the factory always imports):

    @yearbook.part("meals", order=40, title=_l("Meals"))
    def _meals(year: int) -> yearbook.Part | None:
        return yearbook.Part(figures=[Figure("meals_served", _("Meals served"), 5120, _("meals"), street=True)],
                             tables=[Table("by_slot", _("Meals by meal and way"), [...header], [...rows])],
                             charts=[Chart(_("Meals served by month"), months, [Series(_("Meals"), values)])])

`load(year)` runs in the current community and reads the source records (never counters); it returns None when the
domain has nothing for the year. `parts(year)` answers them all, in order, each with its name and title filled in.
A part becomes JSON (`as_dict`) when a report is frozen, and comes back (`Part.from_dict`) unchanged, so a
submitted version shows what was submitted even after the code or the data changed.

`Figure.street`: the figure belongs in the street's comparison of its communities (aggregates only; never a
resident's data). `Figure.sensitive`: a count of a sensitive category (disability, allowance): the street view
suppresses it below its threshold, so a small number can't point at a person.
"""
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from app.core.charts import Chart

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    value: int | float | str | None
    unit: str = ""
    street: bool = False
    sensitive: bool = False

    def as_dict(self) -> dict:
        return {"key": self.key, "label": str(self.label), "value": self.value, "unit": str(self.unit),
                "street": self.street, "sensitive": self.sensitive}


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    header: list[str]
    rows: list[list]

    def as_dict(self) -> dict:
        return {"key": self.key, "title": str(self.title), "header": [str(h) for h in self.header],
                "rows": [[c if isinstance(c, int | float) or c is None else str(c) for c in row] for row in self.rows]}


@dataclass(frozen=True)
class Part:
    figures: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    name: str = ""
    title: str = ""

    def figure(self, key: str) -> Figure | None:
        return next((f for f in self.figures if f.key == key), None)

    def as_dict(self) -> dict:
        return {"name": self.name, "title": str(self.title), "figures": [f.as_dict() for f in self.figures],
                "tables": [t.as_dict() for t in self.tables], "charts": [c.as_dict() for c in self.charts]}

    @classmethod
    def from_dict(cls, data: dict) -> "Part":
        return cls(name=data["name"], title=data.get("title", ""),
                   figures=[Figure(**f) for f in data.get("figures", ())],
                   tables=[Table(**t) for t in data.get("tables", ())],
                   charts=[Chart.from_dict(c) for c in data.get("charts", ())])


@dataclass(frozen=True)
class Declared:
    name: str
    order: int
    title: object  # a lazy string: translated when the part is loaded
    load: Callable[[int], Part | None]


PARTS: list[Declared] = []


def part(name: str, *, order: int, title):
    """Declare `load(year) -> Part | None` as the domain's part of the year (see the module's docstring)."""

    def register(load: Callable[[int], Part | None]) -> Callable[[int], Part | None]:
        if any(d.name == name for d in PARTS):
            raise ValueError(f"yearbook part {name} is declared twice")
        PARTS.append(Declared(name, order, title, load))
        PARTS.sort(key=lambda d: (d.order, d.name))
        return load

    return register


def parts(year: int, names: set[str] | None = None) -> list[Part]:
    """Every declared part with something for the year in the current community (or only those `names`)."""
    found = []
    for declared in PARTS:
        if names is not None and declared.name not in names:
            continue
        loaded = declared.load(year)
        if loaded is not None:
            found.append(replace(loaded, name=declared.name, title=str(declared.title)))
    return found


def street_figures(found: list[Part]) -> list[Figure]:
    """The figures meant for the street's comparison, in the parts' order."""
    return [f for p in found for f in p.figures if f.street]
