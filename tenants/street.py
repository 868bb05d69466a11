"""The street (街道): the one narrow path between the communities of one street office.

Communities stay apart. Two things, and only these, cross between communities of the same street:

1. **Shared rows, read only.** A model that mixes in `StreetShareable` has a `shared_with_street` flag
   (a unit shares its offer). `across_street(stmt, via=Model)` runs a SELECT over the *other*
   communities of the current tenant's street, limited to rows whose flag is on. It is the one place
   that lifts the automatic tenant scoping (`unscoped()`) for them; on PostgreSQL a SELECT-only
   row-level security policy (`tenants.rls.share_with_street`) allows exactly the same rows, so
   writing another community's rows stays impossible.
2. **Street-scoped rows.** A model that mixes in `StreetScoped` (the referrals between communities)
   carries `street_id`, `from_community_id` (the origin) and an optional `to_community_id` (the
   target). The ORM scopes every statement on it to the rows the current community is party to: it
   is the origin or the target, or the row is addressed to the whole street (no target) and the
   community is in that street. Inserts are stamped with the current community as the origin and
   its street. On PostgreSQL the policies of `tenants.rls.enable_street` say the same, and a trigger
   keeps origin, street and content unchanged after the insert.

The street office itself sees aggregates only, never these rows.
"""
import logging

from sqlalchemy import ForeignKey, Integer, and_, event, inspect, or_, select
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column, with_loader_criteria

from app.core.extensions import db
from tenants.context import TenantContextMissing, current_tenant_id, unscoped
from tenants.models import Community
from tenants.scoping import TenantScoped

logger = logging.getLogger(__name__)


class NoStreet(RuntimeError):
    """The community belongs to no street, so it has no neighbours to share with."""


# --- the communities of a street --------------------------------------------------------------------

def street_of(community_id: int | None) -> int | None:
    if community_id is None:
        return None

    community = db.session.get(Community, community_id)
    return community.street_id if community else None


def _tenant() -> int:
    tenant = current_tenant_id()
    if tenant is None:
        raise TenantContextMissing("the street is reached only from a community")
    return tenant


def _neighbour_ids_stmt(tenant: int):
    street = select(Community.street_id).where(Community.id == tenant).scalar_subquery()
    return select(Community.id).where(Community.street_id == street, Community.id != tenant,
                                      Community.status == "active")


def neighbours() -> list[Community]:
    """The other active communities of the current community's street, by name."""

    tenant = _tenant()
    return list(db.session.execute(select(Community).where(Community.id.in_(_neighbour_ids_stmt(tenant)))
                                   .order_by(Community.name, Community.id)).scalars())


# --- 1. shared rows, read only ------------------------------------------------------------------------

class StreetShareable:
    """Marker for a tenant model whose rows a community may share with its street (`shared_with_street`)."""


def across_street(stmt, *, via: type):
    """The SELECT `stmt` over the shared rows of the other communities of the current tenant's street.

    Every tenant entity in the statement is limited to those communities, and `via`, the shareable
    model, to rows shared with the street; entities that are not shareable themselves (an offer's
    closures) must be joined to `via`, so that its flag limits them too.
    This is the only place that opts out of the automatic tenant scoping for shared rows.
    """
    if not (isinstance(via, type) and issubclass(via, StreetShareable) and issubclass(via, TenantScoped)):
        raise TypeError(f"{via!r} is not shareable with the street")
    tenant = _tenant()
    return stmt.options(
        with_loader_criteria(TenantScoped, lambda cls: cls.community_id.in_(_neighbour_ids_stmt(tenant)),
                             include_aliases=True),
        with_loader_criteria(via, via.shared_with_street.is_(True), include_aliases=True),
    ).execution_options(**unscoped())


# --- 2. street-scoped rows ------------------------------------------------------------------------------

class StreetScoped:
    """Mixin for rows between communities of one street: origin, optional target, the street."""

    @declared_attr
    def street_id(cls) -> Mapped[int]:
        return mapped_column(Integer, ForeignKey("streets.id", ondelete="CASCADE"), nullable=False, index=True)

    @declared_attr
    def from_community_id(cls) -> Mapped[int]:
        return mapped_column(Integer, ForeignKey("communities.id", ondelete="CASCADE"), nullable=False, index=True)

    @declared_attr
    def to_community_id(cls) -> Mapped[int | None]:
        return mapped_column(Integer, ForeignKey("communities.id", ondelete="CASCADE"), nullable=True, index=True)


def party_to(cls, tenant: int):
    """The rows of a StreetScoped model the community `tenant` is party to (as the ORM and RLS see it)."""
    street = select(Community.street_id).where(Community.id == tenant).scalar_subquery()
    return or_(cls.from_community_id == tenant, cls.to_community_id == tenant,
               and_(cls.to_community_id.is_(None), cls.street_id == street))


def _street_models(state) -> list[type]:
    return [m.class_ for m in state.all_mappers if isinstance(m.class_, type) and issubclass(m.class_, StreetScoped)]


@event.listens_for(Session, "do_orm_execute")
def _scope_street_statement(state):
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.is_column_load or state.is_relationship_load:
        return
    if not _street_models(state):
        return
    # Street rows have no unscoped read: not even `unscoped()` lifts this.
    tenant = current_tenant_id()
    if tenant is None:
        raise TenantContextMissing("street-scoped model queried with no community in context")
    state.statement = state.statement.options(
        with_loader_criteria(StreetScoped, lambda cls: party_to(cls, tenant), include_aliases=True))


@event.listens_for(Session, "before_flush")
def _stamp_street_rows(session, flush_context, instances):
    tenant = current_tenant_id()
    for obj in session.new:
        if not isinstance(obj, StreetScoped):
            continue
        if tenant is None:
            raise TenantContextMissing(f"cannot write {type(obj).__name__} with no community in context")
        if obj.from_community_id not in (None, tenant):
            raise TenantContextMissing(f"{type(obj).__name__} must come from the community in context")
        street = street_of(tenant)
        if street is None:
            raise NoStreet("this community belongs to no street")
        obj.from_community_id, obj.street_id = tenant, street
    for obj in session.dirty:
        if not isinstance(obj, StreetScoped):
            continue
        if tenant is None:
            raise TenantContextMissing(f"cannot write {type(obj).__name__} with no community in context")
        state = inspect(obj)
        for key in ("from_community_id", "street_id"):
            if state.attrs[key].history.deleted:
                raise TenantContextMissing(f"the origin and street of {type(obj).__name__} never change")
        if tenant not in (obj.from_community_id, obj.to_community_id):
            raise TenantContextMissing(f"{type(obj).__name__} is written only by its origin or its target")
