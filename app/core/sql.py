"""Small SQL helpers that differ by backend."""
import logging

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.core.extensions import db

logger = logging.getLogger(__name__)


def insert_ignoring_duplicates(model, rows: list[dict]) -> int:
    """INSERT … ON CONFLICT DO NOTHING: a unique key, not luck, keeps a row from appearing twice.

    Returns how many rows were new."""
    return len(inserted_rows(model, rows, model.__table__.primary_key.columns.values()[0]))


def inserted_rows(model, rows: list[dict], *columns) -> list:
    """Insert ignoring duplicates, in one statement; `columns` of the rows that were new (RETURNING, since
    drivers' row counts disagree on ignored rows)."""
    if not rows:
        return []
    insert = postgresql_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    return db.session.execute(insert(model).on_conflict_do_nothing().returning(*columns), rows).all()
