"""The floor of bench/http.py: the units list answered by hand, in the same gunicorn workers as the app.

`application` is what bench/http.py serves: `GET /floor/c/<slug>/units?limit=N` goes to a bare WSGI handler,
everything else to the app (`wsgi:app`), so both are measured by the same server, client and run. The handler
does the work of the app's `GET /api/v1/c/<slug>/units?limit=N` for a bearer token without Flask, SQLAlchemy
or marshmallow: one psycopg connection per worker (sqlite3 with --sqlite), and the same three statements the
app sends —

1. the row-level security settings, found from the slug and the token's digest (the app's statement);
2. the token, its user, the community, the membership and its roles in one query, with the app's rules
   (revoked or expired token, inactive user, not a member: 401 or 404; suspended community: 403);
3. the page of units in pinyin order under the community (`LIMIT N + 1`, as the keyset page does), joined
   with their representatives and their names (as the app's eager join does);

— then `json.dumps` of the same body (bench/http.py checks that it equals the app's). Left out on purpose:
the app's touch of `api_tokens.last_used_at` (one UPDATE per token every five minutes), Flask-Login, CSRF,
the rate limiter's bookkeeping and the security headers. Not part of the app; not imported by it.
"""
import base64
import hashlib
import json
import logging
import os
from datetime import UTC, date, datetime
from urllib.parse import parse_qs

from app.permissions import RULES
from wsgi import app

logger = logging.getLogger(__name__)

PREFIX = "/floor/c/"
TENANT_SETTING, USER_SETTING = "huzhu.tenant_id", "huzhu.user_id"
UNIT_COLUMNS = ("id", "name", "name_sort", "type", "address", "contact_name", "contact_phone", "description",
                "status", "joined_on", "created_at", "updated_at")

_SETTINGS_PG = (f"SELECT set_config('{TENANT_SETTING}', coalesce((SELECT id::text FROM communities WHERE slug = %s), "
                f"''), true), set_config('{USER_SETTING}', coalesce((SELECT user_id::text FROM api_tokens "
                f"WHERE token_hash = %s), ''), true)")
_WHO = ("SELECT t.revoked_at, t.expires_at, u.active, c.id, c.status, m.id, r.role "
        "FROM api_tokens t JOIN users u ON u.id = t.user_id "
        "LEFT JOIN communities c ON c.slug = {p} "
        "LEFT JOIN memberships m ON m.community_id = c.id AND m.user_id = u.id "
        "LEFT JOIN membership_roles r ON r.community_id = m.community_id AND r.membership_id = m.id "
        "WHERE t.token_hash = {p}")
_UNITS = (f"SELECT {', '.join('p.' + c for c in UNIT_COLUMNS)}, r.user_id, u.name "
          f"FROM (SELECT {', '.join(UNIT_COLUMNS)} FROM units WHERE community_id = {{p}} "
          "ORDER BY name_sort, id LIMIT {p}) p "
          "LEFT JOIN unit_representatives r ON r.unit_id = p.id AND r.community_id = {p} "
          "LEFT JOIN users u ON u.id = r.user_id ORDER BY p.name_sort, p.id, r.id")
UNITS_VIEW = RULES["units.view"]  # the roles that may list units: the app's own rule


class _Db:
    """This worker's one connection; a transaction per request."""

    def __init__(self, url: str):
        self.url, self.conn = url, None
        self.postgres = url.startswith("postgresql")
        self.p = "%s" if self.postgres else "?"

    def connect(self):
        if self.conn is None:
            if self.postgres:
                import psycopg

                self.conn = psycopg.connect(self.url.replace("postgresql+psycopg://", "postgresql://", 1))
            else:
                import sqlite3

                self.conn = sqlite3.connect(self.url.removeprefix("sqlite:///"), check_same_thread=False)
        return self.conn

    def sql(self, template: str, **parts) -> str:
        return template.format(p=self.p, **parts)


_db = _Db(os.environ.get("DATABASE_URL", ""))


