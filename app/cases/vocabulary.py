"""The words of the good cases' pages."""
from flask_babel import lazy_gettext as _l

STATUS_LABELS = {"draft": _l("Draft"), "published": _l("Published"), "withdrawn": _l("Withdrawn")}
HISTORY_LABELS = {**STATUS_LABELS}
LINK_LABELS = {"match": _l("A match of help"), "activity": _l("A joint activity"),
               "public_works": _l("A public works request")}


def labels() -> dict:
    return {"CASE_STATUS_LABELS": STATUS_LABELS, "CASE_LINK_LABELS": LINK_LABELS}
