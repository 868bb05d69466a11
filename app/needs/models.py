"""A need: who needs what, when and where, and how urgently."""
import logging
from datetime import datetime

from sqlalchemy import DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.extensions import db
from tenants.clock import utcnow
from tenants.scoping import TenantScoped, tenant_fk

logger = logging.getLogger(__name__)

URGENCIES = ("low", "normal", "high", "urgent")
NEED_STATUSES = ("submitted", "triaged", "matched", "in_service", "done", "cancelled", "unmet")
OPEN_STATUSES = ("submitted", "triaged")


class Need(TenantScoped, db.Model):
    __tablename__ = "needs"
    __tenant_table_args__ = (
        tenant_fk(["resident_id"], "residents", ondelete=None),
        tenant_fk(["unit_id"], "units", ondelete=None),
        Index("ix_needs_open", "community_id", "kind", "status", "window_start"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    details: Mapped[str] = mapped_column(Text, default="")
    resident_id: Mapped[int | None] = mapped_column(Integer, index=True)  # the beneficiary
    unit_id: Mapped[int | None] = mapped_column(Integer, index=True)  # a unit asking (unit↔unit docking)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    window_end: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    slot: Mapped[str | None] = mapped_column(String(20))  # meal slot
    quantity: Mapped[int] = mapped_column(Integer, default=1)  # meals, people, positions
    urgency: Mapped[str] = mapped_column(String(10), default="normal")
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(20), default="submitted")
    escalated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Set on a need taken over from a neighbouring community: its beneficiary lives there (no resident here).
    referral_id: Mapped[int | None] = mapped_column(
        ForeignKey("street_referrals.id", ondelete="SET NULL", use_alter=True), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
