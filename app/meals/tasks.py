"""The meal table's periodic work: the coming week's orders at night, manifests when orders close."""
import logging
from datetime import time, timedelta

from flask_babel import lazy_gettext as _l

from app.meals.services import daily_orders, send_manifests
from jobs.scheduler import periodic

logger = logging.getLogger(__name__)

periodic("meal_orders", daily_at=time(1, 0),
         description=_l("Make the coming week's meal orders from the meal plans"))(daily_orders)
periodic("meal_manifests", every=timedelta(minutes=15),
         description=_l("Send each canteen tomorrow's manifest once its orders close"))(send_manifests)
