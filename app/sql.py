"""Small SQL helpers that differ by backend."""
import logging

from app.extensions import db

logger = logging.getLogger(__name__)


def insert_ignoring_duplicates(model, rows: list[dict]) -> None:
    """INSERT … ON CONFLICT DO NOTHING: a unique key, not luck, keeps a row from appearing twice."""
    if not rows:
        return
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    db.session.execute(insert(model).on_conflict_do_nothing(), rows)
