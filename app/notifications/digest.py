"""The coordinator's daily digest: what happened in the community since yesterday morning."""
import logging
from datetime import timedelta

from sqlalchemy import func, select

from app.core.extensions import db
from app.notifications import services as notifications
from app.notifications.models import Delivery
from app.units.models import Unit
from tenants.clock import utcnow
from tenants.models import Membership

logger = logging.getLogger(__name__)


def send_daily_digest() -> None:
    """Scheduled per community (tenant context set by the scheduler)."""
    since = utcnow() - timedelta(days=1)
    counts = {
        "new_units": db.session.execute(select(func.count(Unit.id)).where(Unit.created_at >= since)).scalar_one(),
        "new_members": db.session.execute(
            select(func.count(Membership.id)).where(Membership.created_at >= since)).scalar_one(),
        "failed_deliveries": db.session.execute(
            select(func.count(Delivery.id)).where(Delivery.status == "failed")).scalar_one(),
    }
    from app.meals.services import morning

    meals = morning()
    counts |= {"meals_today": sum(total for _offer, total, _marked in meals["manifests"]),
               "missed_meals": len(meals["missed"]), "meal_plans_requested": meals["requested"]}
    notifications.emit("digest.daily", audience=notifications.to_roles("admin", "coordinator"),
                       payload={**counts, "link": "/"})
