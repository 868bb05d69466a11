"""Streets, communities (the tenants) and memberships (user × community × roles)."""
import logging
import re
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.extensions import db
from tenants.clock import utcnow
from tenants.scoping import TenantScoped, tenant_fk

logger = logging.getLogger(__name__)

ROLES = ("admin", "coordinator", "council", "representative", "unit", "resident")
COMMUNITY_STATUSES = ("active", "suspended")
# What a community's slug may be: lower-case letters, digits and inner hyphens, at most 40 characters.
SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")


class Street(db.Model):
    """A street office (街道); it groups communities and sees only their aggregates."""

    __tablename__ = "streets"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Community(db.Model):
    """A community (社区): the tenant."""

    __tablename__ = "communities"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    street_id: Mapped[int | None] = mapped_column(ForeignKey("streets.id", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="active")
    timezone: Mapped[str] = mapped_column(String(40), default="Asia/Shanghai")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    street: Mapped[Street | None] = relationship(lazy="joined")

    @property
    def is_active(self) -> bool:
        return self.status == "active"

    @classmethod
    def by_slug(cls, slug: str) -> "Community | None":
        if not SLUG_RE.match(slug or ""):
            return None  # no community has it (and NUL or a lone surrogate never reaches the database)
        return db.session.execute(select(cls).where(cls.slug == slug)).scalar_one_or_none()


class Membership(TenantScoped, db.Model):
    """A user's place in one community; the roles are rows of their own."""

    __tablename__ = "memberships"
    __tenant_table_args__ = (UniqueConstraint("community_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    roles: Mapped[list["MembershipRole"]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="MembershipRole.role"
    )

    @property
    def role_names(self) -> list[str]:
        return [r.role for r in self.roles]

    def has_role(self, *roles: str) -> bool:
        return any(r.role in roles for r in self.roles)

    def set_roles(self, roles: list[str]) -> None:
        wanted = set(roles)
        self.roles = [r for r in self.roles if r.role in wanted] + [
            MembershipRole(role=role) for role in sorted(wanted - set(self.role_names))
        ]


class MembershipRole(TenantScoped, db.Model):
    __tablename__ = "membership_roles"
    __tenant_table_args__ = (
        tenant_fk(["membership_id"], "memberships"),
        UniqueConstraint("membership_id", "role"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(Integer, index=True)
    role: Mapped[str] = mapped_column(String(20))
