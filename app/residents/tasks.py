"""Residents' periodic work: prepared data exports expire."""
import logging
from datetime import time

from flask_babel import lazy_gettext as _l

from app.residents.exports import purge_expired
from jobs.scheduler import periodic

logger = logging.getLogger(__name__)

periodic("exports_purge", daily_at=time(3, 0),
         description=_l("Delete expired data exports and those whose preparation never happened"))(purge_expired)
