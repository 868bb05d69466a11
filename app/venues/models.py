"""A unit's venue (hours, closed periods, accessibility) and its bookings, one row per occurrence.

One concept, not two: an offer of kind "venue" (app/offers) is what the docking matches a need against; the
bookable venue is its calendar. The migration made a Venue for each existing venue offer and the venue keeps
`offer_id` (the offer it lends through), so matching keeps reading the offer and bookings read the venue; the
link runs from venues down to offers, as the layers do.
"""
import logging
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.extensions import db
from app.core.kinds import WEEKDAYS  # noqa: F401  (the weekly hours use these keys)
from tenants.clock import utcnow
from tenants.scoping import TenantScoped, tenant_fk

logger = logging.getLogger(__name__)

OCCURRENCE_STATUSES = ("pending", "confirmed", "declined", "cancelled")
BOOKING_STATUSES = ("active", "cancelled")
FREQUENCIES = ("once", "weekly", "monthly")


class Venue(TenantScoped, db.Model):
    __tablename__ = "venues"
    __tenant_table_args__ = (
        tenant_fk(["unit_id"], "units"),
        tenant_fk(["offer_id"], "offers", ondelete="SET NULL"),
        Index("ix_venues_unit", "community_id", "unit_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(Integer)  # the owner: its representatives confirm the bookings
    offer_id: Mapped[int | None] = mapped_column(Integer, unique=True)  # the venue offer it lends through
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    capacity: Mapped[int] = mapped_column(Integer)  # people at a time
    # Bookable weekly hours in community time: {"mon": [["08:00", "12:00"], ["14:00", "20:00"]], ...};
    # a weekday that is absent is not bookable; an empty dict means any day, any time.
    hours: Mapped[dict] = mapped_column(JSON, default=dict)
    needs_confirmation: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    book_ahead_days: Mapped[int] = mapped_column(Integer, default=180)
    step_free: Mapped[bool] = mapped_column(Boolean, default=False)
    accessible_toilet: Mapped[bool] = mapped_column(Boolean, default=False)
    lift: Mapped[bool] = mapped_column(Boolean, default=False)
    hearing_loop: Mapped[bool] = mapped_column(Boolean, default=False)
    accessibility_note: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(20), default="active")  # active, retired
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    closures: Mapped[list["VenueClosure"]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="VenueClosure.starts_on")


class VenueClosure(TenantScoped, db.Model):
    """A closed period, both days included (summer holidays, renovation)."""

    __tablename__ = "venue_closures"
    __tenant_table_args__ = (tenant_fk(["venue_id"], "venues"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    venue_id: Mapped[int] = mapped_column(Integer, index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200), default="")


class Booking(TenantScoped, db.Model):
    """A request to use a venue: once, or recurring; its dates are its occurrences."""

    __tablename__ = "bookings"
    __tenant_table_args__ = (
        tenant_fk(["venue_id"], "venues"),
        tenant_fk(["unit_id"], "units", ondelete="SET NULL"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    venue_id: Mapped[int] = mapped_column(Integer, index=True)
    unit_id: Mapped[int | None] = mapped_column(Integer)  # the unit that asks, when a representative asks for it
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    purpose: Mapped[str] = mapped_column(String(200))
    # {"frequency": "weekly", "interval": 1, "until": "2027-06-30"} or {..., "count": 10}; once: {}
    recurrence: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), default="active")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    occurrences: Mapped[list["BookingOccurrence"]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="BookingOccurrence.starts_at",
        back_populates="booking")


class BookingOccurrence(TenantScoped, db.Model):
    """One date of a booking, in UTC. Confirmed occurrences of a venue never overlap: on PostgreSQL an
    exclusion constraint over tstzrange(starts_at, ends_at, '[)'), on SQLite a trigger (migration 0017)."""

    __tablename__ = "booking_occurrences"
    __tenant_table_args__ = (
        tenant_fk(["booking_id"], "bookings"),
        tenant_fk(["venue_id"], "venues"),
        Index("ix_booking_occurrences_venue_time", "community_id", "venue_id", "starts_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(Integer, index=True)
    venue_id: Mapped[int] = mapped_column(Integer)  # the booking's, copied: the constraint needs it in the row
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(20), default="pending")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    booking: Mapped[Booking] = relationship(back_populates="occurrences")
