"""Joint activities of the association: trainings, salons, culture and sports, service days; who comes (registrations,
a waiting list, check-in) and what stays of them (a record with photos). Cultural activity points are units or venues
designated to hold at least four recorded activities a year.

What the yearly review and the commendation count of them (activities organised, people who came) is derived from
these rows, never kept as counters; `Activity.taken` is the one counter, and it exists only so that a sign-up can
take a place in one conditional UPDATE however many people press the button at once.
"""
import logging
from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.extensions import db
from tenants.clock import utcnow
from tenants.scoping import TenantScoped, tenant_fk

logger = logging.getLogger(__name__)

KINDS = ("training", "salon", "culture_sports", "service_day", "other")
AUDIENCES = ("residents", "units", "both")
# proposed → approved (by staff, or by a ballot where the community asks one for the kind) → scheduled (a confirmed
# booking, or a place outside the venues) → held → recorded → closed; cancelled or rejected on the way.
STATUSES = ("proposed", "approved", "scheduled", "held", "recorded", "closed", "cancelled", "rejected")
LIVE = ("approved", "scheduled")  # sign-ups are taken in these
SHOWN = ("approved", "scheduled", "held", "recorded", "closed")  # on the public calendar when public
# registered: has a place; waiting: on the list; offered: a freed place is kept for them until offered_until;
# cancelled: gave it up (or the activity was cancelled); lapsed: did not take an offered place in time.
REGISTRATION_STATUSES = ("registered", "waiting", "offered", "cancelled", "lapsed")
HOLDING = ("registered", "offered")  # these hold a place (count in `taken`)
ACTIVE = ("registered", "waiting", "offered")  # one of these per person and activity at most
NEEDS = ("wheelchair", "sign_language", "large_print", "hearing_loop", "companion")


class Activity(TenantScoped, db.Model):
    __tablename__ = "activities"
    __tenant_table_args__ = (
        # No cascade and no SET NULL (it would clear the community id too): a unit or venue with activities stays.
        tenant_fk(["organiser_unit_id"], "units", ondelete=None),
        tenant_fk(["venue_id"], "venues", ondelete=None),
        tenant_fk(["booking_id"], "bookings", ondelete=None),
        Index("ix_activities_starts", "community_id", "starts_at"),
        Index("ix_activities_status", "community_id", "status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    organiser_unit_id: Mapped[int | None] = mapped_column(Integer)  # None: the association itself
    guests: Mapped[str] = mapped_column(String(500), default="")  # invited bodies, e.g. 区税务局
    speakers: Mapped[str] = mapped_column(String(500), default="")
    audience: Mapped[str] = mapped_column(String(20), default="both")
    capacity: Mapped[int | None] = mapped_column(Integer)  # None: no limit
    taken: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))  # places held (HOLDING)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    registration_opens_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    registration_closes_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    venue_id: Mapped[int | None] = mapped_column(Integer)
    booking_id: Mapped[int | None] = mapped_column(Integer)  # the venue booking that schedules it
    place: Mapped[str] = mapped_column(String(200), default="")  # a place outside the venues
    public: Mapped[bool] = mapped_column(Boolean, default=True)  # on the public calendar (no personal data)
    status: Mapped[str] = mapped_column(String(20), default="proposed")
    ballot_id: Mapped[int | None] = mapped_column(ForeignKey("ballots.id", ondelete="SET NULL"))
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    record_text: Mapped[str] = mapped_column(Text, default="")
    walk_ins: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))  # people not registered
    recorded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancel_reason: Mapped[str] = mapped_column(String(500), default="")
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # the day-before reminder went
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    co_organisers: Mapped[list["ActivityUnit"]] = relationship(lazy="selectin", cascade="all, delete-orphan",
                                                               order_by="ActivityUnit.id")

    @property
    def co_organiser_ids(self) -> list[int]:
        return [link.unit_id for link in self.co_organisers]

    @property
    def unlimited(self) -> bool:
        return self.capacity is None

    @property
    def free_places(self) -> int | None:
        return None if self.capacity is None else max(0, self.capacity - self.taken)


