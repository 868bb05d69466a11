"""The staff's daily digest: community figures counted by home/, each domain's counts through @digest."""
from sqlalchemy import select

from app.core.extensions import db
from app.home.tasks import send_daily_digest
from app.notifications.models import InboxEntry, OutboxEvent
from app.sections import DIGESTS
from app.units import services as units
from tenants.context import tenant_context
from tests.factories import CommunityFactory, member


def test_the_digest_tells_the_staff_what_happened_and_what_waits(app, drain):
    community = CommunityFactory()
    admin = member(community, "admin", name="管理员")
    member(community, "resident", name="李奶奶")
    with tenant_context(community.id):
        units.create_unit({"name": "张记包子铺", "type": "shop"})
        db.session.commit()
        send_daily_digest()
        db.session.commit()
        event = db.session.execute(select(OutboxEvent).where(OutboxEvent.event == "digest.daily")).scalar_one()
    assert any(d.__module__ == "app.meals.views" for d in DIGESTS)  # the meal table lends its counts
    assert event.payload["new_units"] == 1 and event.payload["new_members"] == 2
    assert {"meals_today", "missed_meals", "meal_plans_requested", "failed_deliveries"} <= set(event.payload)
    drain()
    with tenant_context(community.id):
        told = db.session.execute(select(InboxEntry.user_id).where(InboxEntry.event_id == event.id)).scalars().all()
    assert told == [admin.id]  # the staff only, not the resident
