"""Platform API: communities (platform operators only; others get 404)."""
import logging

from flask import abort
from flask_login import current_user, login_required
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from app.core.apidoc import collection_schema
from app.core.fields import UtcDateTime
from app.permissions import found
from app.platform.schemas import CommunityIn, StatusIn
from app.platform.services import create_community_with_admin
from tenants import services as tenants
from tenants.models import Community

logger = logging.getLogger(__name__)

blp = Blueprint("platform_api", __name__, url_prefix="/api/v1/platform", description="Platform operators")


class CommunityOut(Schema):
    id = fields.Function(lambda c: str(c.id), required=True)
    slug = fields.String()
    name = fields.String()
    street = fields.Function(lambda c: c.street.name if c.street else None)
    status = fields.String()
    created_at = UtcDateTime()
    admin_initial_password = fields.String(allow_none=True, dump_default=None)


CommunityList = collection_schema(CommunityOut, "CommunityList")


def _operator():
    if not current_user.is_operator:
        abort(404)


@blp.get("/communities")
@blp.response(200, CommunityList)
@login_required
def list_communities():
    _operator()
    return {"items": tenants.list_communities(), "next_cursor": None}


@blp.post("/communities")
@blp.arguments(CommunityIn)
@blp.response(201, CommunityOut)
@login_required
def create_community(args):
    """Create a community and its first admin (a new account gets a one-time password, returned once)."""
    _operator()
    community, password = create_community_with_admin(**args)
    community.admin_initial_password = password
    return community


@blp.post("/communities/<community_slug>/status")
@blp.arguments(StatusIn)
@blp.response(200, CommunityOut)
@login_required
def set_status(args, community_slug: str):
    """Suspend or restore a community."""
    _operator()
    community = found(Community.by_slug(community_slug))
    tenants.set_status(community, args["status"])
    return community
