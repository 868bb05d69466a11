"""Words for the operator's health page: queues and the results of scheduled runs in the reader's language."""
from flask_babel import lazy_gettext as _l

QUEUE_LABELS = {"notifications": _l("Notifications"), "default": _l("Everyday work"), "reports": _l("Reports")}
RUN_STATUS_LABELS = {"running": _l("Running"), "done": _l("Done"), "failed": _l("Failed")}


def labels() -> dict:
    return {"QUEUE_LABELS": QUEUE_LABELS, "RUN_STATUS_LABELS": RUN_STATUS_LABELS}
