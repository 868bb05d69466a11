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
    from app.extensions import db

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
