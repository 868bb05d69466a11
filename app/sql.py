"""Small SQL helpers that differ by backend."""
import logging

from app.extensions import db

logger = logging.getLogger(__name__)


def insert_ignoring_duplicates(model, rows: list[dict]) -> int:
    """INSERT … ON CONFLICT DO NOTHING: a unique key, not luck, keeps a row from appearing twice.

    Returns how many rows were new (counted from RETURNING: drivers' row counts disagree on ignored rows)."""
    if not rows:
        return 0
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    key = model.__table__.primary_key.columns.values()[0]
    return len(db.session.execute(insert(model).on_conflict_do_nothing().returning(key), rows).all())
