"""The venues' periodic work: the evening before, each lending unit's representatives hear of tomorrow's
confirmed dates of their venues, once."""
import logging
from datetime import time

from flask_babel import lazy_gettext as _l

from app.venues.services import send_reminders
from jobs.scheduler import periodic

logger = logging.getLogger(__name__)

periodic("venue_reminders", daily_at=time(17, 0),
         description=_l("Remind the venues' owners of tomorrow's confirmed bookings"))(send_reminders)
