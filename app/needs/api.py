"""Needs API: /api/v1/c/<slug>/needs — submit, follow, triage, and see the proposals with their reasons."""
import logging

from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from app.core.apidoc import collection_schema
from app.core.fields import Length, UtcDateTime
from app.core.kinds import KINDS
from app.needs import schemas, services
from app.needs.models import NEED_STATUSES
from app.permissions import can, found, require
from tenants import clock
from tenants.web import tenant_routes

logger = logging.getLogger(__name__)

blp = tenant_routes(Blueprint("needs_api", __name__, url_prefix="/api/v1/c/<slug>/needs",
                              description="Needs of residents and units, and the proposals that could serve them"))


class NeedOut(Schema):
    id = fields.Function(lambda n: str(n.id), required=True)
    kind = fields.String()
    title = fields.String(allow_none=True, metadata={"description": "null on a need the caller may not open"})
    details = fields.String(allow_none=True, metadata={"description": "null on a need the caller may not open"})
    resident_id = fields.Function(lambda n: str(n.resident_id) if n.resident_id else None, allow_none=True)
    unit_id = fields.Function(lambda n: str(n.unit_id) if n.unit_id else None, allow_none=True)
    window_start = UtcDateTime()
    window_end = UtcDateTime()
    slot = fields.String(allow_none=True)
    quantity = fields.Integer()
    urgency = fields.String()
    status = fields.String()
    escalated_at = UtcDateTime(allow_none=True)
    referral_id = fields.Function(lambda n: str(n.referral_id) if n.referral_id else None, allow_none=True,
                                  metadata={"description": "taken over from a neighbouring community"})
    created_at = UtcDateTime()


class NeedListArgs(Schema):
    status = fields.String(load_default=None, validate=validate.OneOf((*NEED_STATUSES, "open")))
    kind = fields.String(load_default=None, validate=validate.OneOf(KINDS))
    cursor = fields.String(load_default=None, validate=Length(max=500))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


NeedList = collection_schema(NeedOut, "NeedList")


@blp.get("")
@blp.arguments(NeedListArgs, location="query")
@blp.response(200, NeedList)
def list_needs(args):
    """Staff see every need; others the needs of the residents they act for and the units they represent.

    The council sees every need without who it is for: on the needs it may not open, `title`, `details`,
    `resident_id`, `unit_id` and `referral_id` are null."""
    scope = services.own_scope(current_user.id, everyone=can("needs.list_all"))
    if scope:
        args |= {"resident_ids": scope["own_residents"], "unit_ids": scope["own_units"]}
    items, next_cursor = services.list_needs(**args)
    return {"items": services.for_reader(items)[0], "next_cursor": next_cursor}


@blp.post("")
@blp.arguments(schemas.NeedIn)
@blp.response(201, NeedOut)
def create_need(args):
    """Submit a need (for a resident: `resident_id`; for a unit: `unit_id`). Meals take `day` and `slot`."""
    require("needs.create")
    return services.create_need(args, actor_id=current_user.id, tz=clock.zone(),
                                **services.own_scope(current_user.id, everyone=can("needs.list_all")))


@blp.get("/<int:need_id>")
@blp.response(200, NeedOut)
def get_need(need_id: int):
    return found(services.get_need(need_id), "needs.view")


@blp.post("/<int:need_id>/moves")
@blp.arguments(schemas.MoveIn)
@blp.response(200, NeedOut)
def move(args, need_id: int):
    """Triage, cancel or mark unmet (each move recorded with who and when)."""
    need = found(services.get_need(need_id), "needs.triage" if args["to"] != "cancelled" else "needs.cancel")
    services.move(need, args["to"], actor_id=current_user.id, note=args["note"])
    return need
