"""The activities' periodic work: scheduled activities that ended are held; offers of a freed place that were not
taken in time lapse and pass on; registrants are reminded the day before; cultural activity points behind their
year's target are reminded in the autumn."""
import logging
from datetime import timedelta

from flask_babel import lazy_gettext as _l

from app.activities import services
from jobs.scheduler import periodic

logger = logging.getLogger(__name__)


@periodic("activities", every=timedelta(minutes=10),
          description=_l("Hold ended activities, pass on places not taken, remind registrants the day before"))
def run_due() -> dict:
    return {"held": services.held_due(), "lapsed": services.lapse_due(), "reminded": services.remind_due()}


@periodic("cultural_points", every=timedelta(days=1),
          description=_l("Remind cultural activity points behind their year's target, from September"))
def remind_points() -> int:
    return services.remind_points_behind()
