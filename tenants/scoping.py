"""Automatic tenant scoping of the ORM: the first wall.

Every model that mixes in `TenantScoped` carries `community_id`. Each SELECT, UPDATE and DELETE
that touches such a model is filtered to the current tenant; each insert is stamped with it; a
query on a tenant model with no tenant in context raises. The one way around is the execution
option from `tenants.context.unscoped()`, which is easy to grep for.
"""
import logging

from sqlalchemy import ForeignKey, ForeignKeyConstraint, Integer, UniqueConstraint, event
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column, with_loader_criteria

from tenants.context import UNSCOPED, TenantContextMissing, current_tenant_id

logger = logging.getLogger(__name__)


class TenantScoped:
    """Mixin for tenant-owned models: a community id, and (community_id, id) unique for composite keys."""

    @declared_attr
    def community_id(cls) -> Mapped[int]:
        return mapped_column(Integer, ForeignKey("communities.id", ondelete="CASCADE"), nullable=False, index=True)

    @declared_attr.directive
    def __table_args__(cls):
        return (UniqueConstraint("community_id", "id"),) + tuple(getattr(cls, "__tenant_table_args__", ()))


class TenantOrPlatformScoped(TenantScoped):
    """A tenant model whose rows may also belong to no community: the platform's own (e.g. a
    password-reset message). With no tenant in context such a model sees exactly the rows with
    no community, instead of raising; PostgreSQL's policy says the same (IS NOT DISTINCT FROM).
    """

    __platform_rows__ = True

    @declared_attr
    def community_id(cls) -> Mapped[int | None]:
        return mapped_column(Integer, ForeignKey("communities.id", ondelete="CASCADE"), nullable=True, index=True)


def tenant_fk(columns: list[str], target: str, *, ondelete: str | None = "CASCADE") -> ForeignKeyConstraint:
    """A foreign key that includes the community, so a row can never point into another community.

    `tenant_fk(["unit_id"], "units")` references units(community_id, id).
    """
    return ForeignKeyConstraint(
        ["community_id", *columns], [f"{target}.community_id", f"{target}.id"], ondelete=ondelete
    )


def _tenant_models(state) -> list[type]:
    return [m.class_ for m in state.all_mappers if isinstance(m.class_, type) and issubclass(m.class_, TenantScoped)]


@event.listens_for(Session, "do_orm_execute")
def _scope_statement(state):
    if state.is_insert:
        _stamp_bulk_insert(state)
        return
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.execution_options.get(UNSCOPED):
        return
    # Relationship and column loads inherit the criteria from the statement that started them.
    if state.is_column_load or state.is_relationship_load:
        return
    tenant = current_tenant_id()
    if tenant is None:
        models = _tenant_models(state)
        if not models:
            return
        if not all(getattr(model, "__platform_rows__", False) for model in models):
            raise TenantContextMissing("tenant-owned model queried with no community in context")
        state.statement = state.statement.options(
            with_loader_criteria(TenantScoped, lambda cls: cls.community_id.is_(None), include_aliases=True)
        )
        return
    state.statement = state.statement.options(
        with_loader_criteria(TenantScoped, lambda cls: cls.community_id == tenant, include_aliases=True)
    )


def _stamp_bulk_insert(state) -> None:
    """A bulk INSERT of tenant rows (`session.execute(insert(Model), rows)`, app.core.sql) is stamped and
    checked as a flush is: each row gets the current community, a row naming another one is refused."""
    model = _insert_model(state)
    if model is None or not issubclass(model, TenantScoped):
        return
    tenant = current_tenant_id()
    rows = state.parameters if isinstance(state.parameters, list) else [state.parameters or {}]
    for row in rows:
        row["community_id"] = _owner(model, row.get("community_id"), tenant)


def _insert_model(state):
    mapper = state.bind_mapper
    return mapper.class_ if mapper is not None else None


def _owner(model, given: int | None, tenant: int | None) -> int | None:
    """The community a row being written belongs to: the context's; a platform row has none."""
    if tenant is None:
        if getattr(model, "__platform_rows__", False) and given is None:
            return None  # a platform row
        raise TenantContextMissing(f"cannot write {model.__name__} with no community in context")
    if given is not None and given != tenant:
        raise TenantContextMissing(f"{model.__name__} belongs to another community than the context")
    return tenant


@event.listens_for(Session, "before_flush")
def _stamp_inserts(session, flush_context, instances):
    tenant = current_tenant_id()
    for obj in (*session.new, *session.dirty):
        if isinstance(obj, TenantScoped):
            owner = _owner(type(obj), obj.community_id, tenant)
            if obj.community_id != owner:
                obj.community_id = owner
