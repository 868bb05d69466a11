"""PostgreSQL row-level security: the second wall, which holds even for raw SQL.

Every tenant table gets a policy comparing its community_id with the per-transaction setting
`huzhu.tenant_id` (and a few read policies compare a user id with `huzhu.user_id`). The app keeps
both equal to the tenant context (`tenants.context`) with one statement,

    SELECT set_config('huzhu.tenant_id', …, true), set_config('huzhu.user_id', …, true)

sent just before the first statement of a transaction that needs it, and again only before a
statement that follows a change of the context inside the open transaction. `is_local => true`
makes both end with the transaction, so they can never leak into the next one that reuses the
pooled connection. A transaction starts with both empty (every new connection is set so at the
session level, whatever the role's defaults), so a transaction with no tenant and no user needs
no statement at all. Nothing depends on which code opened the transaction: the hook sits under
every statement the app's engine sends, ORM, Core and raw SQL alike.

`init_app(app)` (from `create_app`) installs it on the app's PostgreSQL engines.
"""
import contextlib
import logging

from sqlalchemy import Text, cast, event, func, select

from app.core.extensions import db
from tenants.context import current_db_user_id, current_tenant_id, reset_db_user, reset_tenant, set_db_user, set_tenant

logger = logging.getLogger(__name__)

TENANT_SETTING = "huzhu.tenant_id"
USER_SETTING = "huzhu.user_id"
CURRENT_TENANT_SQL = f"NULLIF(current_setting('{TENANT_SETTING}', true), '')::integer"
CURRENT_USER_SQL = f"NULLIF(current_setting('{USER_SETTING}', true), '')::integer"

_SET_SQL = (f"SELECT set_config('{TENANT_SETTING}', %(tenant)s, true), "
            f"set_config('{USER_SETTING}', %(user)s, true)")
_BASELINE_SQL = f"SELECT set_config('{TENANT_SETTING}', '', false), set_config('{USER_SETTING}', '', false)"
# What the open transaction of a connection holds, in its `info`: (tenant id, user id).
_APPLIED = "huzhu_rls_applied"
_BLANK = (None, None)
_UNKNOWN = ("unknown", "unknown")  # never equal to a context, so the next statement sends the settings
_SAVEPOINTS = ("SAVEPOINT ", "RELEASE SAVEPOINT ", "ROLLBACK TO SAVEPOINT ")
# Execution option of the settings statement itself, so the hook does not run for it.
_OWN = "huzhu_rls_settings"


def init_app(app) -> None:
    """Keep the row-level security settings of the app's PostgreSQL engines in step with the context."""
    with app.app_context():
        for engine in db.engines.values():
            install(engine)


def install(engine) -> None:
    """Attach the settings to one engine (no-op off PostgreSQL). Idempotent."""
    if engine.dialect.name != "postgresql" or event.contains(engine, "before_cursor_execute", _before_statement):
        return
    event.listen(engine, "connect", _blank_session)
    event.listen(engine, "begin", _on_begin)
    event.listen(engine, "rollback_savepoint", _on_rollback_savepoint)
    event.listen(engine, "before_cursor_execute", _before_statement)


def _text(value: int | None) -> str:
    return "" if value is None else str(value)


def _blank_session(dbapi_connection, connection_record) -> None:
    # A role or database default for these settings would otherwise be what every transaction starts with.
    with dbapi_connection.cursor() as cursor:
        cursor.execute(_BASELINE_SQL)
    dbapi_connection.commit()


def _on_begin(conn) -> None:
    conn.info[_APPLIED] = _BLANK


def _on_rollback_savepoint(conn, name, context) -> None:
    # Rolling back to a savepoint also undoes a set_config sent after it: no longer known.
    conn.info[_APPLIED] = _UNKNOWN


def _before_statement(conn, cursor, statement, parameters, context, executemany) -> None:
    wanted = (current_tenant_id(), current_db_user_id())
    if conn.info.get(_APPLIED, _UNKNOWN) == wanted:
        return
    if context is not None and context.execution_options.get(_OWN):
        return
    if statement.startswith(_SAVEPOINTS):
        return  # reads nothing; and a set_config just before ROLLBACK TO SAVEPOINT would be undone by it
    conn.exec_driver_sql(_SET_SQL, {"tenant": _text(wanted[0]), "user": _text(wanted[1])},
                         execution_options={_OWN: True}).close()
    conn.info[_APPLIED] = wanted


def _as_id(value: str | None) -> int | None:
    return int(value) if value else None


def settings_select(*, tenant, user):
    """The settings statement with both values found by the database: `tenant` and `user` are scalar subqueries
    (of integer ids, or no row). Build it once and run it with `settings_from`."""
    return select(func.set_config(TENANT_SETTING, func.coalesce(cast(tenant, Text), ""), True),
                  func.set_config(USER_SETTING, func.coalesce(cast(user, Text), ""), True))


@contextlib.contextmanager
def settings_from(session, statement, params: dict):
    """Act, inside the block, for the community and the user that a `settings_select` statement finds.

    For a request's own look-up of who is asking: the settings are set from the subqueries in the
    same one statement, so the look-up that follows (a membership, read under the policies) needs no
    second one. Yields the ids found, (None, None) off PostgreSQL, where nothing is sent. The context
    is what it was after the block; the caller sets what it has checked, and when that is what was
    found, no statement is sent again.
    """
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        yield _BLANK
        return
    row = connection.execute(statement, params, execution_options={_OWN: True}).one()
    found = (_as_id(row[0]), _as_id(row[1]))
    connection.info[_APPLIED] = found
    tenant_token, user_token = set_tenant(found[0]), set_db_user(found[1])
    try:
        yield found
    finally:
        reset_db_user(user_token)
        reset_tenant(tenant_token)


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


def create_tenant_table(op, name: str, *columns, extra_read: str | None = None, platform_rows: bool = False,
                        **kw):
    """Create a tenant table and, in the same step, enable and force its row-level policy (migrations).

    `columns` and `kw` are those of `op.create_table`; the table must have a `community_id` column.
    """
    if not any(getattr(c, "name", None) == "community_id" for c in columns):
        raise ValueError(f"tenant table {name} needs a community_id column")
    table = op.create_table(name, *columns, **kw)
    enable(op, name, extra_read=extra_read, platform_rows=platform_rows)
    return table
