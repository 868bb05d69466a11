"""An announcement and the outbox event that carries it to every member."""
import logging
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.extensions import db
from tenants.clock import utcnow
from tenants.scoping import TenantScoped, tenant_fk

logger = logging.getLogger(__name__)


class Announcement(TenantScoped, db.Model):
    __tablename__ = "announcements"
    __tenant_table_args__ = (tenant_fk(["event_id"], "outbox_events", ondelete=None),)
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    sender_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    event_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
