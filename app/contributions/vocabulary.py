"""The words of the contribution record's pages and export."""
from flask_babel import lazy_gettext as _l

FACT_LABELS = {
    "matches": _l("Matches served"), "average_rating": _l("Average rating"), "meals": _l("Meals served"),
    "offers": _l("Offers published"), "venue_hours": _l("Venue hours lent"), "organised": _l("Activities organised"),
    "co_organised": _l("Activities co-organised"), "attended": _l("People at activities"),
    "cases": _l("Good cases"), "public_works": _l("Public works helped"),
}
