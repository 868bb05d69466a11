"""Keyset pagination: `?cursor=` and `?limit=` walk a collection without OFFSET."""
import base64
import json
import logging

from flask_babel import gettext as _
from marshmallow import Schema, fields, validate
from sqlalchemy import tuple_

from app.core.extensions import db
from app.core.fields import Length
from app.core.validation import ValidationFailed

logger = logging.getLogger(__name__)


class PageArgs(Schema):
    cursor = fields.String(load_default=None, validate=Length(max=500))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


def encode_cursor(values) -> str:
    raw = json.dumps(list(values), ensure_ascii=False, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, size: int) -> list:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (ValueError, json.JSONDecodeError):
        values = None
    if not isinstance(values, list) or len(values) != size or not all(
            isinstance(v, str) or (isinstance(v, int) and not isinstance(v, bool) and -2**31 <= v < 2**31)
            for v in values):  # an int beyond the database's integers would fail in the query, not here
        raise ValidationFailed({"cursor": [_("This cursor is not valid; start again from the first page.")]})
    return values


def keyset_page(stmt, key_columns, *, cursor: str | None, limit: int, descending: bool = False):
    """One page of `stmt` ordered by `key_columns` (the last one unique), and the cursor of the next."""
    if cursor:
        values = decode_cursor(cursor, len(key_columns))
        after = tuple_(*key_columns) < tuple_(*values) if descending else tuple_(*key_columns) > tuple_(*values)
        stmt = stmt.where(after)
    order = [c.desc() for c in key_columns] if descending else list(key_columns)
    # unique(): a page may eager-load a collection by a join (one statement instead of a second IN query).
    rows = list(db.session.execute(stmt.order_by(*order).limit(limit + 1)).unique().scalars())
    items, more = rows[:limit], len(rows) > limit
    next_cursor = None
    if more:
        last = items[-1]
        next_cursor = encode_cursor(getattr(last, col.key) for col in key_columns)
    return items, next_cursor
