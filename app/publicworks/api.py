"""Public works API: /api/v1/c/<slug>/public-works — requests to municipal departments, their progress in
quantities, their history, and the year's figures."""
import logging

from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from app.core.apidoc import collection_schema
from app.core.fields import Length
from app.permissions import found, require
from app.publicworks import schemas, services
from app.publicworks.models import CATEGORIES, STATUSES
from tenants.web import tenant_routes

logger = logging.getLogger(__name__)

blp = tenant_routes(Blueprint("public_works_api", __name__, url_prefix="/api/v1/c/<slug>/public-works",
                              description="Public works requests (市政对接) to municipal departments: road, "
                                          "drains, toilets, rubbish, trees — planned and done quantities"))
RequestList = collection_schema(schemas.PublicWorksRequestOut, "PublicWorksRequestList")
ChangeList = collection_schema(schemas.PublicWorksChangeOut, "PublicWorksChangeList")


class PublicWorksRequestListArgs(Schema):
    status = fields.String(load_default=None, validate=validate.OneOf((*STATUSES, "open")))
    category = fields.String(load_default=None, validate=validate.OneOf(CATEGORIES))
    cursor = fields.String(load_default=None, validate=Length(max=500))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


@blp.get("")
@blp.arguments(PublicWorksRequestListArgs, location="query")
@blp.response(200, RequestList)
def list_requests(args):
    """Requests, newest first, each with its lines (staff and council)."""
    require("public_works.view")
    items, next_cursor = services.list_requests(**args)
    return {"items": items, "next_cursor": next_cursor}


@blp.post("")
@blp.arguments(schemas.PublicWorksRequestIn)
@blp.response(201, schemas.PublicWorksRequestOut)
def create_request(args):
    """Write a request (a draft) with its lines; `need_id` turns a resident's public works need into it."""
    require("public_works.manage")
    return services.create_request(args, actor_id=current_user.id)


@blp.get("/summary")
@blp.arguments(schemas.PublicWorksSummaryArgs, location="query")
@blp.response(200, schemas.PublicWorksSummaryOut)
def summary(args):
    """The year's figures: requests by status and category, planned and done quantities per unit of measure."""
    require("public_works.view")
    return services.summary(args["year"])


@blp.get("/<int:public_works_id>")
@blp.response(200, schemas.PublicWorksRequestOut)
def get_request(public_works_id: int):
    return found(services.get_request(public_works_id), "public_works.view")


@blp.patch("/<int:public_works_id>")
@blp.arguments(schemas.PublicWorksRequestPatch)
@blp.response(200, schemas.PublicWorksRequestOut)
def update_request(args, public_works_id: int):
    """Change a request that is not closed; `lines` replaces the list (give a line's `id` to keep its progress)."""
    return services.update_request(found(services.get_request(public_works_id), "public_works.manage"), args,
                                   actor_id=current_user.id)


@blp.post("/<int:public_works_id>/moves")
@blp.arguments(schemas.PublicWorksMoveIn)
@blp.response(200, schemas.PublicWorksRequestOut)
def move(args, public_works_id: int):
    """File (draft → filed), start, complete, reject (with a note) or cancel; each move recorded."""
    return services.move(found(services.get_request(public_works_id), "public_works.manage"), args["to"],
                         actor_id=current_user.id, on=args["on"], note=args["note"])


@blp.post("/<int:public_works_id>/progress")
@blp.arguments(schemas.PublicWorksProgressIn)
@blp.response(200, schemas.PublicWorksRequestOut)
def progress(args, public_works_id: int):
    """Record the quantities done so far per line (never more than planned)."""
    return services.record_progress(found(services.get_request(public_works_id), "public_works.manage"), args,
                                    actor_id=current_user.id)


@blp.get("/<int:public_works_id>/history")
@blp.response(200, ChangeList)
def history(public_works_id: int):
    """Every status change: from what to what, who, when, why."""
    pw = found(services.get_request(public_works_id), "public_works.view")
    return {"items": services.history_of(pw), "next_cursor": None}


@blp.post("/<int:public_works_id>/helpers")
@blp.arguments(schemas.PublicWorksHelperIn)
@blp.response(201, schemas.PublicWorksHelperOut)
def add_helper(args, public_works_id: int):
    """Name a member unit that helped with the request and what it did (again: changes what it did); a request
    done in a year counts for the units that helped in their contribution record."""
    return services.add_helper(found(services.get_request(public_works_id), "public_works.manage"), args,
                               actor_id=current_user.id)


@blp.delete("/<int:public_works_id>/helpers/<int:helper_id>")
@blp.response(204)
def remove_helper(public_works_id: int, helper_id: int):
    pw = found(services.get_request(public_works_id), "public_works.manage")
    services.remove_helper(pw, found(services.get_helper(pw, helper_id)))
    return ""
