"""The notification pipeline in-process (no Redis): announcements reach every member's inbox once."""
from sqlalchemy import func, select

from app.core.extensions import db
from app.notifications.models import InboxEntry, OutboxEvent
from tenants.context import tenant_context
from tests.factories import CommunityFactory, member, token_for


def test_announcement_reaches_every_member_inbox_exactly_once(app, client, drain):
    community = CommunityFactory(slug="ann")
    admin = member(community, "admin")
    residents = [member(community, "resident") for _ in range(7)]
    drain()
    headers = token_for(client, admin)
    response = client.post("/api/v1/c/ann/announcements", json={"title": "停水通知", "body": "明天上午停水"},
                           headers=headers)
    assert response.status_code == 201, response.get_json()
    drain()
    with tenant_context(community.id):
        event = db.session.execute(select(OutboxEvent).where(OutboxEvent.event == "announcement")).scalar_one()
        assert event.status == "done" and event.recipients == 8
        count = db.session.execute(select(func.count()).select_from(InboxEntry)
                                   .where(InboxEntry.event_id == event.id)).scalar_one()
        assert count == 8
    # the resident sees it in their inbox
    headers_r = token_for(client, residents[0])
    inbox = client.get("/api/v1/me/notifications", headers=headers_r).get_json()["items"]
    titles = [i["title"] for i in inbox]
    assert sum("停水通知" in t for t in titles) == 1, titles
    assert client.get("/api/v1/me/notifications/unread-count", headers=headers_r).get_json()["unread"] >= 1
