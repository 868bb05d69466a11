"""Matching's periodic work: needs left unmatched past their deadline."""
import logging
from datetime import timedelta

from flask_babel import lazy_gettext as _l

from app.matching.services import escalate_overdue
from jobs.scheduler import periodic

logger = logging.getLogger(__name__)

periodic("escalation_sweep", every=timedelta(minutes=15),
         description=_l("Flag needs unmatched past their urgency's deadline; offer them to the street"),
         )(escalate_overdue)
