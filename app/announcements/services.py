"""Sending announcements and seeing who has read them."""
import logging

from sqlalchemy import func, select

from app.accounts.models import User
from app.announcements.models import Announcement
from app.core.extensions import db
from app.core.pagination import keyset_page
from app.notifications import services as notifications
from app.notifications.models import InboxEntry

logger = logging.getLogger(__name__)

TITLE_MAX, BODY_MAX = 200, 5000


def send(*, title: str, body: str, sender_id: int) -> Announcement:
    """Record the announcement and its outbox event in the caller's transaction; `title` and `body` are what
    AnnouncementIn loaded (stripped, not blank, within TITLE_MAX and BODY_MAX)."""
    announcement = Announcement(title=title, body=body, sender_id=sender_id)
    db.session.add(announcement)
    db.session.flush()
    event = notifications.emit("announcement", audience=notifications.ALL_MEMBERS, actor_id=sender_id,
                               payload={"title": title, "body": body, "announcement_id": announcement.id,
                                        "link": f"/announcements/{announcement.id}"})
    announcement.event_id = event.id
    db.session.flush()
    return announcement


def get(announcement_id: int) -> Announcement | None:
    return db.session.execute(select(Announcement).where(Announcement.id == announcement_id)).scalar_one_or_none()


def list_announcements(*, cursor: str | None = None, limit: int = 50):
    items, next_cursor = keyset_page(select(Announcement), (Announcement.id,), cursor=cursor, limit=limit,
                                     descending=True)
    return items, next_cursor


def read_stats(announcement: Announcement) -> dict:
    """How many members got it and how many have read it."""
    if announcement.event_id is None:
        return {"recipients": 0, "read": 0}
    total, read = db.session.execute(
        select(func.count(), func.count(InboxEntry.read_at)).where(InboxEntry.event_id == announcement.event_id)
    ).one()
    return {"recipients": total, "read": read}


def readers(announcement: Announcement, *, limit: int = 500) -> list[tuple[str, object]]:
    """(name, read_at or None) of the recipients, unread first."""
    rows = db.session.execute(
        select(User.name, InboxEntry.read_at).join(User, User.id == InboxEntry.user_id)
        .where(InboxEntry.event_id == announcement.event_id)
        .order_by(InboxEntry.read_at.is_not(None), User.name).limit(limit)).all()
    return [(name, read_at) for name, read_at in rows]
