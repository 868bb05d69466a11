"""An offer of a unit, its closures, and its capacity counters (one per occurrence: day, meal slot, or all)."""
import logging
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, Index, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from app.core.extensions import db
from app.core.kinds import WEEKDAYS  # noqa: F401  (offers' weekly hours use these keys)
from tenants.clock import utcnow
from tenants.scoping import TenantScoped, tenant_fk
from tenants.street import StreetShareable

logger = logging.getLogger(__name__)

TERMS = ("free", "discounted", "priced")
ELIGIBILITY = ("anyone", "elderly", "disabled", "low_income", "living_alone")


class Offer(StreetShareable, TenantScoped, db.Model):
    __tablename__ = "offers"
    __tenant_table_args__ = (
        tenant_fk(["unit_id"], "units"),
        Index("ix_offers_match", "community_id", "kind", "status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    terms: Mapped[str] = mapped_column(String(20), default="free")
    price_cents: Mapped[int] = mapped_column(Integer, default=0)
    eligibility: Mapped[list] = mapped_column(JSON, default=lambda: ["anyone"])
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    radius_m: Mapped[int | None] = mapped_column(Integer)  # service area; None: no limit
    capacity: Mapped[int] = mapped_column(Integer)  # per occurrence (see app.core.kinds.CAPACITY_PER)
    slots: Mapped[list] = mapped_column(JSON, default=list)  # meal slots served, e.g. ["lunch"]
    delivery: Mapped[bool] = mapped_column(Boolean, default=False)
    # Weekly pattern: {"mon": [["08:00", "20:00"]], ...}; an empty pattern means any day, any time.
    weekly: Mapped[dict] = mapped_column(JSON, default=dict)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="active")  # active, paused, ended
    # The unit lets the neighbouring communities of the street see and ask for it (tenants/street.py).
    shared_with_street: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    rating_sum: Mapped[int] = mapped_column(Integer, default=0)
    rating_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @property
    def rating(self) -> float | None:
        return round(self.rating_sum / self.rating_count, 1) if self.rating_count else None


class OfferClosure(TenantScoped, db.Model):
    """A day the offer is not available (holiday, renovation)."""

    __tablename__ = "offer_closures"
    __tenant_table_args__ = (tenant_fk(["offer_id"], "offers"), UniqueConstraint("offer_id", "day"))
    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(Integer, index=True)
    day: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(200), default="")


class OfferOccurrence(TenantScoped, db.Model):
    """The capacity counter of one occurrence; booked only by a single conditional UPDATE (never over)."""

    __tablename__ = "offer_occurrences"
    __tenant_table_args__ = (tenant_fk(["offer_id"], "offers"), UniqueConstraint("offer_id", "key"))
    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(30))
    booked: Mapped[int] = mapped_column(Integer, default=0)
