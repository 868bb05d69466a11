"""Members API: /api/v1/c/<slug>/members."""
import logging

from flask_smorest import Blueprint

from app.accounts.models import User
from app.core import search
from app.core.apidoc import collection_schema
from app.core.extensions import db
from app.members import schemas, services
from app.permissions import found, require
from tenants.web import tenant_routes

logger = logging.getLogger(__name__)

blp = tenant_routes(Blueprint("members_api", __name__, url_prefix="/api/v1/c/<slug>/members",
                              description="Members of a community and their roles"))
MemberList = collection_schema(schemas.MemberOut, "MemberList")


def _member(member_id: int):
    """The URL's membership (404 when it is not in this community) and its account."""
    membership = found(services.get_membership(member_id))
    return membership, db.session.get(User, membership.user_id)


@blp.get("")
@blp.arguments(schemas.MemberListArgs, location="query")
@blp.response(200, MemberList)
def list_members(args):
    require("members.view")
    items, next_cursor = services.list_members(**args)
    return {"items": items, "next_cursor": next_cursor}


@blp.get("/search")
@blp.arguments(search.PickArgs, location="query")
@blp.response(200, search.PickList)
def search_members(args):
    """Staff: the member picker's matches for `q` — the start of the name or e-mail, the pinyin initials or the
    last four digits of the phone; at most 20. The ids are the people's (user) ids."""
    require("members.view")
    items, more = services.search_members(args["q"])
    return {"items": [services.pick_item(u) for u in items], "more": more}


@blp.post("")
@blp.arguments(schemas.MemberIn)
@blp.response(201, schemas.MemberOut)
def add_member(args):
    """Add a person by e-mail or mobile number; with no account yet, one is made and its one-time password returned."""
    require("members.manage")
    membership, password = services.invite(**args)
    # Lists, not tuples: flask-smorest reads a returned tuple as (body, status, headers).
    return [membership, db.session.get(User, membership.user_id), password]


@blp.get("/<int:member_id>")
@blp.response(200, schemas.MemberOut)
def get_member(member_id: int):
    require("members.view")
    return list(_member(member_id))


@blp.patch("/<int:member_id>")
@blp.arguments(schemas.MemberPatch)
@blp.response(200, schemas.MemberOut)
def update_member(args, member_id: int):
    """Replace the member's roles."""
    require("members.manage")
    membership, user = _member(member_id)
    services.set_roles(membership, args["roles"])
    return [membership, user]


@blp.delete("/<int:member_id>")
@blp.response(204)
def remove_member(member_id: int):
    require("members.manage")
    membership, _user = _member(member_id)
    services.remove_member(membership)
