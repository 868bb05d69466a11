"""Platform API: communities and street offices with their viewers (platform operators only; others get 404)."""
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
from app.streets import services as streets
from app.streets.schemas import StreetIn, ViewerIn
from tenants import services as tenants
from tenants.models import Community, Street

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


# --- the street offices ---------------------------------------------------------------------------------

class PlatformStreetOut(Schema):
    id = fields.Function(lambda s: str(s.id), required=True)
    name = fields.String(required=True)
    slug = fields.String(required=True)
    suppress_below = fields.Integer(required=True)


class ViewerOut(Schema):
    id = fields.Function(lambda v: str(v.id), required=True)
    user_id = fields.Function(lambda v: str(v.user_id), required=True)
    name = fields.Function(lambda v: v.user.name, required=True)
    login = fields.Function(lambda v: v.user.email or v.user.phone, required=True)
    granted_at = UtcDateTime(required=True)
    granted_by = fields.Function(lambda v: v.granted_by.name if v.granted_by else None, allow_none=True)
    revoked_at = UtcDateTime(allow_none=True)
    revoked_by = fields.Function(lambda v: v.revoked_by.name if v.revoked_by else None, allow_none=True)
    initial_password = fields.String(allow_none=True, dump_default=None,
                                     metadata={"description": "a new account's one-time password, returned once"})


class ViewerListArgs(Schema):
    history = fields.Boolean(load_default=False, metadata={"description": "revoked grants too"})


PlatformStreetList = collection_schema(PlatformStreetOut, "PlatformStreetList")
ViewerList = collection_schema(ViewerOut, "ViewerList")


def _street(street_slug: str) -> Street:
    _operator()
    return found(Street.by_slug(street_slug))


@blp.get("/streets")
@blp.response(200, PlatformStreetList)
@login_required
def list_streets():
    _operator()
    return {"items": [s for s, _n, _v in streets.list_streets()], "next_cursor": None}


@blp.patch("/streets/<street_slug>")
@blp.arguments(StreetIn)
@blp.response(200, PlatformStreetOut)
@login_required
def update_street(args, street_slug: str):
    """Change a street's web address (slug) or its suppression threshold."""
    return streets.update_street(_street(street_slug), args)


@blp.get("/streets/<street_slug>/viewers")
@blp.arguments(ViewerListArgs, location="query")
@blp.response(200, ViewerList)
@login_required
def list_viewers(args, street_slug: str):
    """Who may look at the street (with `history=true`, also the revoked grants), newest first."""
    return {"items": streets.viewers_of(_street(street_slug), with_history=args["history"]), "next_cursor": None}


@blp.post("/streets/<street_slug>/viewers")
@blp.arguments(ViewerIn)
@blp.response(201, ViewerOut)
@login_required
def grant_viewer(args, street_slug: str):
    """Let a person (an existing account, or a new one: give `name`) look at the street."""
    viewer, password = streets.grant(_street(street_slug), login=args["login"], name=args["name"],
                                     granted_by=current_user)
    viewer.initial_password = password
    return viewer


@blp.delete("/streets/<street_slug>/viewers/<int:viewer_id>")
@blp.response(200, ViewerOut)
@login_required
def revoke_viewer(street_slug: str, viewer_id: int):
    """End a grant at once (it stays in the history)."""
    street = _street(street_slug)
    return streets.revoke(found(streets.get_grant(street, viewer_id)), revoked_by=current_user)
