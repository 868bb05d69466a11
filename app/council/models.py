"""A seat on the council: who, in which position, for which term. Ending a term keeps the row (the history)."""
import logging
from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.extensions import db
from tenants.clock import utcnow
from tenants.scoping import TenantScoped

logger = logging.getLogger(__name__)

# 理事长, 副理事长, 秘书长, 理事 — in the order the council is listed.
POSITIONS = ("chair", "vice_chair", "secretary", "member")


class CouncilSeat(TenantScoped, db.Model):
    """One appointment. Current while its term includes today (community time) and it was not ended;
    `ended_on` is the first day off the council (the day the admin ended it, or the day after a lapsed term)."""

    __tablename__ = "council_seats"
    __tenant_table_args__ = (Index("ix_council_seats_held", "community_id", "ended_on", "term_start"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    position: Mapped[str] = mapped_column(String(20))
    term_start: Mapped[date] = mapped_column(Date)
    term_end: Mapped[date | None] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(200), default="")
    appointed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    def is_current(self, today: date) -> bool:
        return self.is_held(today) and self.term_start <= today

    def is_held(self, today: date) -> bool:
        """Not ended and not lapsed: current, or still to begin."""
        return self.ended_on is None and (self.term_end is None or self.term_end >= today)

    def overlaps(self, start: date, end: date | None) -> bool:
        return (end is None or self.term_start <= end) and (self.term_end is None or start <= self.term_end)
