"""The yearly report to the street office (街道): the community's deadline, the coordinator's narrative of the
year's draft, the frozen numbered versions submitted, and the deadline reminders already sent.

The draft is never stored: it is the live parts of the year (`app.yearbook.parts(year)`). A submission freezes
them as JSON (`Part.as_dict()`) in a `ReportVersion` that nothing edits again; submitting once more makes the next
version. A reminder row claims a (year, days before) pair, so each reminder goes once even when two runs race.
"""
import logging
from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.extensions import db
from tenants.clock import utcnow
from tenants.scoping import TenantScoped

logger = logging.getLogger(__name__)

DEFAULT_DUE = (11, 10)  # the report of year Y is due by 10 November of year Y
REMINDER_DAYS = (30, 7, 1)


class ReportSettings(TenantScoped, db.Model):
    """The community's deadline (month and day of the report's own year); without a row, 10 November."""

    __tablename__ = "report_settings"
    __tenant_table_args__ = (Index("uq_report_settings_community", "community_id", unique=True),)
    id: Mapped[int] = mapped_column(primary_key=True)
    due_month: Mapped[int] = mapped_column(Integer, default=DEFAULT_DUE[0])
    due_day: Mapped[int] = mapped_column(Integer, default=DEFAULT_DUE[1])
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class ReportDraft(TenantScoped, db.Model):
    """The coordinator's narrative (总结) of a year's draft, until it is submitted with a version."""

    __tablename__ = "report_drafts"
    __tenant_table_args__ = (Index("uq_report_drafts_year", "community_id", "year", unique=True),)
    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    narrative: Mapped[str] = mapped_column(Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class ReportVersion(TenantScoped, db.Model):
    """A submitted report, frozen: version 1, 2, … of a year; its parts as they were submitted."""

    __tablename__ = "report_versions"
    __tenant_table_args__ = (Index("uq_report_versions_number", "community_id", "year", "number", unique=True),)
    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    parts: Mapped[list] = mapped_column(JSON)  # [Part.as_dict(), …]
    narrative: Mapped[str] = mapped_column(Text, default="")
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ReportReminder(TenantScoped, db.Model):
    """A deadline reminder sent: the row claims it (the unique index refuses a second one)."""

    __tablename__ = "report_reminders"
    __tenant_table_args__ = (Index("uq_report_reminders", "community_id", "year", "days_before", unique=True),)
    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    days_before: Mapped[int] = mapped_column(Integer)
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
