"""A good case (典型事例): a story of help the staff write down — its title, text, date and photos — naming the
member units that gave it and, when there is one, the match, activity or public works request behind it.

draft → published (dated, by whom) → withdrawn (and published again); each move is in app/history."""
import logging
from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.extensions import db
from app.units.models import Unit
from tenants.clock import utcnow
from tenants.scoping import TenantScoped, tenant_fk

logger = logging.getLogger(__name__)

STATUSES = ("draft", "published", "withdrawn")
LINK_TYPES = ("match", "activity", "public_works")  # what a case may be the story of
PHOTO_OWNER = "case"  # the owner type of a case's photos (app/photos)


class GoodCase(TenantScoped, db.Model):
    __tablename__ = "good_cases"
    __tenant_table_args__ = (Index("ix_good_cases_status", "community_id", "status", "happened_on"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    story: Mapped[str] = mapped_column(Text, default="")
    happened_on: Mapped[date] = mapped_column(Date)  # the case's date: the year it counts in
    status: Mapped[str] = mapped_column(String(20), default="draft")
    link_type: Mapped[str | None] = mapped_column(String(20))
    link_id: Mapped[int | None] = mapped_column(Integer)
    published_on: Mapped[date | None] = mapped_column(Date)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    # Loaded for a whole page of cases in one more query (selectin), never one query per case.
    units: Mapped[list["CaseUnit"]] = relationship(lazy="selectin", cascade="all, delete-orphan",
                                                   order_by="CaseUnit.id")

    @property
    def unit_ids(self) -> list[int]:
        return [link.unit_id for link in self.units]

    @property
    def is_published(self) -> bool:
        return self.status == "published"


class CaseUnit(TenantScoped, db.Model):
    """A member unit a case names."""

    __tablename__ = "good_case_units"
    __tenant_table_args__ = (
        tenant_fk(["case_id"], "good_cases"),
        tenant_fk(["unit_id"], "units"),
        Index("uq_good_case_units", "community_id", "case_id", "unit_id", unique=True),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(Integer)
    unit_id: Mapped[int] = mapped_column(Integer, index=True)

    unit: Mapped[Unit] = relationship(
        lazy="selectin", viewonly=True,
        primaryjoin="and_(Unit.id == foreign(CaseUnit.unit_id), Unit.community_id == foreign(CaseUnit.community_id))")

    @property
    def name(self) -> str:
        return self.unit.name if self.unit is not None else ""
