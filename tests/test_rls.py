"""PostgreSQL row-level security: the wall that holds even for raw SQL (runs on PostgreSQL only)."""
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.pool import NullPool

from app.extensions import db
from tenants.context import set_db_user, tenant_context
from tests.conftest import PG_URL
from tests.factories import CommunityFactory, member, units

pytestmark = pytest.mark.skipif(not PG_URL, reason="row-level security exists on PostgreSQL only")

TENANT_TABLES = ["memberships", "membership_roles", "units", "unit_representatives", "unit_imports"]


@pytest.fixture
def two(app):
    a, b = CommunityFactory(slug="ra"), CommunityFactory(slug="rb")
    user_a, user_b = member(a, "admin"), member(b, "admin")
    return {"a": a, "b": b, "user_a": user_a, "user_b": user_b,
            "unit_a": units(a, 2)[0], "unit_b": units(b, 3)[0]}


def _raw(sql, **params):
    return db.session.execute(text(sql), params)


def test_raw_sql_under_a_reads_only_a(two):
    with tenant_context(two["a"].id):
        assert _raw("SELECT count(*) FROM units").scalar() == 2
        assert _raw("SELECT count(*) FROM units WHERE community_id = :b", b=two["b"].id).scalar() == 0
        assert _raw("SELECT count(*) FROM memberships").scalar() == 1
    db.session.rollback()


def test_raw_sql_under_a_cannot_write_b(two):
    with tenant_context(two["a"].id):
        changed = _raw("UPDATE units SET description = 'x' WHERE community_id = :b", b=two["b"].id).rowcount
        assert changed == 0
        deleted = _raw("DELETE FROM units WHERE id = :id", id=two["unit_b"]).rowcount
        assert deleted == 0
        with pytest.raises(DBAPIError, match="row-level security"):
            _raw("INSERT INTO units (community_id, name, name_sort, type, address, contact_name, contact_phone, "
                 "description, status, created_at, updated_at) VALUES (:b, 'x', 'x', 'shop', '', '', '', '', "
                 "'active', now(), now())", b=two["b"].id)
        db.session.rollback()
    with tenant_context(two["a"].id):
        with pytest.raises(DBAPIError, match="row-level security"):
            _raw("UPDATE units SET community_id = :b WHERE id = :id", b=two["b"].id, id=two["unit_a"])
        db.session.rollback()
    with tenant_context(two["b"].id):
        assert _raw("SELECT count(*) FROM units").scalar() == 3
    db.session.rollback()


def test_no_tenant_set_reads_nothing(two):
    db.session.rollback()
    for table in TENANT_TABLES:
        assert _raw(f"SELECT count(*) FROM {table}").scalar() == 0, table
    db.session.rollback()


def test_setting_does_not_leak_into_the_next_transaction(two):
    with tenant_context(two["a"].id):
        assert _raw("SELECT count(*) FROM units").scalar() == 2
        db.session.commit()
    assert _raw("SELECT current_setting('huzhu.tenant_id', true)").scalar() in ("", None)
    assert _raw("SELECT count(*) FROM units").scalar() == 0
    db.session.rollback()


def test_user_reads_own_memberships_across_communities_only(two):
    other = member(two["b"], "resident", user=two["user_a"])
    db.session.rollback()
    set_db_user(other.id)
    try:
        rows = _raw("SELECT community_id FROM memberships ORDER BY community_id").scalars().all()
        assert rows == [two["a"].id, two["b"].id]
        assert _raw("SELECT count(*) FROM membership_roles").scalar() == 2  # admin in A, resident in B
        assert _raw("SELECT count(*) FROM units").scalar() == 0
    finally:
        set_db_user(None)
        db.session.rollback()


def test_app_role_owns_no_table_and_cannot_bypass_rls(app):
    role = _raw("SELECT current_user").scalar()
    owned = _raw("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = current_user").scalar()
    assert owned == 0
    flags = _raw("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = :r", r=role).one()
    assert flags == (False, False)
    forced = _raw("SELECT relname FROM pg_class WHERE relname = ANY(:t) AND relrowsecurity AND relforcerowsecurity",
                  t=TENANT_TABLES).scalars().all()
    assert sorted(forced) == sorted(TENANT_TABLES)
    with pytest.raises(DBAPIError):
        _raw("ALTER TABLE units DISABLE ROW LEVEL SECURITY")
    db.session.rollback()


def test_every_table_with_community_id_has_a_policy(app):
    """A table added later without its policy fails here."""
    tables = _raw("SELECT table_name FROM information_schema.columns WHERE table_schema = 'public' "
                  "AND column_name = 'community_id'").scalars().all()
    with_policy = set(_raw("SELECT tablename FROM pg_policies WHERE policyname = 'tenant_isolation'").scalars())
    assert tables and set(tables) <= with_policy


def test_database_rejects_cross_community_foreign_key(two):
    """Even the owner, who may set any tenant, cannot make A's row point at B's unit."""
    from tests.conftest import PG_OWNER_URL

    owner = create_engine(PG_OWNER_URL, poolclass=NullPool)
    try:
        with owner.connect() as conn:
            conn.execute(text("SELECT set_config('huzhu.tenant_id', :a, false)"), {"a": str(two["a"].id)})
            with pytest.raises(IntegrityError):
                conn.execute(text("INSERT INTO unit_representatives (community_id, unit_id, user_id, created_at) "
                                  "VALUES (:a, :unit_b, :u, now())"),
                             {"a": two["a"].id, "unit_b": two["unit_b"], "u": two["user_a"].id})
    finally:
        owner.dispose()
