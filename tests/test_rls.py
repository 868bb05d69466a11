"""PostgreSQL row-level security: the wall that holds even for raw SQL (runs on PostgreSQL only)."""
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.pool import NullPool

from app.core.extensions import db
from app.needs.schemas import NeedIn
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


def _count_units() -> int:
    """A job body: raw SQL, so only row-level security decides what it sees."""
    return _raw("SELECT count(*) FROM units").scalar()


def _transaction_id() -> int:
    return _raw("SELECT txid_current()").scalar()


def test_a_change_of_tenant_inside_a_transaction_applies_to_the_next_statement(two, count_sql):
    a, b = two["a"].id, two["b"].id
    db.session.rollback()
    with count_sql(settings=True) as n:
        with tenant_context(a):
            txid = _transaction_id()
            assert _count_units() == 2
            with tenant_context(b):  # e.g. a job run inside a request
                assert _count_units() == 3
                assert _raw("SELECT count(*) FROM units WHERE community_id = :a", a=a).scalar() == 0
            assert _count_units() == 2
            assert _transaction_id() == txid  # all in one transaction
    settings = [s for s in n.statements if s.upper().startswith("SELECT SET_CONFIG")]
    assert len(settings) == 3, n.statements  # A once, B once, A again: not once per statement
    db.session.rollback()


def test_settings_undone_by_a_rolled_back_savepoint_are_sent_again(two):
    with tenant_context(two["a"].id):
        assert _count_units() == 2
        savepoint = db.session.begin_nested()
        with tenant_context(two["b"].id):
            assert _count_units() == 3  # B is set inside the savepoint…
            savepoint.rollback()  # …and undone with it
            assert _count_units() == 3
        assert _count_units() == 2
    db.session.rollback()


def test_a_jobs_tenant_context_is_applied_even_inside_an_open_transaction(two):
    from jobs.runner import run_job

    assert _count_units() == 0  # a transaction with no tenant is open
    assert run_job(two["b"].id, "tests.test_rls._count_units") == 3
    assert run_job(two["a"].id, "tests.test_rls._count_units") == 2
    assert _count_units() == 0
    db.session.rollback()


def test_raw_connections_of_the_app_engine_get_the_settings_too(two):
    with tenant_context(two["a"].id), db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM units")).scalar() == 2
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM units")).scalar() == 0


def test_a_database_default_for_the_settings_does_not_reach_the_app(two):
    """Each new connection blanks the settings for its session, so only the context ever sets them."""
    from sqlalchemy import make_url
    from sqlalchemy.exc import OperationalError

    from tests.conftest import PG_OWNER_URL

    # Only a superuser may take such a default away again (PostgreSQL 15), as in .ci/run.
    admin = create_engine(make_url(PG_OWNER_URL).set(username="postgres", password=None), poolclass=NullPool)
    database = admin.url.database
    try:
        with admin.begin() as conn:
            conn.execute(text(f"ALTER DATABASE {database} SET huzhu.tenant_id = '{two['a'].id}'"))
    except OperationalError:
        admin.dispose()
        pytest.skip("needs the postgres superuser on the test server")
    try:
        db.session.rollback()
        db.engine.dispose()  # new connections from here on
        assert _raw("SELECT count(*) FROM units").scalar() == 0
        db.session.rollback()
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"ALTER DATABASE {database} RESET huzhu.tenant_id"))
        admin.dispose()
        db.engine.dispose()


def test_the_look_up_of_who_is_asking_sets_the_settings_once_and_a_rejected_one_leaves_none(two, count_sql):
    from app.accounts import services as accounts
    from tenants.clock import utcnow
    from tenants.context import current_db_user_id, current_tenant_id, reset_db_user, reset_tenant, set_tenant

    user_a, a = two["user_a"].id, two["a"].id
    _token, secret = accounts.create_token(two["user_a"], "t")
    revoked, spoilt = accounts.create_token(two["user_a"], "revoked")
    revoked.revoked_at = utcnow()
    db.session.commit()
    accounts.load_token(secret, "ra")  # the first use is recorded (a commit); the next five minutes' are not
    db.session.rollback()

    with count_sql(settings=True) as n:
        found = accounts.load_token(secret, "ra")
        assert found.community.id == a and found.membership.role_names == ["admin"]
        assert (current_tenant_id(), current_db_user_id()) == (None, None)  # the caller decides
        tokens = set_tenant(a), set_db_user(user_a)  # as the log-in loader and the guard do
        try:
            assert _count_units() == 2
        finally:
            reset_db_user(tokens[1])
            reset_tenant(tokens[0])
    assert len(n.statements) == 3, n.statements  # settings, look-up, units: nothing sent again
    db.session.rollback()

    assert accounts.load_token(spoilt, "ra") is None
    # The settings the look-up found are not kept: the next statement runs as no one.
    assert tuple(_raw("SELECT current_setting('huzhu.tenant_id', true), "
                      "current_setting('huzhu.user_id', true)").one()) == ("", "")
    assert _raw("SELECT count(*) FROM memberships").scalar() == 0
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


# --- the street: shared offers read-only, referrals only for their parties --------------------------

@pytest.fixture
def street(app, clock):
    clock(2026, 11, 30, 10)  # Monday: the referred need is for Tuesday
    from tests.test_street_sharing import street_world

    return street_world()


