"""Fixtures: one app per configuration, reset between tests (SQLite, or PostgreSQL + Redis when configured).

Building an app costs about 0.4 s (Werkzeug compiles some 600 URL rules, flask-smorest builds the OpenAPI
document, Jinja compiles the templates again), so each distinct configuration — the default, or a module's
`app_config` override — is built once per session and reset between tests instead: its database (SQLite:
the file is restored from the migrated template; PostgreSQL: every table is emptied and the sequences
restarted), its rate-limit counters, Redis, its configuration (a test may assign `app.config[...]`), the
in-process job list and the tenant context. Every test still runs in its own app context, and every
request in its own (`OwnContextClient`). A test that changes the app itself (adds a route) asks for one
of its own with `@pytest.mark.own_app`.

TEST_DATABASE_URL points the suite at PostgreSQL (as the app's role, which owns no table);
TEST_DATABASE_OWNER_URL is the owner that runs migrations and empties tables between tests.
REDIS_URL makes rate limits (and later jobs) use a real Redis.
"""
import copy
import os
import shutil
import tempfile
from contextlib import contextmanager
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from flask.testing import FlaskClient
from redis import Redis
from sqlalchemy import create_engine, event, make_url, text
from sqlalchemy.pool import NullPool

from app import create_app
from app.core.extensions import db, limiter
from tenants import clock as community_clock
from tests import services
from tests.factories import CommunityFactory, docking_world, member, token_for

PG_URL = os.environ.get("TEST_DATABASE_URL") or None
PG_OWNER_URL = os.environ.get("TEST_DATABASE_OWNER_URL") or PG_URL
REDIS_URL = os.environ.get("REDIS_URL") or None
PASSWORD = "correct-horse-7"
# Uploaded photos of the whole session land here, never under instance/ (a test may point UPLOAD_DIR elsewhere).
UPLOAD_DIR = tempfile.mkdtemp(prefix="huzhu-test-uploads-")


def backend_summary() -> str:
    database = f"postgresql ({make_url(PG_URL).username}@{make_url(PG_URL).database})" if PG_URL else "sqlite"
    return f"database: {database}; redis: {REDIS_URL or 'none (in-process jobs, memory rate limits)'}"


def pytest_report_header(config):
    share = SHARES.get(os.environ.get("HUZHU_TEST_SHARE", ""))
    return "huzhu backends — " + backend_summary() + (f"; left to the other run: {share[0]}" if share else "")


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    terminalreporter.write_line("huzhu backends — " + backend_summary())


def pytest_configure(config):
    config.addinivalue_line("markers", "own_app: build an app for this test alone (it changes the app itself)")


# CI runs the suite twice at once, on SQLite and on PostgreSQL + Redis (.ci/run). Some parts need no second run:
# the browser journeys and the walks over every page and list are about what a person sees (the pages' data comes
# through the services both runs test), and the tests with a redis-server of their own (workers killed, Redis
# restarted) use no configured backend but the database. HUZHU_TEST_SHARE=sqlite leaves the latter to the other
# run, =postgresql the former; unset, everything runs. What is left out is reported as deselected, with the reason
# in the header.
PAGE_WALKS = ("tests/test_chinese_pages.py", "tests/test_list_links.py",
              "tests/test_demo_live.py::test_the_demo_loaded_late_on_a_sunday_leap_day_still_has_today_and_tomorrow")


def _page_walk(item) -> bool:
    node = item.nodeid.replace("\\", "/")
    return node.startswith("tests/e2e/") or any(node == walk or node.startswith(walk + "::") for walk in PAGE_WALKS)


SHARES = {"sqlite": ("tests that start their own redis-server: run with PostgreSQL + Redis",
                     lambda item: "redis_server" in getattr(item, "fixturenames", ())),
          "postgresql": ("browser journeys and page walks: run with SQLite", _page_walk)}


