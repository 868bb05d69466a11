"""The commendation's words, in the reader's language."""
from flask_babel import lazy_gettext as _l

STATUS_LABELS = {"draft": _l("Draft"), "open": _l("Open, evidence not yet scored"),
                 "scored": _l("Scored, nominations open"), "voting": _l("Ballot open"),
                 "closed": _l("Ballot closed, results to announce"), "announced": _l("Announced")}
HISTORY_LABELS = {"draft": _l("Campaign created"), "open": _l("Opened"), "scored": _l("Scored"),
                  "voting": _l("Ballot opened"), "closed": _l("Ballot closed"), "announced": _l("Announced")}
# The award categories the council usually names; it may name others.
CATEGORY_SUGGESTIONS = (_l("Outstanding member unit"), _l("Public-spirited unit"), _l("Outstanding volunteer service"))
# The facts of a unit's year (app/contributions Record) a weight may apply to, with their words and unit.
FACT_LABELS = {
    "matches": _l("Services delivered"),
    "average_rating": _l("Average rating"),
    "meals": _l("Meals served"),
    "offers": _l("Offers published"),
    "venue_hours": _l("Venue hours lent"),
    "organised": _l("Activities organised"),
    "co_organised": _l("Activities co-organised"),
    "attended": _l("People at activities"),
    "cases": _l("Good cases"),
    "public_works": _l("Public works helped"),
    "donations_fen": _l("Donations (fen)"),
}


def fact_label(key: str):
    return FACT_LABELS.get(key, key)
