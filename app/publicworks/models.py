"""A public works request to a municipal department and its lines of work, each with planned and done quantities."""
import logging
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.extensions import db
from app.units.models import Unit
from tenants.clock import utcnow
from tenants.scoping import TenantScoped, tenant_fk

logger = logging.getLogger(__name__)

CATEGORIES = ("road", "drains", "toilets", "rubbish", "trees", "lighting", "other")
MEASURES = ("m2", "m", "pieces", "truckloads")  # units of measure of a line of work
STATUSES = ("draft", "filed", "in_progress", "done", "rejected", "cancelled")
OPEN_STATUSES = ("filed", "in_progress")  # with the department, not yet answered
CLOSED_STATUSES = ("done", "rejected", "cancelled")
QUANTITY = Numeric(12, 2)  # exact on PostgreSQL; two decimals are enough for m², m and truckloads


class PublicWorksRequest(TenantScoped, db.Model):
    __tablename__ = "public_works_requests"
    __tenant_table_args__ = (
        # A resident's need turned into a request; the need outlives a deleted request and vice versa.
        tenant_fk(["need_id"], "needs", ondelete=None),
        Index("ix_public_works_requests_status", "community_id", "status", "category"),
        Index("ix_public_works_requests_filed", "community_id", "filed_on"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    location: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    department: Mapped[str] = mapped_column(String(100), default="")  # the municipal department's name
    need_id: Mapped[int | None] = mapped_column(Integer, index=True)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    due_on: Mapped[date | None] = mapped_column(Date)
    filed_on: Mapped[date | None] = mapped_column(Date)
    done_on: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    # Loaded for a whole page of requests in one more query (selectin), never one query per request.
    lines: Mapped[list["PublicWorksLine"]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", back_populates="request",
        order_by="PublicWorksLine.position")
    # The member units that helped (app/contributions counts them), with their names: two more queries a page.
    helpers: Mapped[list["PublicWorksHelper"]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="PublicWorksHelper.id")

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES

    def is_overdue(self, today: date) -> bool:
        return self.due_on is not None and self.status not in CLOSED_STATUSES and self.due_on < today


class PublicWorksLine(TenantScoped, db.Model):
    """One kind of work in a request: "patch the road surface, 120 m² planned, 80 m² done"."""

    __tablename__ = "public_works_lines"
    __tenant_table_args__ = (tenant_fk(["request_id"], "public_works_requests"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(Integer, index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    description: Mapped[str] = mapped_column(String(200))
    measure: Mapped[str] = mapped_column(String(20))
    planned: Mapped[Decimal] = mapped_column(QUANTITY)
    done: Mapped[Decimal] = mapped_column(QUANTITY, default=Decimal("0"))

    request: Mapped[PublicWorksRequest] = relationship(back_populates="lines")

    @property
    def percent(self) -> int:
        """How much of the planned work is done, 0–100, for the progress bar."""
        if not self.planned:
            return 0
        return max(0, min(100, int(self.done * 100 / self.planned)))


class PublicWorksHelper(TenantScoped, db.Model):
    """A member unit that helped with a request — "the property company cleared the site" — counted in its
    contribution record once the request is done."""

    __tablename__ = "public_works_helpers"
    __tenant_table_args__ = (
        tenant_fk(["request_id"], "public_works_requests"),
        tenant_fk(["unit_id"], "units"),
        Index("uq_public_works_helpers", "community_id", "request_id", "unit_id", unique=True),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(Integer)
    unit_id: Mapped[int] = mapped_column(Integer, index=True)
    what: Mapped[str] = mapped_column(String(200), default="")  # what the unit did
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    unit: Mapped[Unit] = relationship(
        lazy="selectin", viewonly=True,
        primaryjoin="and_(Unit.id == foreign(PublicWorksHelper.unit_id), "
                    "Unit.community_id == foreign(PublicWorksHelper.community_id))")

    @property
    def unit_name(self) -> str:
        return self.unit.name if self.unit is not None else ""