def pytest_collection_modifyitems(config, items):
    share = SHARES.get(os.environ.get("HUZHU_TEST_SHARE", ""))
    if share is None:
        return
    left = [item for item in items if share[1](item)]
    if left:
        config.hook.pytest_deselected(items=left)
        items[:] = [item for item in items if not share[1](item)]


def _config(database_url: str, **extra) -> dict:
    # The engine as in production (on PostgreSQL a pool, pre-pinged): a connection is reused from one request to
    # the next, as there. Each test ends with the engine disposed, so none is open while the tables are emptied.
    cfg = {"HUZHU_ENV": "testing", "SQLALCHEMY_DATABASE_URI": database_url, "REDIS_URL": REDIS_URL,
           "SECRET_KEY": "test-secret", "DATABASE_OWNER_URL": PG_OWNER_URL if PG_URL else None,
           "UPLOAD_DIR": UPLOAD_DIR}
    cfg.update(extra)
    return cfg


def _migrate(database_url: str) -> None:
    from flask_migrate import upgrade

    app = create_app(_config(database_url))
    with app.app_context():
        upgrade()
        db.engine.dispose()


class Database:
    """The migrated database of the session and how to give a test (or an app) a fresh one."""

    def __init__(self, tmp_path_factory):
        self.dir = tmp_path_factory.mktemp("db")
        self.count = 0
        if PG_URL:
            self.kind = "postgresql"
            self.owner = create_engine(PG_OWNER_URL, poolclass=NullPool)
            with self.owner.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
            _migrate(PG_URL)
            with self.owner.connect() as conn:
                tables = [r[0] for r in conn.execute(text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"))]
                forced = [r[0] for r in conn.execute(text(
                    "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relforcerowsecurity"))]
            # Emptying every table with TRUNCATE took over a second per test (it makes new files for each table
            # and index); DELETE takes a few milliseconds. One statement deletes from every table, so the foreign
            # keys (needs and street referrals point at each other) are checked once nothing is left; the owner
            # is subject to the forced row-level security, so that is off for the length of the transaction
            # (other connections never see it off), and sequences start at 1 again as RESTART IDENTITY did.
            deletes = ", ".join(f"d{i} AS (DELETE FROM {table})" for i, table in enumerate(tables[1:]))
            self.reset_sql = [
                "SET LOCAL lock_timeout = '30s'",  # a connection left open fails the reset instead of hanging it
                *(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY" for table in forced),
                f"WITH {deletes} DELETE FROM {tables[0]}",
                *(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY" for table in forced),
                "SELECT setval(quote_ident(schemaname) || '.' || quote_ident(sequencename), 1, false) "
                "FROM pg_sequences WHERE schemaname = 'public' AND last_value IS NOT NULL",
            ]
        else:
            self.kind = "sqlite"
            self.template = self.dir / "template.db"
            _migrate(f"sqlite:///{self.template}")

    def new_url(self) -> str:
        """A database URL of its own (SQLite: a new copy of the template; PostgreSQL: the one database)."""
        if self.kind == "postgresql":
            return PG_URL
        self.count += 1
        path = self.dir / f"test{self.count}.db"
        shutil.copyfile(self.template, path)
        return f"sqlite:///{path}"

    def reset(self, url: str) -> None:
        """Back to the freshly migrated state. The app's engine must have been disposed (no open connection)."""
        if self.kind == "postgresql":
            with self.owner.begin() as conn:
                for statement in self.reset_sql:
                    conn.execute(text(statement))
            return
        path = make_url(url).database
        for leftover in (f"{path}-journal", f"{path}-wal", f"{path}-shm"):
            if os.path.exists(leftover):  # a journal left behind would be "replayed" into the fresh copy
                os.remove(leftover)
        shutil.copyfile(self.template, f"{path}.new")
        os.replace(f"{path}.new", path)  # a new file: a connection someone leaked keeps the old one

    def close(self) -> None:
        if self.kind == "postgresql":
            self.owner.dispose()


@pytest.fixture(scope="session")
def database(tmp_path_factory):
    """Migrate once per session."""
    migrated = Database(tmp_path_factory)
    yield migrated
    migrated.close()


@pytest.fixture
def database_url(database):
    """A fresh database for a test that builds an app of its own."""
    url = database.new_url()
    yield url
    database.reset(url)


@pytest.fixture
def app_config():
    """Per-test configuration overrides (a test module may override this fixture)."""
    return {}


class OwnContextClient(FlaskClient):
    """A test client whose every request has its own app context, as in production.

    The `app` fixture keeps an app context open for the whole test so tests can use the database;
    Flask would reuse it for each request, and `g` (the logged-in user, the language, the CSRF token)
    and the database session would carry over from one request to the next.
    """

    def open(self, *args, **kwargs):
        # What the test wrote is committed first, as a browser only sees committed data; and the test's
        # open transaction would otherwise hold locks that the request (another connection) waits for.
        db.session.commit()
        with self.application.app_context():
            return super().open(*args, **kwargs)


def _frozen(value):
    """A hashable form of a configuration, to find the app already built for it."""
    if isinstance(value, dict):
        return tuple(sorted((k, _frozen(v)) for k, v in value.items()))
    if isinstance(value, list | tuple | set):
        return tuple(_frozen(v) for v in value)
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value


# Flask-Limiter keeps its storage on the one `limiter` object, and the latest init_app (the latest app
# built) wins; each test puts back the storage of its own app.
_LIMITER_STATE = ("_storage", "_limiter", "_fallback_storage", "_fallback_limiter")


class BuiltApp:
    def __init__(self, database, overrides: dict):
        self.database = database
        self.url = database.new_url()
        self.app = create_app(_config(self.url, **overrides))
        self.app.test_client_class = OwnContextClient
        self.config = copy.deepcopy(dict(self.app.config))
        self.limiter = {name: getattr(limiter, name, None) for name in _LIMITER_STATE}

    def begin(self) -> None:
        """Before a test: its rate limits, Redis and job list start empty."""
        for name, value in self.limiter.items():
            setattr(limiter, name, value)
        limiter._storage_dead = False
        limiter.reset()
        if self.limiter["_fallback_storage"] is not None:
            self.limiter["_fallback_storage"].reset()
        for url in {REDIS_URL, self.app.config["REDIS_URL"]} - {None}:
            from redis import Redis

            Redis.from_url(url, socket_connect_timeout=5).flushdb()  # no job or counter of an earlier test
        _forget_process_state()

    def end(self) -> None:
        """After a test (in its app context): the database and the configuration as they were built."""
        db.session.remove()
        db.engine.dispose()
        self.database.reset(self.url)
        self.app.config.clear()
        self.app.config.update(copy.deepcopy(self.config))
        _forget_process_state()

    def close(self) -> None:
        with self.app.app_context():
            db.engine.dispose()


def _forget_process_state() -> None:
    """What lives in the process, not the app: queued in-process jobs and the tenant (and user) in context."""
    from jobs.queues import _in_process
    from tenants import context

    _in_process.set(None)
    context.clear()


@pytest.fixture(scope="session")
def _apps(database):
    """The apps built so far, by configuration."""
    built: dict = {}
    yield built
    for one in built.values():
        one.close()


@pytest.fixture
def app(request, database, _apps, app_config):
    if request.node.get_closest_marker("own_app"):
        built = BuiltApp(database, app_config)
    else:
        key = _frozen(app_config)
        if key not in _apps:
            _apps[key] = BuiltApp(database, app_config)
        built = _apps[key]
    built.begin()
    with built.app.app_context():
        yield built.app
        built.end()
    if request.node.get_closest_marker("own_app"):
        built.close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# --- shared people and places (tests/factories.py has the pieces; a module may override any of these) -------

@pytest.fixture
def community(app):
    """A community of its own (柳荫街社区, a generated slug)."""
    return CommunityFactory(name="柳荫街社区")


@pytest.fixture
def admin(community):
    return member(community, "admin", name="管理员")


@pytest.fixture
def coordinator(community):
    return member(community, "coordinator", name="协调员小李")


@pytest.fixture
def auth(client, admin):
    """The admin's bearer headers for the API."""
    return token_for(client, admin)


@pytest.fixture
def world(app, clock):
    """The docking world (tests.factories.docking_world): community `dock`, its coordinator, the canteen's cook
    and weekday lunch, and 王秀英 with her own account. It is Monday 30 November, 10:00: the needs are for the
    days after."""
    clock(2026, 11, 30, 10)
    return docking_world()


@pytest.fixture
def clock():
    """Set the community clock (tenants/clock.py): clock(2026, 11, 30, 10) is Monday 30 November, 10:00 in
    Shanghai, for every cutoff, age, period and "today" (the meal table's plans, orders and manifests too)."""
    def set_to(*parts):
        now = datetime(*parts, tzinfo=ZoneInfo("Asia/Shanghai"))
        community_clock.freeze(now)
        return now

    yield set_to
    community_clock.freeze(None)


class StatementCount:
    """The statements seen inside a `count_sql()` block; calling it gives how many."""

    def __init__(self):
        self.statements: list[str] = []

    def __call__(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_sql(app):
    """Count SQL statements the app sends inside the block: `with count_sql() as n: ...; n()`.

    Savepoints are left out, and so are the row-level security settings (`SELECT set_config`) unless
    `count_sql(settings=True)`; `n.statements` lists what was counted.
    """

    @contextmanager
    def counter(settings: bool = False):
        count = StatementCount()
        skipped = ("SAVEPOINT", "RELEASE") if settings else ("SELECT SET_CONFIG", "SAVEPOINT", "RELEASE")

        def on_execute(conn, cursor, statement, parameters, context, executemany):
            if not statement.lstrip().upper().startswith(skipped):
                count.statements.append(" ".join(statement.split()))

        event.listen(db.engine, "before_cursor_execute", on_execute)
        try:
            yield count
        finally:
            event.remove(db.engine, "before_cursor_execute", on_execute)

    return counter


@pytest.fixture(scope="session")
def smtp_server():
    """One real SMTP server (aiosmtpd) on localhost for the session, so the apps configured for it stay built."""
    from tests.services import SmtpServer

    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def smtp(smtp_server):
    """The SMTP server with nothing received, refused or delayed yet: `smtp.port`, `smtp.messages`, `smtp.handler`."""
    smtp_server.reset()
    return smtp_server


@pytest.fixture
def smtp_config(smtp) -> dict:
    """Configuration that sends the app's e-mail to the test's SMTP server (for an `app_config` override)."""
    return {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp.port}


@pytest.fixture
def drain(app):
    """Run every queued background job now: a burst worker on Redis, or the in-process list without it."""

    def run() -> None:
        from jobs.queues import run_in_process_jobs

        if app.config["REDIS_URL"]:
            from rq import SimpleWorker

            from jobs.queues import QUEUES, redis_connection

            SimpleWorker(list(QUEUES), connection=redis_connection()).work(burst=True, logging_level="WARNING")
        else:
            run_in_process_jobs()

    return run


# A redis-server of the test module's own (tests that stop and restart Redis, or run real workers against it).
@pytest.fixture(scope="module")
def _redis_process():
    server = services.RedisServer().start()
    yield server
    server.stop()


@pytest.fixture
def redis_server(_redis_process):
    """The module's own redis-server (one port, so the app built for it stays built), running and empty."""
    if not _redis_process.running:  # an earlier test stopped it
        _redis_process.start()
    Redis.from_url(_redis_process.url).flushall()
    return _redis_process
