"""The council's periodic work: lapsed terms end, and their holders' council role goes with them."""
import logging
from datetime import time

from flask_babel import lazy_gettext as _l

from app.council.services import close_lapsed_terms
from jobs.scheduler import periodic

logger = logging.getLogger(__name__)

periodic("council_terms", daily_at=time(0, 30),
         description=_l("End the council terms whose last day has passed"))(close_lapsed_terms)
