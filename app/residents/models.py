"""A resident's profile, their sensitive attributes (kept apart), consents, and the audit trail."""
import logging
from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core import search
from app.core.extensions import db
from tenants import clock
from tenants.clock import utcnow
from tenants.scoping import TenantScoped, tenant_fk

logger = logging.getLogger(__name__)

DISABILITY_CATEGORIES = ("physical", "intellectual", "visual", "hearing", "mental", "speech", "multiple")
SENSITIVE_FIELDS = ("disability_category", "disability_grade", "low_income", "living_alone", "special_hardship")
CONSENT_PURPOSES = ("services",)


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


class Resident(search.NameAndPhoneKeys, TenantScoped, db.Model):
    """What the community knows about a resident that is not sensitive."""

    __tablename__ = "residents"
    __tenant_table_args__ = (Index("ix_residents_community_sort", "community_id", "name_sort", "id"),
                             Index("ix_residents_community_initials", "community_id", "name_initials"),
                             Index("ix_residents_community_pinyin", "community_id", "name_pinyin"),
                             Index("ix_residents_community_phone_tail", "community_id", "phone_tail"))
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    name_sort: Mapped[str] = mapped_column(String(400))
    phone: Mapped[str] = mapped_column(String(30), default="")
    # Search keys of the picker (app.core.search), kept by the validators below: zsf for 张三丰, 1234.
    name_initials: Mapped[str] = mapped_column(search.key_column(40), default="", server_default="")
    name_pinyin: Mapped[str] = mapped_column(search.key_column(200), default="", server_default="")
    phone_tail: Mapped[str] = mapped_column(search.key_column(4), default="", server_default="")
    building: Mapped[str] = mapped_column(String(20), default="")
    entrance: Mapped[str] = mapped_column(String(20), default="")  # 单元
    room: Mapped[str] = mapped_column(String(20), default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    household: Mapped[str] = mapped_column(String(200), default="")
    birth_date: Mapped[date | None] = mapped_column(Date)
    diet_notes: Mapped[str] = mapped_column(String(500), default="")
    # The account that acts for the resident: their own, or a family member's for an elderly parent.
    account_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    account_relation: Mapped[str] = mapped_column(String(20), default="self")  # self, child, spouse, relative, other
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(20), default="active")  # active, erased
    deletion_requested_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    @property
    def age(self) -> int | None:
        return age_on(self.birth_date, clock.today(self.community_id)) if self.birth_date else None


class SensitiveAttributes(TenantScoped, db.Model):
    """Disability, allowance and living situation: stored only under a recorded consent; read through the service."""

    __tablename__ = "resident_sensitive"
    __tenant_table_args__ = (tenant_fk(["resident_id"], "residents"), UniqueConstraint("resident_id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(Integer)
    disability_category: Mapped[str | None] = mapped_column(String(20))
    disability_grade: Mapped[int | None] = mapped_column(Integer)
    low_income: Mapped[bool] = mapped_column(Boolean, default=False)  # 低保
    living_alone: Mapped[bool] = mapped_column(Boolean, default=False)  # 空巢 / 独居
    special_hardship: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class Consent(TenantScoped, db.Model):
    """A resident's separate consent to the processing of their sensitive data, for one purpose."""

    __tablename__ = "resident_consents"
    __tenant_table_args__ = (tenant_fk(["resident_id"], "residents"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(Integer, index=True)
    purpose: Mapped[str] = mapped_column(String(40))
    given_by: Mapped[str] = mapped_column(String(100))  # the resident, or who signed for them
    method: Mapped[str] = mapped_column(String(20))  # online, in_person, phone, paper
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    given_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(Text, default="")


class AuditEvent(TenantScoped, db.Model):
    """Who read or changed which sensitive field of which resident, and when — never the value."""

    __tablename__ = "audit_events"
    __tenant_table_args__ = (Index("ix_audit_events_resident", "community_id", "resident_id", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(20))  # read, change, consent, withdraw, export, erase
    resident_id: Mapped[int | None] = mapped_column(Integer)
    field: Mapped[str] = mapped_column(String(40), default="")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DataExport(TenantScoped, db.Model):
    """A resident's data prepared for download in the background; kept until `expires_at`, then purged."""

    __tablename__ = "data_exports"
    __tenant_table_args__ = (tenant_fk(["resident_id"], "residents"),
                             Index("ix_data_exports_resident", "community_id", "resident_id", "id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(Integer)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending, ready
    # Whether the file holds the sensitive attributes (only when the resident's own account asked for it).
    with_sensitive: Mapped[bool] = mapped_column(Boolean, default=False)
    content: Mapped[str | None] = mapped_column(Text)  # the JSON document, as downloaded
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ready_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
