"""Outbox events, inbox entries, deliveries, preferences, announcements."""
import logging
from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.extensions import db
from tenants.clock import utcnow
from tenants.scoping import TenantOrPlatformScoped, tenant_fk

logger = logging.getLogger(__name__)


class OutboxEvent(TenantOrPlatformScoped, db.Model):
    """Something happened that people must hear about; written in the transaction of the change."""

    __tablename__ = "outbox_events"
    __tenant_table_args__ = (Index("ix_outbox_events_pending", "status", "created_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    event: Mapped[str] = mapped_column(String(60))
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    # Who hears it: {"user_ids": [...]} or {"roles": [...]} or {"all_members": true}, or a named audience that a
    # domain resolves at fan-out: {"named": "ballot_electorate", "params": {...}, "user_ids": [a few more]}.
    audience: Mapped[dict] = mapped_column(JSON, default=dict)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending, done, failed
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class InboxEntry(TenantOrPlatformScoped, db.Model):
    """A notification in a user's in-app inbox; one per event and user, guaranteed by the key."""

    __tablename__ = "inbox_entries"
    __tenant_table_args__ = (
        tenant_fk(["event_id"], "outbox_events"),
        UniqueConstraint("event_id", "user_id"),
        Index("ix_inbox_entries_user", "user_id", "community_id", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    category: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Delivery(TenantOrPlatformScoped, db.Model):
    """One message to one person over one outside channel (e-mail, SMS), with its retries."""

    __tablename__ = "deliveries"
    __tenant_table_args__ = (
        tenant_fk(["event_id"], "outbox_events"),
        UniqueConstraint("event_id", "user_id", "channel"),
        Index("ix_deliveries_due", "status", "send_after"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(Integer, index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(20))
    # pending → sending → sent; a transient failure goes back to pending with a later send_after;
    # after the last attempt, or at once for a permanent failure: failed (retry or discard by hand).
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    send_after: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_error: Mapped[str | None] = mapped_column(String(500))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Who holds the `sending` claim: an RQ worker's name, or `process:host:pid` outside a worker. A worker
    # that is no longer alive loses its claims at once; the age lease (claimed_at) remains the last resort.
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @property
    def message_id(self) -> str:
        """Stable per delivery: a re-send after a crash carries the same Message-ID."""
        return self.message_id_of(self.community_id, self.event_id, self.user_id, self.channel)

    @staticmethod
    def message_id_of(community_id: int | None, event_id: int, user_id: int, channel: str) -> str:
        return f"<huzhu-{community_id or 0}-{event_id}-{user_id}-{channel}@huzhu>"


class NotificationPreference(db.Model):
    """A user's choice for one category on one channel (absent: the default)."""

    __tablename__ = "notification_preferences"
    __table_args__ = (UniqueConstraint("user_id", "category", "channel"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    category: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(20))
    enabled: Mapped[bool] = mapped_column(Boolean)


class OpsCounter(db.Model):
    """Platform-wide counters without personal data (the readiness check reads them; RLS hides rows)."""

    __tablename__ = "ops_counters"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)
