"""The staff's daily digest: what happened in the community since yesterday morning, and what waits today.

The community-wide figures are counted here; each domain adds its own through `app.sections.digest`.
"""
import logging
from datetime import time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.core.extensions import db
from app.notifications import services as notifications
from app.notifications.models import Delivery
from app.sections import digest_counts
from app.units.models import Unit
from jobs.scheduler import periodic
from tenants.clock import utcnow
from tenants.models import Membership

logger = logging.getLogger(__name__)


@periodic("coordinator_digest", daily_at=time(7, 30), description=_l("The coordinator's daily digest: today's work"))
def send_daily_digest() -> None:
    """Scheduled per community (tenant context set by the scheduler)."""
    since = utcnow() - timedelta(days=1)
    counts = {
        "new_units": db.session.execute(select(func.count(Unit.id)).where(Unit.created_at >= since)).scalar_one(),
        "new_members": db.session.execute(
            select(func.count(Membership.id)).where(Membership.created_at >= since)).scalar_one(),
        "failed_deliveries": db.session.execute(
            select(func.count(Delivery.id)).where(Delivery.status == "failed")).scalar_one(),
    } | digest_counts()
    notifications.emit("digest.daily", audience=notifications.to_roles("admin", "coordinator"),
                       payload={**counts, "link": "/"})
