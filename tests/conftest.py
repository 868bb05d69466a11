"""Fixtures: a migrated database per test (SQLite, or PostgreSQL + Redis when configured), app, clients.

TEST_DATABASE_URL points the suite at PostgreSQL (as the app's role, which owns no table);
TEST_DATABASE_OWNER_URL is the owner that runs migrations and empties tables between tests.
REDIS_URL makes rate limits (and later jobs) use a real Redis.
"""
import os
import shutil
import uuid
from contextlib import contextmanager

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, make_url, text
from sqlalchemy.pool import NullPool

from app import create_app
from app.core.extensions import db

PG_URL = os.environ.get("TEST_DATABASE_URL") or None
PG_OWNER_URL = os.environ.get("TEST_DATABASE_OWNER_URL") or PG_URL
REDIS_URL = os.environ.get("REDIS_URL") or None
PASSWORD = "correct-horse-7"


def backend_summary() -> str:
    database = f"postgresql ({make_url(PG_URL).username}@{make_url(PG_URL).database})" if PG_URL else "sqlite"
    return f"database: {database}; redis: {REDIS_URL or 'none (in-process jobs, memory rate limits)'}"


def pytest_report_header(config):
    return "huzhu backends — " + backend_summary()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    terminalreporter.write_line("huzhu backends — " + backend_summary())


def _config(database_url: str, **extra) -> dict:
    cfg = {"HUZHU_ENV": "testing", "SQLALCHEMY_DATABASE_URI": database_url, "REDIS_URL": REDIS_URL,
           "SECRET_KEY": "test-secret", "DATABASE_OWNER_URL": PG_OWNER_URL if PG_URL else None,
           "SQLALCHEMY_ENGINE_OPTIONS": {"poolclass": NullPool} if PG_URL else {}}
    cfg.update(extra)
    return cfg


def _migrate(database_url: str) -> None:
    from flask_migrate import upgrade

    app = create_app(_config(database_url))
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def database(tmp_path_factory):
    """Migrate once per session; return how to make a fresh database for one test."""
    if PG_URL:
        owner = create_engine(PG_OWNER_URL, poolclass=NullPool)
        with owner.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        _migrate(PG_URL)
        with owner.connect() as conn:
            tables = [r[0] for r in conn.execute(text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"))]
        yield {"kind": "postgresql", "owner": owner, "tables": tables}
        owner.dispose()
    else:
        template = tmp_path_factory.mktemp("db") / "template.db"
        _migrate(f"sqlite:///{template}")
        yield {"kind": "sqlite", "template": template}


@pytest.fixture
def database_url(database, tmp_path):
    if database["kind"] == "postgresql":
        yield PG_URL
        with database["owner"].begin() as conn:
            conn.execute(text(f"TRUNCATE {', '.join(database['tables'])} RESTART IDENTITY CASCADE"))
    else:
        path = tmp_path / "test.db"
        shutil.copy(database["template"], path)
        yield f"sqlite:///{path}"


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


@pytest.fixture
def app(database_url, app_config):
    if REDIS_URL:
        from redis import Redis

        Redis.from_url(REDIS_URL).flushdb()  # no job or counter of an earlier test survives into this one
    app = create_app(_config(database_url, RATELIMIT_KEY_PREFIX=f"t{uuid.uuid4().hex[:10]}", **app_config))
    app.test_client_class = OwnContextClient
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


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


@pytest.fixture
def smtp():
    """A real SMTP server (aiosmtpd) on localhost for the test; `smtp.port`, `smtp.messages`."""
    from tests.services import SmtpServer

    server = SmtpServer().start()
    yield server
    server.stop()


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
