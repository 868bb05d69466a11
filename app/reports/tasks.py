"""The report's periodic work: this year's deadline reminders to the staff, 30, 7 and 1 day before."""
import logging
from datetime import time

from flask_babel import lazy_gettext as _l

from app.reports import services
from jobs.scheduler import periodic

logger = logging.getLogger(__name__)


@periodic("report_reminders", daily_at=time(8, 0),
          description=_l("Remind the staff of the yearly report's deadline 30, 7 and 1 day before"))
def remind_report_due() -> int:
    return services.remind_due()
