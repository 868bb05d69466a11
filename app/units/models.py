"""The unit registry of a community and the users who represent each unit."""
import logging
from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core import search
from app.core.extensions import db
from tenants.clock import utcnow
from tenants.scoping import TenantScoped, tenant_fk

logger = logging.getLogger(__name__)

UNIT_TYPES = ("central_body", "municipal_body", "district_body", "school", "shop", "enterprise",
              "property_company", "park", "cultural_centre", "clinic", "social_org", "other")
UNIT_STATUSES = ("active", "suspended", "withdrawn")


class Unit(search.NameKeys, TenantScoped, db.Model):
    __tablename__ = "units"
    __tenant_table_args__ = (
        UniqueConstraint("community_id", "name"),
        # The list page sorts by pinyin and pages by (pinyin, id).
        Index("ix_units_community_sort", "community_id", "name_sort", "id"),
        Index("ix_units_community_initials", "community_id", "name_initials"),
        Index("ix_units_community_pinyin", "community_id", "name_pinyin"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    name_sort: Mapped[str] = mapped_column(String(400))  # pinyin of the name, for sorting and search
    # The picker's search key (app.core.search), kept by _name_keys: llxx for 柳荫小学.
    name_initials: Mapped[str] = mapped_column(search.key_column(40), default="", server_default="")
    name_pinyin: Mapped[str] = mapped_column(search.key_column(200), default="", server_default="")
    type: Mapped[str] = mapped_column(String(30))
    address: Mapped[str] = mapped_column(String(200), default="")
    contact_name: Mapped[str] = mapped_column(String(50), default="")
    contact_phone: Mapped[str] = mapped_column(String(30), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="active")
    joined_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    representatives: Mapped[list["UnitRepresentative"]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", back_populates="unit"
    )

    def is_represented_by(self, user_id: int) -> bool:
        return any(rep.user_id == user_id for rep in self.representatives)


class UnitRepresentative(TenantScoped, db.Model):
    __tablename__ = "unit_representatives"
    __tenant_table_args__ = (tenant_fk(["unit_id"], "units"), UniqueConstraint("unit_id", "user_id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(Integer, index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    unit: Mapped[Unit] = relationship(back_populates="representatives")
    user = relationship("User", lazy="joined")


class UnitImport(TenantScoped, db.Model):
    """An uploaded sheet waiting for the user to look at the preview and confirm."""

    __tablename__ = "unit_imports"
    id: Mapped[int] = mapped_column(primary_key=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(String(200))
    rows: Mapped[list] = mapped_column(JSON)  # [{"line": n, "values": {...}, "errors": {field: [..]}}]
    status: Mapped[str] = mapped_column(String(20), default="preview")  # preview, done, cancelled
    created_count: Mapped[int] = mapped_column(Integer, default=0)
    skipped_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def error_rows(self) -> list[dict]:
        return [row for row in self.rows if row["errors"]]

    @property
    def valid_rows(self) -> list[dict]:
        return [row for row in self.rows if not row["errors"]]
