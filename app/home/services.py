"""Which home each member lands on: the most capable of the homes their roles open, the others still offered.

A home is a page of sections (app.sections): the staff keep the community's overview (and its today page),
a unit's representative has the unit's desk, a council member or resident representative what waits for
them, a resident (or the family member acting for them) what they can ask for and what they asked for.
"""
import logging
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from app.permissions import can

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Home:
    kind: str
    endpoint: str
    label: object  # the menu's word for it (lazy: read in the reader's language)


# Most capable first: a member with several roles lands on the first their roles open.
HOMES = (
    Home("staff", "community.home", _l("Home")),
    Home("unit", "community.unit_home", _l("Unit desk")),
    Home("council", "community.council_home", _l("Waiting for me")),
    Home("resident", "community.resident_home", _l("For residents")),
)
BY_KIND = {home.kind: home for home in HOMES}


def homes_of(membership=None) -> list[Home]:
    """The homes the member's roles open, most capable first (none for someone who is not a member)."""
    return [home for home in HOMES if can(f"home.{home.kind}", membership=membership)]
