"""Notifications API: the caller's inbox and preferences; a community's failed deliveries."""
import logging

from flask_login import current_user, login_required
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from app.core.apidoc import collection_schema
from app.core.fields import Id, UtcDateTime
from app.notifications import services
from app.notifications.schemas import PreferencesIO
from app.permissions import found, require
from tenants.web import tenant_routes

logger = logging.getLogger(__name__)

blp = Blueprint("notifications_api", __name__, url_prefix="/api/v1/me", description="The caller's notifications")
community_blp = tenant_routes(Blueprint("deliveries_api", __name__, url_prefix="/api/v1/c/<slug>/deliveries",
                                        description="Deliveries that failed for good: retry or discard"))


class InboxOut(Schema):
    id = fields.Function(lambda e: str(e.id), required=True)
    category = fields.String()
    title = fields.String()
    body = fields.String()
    link = fields.Function(lambda e: e.full_link, allow_none=True)
    community_id = fields.Function(lambda e: str(e.community_id) if e.community_id else None, allow_none=True)
    created_at = UtcDateTime()
    read_at = UtcDateTime(allow_none=True)


class InboxArgs(Schema):
    cursor = Id(load_default=None, metadata={"description": "`next_cursor` of the page before"})
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    unread = fields.Boolean(load_default=False)


class ReadIn(Schema):
    ids = fields.List(Id(), load_default=None,
                      metadata={"description": "entries to mark read; omit to mark all"})


class ReadOut(Schema):
    marked = fields.Integer(required=True)
    unread = fields.Integer(required=True)


class UnreadOut(Schema):
    unread = fields.Integer(required=True)


class FailedOut(Schema):
    id = fields.Function(lambda row: str(row[0].id), required=True)
    channel = fields.Function(lambda row: row[0].channel)
    event = fields.Function(lambda row: row[2].event)
    recipient = fields.Function(lambda row: row[1].name)
    attempts = fields.Function(lambda row: row[0].attempts)
    last_error = fields.Function(lambda row: row[0].last_error)
    created_at = UtcDateTime(getter=lambda row: row[0].created_at)


InboxList = collection_schema(InboxOut, "InboxList")
FailedList = collection_schema(FailedOut, "FailedDeliveryList")


@blp.get("/notifications")
@blp.arguments(InboxArgs, location="query")
@blp.response(200, InboxList)
@login_required
def list_notifications(args):
    """The caller's inbox across all their communities, newest first."""
    entries, next_id = services.inbox_of(current_user.id, cursor_id=int(args["cursor"]) if args["cursor"] else None,
                                         limit=args["limit"], unread_only=args["unread"])
    links = services.entry_links(entries)
    for entry in entries:
        entry.full_link = links.get(entry.id)
    return {"items": entries, "next_cursor": str(next_id) if next_id else None}


@blp.get("/notifications/unread-count")
@blp.response(200, UnreadOut)
@login_required
def unread_count():
    return {"unread": services.unread_count(current_user.id)}


@blp.post("/notifications/read")
@blp.arguments(ReadIn)
@blp.response(200, ReadOut)
@login_required
def mark_read(args):
    """Mark entries (or all) read."""
    ids = [int(i) for i in args["ids"]] if args.get("ids") is not None else None
    marked = services.mark_read(current_user.id, ids)
    return {"marked": marked, "unread": services.unread_count(current_user.id)}


@blp.get("/notification-preferences")
@blp.response(200, PreferencesIO)
@login_required
def get_preferences():
    return _preferences()


def _preferences() -> dict:
    return {"channels": services.preferences_of(current_user), "quiet_start": current_user.quiet_start,
            "quiet_end": current_user.quiet_end}


@blp.put("/notification-preferences")
@blp.arguments(PreferencesIO)
@blp.response(200, PreferencesIO)
@login_required
def put_preferences(args):
    """Choose channels per category, and quiet hours (both null: none)."""
    quiet_set = "quiet_start" in args or "quiet_end" in args
    services.set_preferences(current_user, args.get("channels", {}), quiet_start=args.get("quiet_start"),
                             quiet_end=args.get("quiet_end"), quiet_set=quiet_set)
    return _preferences()


@community_blp.get("/failed")
@community_blp.response(200, FailedList)
def list_failed():
    require("notifications.manage_failures")
    return {"items": services.list_failed(), "next_cursor": None}


@community_blp.post("/failed/<int:delivery_id>/retry")
@community_blp.response(204)
def retry(delivery_id: int):
    require("notifications.manage_failures")
    services.retry_failed(found(services.get_failed(delivery_id)))


@community_blp.post("/failed/<int:delivery_id>/discard")
@community_blp.response(204)
def discard(delivery_id: int):
    require("notifications.manage_failures")
    services.discard_failed(found(services.get_failed(delivery_id)))