def test_raw_sql_under_a_reads_the_neighbours_shared_offers_only(street):
    a, b, c = street["a"].id, street["b"].id, street["c"].id
    with tenant_context(a):
        ids = set(_raw("SELECT id FROM offers").scalars())
        assert ids == {street["a_offer"], street["b_shared"]}  # not B's own, not C's (another street)
        assert _raw("SELECT count(*) FROM offers WHERE community_id = :c", c=c).scalar() == 0
    db.session.rollback()
    with tenant_context(b):  # booking and closing B's shared offer, in B
        _raw("INSERT INTO offer_occurrences (community_id, offer_id, key, booked) VALUES (:b, :o, 'k', 1), "
             "(:b, :p, 'k', 1)", b=b, o=street["b_shared"], p=street["b_private"])
        db.session.commit()
    with tenant_context(a):
        assert set(_raw("SELECT offer_id FROM offer_occurrences").scalars()) == {street["b_shared"]}
    db.session.rollback()


def test_raw_sql_under_a_cannot_write_any_of_bs_rows(street):
    a, b = street["a"].id, street["b"].id
    with tenant_context(a):
        assert _raw("UPDATE offers SET title = 'x' WHERE id = :o", o=street["b_shared"]).rowcount == 0
        assert _raw("UPDATE offers SET shared_with_street = true WHERE community_id = :b", b=b).rowcount == 0
        assert _raw("DELETE FROM offers WHERE id = :o", o=street["b_shared"]).rowcount == 0
        assert _raw("UPDATE offer_occurrences SET booked = 0").rowcount == 0
        with pytest.raises(DBAPIError, match="row-level security"):
            _raw("INSERT INTO offer_occurrences (community_id, offer_id, key, booked) VALUES (:b, :o, 'x', 0)",
                 b=b, o=street["b_shared"])
        db.session.rollback()
    with tenant_context(b):
        assert _raw("SELECT title FROM offers WHERE id = :o", o=street["b_shared"]).scalar() == "安华共享午饭"
    db.session.rollback()


def _referral(street) -> int:
    from zoneinfo import ZoneInfo

    from app.needs import services as needs
    from app.referrals import services as referrals

    with tenant_context(street["a"].id):
        need = needs.create_need(NeedIn().load({"kind": "meal", "title": "午饭", "resident_id": str(street["resident"]),
                                                "day": "2026-12-01", "slot": "lunch"}),
                                 actor_id=None, tz=ZoneInfo("Asia/Shanghai"))
        referral_id = referrals.refer(need, street["b_shared"], actor_id=None).id
        db.session.commit()
    return referral_id


def test_referral_rows_are_seen_and_changed_only_by_their_parties(street):
    _referral(street)
    a, b, c, d = (street[k].id for k in "abcd")
    for tenant, count in ((a, 1), (b, 1), (c, 0), (d, 0)):  # D: same street, but not addressed
        with tenant_context(tenant):
            assert _raw("SELECT count(*) FROM street_referrals").scalar() == count, tenant
            if not count:
                assert _raw("UPDATE street_referrals SET status = 'taken'").rowcount == 0
                assert _raw("DELETE FROM street_referrals").rowcount == 0
        db.session.rollback()
    with tenant_context(b):
        assert _raw("DELETE FROM street_referrals").rowcount == 0  # only the origin deletes
        with pytest.raises(DBAPIError, match="never change"):
            _raw("UPDATE street_referrals SET need_id = need_id + 1")
        db.session.rollback()
    with tenant_context(b):
        with pytest.raises(DBAPIError, match="never change"):
            _raw("UPDATE street_referrals SET from_community_id = :b", b=b)
        db.session.rollback()


def test_only_the_origin_inserts_a_referral_and_only_within_its_street(street):
    a, b, c = street["a"].id, street["b"].id, street["c"].id
    columns = ("need_id, kind, window_start, window_end, quantity, urgency, elderly, source, status, origin_status, "
               "created_at, street_id, from_community_id, to_community_id")
    street_of_a = _raw("SELECT street_id FROM communities WHERE id = :a", a=a).scalar()
    db.session.rollback()
    sql = (f"INSERT INTO street_referrals ({columns}) VALUES (1, 'meal', now(), now(), 1, 'normal', false, "
           f"'proposed', 'open', 'open', now(), :street, :origin, :target)")
    for tenant, origin, target in ((b, a, b), (a, a, c)):  # forging the origin; a target in another street
        with tenant_context(tenant):
            with pytest.raises(DBAPIError, match="row-level security"):
                _raw(sql, street=street_of_a, origin=origin, target=target)
            db.session.rollback()


def test_street_referrals_have_forced_row_level_security(app):
    forced = _raw("SELECT relforcerowsecurity FROM pg_class WHERE relname = 'street_referrals'").scalar()
    policies = set(_raw("SELECT policyname FROM pg_policies WHERE tablename = 'street_referrals'").scalars())
    assert forced and policies == {"street_read", "street_insert", "street_update", "street_delete"}
    shared = set(_raw("SELECT tablename FROM pg_policies WHERE policyname = 'street_shared_read' "
                      "AND cmd = 'SELECT'").scalars())
    assert shared == {"offers", "offer_closures", "offer_occurrences"}
    db.session.rollback()
