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

**The street's figures.** The street office's comparison needs only the `street=True` figures of every community,
so a part may declare beside its full loader a cheap one of those alone: `street=load_street(year)` answers a
`StreetQuery` (a one-row aggregate SELECT and the function that makes the figures of its row) or a list of figures.
`street_figures_of(year)` sends every part's `StreetQuery` as one statement (their rows side by side), so the street
pays one statement per community for them; a part without a street loader gives its full part's figures, filtered.
A street loader answers the same figures, in the same order, with the same keys, labels, values, units and flags as
the full part's `street=True` ones, and none when the full part is None: both reckon each figure from the same
predicates and the same figure-making function (no second definition of "needs met"), and
tests/test_yearbook_parts.py holds them equal. `street=no_street_figures` says a part has none.

`Figure.street`: the figure belongs in the street's comparison of its communities (aggregates only; never a
resident's data). `Figure.sensitive`: a count of a sensitive category (disability, allowance): the street view
suppresses it below its threshold, so a small number can't point at a person.
"""
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from sqlalchemy import select, true

from app.core.charts import Chart
from app.core.extensions import db

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
class StreetQuery:
    """A part's street figures from one aggregate SELECT answering a single row (`select`), made by `figures(row)`."""

    select: object  # a sqlalchemy Select of one row (aggregates without GROUP BY, or scalar subqueries)
    figures: Callable[[tuple], list[Figure]]


@dataclass(frozen=True)
class Declared:
    name: str
    order: int
    title: object  # a lazy string: translated when the part is loaded
    load: Callable[[int], Part | None]
    street: Callable[[int], "StreetQuery | list[Figure]"] | None = None  # None: the full part's, filtered


PARTS: list[Declared] = []


def part(name: str, *, order: int, title, street: Callable[[int], StreetQuery | list[Figure]] | None = None):
    """Declare `load(year) -> Part | None` as the domain's part of the year, and `street(year) -> StreetQuery |
    [Figure]` as the cheap loader of its street figures alone (see the module's docstring)."""

    def register(load: Callable[[int], Part | None]) -> Callable[[int], Part | None]:
        if any(d.name == name for d in PARTS):
            raise ValueError(f"yearbook part {name} is declared twice")
        PARTS.append(Declared(name, order, title, load, street))
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


def no_street_figures(year: int) -> list[Figure]:
    """The street loader of a part that has no street figures: nothing read."""
    return []


@dataclass
class StreetPlan:
    """The street figures of a year, planned once and read in each community: the parts' street queries joined side
    by side in one statement (built once: the tenant's scoping is added when it runs), and the parts without a
    street loader, whose full part is loaded in each community."""

    year: int
    steps: list  # a StreetQuery; or a Declared part whose street loader answers figures, or that has none
    statement: object | None
    widths: list[int]

    def figures(self) -> list[Figure]:
        """The current community's street figures, in the parts' order."""
        row = db.session.execute(self.statement).one() if self.statement is not None else ()
        found, at, widths = [], 0, iter(self.widths)
        for step in self.steps:
            if isinstance(step, StreetQuery):
                width = next(widths)
                found += step.figures(tuple(row[at:at + width]))
                at += width
            elif step.street is not None:  # a loader that answers its figures itself: asked in each community
                found += step.street(self.year)
            else:
                loaded = step.load(self.year)
                found += [f for f in loaded.figures if f.street] if loaded is not None else []
        return found


def street_plan(year: int, names: set[str] | None = None) -> StreetPlan:
    """The plan of the current community's street figures (see StreetPlan); its queries hold the year's bounds in the
    community's time zone, so a plan serves the communities of that zone."""
    steps = []
    for declared in PARTS:
        if names is None or declared.name in names:
            if declared.street is no_street_figures:
                continue
            query = declared.street(year) if declared.street is not None else None
            steps.append(query if isinstance(query, StreetQuery) else declared)
    subqueries = [s.select.subquery() for s in steps if isinstance(s, StreetQuery)]
    statement = None
    if subqueries:
        statement = select(*[c for sub in subqueries for c in sub.c]).select_from(subqueries[0])
        for sub in subqueries[1:]:
            statement = statement.join(sub, true())
    return StreetPlan(year, steps, statement, [len(sub.c) for sub in subqueries])


def street_figures_of(year: int, names: set[str] | None = None) -> list[Figure]:
    """The current community's street figures of the year (or of the parts `names`), in the parts' order: what
    `street_figures(parts(year))` gives, from the parts' street loaders — their queries in one statement."""
    return street_plan(year, names).figures()
