"""Referrals' periodic work: expire referrals past their time, repeat follow-ups a lost job missed."""
import logging
from datetime import timedelta

from flask_babel import lazy_gettext as _l

from app.referrals.services import sweep
from jobs.scheduler import periodic

logger = logging.getLogger(__name__)

periodic("street_referrals", every=timedelta(minutes=15),
         description=_l("Expire referrals past their time; repeat follow-ups between communities a lost job missed"),
         )(sweep)
