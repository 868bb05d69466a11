"""Announcements API: POST /api/v1/c/<slug>/announcements sends to every member (CONTRACT.md)."""
import logging

from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from app.announcements import services
from app.announcements.schemas import AnnouncementIn
from app.core.apidoc import collection_schema
from app.core.fields import UtcDateTime
from app.core.pagination import PageArgs
from app.permissions import can, found, require
from tenants.web import tenant_routes

logger = logging.getLogger(__name__)

blp = tenant_routes(Blueprint("announcements_api", __name__, url_prefix="/api/v1/c/<slug>/announcements",
                              description="Announcements to every member of a community"))


class AnnouncementOut(Schema):
    id = fields.Function(lambda a: str(a.id), required=True)
    title = fields.String()
    body = fields.String()
    created_at = UtcDateTime()
    recipients = fields.Function(lambda a: getattr(a, "stats", {}).get("recipients"), allow_none=True)
    read = fields.Function(lambda a: getattr(a, "stats", {}).get("read"), allow_none=True)


AnnouncementList = collection_schema(AnnouncementOut, "AnnouncementList")


@blp.get("")
@blp.arguments(PageArgs, location="query")
@blp.response(200, AnnouncementList)
def list_announcements(args):
    require("announcements.view")
    items, next_cursor = services.list_announcements(**args)
    return {"items": items, "next_cursor": next_cursor}


@blp.post("")
@blp.arguments(AnnouncementIn)
@blp.response(201, AnnouncementOut)
def send(args):
    """Send a title and body to every member through every channel each has enabled (admin, coordinator)."""
    require("announcements.send")
    return services.send(title=args["title"], body=args["body"], sender_id=current_user.id)


@blp.get("/<int:announcement_id>")
@blp.response(200, AnnouncementOut)
def get(announcement_id: int):
    """One announcement; staff also see how many members got it and how many have read it."""
    require("announcements.view")
    announcement = found(services.get(announcement_id))
    if can("announcements.send"):
        announcement.stats = services.read_stats(announcement)
    return announcement
