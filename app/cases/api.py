"""Good cases API: /api/v1/c/<slug>/cases — write, change, publish and withdraw the stories of what member units
did (典型事例), their photos and their history."""
import logging

from flask import request
from flask_login import current_user
from flask_smorest import Blueprint

from app.cases import schemas, services
from app.core.apidoc import collection_schema
from app.permissions import found, require
from app.photos import accepts_uploads
from app.photos.schemas import PhotoOut
from tenants.web import tenant_routes

logger = logging.getLogger(__name__)

blp = tenant_routes(Blueprint("cases_api", __name__, url_prefix="/api/v1/c/<slug>/cases",
                              description="Good cases (典型事例): stories of the member units' help, published on "
                                          "the public pages and counted in the units' contribution record"))
CasePage = collection_schema(schemas.CaseOut, "CasePage")
ChangePage = collection_schema(schemas.CaseChangeOut, "CaseChangePage")
PhotoPage = collection_schema(PhotoOut, "CasePhotoPage")
PHOTOS_FORM = {"content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["photos[]", "alts[]", "consent"],
    "properties": {
        "photos[]": {"type": "array", "items": {"type": "string", "format": "binary"},
                     "description": "JPEG or PNG pictures (checked by content, EXIF and GPS stripped)"},
        "alts[]": {"type": "array", "items": {"type": "string", "maxLength": 300},
                   "description": "what each photo shows, in the photos' order"},
        "consent": {"type": "boolean", "description": "the people in the photos agreed to be photographed and shown"},
        "public": {"type": "boolean", "description": "shown on the public page while the case is published"},
    }}}}}


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "on", "yes", "y")


@blp.get("")
@blp.arguments(schemas.CaseListArgs, location="query")
@blp.response(200, CasePage)
def list_cases(args):
    """Cases, newest first (staff); `status` and `unit_id` filter."""
    require("cases.manage")
    items, next_cursor = services.list_cases(**args)
    return {"items": items, "next_cursor": next_cursor}


@blp.post("")
@blp.arguments(schemas.CaseIn)
@blp.response(201, schemas.CaseOut)
def create_case(args):
    """Write a case (a draft) naming its units and, optionally, the match, activity or request behind it."""
    require("cases.manage")
    return services.create_case(args, actor_id=current_user.id)


@blp.get("/<int:case_id>")
@blp.response(200, schemas.CaseOut)
def get_case(case_id: int):
    """A case: to the staff and the units it names."""
    return found(services.get_case(case_id), "cases.view")


@blp.patch("/<int:case_id>")
@blp.arguments(schemas.CasePatch)
@blp.response(200, schemas.CaseOut)
def update_case(args, case_id: int):
    return services.update_case(found(services.get_case(case_id), "cases.manage"), args, actor_id=current_user.id)


@blp.delete("/<int:case_id>")
@blp.response(204)
def delete_case(case_id: int):
    """Delete a draft with its photos (a published case is withdrawn instead: 409)."""
    services.delete_case(found(services.get_case(case_id), "cases.manage"))
    return ""


@blp.post("/<int:case_id>/publish")
@blp.response(200, schemas.CaseOut)
def publish(case_id: int):
    """Publish a draft or a withdrawn case (dated, by whom); the named units' representatives are told."""
    return services.publish(found(services.get_case(case_id), "cases.manage"), actor_id=current_user.id)


@blp.post("/<int:case_id>/withdraw")
@blp.arguments(schemas.WithdrawIn)
@blp.response(200, schemas.CaseOut)
def withdraw(args, case_id: int):
    """Take a published case off the public pages (it stops counting in the record)."""
    return services.withdraw(found(services.get_case(case_id), "cases.manage"), actor_id=current_user.id,
                             note=args["note"])


@blp.get("/<int:case_id>/history")
@blp.response(200, ChangePage)
def history(case_id: int):
    return {"items": services.history_of(found(services.get_case(case_id), "cases.view")), "next_cursor": None}


@blp.get("/<int:case_id>/photos")
@blp.response(200, PhotoPage)
def list_photos(case_id: int):
    return {"items": services.photos_of(found(services.get_case(case_id), "cases.view")), "next_cursor": None}


@blp.post("/<int:case_id>/photos")
@blp.doc(requestBody=PHOTOS_FORM)
@blp.response(201, PhotoPage)
@accepts_uploads
def add_photos(case_id: int):
    """Add photos (multipart: `photos[]`, an `alts[]` for each, `consent`; `public` to show them on the public
    page). Every problem is told per file (`photos.<i>`, `alts.<i>`) and nothing is kept then."""
    case = found(services.get_case(case_id), "cases.manage")
    files = [(f.filename or "", f.read()) for f in (request.files.getlist("photos[]") or
                                                   request.files.getlist("photos")) if f]
    alts = request.form.getlist("alts[]") or request.form.getlist("alts")
    added = services.add_photos(case, files, alts, consent=_truthy(request.form.get("consent")),
                                public=_truthy(request.form.get("public")), actor_id=current_user.id)
    return {"items": added, "next_cursor": None}
