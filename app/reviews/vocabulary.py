"""Words of the yearly review in the user's language."""
from flask_babel import lazy_gettext as _l

DECISION_LABELS = {"keep": _l("Keep"), "warn": _l("Warn"), "drop": _l("Drop (withdraw the unit)")}
DECISION_DONE = {"keep": _l("Kept"), "warn": _l("Warned"), "drop": _l("Dropped")}
REVIEW_STATUS_LABELS = {"open": _l("Under review"), "closed": _l("Review closed")}


def labels() -> dict:
    return {"DECISION_LABELS": DECISION_LABELS, "DECISION_DONE": DECISION_DONE,
            "REVIEW_STATUS_LABELS": REVIEW_STATUS_LABELS}
