"""Residents API: /api/v1/c/<slug>/residents — profiles, consent, sensitive data, data exports, deletion, audit."""
import logging

from flask import Response, abort
from flask_login import current_user
from flask_smorest import Blueprint

from app.core import search
from app.core.apidoc import collection_schema
from app.core.pagination import PageArgs
from app.permissions import can, found, is_staff, require
from app.residents import exports, schemas, services
from tenants.web import tenant_routes

logger = logging.getLogger(__name__)

blp = tenant_routes(Blueprint("residents_api", __name__, url_prefix="/api/v1/c/<slug>/residents",
                              description="Residents; sensitive data only under consent, every access audited"))
ResidentList = collection_schema(schemas.ResidentOut, "ResidentList")
ConsentList = collection_schema(schemas.ConsentOut, "ConsentList")
AuditList = collection_schema(schemas.AuditOut, "AuditList")
DataExportList = collection_schema(schemas.DataExportOut, "DataExportList")


@blp.get("")
@blp.arguments(schemas.ResidentListArgs, location="query")
@blp.response(200, ResidentList)
def list_residents(args):
    """Staff: the register, in pinyin order. Others: the profiles they act for."""
    if not can("residents.list"):
        return {"items": services.residents_held_by(current_user.id), "next_cursor": None}
    items, next_cursor = services.list_residents(**args)
    return {"items": items, "next_cursor": next_cursor}


@blp.get("/search")
@blp.arguments(search.PickArgs, location="query")
@blp.response(200, search.PickList)
def search_residents(args):
    """Staff: the picker's matches for `q` — the start of the name (张三), the pinyin initials (zsf finds 张三丰),
    the start of the pinyin (zhang san) or the last four digits of the phone; at most 20, in pinyin order."""
    require("residents.list")
    items, more = services.search_residents(args["q"])
    return {"items": [services.pick_item(r) for r in items], "more": more}


@blp.post("")
@blp.arguments(schemas.ResidentIn)
@blp.response(201, schemas.ResidentOut)
def create_resident(args):
    """Staff register anyone; a resident registers themself or a family member (linked to their account)."""
    staff = is_staff()
    if not staff and not can("residents.register_own"):
        abort(403)
    return services.create_resident(args, actor_id=current_user.id, account_id=None if staff else current_user.id)


@blp.get("/<int:resident_id>")
@blp.response(200, schemas.ResidentOut)
def get_resident(resident_id: int):
    return found(services.find_resident(resident_id), "residents.view")


@blp.patch("/<int:resident_id>")
@blp.arguments(schemas.ResidentPatch)
@blp.response(200, schemas.ResidentOut)
def update_resident(args, resident_id: int):
    resident = found(services.find_resident(resident_id), "residents.edit")
    return services.update_resident(resident, args)


@blp.get("/<int:resident_id>/sensitive")
@blp.response(200, schemas.SensitiveOut)
def get_sensitive(resident_id: int):
    """The sensitive attributes (each read is audited); `consent: false` and nothing else without consent."""
    resident = found(services.find_resident(resident_id), "residents.sensitive")
    values = services.read_sensitive(resident, actor_id=current_user.id)
    return {"consent": False} if values is None else {"consent": True, **values}


@blp.put("/<int:resident_id>/sensitive")
@blp.arguments(schemas.SensitiveIn)
@blp.response(200, schemas.SensitiveOut)
def put_sensitive(args, resident_id: int):
    """Store the attributes; 422 without an active consent."""
    resident = found(services.find_resident(resident_id), "residents.sensitive")
    values = services.set_sensitive(resident, args, actor_id=current_user.id)
    return {"consent": True, **values}


@blp.get("/<int:resident_id>/consents")
@blp.response(200, ConsentList)
def list_consents(resident_id: int):
    resident = found(services.find_resident(resident_id), "residents.sensitive")
    return {"items": services.consents_of(resident), "next_cursor": None}


@blp.post("/<int:resident_id>/consents")
@blp.arguments(schemas.ConsentIn)
@blp.response(201, schemas.ConsentOut)
def record_consent(args, resident_id: int):
    """Record the resident's separate consent to the use of their sensitive data for services."""
    resident = found(services.find_resident(resident_id), "residents.sensitive")
    return services.record_consent(resident, actor_id=current_user.id, **args)


@blp.post("/<int:resident_id>/consents/withdraw")
@blp.response(204)
def withdraw_consent(resident_id: int):
    """Withdraw consent: the sensitive data are blocked from now on."""
    resident = found(services.find_resident(resident_id), "residents.sensitive")
    if not services.withdraw_consent(resident, actor_id=current_user.id):
        abort(404)


@blp.post("/<int:resident_id>/exports")
@blp.response(202, schemas.DataExportOut)
def request_export(resident_id: int):
    """Ask for a file with everything held about the resident; it is prepared in the background and the
    caller is notified when it is ready (then `GET /exports/<id>/download`)."""
    resident = found(services.find_resident(resident_id), "residents.export")
    return exports.request_export(resident, actor_id=current_user.id)


@blp.get("/<int:resident_id>/exports")
@blp.response(200, DataExportList)
def list_exports(resident_id: int):
    """The resident's files that have not expired: those the caller asked for (staff: all)."""
    resident = found(services.find_resident(resident_id), "residents.export")
    listed = exports.exports_of(resident, requested_by=current_user.id, everyone=can("residents.list"))
    return {"items": listed, "next_cursor": None}


@blp.get("/exports/<int:export_id>")
@blp.response(200, schemas.DataExportOut)
def get_export(export_id: int):
    """Whether the file is ready yet (for the person who asked for it, or staff)."""
    return found(exports.get_export(export_id), "residents.download_export")


@blp.get("/exports/<int:export_id>/download")
@blp.response(200)
def download_export(export_id: int):
    """The file itself (JSON); 409 `not_ready` while it is being prepared. Every download is audited."""
    export = found(exports.get_export(export_id), "residents.download_export")
    content = exports.download(export, actor_id=current_user.id)
    return Response(content, mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{exports.filename(export)}"'})


@blp.post("/<int:resident_id>/deletion-request")
@blp.response(202, schemas.ResidentOut)
def request_deletion(resident_id: int):
    resident = found(services.find_resident(resident_id), "residents.request_deletion")
    return services.request_deletion(resident, actor_id=current_user.id)


@blp.post("/<int:resident_id>/erase")
@blp.response(200, schemas.ResidentOut)
def erase(resident_id: int):
    """Admin: erase the resident's personal data (the anonymous row stays for the records that cite it)."""
    resident = found(services.find_resident(resident_id), "residents.erase")
    return services.erase(resident, actor_id=current_user.id)


@blp.get("/audit")
@blp.arguments(PageArgs, location="query")
@blp.response(200, AuditList)
def audit(args):
    """Admin: who read or changed which sensitive field of whom, newest first (never the values)."""
    require("audit.view")
    items, next_cursor = services.audit_trail(**args)
    return {"items": items, "next_cursor": next_cursor}
