"""Streets, communities (the tenants) and memberships (user × community × roles)."""
import logging
import re
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, UniqueConstraint, event, select
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship

from app.core.extensions import db
from app.core.search import pinyin
from tenants.clock import utcnow
from tenants.scoping import TenantScoped, tenant_fk

logger = logging.getLogger(__name__)

ROLES = ("admin", "coordinator", "council", "representative", "unit", "resident")
COMMUNITY_STATUSES = ("active", "suspended")
# What a community's slug may be: lower-case letters, digits and inner hyphens, at most 40 characters.
SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")


# The street's own figures: a sensitive count between 1 and this minus one is shown as "<5" (app/streets).
DEFAULT_SUPPRESS_BELOW = 5


class Street(db.Model):
    """A street office (街道); it groups communities and sees only their aggregates (/s/<slug>/)."""

    __tablename__ = "streets"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    # Made from the name when none is given (street_slug_for); the platform operator may change it.
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    suppress_below: Mapped[int] = mapped_column(Integer, default=DEFAULT_SUPPRESS_BELOW)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @classmethod
    def by_slug(cls, slug: str) -> "Street | None":
        if not SLUG_RE.match(slug or ""):
            return None
        return db.session.execute(select(cls).where(cls.slug == slug)).scalar_one_or_none()


def street_slug_for(name: str, taken) -> str:
    """A slug from a street's name: its pinyin without the 街道 ending (和平街道 → heping, T街道 → t), its runs of
    characters and of Latin letters or digits joined by hyphens, cut to fit; `taken(slug)` says whether it is used,
    and then -2, -3… is added."""
    core = (name or "").strip()
    if core.endswith("街道") and len(core) > 2:
        core = core[:-2]
    runs = [pinyin(run) for run in re.findall(r"[A-Za-z0-9]+|[\u3400-\u9fff]+", core)]
    base = "-".join(r for r in runs if r)[:34].strip("-") or "street"
    slug, n = base, 1
    while taken(slug):
        n += 1
        slug = f"{base}-{n}"
    return slug


@event.listens_for(Street, "before_insert")
def _street_slug(mapper, connection, street: Street) -> None:
    if not street.slug:
        table = Street.__table__
        session = object_session(street)
        pending = {s.slug for s in (session.new if session else ()) if isinstance(s, Street) and s.slug}
        street.slug = street_slug_for(street.name, lambda s: s in pending or connection.execute(
            select(table.c.id).where(table.c.slug == s)).first() is not None)


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
