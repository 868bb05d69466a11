"""A yearly review of the member units by the council, and one entry per unit that was active when it opened."""
import logging
from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.extensions import db
from tenants.clock import utcnow
from tenants.scoping import TenantScoped, tenant_fk

logger = logging.getLogger(__name__)

REVIEW_STATUSES = ("open", "closed")
DECISIONS = ("keep", "warn", "drop")
NEEDS_REASON = ("warn", "drop")


class Review(TenantScoped, db.Model):
    __tablename__ = "reviews"
    __tenant_table_args__ = (UniqueConstraint("community_id", "year"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="open")
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    # The units of a review come with it in one more query (selectin), in the order they were listed.
    entries: Mapped[list["ReviewEntry"]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", back_populates="review", order_by="ReviewEntry.position")

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    @property
    def undecided(self) -> int:
        return sum(1 for entry in self.entries if entry.decision is None)


class ReviewEntry(TenantScoped, db.Model):
    """One unit in a review: the list is frozen when the review opens (name and type as they were then, so a
    closed review reads the same after the unit is renamed or removed); the decision with its reason; the
    year's figures as they stood when the review closed (`figures`, none while it is open)."""

    __tablename__ = "review_entries"
    __tenant_table_args__ = (
        tenant_fk(["review_id"], "reviews"),
        UniqueConstraint("community_id", "review_id", "unit_id"),
        Index("ix_review_entries_unit", "community_id", "unit_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(Integer)
    # No foreign key: a closed review keeps its entry when the unit is removed from the registry.
    unit_id: Mapped[int] = mapped_column(Integer)
    unit_name: Mapped[str] = mapped_column(String(100))
    unit_type: Mapped[str] = mapped_column(String(30))
    position: Mapped[int] = mapped_column(Integer, default=0)
    decision: Mapped[str | None] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    figures: Mapped[dict | None] = mapped_column(JSON)  # the snapshot taken at closing

    review: Mapped[Review] = relationship(back_populates="entries")
