"""What waits for people, contributed by each domain: the coordinator's today page, a need's page, the homes of
residents, units and the council (app/home) and the daily digest read this registry, so a new domain adds its
part without editing home/ (governance adds its ballots to the "council" page).

A domain declares a section in its own package (usually views.py):

    @section("meals", page="today", order=30, template="meals/_today.html", permission="matching.confirm")
    def _today():
        return {"meals": services.morning()}

    @digest
    def _meal_counts():
        return {"meals_today": ...}

`load` runs in the current community and returns the template's context (the template is rendered on
its own, so the context carries the labels it needs), or None when it has nothing to show; a home's section
also gives `data`, which turns that context into the API's items ({"title", "url", "count", "items"}: see
app/home/api.py); a digest function returns counts for the staff's daily digest (app/home/tasks.py).
"""
import logging
from collections.abc import Callable
from dataclasses import dataclass

from flask import render_template
from markupsafe import Markup

from app.permissions import can

logger = logging.getLogger(__name__)

# "need": the parts of a need's page, load(need); "unit_page": a unit's page in the registry, load(unit);
# "resident", "unit", "council": the homes of a resident (or the
# family member acting for them), of a unit's representative, of a council member or resident representative.
PAGES = ("today", "community", "need", "resident", "unit", "council", "unit_page")


@dataclass(frozen=True)
class Section:
    name: str
    page: str
    order: int
    template: str
    permission: str
    load: Callable[..., dict | None]
    data: Callable[[dict], dict] | None = None  # the section's items for the API, from its loaded context


SECTIONS: list[Section] = []
DIGESTS: list[Callable[[], dict]] = []


def section(name: str, *, page: str, order: int, template: str, permission: str,
            data: Callable[[dict], dict] | None = None):
    """Declare `load` as a section of a page (see the module's docstring); `data` turns its context into the
    JSON the API answers for it (a home's sections: GET /api/v1/c/<slug>/home)."""
    if page not in PAGES:
        raise ValueError(f"unknown page {page}")

    def register(load: Callable[..., dict | None]) -> Callable[..., dict | None]:
        if any(s.name == name and s.page == page for s in SECTIONS):
            raise ValueError(f"section {page}/{name} is declared twice")
        SECTIONS.append(Section(name, page, order, template, permission, load, data))
        SECTIONS.sort(key=lambda s: (s.page, s.order, s.name))
        return load

    return register


def visible(page: str, *args) -> list[tuple[Section, dict]]:
    """The page's sections the current member may see, each with its loaded context (`load(*args)`); a
    section whose load returns None has nothing to show."""
    found = []
    for s in SECTIONS:
        if s.page == page and can(s.permission, *args):
            context = s.load(*args)
            if context is not None:
                found.append((s, context))
    return found


def data(page: str, *args) -> list[dict]:
    """The page's visible sections that have a JSON face, as {"name": …, **data(context)}."""
    return [{"name": s.name, **s.data(context)} for s, context in visible(page, *args) if s.data is not None]


def digest(counts: Callable[[], dict]) -> Callable[[], dict]:
    """Declare a function whose counts (for the current community) go into the daily digest."""
    DIGESTS.append(counts)
    return counts


def digest_counts() -> dict:
    """Every domain's digest counts for the current community."""
    counts = {}
    for contribute in DIGESTS:
        counts |= contribute()
    return counts


def rendered(page: str, *args, **extra) -> list[Markup]:
    """The page's visible sections, each rendered with its own context (and `extra`), ready to place."""
    return [Markup(render_template(s.template, **context, **extra)) for s, context in visible(page, *args)]
