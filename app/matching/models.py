"""A match of a need with an offer: proposed, accepted by the unit, confirmed, delivered, rated."""
import logging
from datetime import datetime

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.extensions import db
from tenants.clock import utcnow
from tenants.scoping import TenantScoped, tenant_fk

logger = logging.getLogger(__name__)

MATCH_STATUSES = ("proposed", "accepted", "confirmed", "delivered", "rated", "declined", "cancelled")
LIVE_STATUSES = ("proposed", "accepted", "confirmed")


class Match(TenantScoped, db.Model):
    __tablename__ = "matches"
    __tenant_table_args__ = (
        tenant_fk(["need_id"], "needs"),
        tenant_fk(["offer_id"], "offers"),
        Index("ix_matches_offer_status", "community_id", "offer_id", "status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(Integer, index=True)
    offer_id: Mapped[int] = mapped_column(Integer)
    occurrence: Mapped[str] = mapped_column(String(30))
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    score: Mapped[float] = mapped_column(Float, default=0)
    reasons: Mapped[list] = mapped_column(JSON, default=list)  # [{"code": …, "params": {…}}], worded when shown
    status: Mapped[str] = mapped_column(String(20), default="proposed")
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    rating: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
