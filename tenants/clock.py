"""The community clock: every "now", "today", cutoff, age and period of a community is read here.

Times are stored in UTC; a community lives in its own time zone (`Community.timezone`, default
Asia/Shanghai). Tests set the clock with `freeze()` instead of patching each domain's idea of time.
"""
import contextlib
import logging
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import g, has_app_context
from sqlalchemy import text

from app.core.extensions import db
from tenants.context import current_tenant_id

logger = logging.getLogger(__name__)

DEFAULT_ZONE = ZoneInfo("Asia/Shanghai")
_frozen: datetime | None = None


def utcnow() -> datetime:
    """Now, in UTC (aware)."""
    return _frozen if _frozen is not None else datetime.now(UTC)


def freeze(moment: datetime | None) -> None:
    """Stop the clock at an aware `moment` (None lets it run again); for tests and the demo's replay."""
    global _frozen
    if moment is not None and moment.tzinfo is None:
        raise ValueError("freeze() takes an aware datetime")
    _frozen = moment.astimezone(UTC) if moment is not None else None


@contextlib.contextmanager
def at(moment: datetime):
    """Run a block with the clock stopped at an aware `moment`, then put back what it was (the demo replays
    the days before it is loaded)."""
    global _frozen
    previous = _frozen
    freeze(moment)
    try:
        yield moment
    finally:
        _frozen = previous


def zone(community_id: int | None = None) -> ZoneInfo:
    """The time zone of a community (the current one by default); Asia/Shanghai when none is known."""
    community_id = community_id if community_id is not None else current_tenant_id()
    if community_id is None:
        return DEFAULT_ZONE
    cache = g.setdefault("huzhu_zones", {}) if has_app_context() else {}
    if community_id not in cache:
        loaded = g.get("community") if has_app_context() else None  # the community of the URL, if it is this one
        name = loaded.timezone if loaded is not None and loaded.id == community_id else _zone_name(community_id)
        cache[community_id] = _zone_named(name, community_id)
    return cache[community_id]


def know_zone(community) -> None:
    """Remember the time zone of a community already loaded (the street's comparison walks its communities), so
    `zone()` inside it reads nothing more."""
    if has_app_context():
        g.setdefault("huzhu_zones", {}).setdefault(community.id, _zone_named(community.timezone, community.id))


def _zone_name(community_id: int) -> str | None:
    # Plain SQL on the tenant table itself: tenants.models imports this module (utcnow) and not the reverse.
    return db.session.execute(text("SELECT timezone FROM communities WHERE id = :id"), {"id": community_id}).scalar()


def _zone_named(name: str | None, community_id: int) -> ZoneInfo:
    try:
        return ZoneInfo(name) if name else DEFAULT_ZONE
    except (KeyError, ValueError):
        logger.warning("community %s has an unknown time zone %r", community_id, name)
        return DEFAULT_ZONE


def now(community_id: int | None = None) -> datetime:
    """Now on the community's wall clock (aware)."""
    return utcnow().astimezone(zone(community_id))


def today(community_id: int | None = None) -> date:
    """Today's date in the community."""
    return now(community_id).date()


def year_bounds(year: int, community_id: int | None = None) -> tuple[datetime, datetime]:
    """A calendar year of the community as UTC instants: its first instant and the first of the next year."""
    tz = zone(community_id)
    return datetime(year, 1, 1, tzinfo=tz).astimezone(UTC), datetime(year + 1, 1, 1, tzinfo=tz).astimezone(UTC)