def _iso(value):
    """As the API writes dates and moments (a moment in UTC with its offset); SQLite hands back naive text."""
    if isinstance(value, str) and len(value) > 10 and value[:4].isdigit() and value[10] == " ":
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value.isoformat() if isinstance(value, date) else value


def _expired(expires_at) -> bool:
    if expires_at is None:
        return False
    if isinstance(expires_at, str):
        expires_at = datetime.fromisoformat(expires_at)
    return (expires_at if expires_at.tzinfo else expires_at.replace(tzinfo=UTC)) <= datetime.now(UTC)


def _cursor(values) -> str:
    raw = json.dumps(list(values), ensure_ascii=False, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _answer(start_response, status: str, body: dict):
    data = json.dumps(body, ensure_ascii=False).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data))),
                            ("Cache-Control", "no-store")])
    return [data]


def _error(start_response, status: str, code: str):
    return _answer(start_response, status, {"error": {"code": code}})


def units_list(environ, start_response):
    slug, _, rest = environ["PATH_INFO"][len(PREFIX):].partition("/")
    if rest != "units":
        return _error(start_response, "404 Not Found", "not_found")
    header = environ.get("HTTP_AUTHORIZATION", "")
    secret = header[7:].strip() if header[:7].lower() == "bearer " else ""
    if not secret:
        return _error(start_response, "401 Unauthorized", "unauthorized")
    try:
        limit = int(parse_qs(environ.get("QUERY_STRING", "")).get("limit", ["50"])[0])
    except ValueError:
        limit = 0
    if not 1 <= limit <= 200:
        return _error(start_response, "422 Unprocessable Entity", "validation_failed")
    digest = hashlib.sha256(secret.encode()).hexdigest()
    conn = _db.connect()
    try:
        answer = _page(conn, start_response, slug, digest, limit)
    except BaseException:
        conn.rollback()
        raise
    # A commit, as the app's unit of work ends a request that succeeded (all of the benchmark's do): psycopg
    # keeps the statements it has prepared (from a connection's fifth use of one) across it, not a rollback.
    conn.commit()
    return answer


def _page(conn, start_response, slug: str, digest: str, limit: int):
    cur = conn.cursor()
    if _db.postgres:
        cur.execute(_SETTINGS_PG, (slug, digest))
        cur.fetchone()
    rows = cur.execute(_db.sql(_WHO), (slug, digest)).fetchall()
    if not rows:
        return _error(start_response, "401 Unauthorized", "unauthorized")
    revoked_at, expires_at, active, community_id, status, membership_id, _role = rows[0]
    if revoked_at is not None or not active or _expired(expires_at):
        return _error(start_response, "401 Unauthorized", "unauthorized")
    roles = {row[6] for row in rows if row[6] is not None}
    if community_id is None or membership_id is None:
        return _error(start_response, "404 Not Found", "not_found")
    if status != "active":
        return _error(start_response, "403 Forbidden", "community_suspended")
    if not roles & UNITS_VIEW:
        return _error(start_response, "403 Forbidden", "forbidden")
    units: dict[int, tuple] = {}
    representatives: dict[int, list[dict]] = {}
    for row in cur.execute(_db.sql(_UNITS), (community_id, limit + 1, community_id)).fetchall():
        unit_id = row[0]
        if unit_id not in units:
            units[unit_id], representatives[unit_id] = row[:len(UNIT_COLUMNS)], []
        if row[-2] is not None:
            representatives[unit_id].append({"id": str(row[-2]), "name": row[-1]})
    rows = list(units.values())
    page, more = rows[:limit], len(rows) > limit
    items = []
    for row in page:
        unit = dict(zip(UNIT_COLUMNS, row))
        del unit["name_sort"]
        unit = {k: _iso(v) for k, v in unit.items()}
        unit["id"] = str(row[0])
        unit["representatives"] = representatives[row[0]]
        items.append(unit)
    next_cursor = _cursor((page[-1][2], page[-1][0])) if more else None
    return _answer(start_response, "200 OK", {"items": items, "next_cursor": next_cursor})


def application(environ, start_response):
    if environ.get("PATH_INFO", "").startswith(PREFIX):
        return units_list(environ, start_response)
    return app(environ, start_response)
