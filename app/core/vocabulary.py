"""Words for the docking pages: statuses, urgencies, terms, eligibility and weekdays in the reader's language."""
from flask_babel import lazy_gettext as _l

from app.core.kinds import CAPACITY_UNIT_LABELS, KIND_LABELS, SLOT_LABELS

NEED_STATUS_LABELS = {
    "submitted": _l("Submitted"), "triaged": _l("Triaged"), "matched": _l("Proposed to a unit"),
    "in_service": _l("In service"), "done": _l("Done"), "cancelled": _l("Cancelled"), "unmet": _l("Unmet"),
}
URGENCY_LABELS = {"low": _l("Low"), "normal": _l("Normal"), "high": _l("High"), "urgent": _l("Urgent")}
MATCH_STATUS_LABELS = {
    "proposed": _l("Waiting for the unit"), "accepted": _l("Accepted by the unit"), "confirmed": _l("Confirmed"),
    "delivered": _l("Delivered"), "rated": _l("Rated"), "declined": _l("Declined"), "cancelled": _l("Cancelled"),
}
# The buttons that move a need by hand (see app.needs.services.MOVES).
MOVE_LABELS = {"triaged": _l("Mark as triaged"), "cancelled": _l("Cancel the need"), "unmet": _l("Mark as unmet")}
TERMS_LABELS = {"free": _l("Free"), "discounted": _l("Discounted"), "priced": _l("Priced")}
ELIGIBILITY_LABELS = {"anyone": _l("Anyone"), "elderly": _l("Elderly (60 and over)"), "disabled": _l("Disabled"),
                      "low_income": _l("Low income"), "living_alone": _l("Living alone")}
WEEKDAY_LABELS = {"mon": _l("Monday"), "tue": _l("Tuesday"), "wed": _l("Wednesday"), "thu": _l("Thursday"),
                  "fri": _l("Friday"), "sat": _l("Saturday"), "sun": _l("Sunday")}
OFFER_STATUS_LABELS = {"active": _l("Active"), "paused": _l("Paused"), "ended": _l("Ended")}
REFERRAL_STATUS_LABELS = {
    "open": _l("Waiting for a neighbour"), "taken": _l("Taken by a neighbour"),
    "confirmed": _l("Confirmed by the neighbour"), "served": _l("Served by the neighbour"),
    "withdrawn": _l("Withdrawn"), "expired": _l("Expired"),
}


def labels() -> dict:
    """Everything the docking templates look words up in."""
    return {"KIND_LABELS": KIND_LABELS, "SLOT_LABELS": SLOT_LABELS, "CAPACITY_UNIT_LABELS": CAPACITY_UNIT_LABELS,
            "NEED_STATUS_LABELS": NEED_STATUS_LABELS, "URGENCY_LABELS": URGENCY_LABELS,
            "MATCH_STATUS_LABELS": MATCH_STATUS_LABELS, "MOVE_LABELS": MOVE_LABELS, "TERMS_LABELS": TERMS_LABELS,
            "ELIGIBILITY_LABELS": ELIGIBILITY_LABELS, "WEEKDAY_LABELS": WEEKDAY_LABELS,
            "OFFER_STATUS_LABELS": OFFER_STATUS_LABELS, "REFERRAL_STATUS_LABELS": REFERRAL_STATUS_LABELS}

