"""Units API: /api/v1/c/<slug>/units — the registry, representatives, import and export."""
import logging

from flask import abort, jsonify, request
from flask_login import current_user
from flask_smorest import Blueprint

from app.core import search
from app.core.apidoc import collection_response, collection_schema, row_dumper
from app.permissions import can, found, require
from app.units import importing, schemas, services
from app.units.services import REPRESENTATIVE_FIELDS
from tenants.web import tenant_routes

logger = logging.getLogger(__name__)

blp = tenant_routes(Blueprint("units_api", __name__, url_prefix="/api/v1/c/<slug>/units",
                              description="Member units of a community"))
UnitList = collection_schema(schemas.UnitOut, "UnitList")
unit_row = row_dumper(schemas.UnitOut)
HIDDEN_CONTACT = {"contact_name": "", "contact_phone": ""}  # for a reader who may not see the contact person


@blp.get("")
@blp.arguments(schemas.UnitListArgs, location="query")
@blp.response(200, UnitList)
def list_units(args):
    """Units in pinyin order; filter by `q` (name, pinyin, address, contact), `type`, `status`."""
    require("units.view")
    contacts = can("units.contacts")
    items, next_cursor = services.list_units(**args, by_contact=contacts)
    return collection_response(items, next_cursor,
                               unit_row if contacts else (lambda unit: {**unit_row(unit), **HIDDEN_CONTACT}))


@blp.get("/search")
@blp.arguments(search.PickArgs, location="query")
@blp.response(200, search.PickList)
def search_units(args):
    """The picker's active units for `q` — the start of the name, the pinyin initials (lyxx finds 柳荫小学) or
    the start of the pinyin; at most 20, in pinyin order."""
    require("units.view")
    items, more = services.search_units(args["q"])
    return {"items": [services.pick_item(u) for u in items], "more": more}


@blp.post("")
@blp.arguments(schemas.UnitIn, location="json")
@blp.response(201, schemas.UnitOut)
def create_unit(args):
    """Register a unit (admin, coordinator)."""
    require("units.create")
    return services.create_unit(args)


@blp.get("/<int:unit_id>")
@blp.response(200, schemas.UnitOut)
def get_unit(unit_id: int):
    require("units.view")
    unit = found(services.get_unit(unit_id))
    if can("units.contacts"):
        return unit
    return jsonify({**schemas.UnitOut().dump(unit), **HIDDEN_CONTACT})


@blp.patch("/<int:unit_id>")
@blp.arguments(schemas.UnitPatch, location="json")
@blp.response(200, schemas.UnitOut)
def update_unit(args, unit_id: int):
    """Change a unit; its own representative may change its name, address, contact and description."""
    unit = found(services.get_unit(unit_id), "units.edit")
    allowed = None if can("units.change_status") else REPRESENTATIVE_FIELDS
    return services.update_unit(unit, args, allowed=allowed, actor_id=current_user.id)


@blp.delete("/<int:unit_id>")
@blp.response(204)
def delete_unit(unit_id: int):
    """Remove a unit from the registry (admin). To keep its history, set status `withdrawn` instead."""
    services.delete_unit(found(services.get_unit(unit_id), "units.delete"))


@blp.post("/<int:unit_id>/representatives")
@blp.arguments(schemas.RepresentativeIn, location="json")
@blp.response(201, schemas.UnitOut)
def add_representative(args, unit_id: int):
    """Make a member the unit's representative (they get the `unit` role)."""
    unit = found(services.get_unit(unit_id), "units.manage_representatives")
    services.add_representative(unit, int(args["user_id"]))
    return unit


@blp.delete("/<int:unit_id>/representatives/<int:user_id>")
@blp.response(204)
def remove_representative(unit_id: int, user_id: int):
    unit = found(services.get_unit(unit_id), "units.manage_representatives")
    if not services.remove_representative(unit, user_id):
        abort(404)


@blp.post("/imports")
@blp.response(201, schemas.ImportOut)
def upload_import():
    """Upload an XLSX or CSV sheet (multipart field `file`); answers a preview with errors per row and field."""
    require("units.import")
    return importing.preview(request.files.get("file"), created_by_id=current_user.id)


@blp.get("/imports/<int:import_id>")
@blp.response(200, schemas.ImportOut)
def get_import(import_id: int):
    require("units.import")
    return found(importing.get_batch(import_id))


@blp.post("/imports/<int:import_id>/commit")
@blp.arguments(schemas.ImportCommitIn, location="json")
@blp.response(200, schemas.ImportOut)
def commit_import(args, import_id: int):
    """Save the previewed rows; refused (409) while a row is wrong unless `skip_invalid` is true."""
    require("units.import")
    return importing.commit(found(importing.get_batch(import_id)), skip_invalid=args["skip_invalid"])


@blp.get("/export")
@blp.arguments(schemas.ExportArgs, location="query")
@blp.response(200, {"type": "string", "format": "binary"},
              content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
def export_units(args):
    """The whole registry as XLSX (default) or CSV (`?format=csv`), in the columns the import reads."""
    require("units.export")
    return importing.export_response(args["format"])
