"""The meal table (养老助残餐桌): a canteen's price list and cutoff, residents' meal plans, the daily
orders made from them, and a record of each manifest sent to a canteen."""
import logging
from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.extensions import db
from tenants.clock import utcnow
from tenants.scoping import TenantScoped, tenant_fk

logger = logging.getLogger(__name__)

MODES = ("dine_in", "delivery")
PLAN_STATUSES = ("requested", "active", "ended", "declined")
# ordered → delivered | missed; ordered → cancelled (before the cutoff, or the canteen closed);
# unplaced: the canteen was full when the order was made; the coordinator sees it.
ORDER_STATUSES = ("ordered", "cancelled", "delivered", "missed", "unplaced")
DEFAULT_CUTOFF = "17:00"  # on the day before


class MealSettings(TenantScoped, db.Model):
    """How a canteen's meal offer sells: prices per slot and eligibility group, and the cancellation cutoff."""

    __tablename__ = "meal_settings"
    __tenant_table_args__ = (tenant_fk(["offer_id"], "offers"), UniqueConstraint("offer_id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(Integer)
    # {"lunch": {"anyone": 1500, "elderly": 800, "disabled": 500}, …}: cents; a resident pays the lowest
    # price of the groups they belong to.
    prices: Mapped[dict] = mapped_column(JSON, default=dict)
    cutoff: Mapped[str] = mapped_column(String(5), default=DEFAULT_CUTOFF)  # HH:MM on the day before


class MealPlan(TenantScoped, db.Model):
    """A resident's standing order: these weekdays, these meals, dine-in or delivery, from a start to an end."""

    __tablename__ = "meal_plans"
    __tenant_table_args__ = (
        tenant_fk(["resident_id"], "residents"),
        tenant_fk(["offer_id"], "offers"),
        Index("ix_meal_plans_resident", "community_id", "resident_id", "status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(Integer)
    offer_id: Mapped[int] = mapped_column(Integer, index=True)
    weekdays: Mapped[list] = mapped_column(JSON)  # ["mon", "tue", …]
    slots: Mapped[list] = mapped_column(JSON)  # ["lunch", …]
    mode: Mapped[str] = mapped_column(String(10), default="dine_in")
    diet_notes: Mapped[str] = mapped_column(String(500), default="")
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)  # None: until ended
    status: Mapped[str] = mapped_column(String(20), default="active")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class MealOrder(TenantScoped, db.Model):
    """One meal to serve on one day: what the manifest, the delivery marks, the missed-meal list and the
    statements read. It is made from a plan (`plan_id`: it holds one place of the canteen's slot that day)
    or from a confirmed one-off match of a meal need (`match_id`: the match holds its places)."""

    __tablename__ = "meal_orders"
    __tenant_table_args__ = (
        tenant_fk(["plan_id"], "meal_plans"),
        tenant_fk(["match_id"], "matches"),
        tenant_fk(["resident_id"], "residents"),
        tenant_fk(["offer_id"], "offers"),
        UniqueConstraint("plan_id", "day", "slot"),
        UniqueConstraint("match_id"),
        Index("ix_meal_orders_offer_day", "community_id", "offer_id", "day"),
        Index("ix_meal_orders_resident_day", "community_id", "resident_id", "day"),
        Index("ix_meal_orders_status_day", "community_id", "status", "day"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int | None] = mapped_column(Integer)  # a meal of a plan …
    match_id: Mapped[int | None] = mapped_column(Integer)  # … or a one-off meal matched to a need
    resident_id: Mapped[int | None] = mapped_column(Integer)  # None: a one-off meal for a unit, a neighbour's resident
    beneficiary: Mapped[str] = mapped_column(String(200), default="")  # who eats, when there is no resident here
    offer_id: Mapped[int] = mapped_column(Integer)
    day: Mapped[date] = mapped_column(Date)
    slot: Mapped[str] = mapped_column(String(20))
    mode: Mapped[str] = mapped_column(String(10))
    diet_notes: Mapped[str] = mapped_column(String(500), default="")
    quantity: Mapped[int] = mapped_column(Integer, default=1)  # a plan's meal is one; a one-off need may ask for more
    price_cents: Mapped[int] = mapped_column(Integer, default=0)  # each; fixed when ordered: statements do not move
    status: Mapped[str] = mapped_column(String(20), default="ordered")
    note: Mapped[str] = mapped_column(String(200), default="")
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class MealManifest(TenantScoped, db.Model):
    """That a canteen's manifest for a day was sent: the sweep sends each one once."""

    __tablename__ = "meal_manifests"
    __tenant_table_args__ = (tenant_fk(["offer_id"], "offers"), UniqueConstraint("offer_id", "day"))
    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(Integer)
    day: Mapped[date] = mapped_column(Date)
    meals: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