class ActivityUnit(TenantScoped, db.Model):
    """A unit that co-organises an activity."""

    __tablename__ = "activity_units"
    __tenant_table_args__ = (
        tenant_fk(["activity_id"], "activities"),
        tenant_fk(["unit_id"], "units"),
        Index("uq_activity_units", "community_id", "activity_id", "unit_id", unique=True),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(Integer)
    unit_id: Mapped[int] = mapped_column(Integer, index=True)


class Registration(TenantScoped, db.Model):
    """One person's place (or place on the waiting list) at an activity: a resident (signed up by themself, their
    family or the coordinator), or someone a unit registers by name. `code` is what their QR code carries."""

    __tablename__ = "registrations"
    __tenant_table_args__ = (
        tenant_fk(["activity_id"], "activities"),
        tenant_fk(["resident_id"], "residents"),
        tenant_fk(["unit_id"], "units"),
        Index("ix_registrations_activity", "community_id", "activity_id", "status", "id"),
        # One live registration per resident and activity: the database refuses a second sign-up that raced.
        Index("uq_registrations_resident", "activity_id", "resident_id", unique=True,
              sqlite_where=text("status IN ('registered', 'waiting', 'offered') AND resident_id IS NOT NULL"),
              postgresql_where=text("status IN ('registered', 'waiting', 'offered') AND resident_id IS NOT NULL")),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(Integer)
    resident_id: Mapped[int | None] = mapped_column(Integer, index=True)
    unit_id: Mapped[int | None] = mapped_column(Integer)  # the unit registering one of its people
    name: Mapped[str] = mapped_column(String(100))  # as shown on the sign-in list
    phone_tail: Mapped[str] = mapped_column(String(4), default="")  # to tell two 王芳 apart at the door
    status: Mapped[str] = mapped_column(String(20), default="registered")
    code: Mapped[str] = mapped_column(String(32), unique=True)  # random, the QR code's content
    offered_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    walk_in: Mapped[bool] = mapped_column(Boolean, default=False)
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    checked_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    checked_in_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RegistrationNeeds(TenantScoped, db.Model):
    """What a registrant needs to take part (a wheelchair place, sign language, large print): health-related, so
    kept apart from the registration, stored only with the person's consent, shown only to the organisers and
    every reading audited (the residents' access log)."""

    __tablename__ = "registration_needs"
    __tenant_table_args__ = (tenant_fk(["registration_id"], "registrations"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(Integer, unique=True)
    needs: Mapped[list] = mapped_column(JSON, default=list)  # of NEEDS
    note: Mapped[str] = mapped_column(String(300), default="")
    consent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    consent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ActivityRules(TenantScoped, db.Model):
    """Which kinds of activity the community puts to a ballot of the council and the representatives before
    they are approved (the others the staff approve). One row per community; without one, none need a ballot."""

    __tablename__ = "activity_rules"
    __tenant_table_args__ = (Index("uq_activity_rules_community", "community_id", unique=True),)
    id: Mapped[int] = mapped_column(primary_key=True)
    ballot_kinds: Mapped[list] = mapped_column(JSON, default=list)
    ballot_days: Mapped[int] = mapped_column(Integer, default=5)
    promotion_hours: Mapped[int] = mapped_column(Integer, default=24)  # time to take a place freed for you
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class CulturalPoint(TenantScoped, db.Model):
    """A 文化活动点: a unit (its activities) or a venue (the activities held there) that holds at least
    `yearly_target` activities a year, each with a text and a photo record."""

    __tablename__ = "cultural_points"
    __tenant_table_args__ = (
        tenant_fk(["unit_id"], "units"),
        tenant_fk(["venue_id"], "venues"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    unit_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    venue_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    yearly_target: Mapped[int] = mapped_column(Integer, default=4)
    designated_on: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    autumn_reminded_year: Mapped[int | None] = mapped_column(Integer)  # the year its autumn reminder went
