"""PostgreSQL row-level security: the second wall, which holds even for raw SQL.

Every tenant table gets a policy comparing its community_id with the per-transaction setting
`huzhu.tenant_id`. The app sets it with set_config(..., is_local => true) at the start of every
transaction and whenever the tenant changes inside one, so it can never leak into the next
transaction that reuses the pooled connection.
"""
import logging

from sqlalchemy import event, text
from sqlalchemy.orm import Session

logger = logging.getLogger(__name__)

TENANT_SETTING = "huzhu.tenant_id"
USER_SETTING = "huzhu.user_id"
CURRENT_TENANT_SQL = f"NULLIF(current_setting('{TENANT_SETTING}', true), '')::integer"
CURRENT_USER_SQL = f"NULLIF(current_setting('{USER_SETTING}', true), '')::integer"
_SET = text(f"SELECT set_config('{TENANT_SETTING}', :tenant, true), set_config('{USER_SETTING}', :user, true)")


def _params() -> dict:
    from tenants.context import current_db_user_id, current_tenant_id

    tenant, user = current_tenant_id(), current_db_user_id()
    return {"tenant": "" if tenant is None else str(tenant), "user": "" if user is None else str(user)}


@event.listens_for(Session, "after_begin")
def _on_begin(session, transaction, connection):
    if connection.dialect.name == "postgresql":
        connection.execute(_SET, _params())


def apply_settings_to_open_transaction() -> None:
    """Re-send the settings when the context changes while a transaction is open."""
    from flask import has_app_context

    if not has_app_context():
        return
    from app.core.extensions import db

    session = db.session()
    if not session.in_transaction():
        return
    connection = session.connection()  # the one bind; already begun, so no new transaction
    if connection.dialect.name == "postgresql":
        connection.execute(_SET, _params())


# --- migrations ---------------------------------------------------------------------------------

def enable(op, table: str, *, extra_read: str | None = None, platform_rows: bool = False) -> None:
    """Turn row-level security on for a tenant table (called from migrations; no-op off PostgreSQL).

    `extra_read` widens reading only (never writing), e.g. a user may read their own memberships
    in every community to list where they belong. `platform_rows` lets rows without a community be
    used exactly when no community is set (TenantOrPlatformScoped).
    """
    if op.get_bind().dialect.name != "postgresql":
        return
    using = (f"community_id IS NOT DISTINCT FROM {CURRENT_TENANT_SQL}" if platform_rows
             else f"community_id = {CURRENT_TENANT_SQL}")
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY tenant_isolation ON {table} USING ({using}) WITH CHECK ({using})")
    if extra_read:
        op.execute(f"CREATE POLICY own_rows_read ON {table} FOR SELECT USING ({extra_read})")


def disable(op, table: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"DROP POLICY IF EXISTS own_rows_read ON {table}")
    op.execute(f"DROP POLICY IF EXISTS tenant_isolation ON {table}")
    op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")


# --- the street (see tenants/street.py) -----------------------------------------------------------

CURRENT_STREET_SQL = f"(SELECT c.street_id FROM communities c WHERE c.id = {CURRENT_TENANT_SQL})"
NEIGHBOURS_SQL = (f"(SELECT n.id FROM communities n WHERE n.street_id = {CURRENT_STREET_SQL} "
                  f"AND n.id <> {CURRENT_TENANT_SQL})")


def share_with_street(op, table: str, *, via: tuple[str, str] | None = None) -> None:
    """A SELECT-only policy: a community reads the rows other communities of its street share.

    For the shareable table itself (`shared_with_street` column) the rows with the flag on; for a child
    table `via=(parent_table, fk_column)` the rows whose parent is such a shared row. Writing is left to
    `tenant_isolation`, so another community's rows stay read-only. No-op off PostgreSQL.
    """
    if op.get_bind().dialect.name != "postgresql":
        return
    if via is None:
        using = f"shared_with_street AND community_id IN {NEIGHBOURS_SQL}"
    else:
        parent, column = via
        # The parent's own policies apply inside the sub-select: only shared parents are found.
        using = (f"community_id IN {NEIGHBOURS_SQL} AND EXISTS (SELECT 1 FROM {parent} p WHERE p.id = {table}.{column} "
                 f"AND p.community_id = {table}.community_id AND p.shared_with_street)")
    op.execute(f"CREATE POLICY street_shared_read ON {table} FOR SELECT USING ({using})")


def unshare_with_street(op, table: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"DROP POLICY IF EXISTS street_shared_read ON {table}")


def enable_street(op, table: str, *, immutable: tuple[str, ...]) -> None:
    """Row-level security for a street-scoped table (tenants.street.StreetScoped).

    Read and update: the origin, the target, or — while the row has no target — any community of its
    street. Insert: only as the origin, in the origin's own street, towards a community of that street.
    Delete: only the origin. A trigger keeps the origin, the street and the `immutable` columns as they
    were inserted, and lets the target be set only once (a neighbour taking a row addressed to the street).
    """
    if op.get_bind().dialect.name != "postgresql":
        return
    tenant = CURRENT_TENANT_SQL
    party = (f"from_community_id = {tenant} OR to_community_id = {tenant} "
             f"OR (to_community_id IS NULL AND street_id = {CURRENT_STREET_SQL})")
    insert = (f"from_community_id = {tenant} AND street_id = {CURRENT_STREET_SQL} AND (to_community_id IS NULL "
              f"OR to_community_id IN {NEIGHBOURS_SQL})")
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY street_read ON {table} FOR SELECT USING ({party})")
    op.execute(f"CREATE POLICY street_insert ON {table} FOR INSERT WITH CHECK ({insert})")
    op.execute(f"CREATE POLICY street_update ON {table} FOR UPDATE USING ({party}) WITH CHECK ({party})")
    op.execute(f"CREATE POLICY street_delete ON {table} FOR DELETE USING (from_community_id = {tenant})")
    changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}"
                          for c in ("id", "from_community_id", "street_id", *immutable))
    op.execute(f"""
        CREATE FUNCTION {table}_guard() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF {changed} THEN
                RAISE EXCEPTION 'the origin, street and content of {table} rows never change';
            END IF;
            IF OLD.to_community_id IS NOT NULL AND NEW.to_community_id IS DISTINCT FROM OLD.to_community_id THEN
                RAISE EXCEPTION 'the target of a {table} row is set once';
            END IF;
            RETURN NEW;
        END $$""")
    op.execute(f"CREATE TRIGGER {table}_guard BEFORE UPDATE ON {table} FOR EACH ROW EXECUTE FUNCTION {table}_guard()")


def disable_street(op, table: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"DROP TRIGGER IF EXISTS {table}_guard ON {table}")
    op.execute(f"DROP FUNCTION IF EXISTS {table}_guard()")
    for name in ("street_read", "street_insert", "street_update", "street_delete"):
        op.execute(f"DROP POLICY IF EXISTS {name} ON {table}")
    op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")


def create_tenant_table(op, name: str, *columns, extra_read: str | None = None, **kw):
    """Create a tenant table and, in the same step, enable and force its row-level policy (migrations).

    `columns` and `kw` are those of `op.create_table`; the table must have a `community_id` column.
    """
    if not any(getattr(c, "name", None) == "community_id" for c in columns):
        raise ValueError(f"tenant table {name} needs a community_id column")
    table = op.create_table(name, *columns, **kw)
    enable(op, name, extra_read=extra_read)
    return table
