"""The events people hear about, declared as data: adding an event is one line here plus its templates.

Each event renders `templates/emails/<name>.subject.txt`, `.txt` and `.html` in the recipient's
language for e-mail, and `templates/notifications/messages/<name>.txt` for the in-app inbox, which shows
the subject and that short text (no footer, relative links only).
"""
import logging
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

logger = logging.getLogger(__name__)

CHANNELS = ("email", "sms")  # the inbox is always on and is not a choice

CATEGORIES = {
    "announcements": _l("Announcements from the community"),
    "membership": _l("My membership and roles"),
    "units": _l("Member units"),
    "account": _l("My account"),
    "work": _l("Today's work (staff)"),
    "matching": _l("Services for me or my unit"),
    "governance": _l("The association: applications, ballots and reviews"),
    "activities": _l("Activities I signed up for or organise"),
}


@dataclass(frozen=True)
class EventType:
    name: str
    category: str
    urgent: bool = False  # urgent messages ignore quiet hours
    channels: tuple[str, ...] = CHANNELS
    # Default per channel when the user has said nothing: SMS costs money, so only where it matters.
    default_on: tuple[str, ...] = ("email",)

    @property
    def template(self) -> str:
        return self.name.replace(".", "_")


EVENTS: dict[str, EventType] = {}


def declare(name: str, category: str, **options) -> EventType:
    assert category in CATEGORIES, category
    EVENTS[name] = EventType(name, category, **options)
    return EVENTS[name]


declare("announcement", "announcements")
declare("membership.granted", "membership")
declare("membership.roles_changed", "membership")
declare("unit.status_changed", "units")
declare("account.password_reset", "account", urgent=True, default_on=("email", "sms"))
declare("digest.daily", "work")
declare("resident.deletion_requested", "work")
declare("resident.export_ready", "account")
declare("need.submitted", "work")
declare("need.escalated", "work", urgent=True)
declare("match.proposed", "matching")
declare("match.confirmed", "matching")
declare("match.declined", "work")
declare("meal.plan_requested", "work")
declare("meal.plan_confirmed", "matching")
declare("meal.plan_declined", "matching")
declare("meal.manifest", "matching")
declare("meal.missed", "work", urgent=True)
declare("referral.arrived", "work")
declare("referral.taken", "work")
declare("referral.served", "work")
declare("public_works.done", "work")
declare("public_works.need_update", "matching")
declare("application.received", "governance")
declare("application.info_requested", "governance", default_on=("email", "sms"))
declare("application.decided", "governance", default_on=("email", "sms"))
declare("ballot.opened", "governance")
declare("ballot.closing", "governance")
declare("ballot.result", "governance")
declare("review.warned", "governance")
declare("review.dropped", "governance")
declare("commendation.opened", "governance")
declare("commendation.nominated", "governance")
declare("commendation.results", "governance")
declare("booking.requested", "matching")
declare("booking.decided", "matching")
declare("activity.proposed", "work")
declare("activity.decided", "activities")
declare("activity.cancelled", "activities", default_on=("email", "sms"))
declare("activity.reminder", "activities")
declare("registration.confirmed", "activities")
declare("registration.offered", "activities", default_on=("email", "sms"))
declare("cultural_point.behind", "work")
declare("case.published", "units")
declare("report.due", "work")
declare("report.submitted", "governance")
declare("fund.expense_waiting", "work")
declare("fund.expense_decided", "work")
declare("fund.receipt_ready", "units")

declare("booking.reminder", "matching")
