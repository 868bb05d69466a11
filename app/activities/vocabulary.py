"""The activities' words, in the reader's language."""
from flask_babel import lazy_gettext as _l

KIND_LABELS = {"training": _l("Training / lecture"), "salon": _l("Members' salon"),
               "culture_sports": _l("Culture and sports"), "service_day": _l("Volunteer service day"),
               "other": _l("Other")}
STATUS_LABELS = {"proposed": _l("Waiting for approval"), "approved": _l("Approved, place to be set"),
                 "scheduled": _l("Scheduled"), "held": _l("Held"), "recorded": _l("Recorded"), "closed": _l("Closed"),
                 "cancelled": _l("Cancelled"), "rejected": _l("Not approved")}
WAITING_FOR_VENUE = _l("Approved, waiting for the venue's confirmation")


def status_label(activity):
    """An activity's status in words; an approved one whose venue booking waits for the owner says so."""
    if activity.status == "approved" and activity.booking_id is not None:
        return WAITING_FOR_VENUE
    return STATUS_LABELS.get(activity.status, activity.status)


# The history's first line is the proposal itself.
HISTORY_LABELS = {**STATUS_LABELS, "proposed": _l("Proposed")}
AUDIENCE_LABELS = {"residents": _l("Residents"), "units": _l("Units"), "both": _l("Residents and units")}
