"""How the app talks to SQLite, the embedded default (PostgreSQL needs nothing here).

Foreign keys are enforced: the composite (community_id, id) keys are a tenancy wall only then.
Two SQLite transactions that both read and then write can make one fail with "database is locked";
`retry_when_locked` runs such a short unit of work again (the capacity check itself is one
conditional UPDATE, so a retry can never over-book); a view is marked with app.lifecycle's
`retry_when_locked` instead, and the request's whole unit of work runs again.
"""
import functools
import logging
import random
import time

from sqlalchemy import Engine, event
from sqlalchemy.exc import OperationalError

from app.core.extensions import db

logger = logging.getLogger(__name__)


@event.listens_for(Engine, "connect")
def _sqlite_connect(dbapi_connection, connection_record):
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def is_locked(exc: Exception) -> bool:
    """SQLite's lock conflict between two writing transactions (PostgreSQL waits instead)."""
    return isinstance(exc, OperationalError) and "database is locked" in str(exc)


def retry_when_locked(func, attempts: int = 8):
    """Run `func` (which commits) again after a rollback when SQLite reports a lock conflict."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):

        for attempt in range(attempts):
            try:
                return func(*args, **kwargs)
            except OperationalError as exc:
                if not is_locked(exc) or attempt == attempts - 1:
                    raise
                db.session.rollback()
                time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))
        raise AssertionError("unreachable")

    return wrapper
