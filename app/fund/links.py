"""What an expense may name: an activity (this package knows it), an award (app/commendations registers it), …

A higher domain registers its kind where it is imported, without this package importing it:

    links.kind("award", label=_l("Award"), lookup=lambda award_id: links.Linked(title, url) or None)

`lookup(id)` runs in the current community and answers None when no such object is there (the proposal is then
refused with a field message); `Linked.url` is a page path inside the community, or "".
"""
import logging
from collections.abc import Callable
from dataclasses import dataclass

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Linked:
    title: str
    url: str = ""


@dataclass(frozen=True)
class Kind:
    name: str
    label: object  # a lazy string
    lookup: Callable[[int], Linked | None]


KINDS: dict[str, Kind] = {}


def kind(name: str, *, label, lookup: Callable[[int], Linked | None] | None = None):
    """Register a kind of object an expense may name; with `lookup` at once, else as a decorator of it."""
    def register(fn: Callable[[int], Linked | None]):
        KINDS[name] = Kind(name, label, fn)
        return fn

    if lookup is not None:
        register(lookup)
        return lambda fn: fn
    return register


def resolve(link_type: str | None, link_id: int | None) -> Linked | None:
    if not link_type or link_id is None or link_type not in KINDS:
        return None
    return KINDS[link_type].lookup(int(link_id))
