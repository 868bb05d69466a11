"""The ballots' periodic work: open due drafts, remind who has not voted a day before closing, close due
ballots and compute their result once."""
import logging
from datetime import timedelta

from flask_babel import lazy_gettext as _l

from app.ballots.services import run_due
from jobs.scheduler import periodic

logger = logging.getLogger(__name__)

periodic("ballots", every=timedelta(minutes=5),
         description=_l("Open and close ballots on time, and remind who has not voted"))(run_due)
