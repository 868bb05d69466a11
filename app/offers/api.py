"""Offers API: /api/v1/c/<slug>/offers."""
import logging

from flask import abort
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from app.core.apidoc import collection_schema
from app.core.fields import Id, Length
from app.core.kinds import KINDS
from app.offers import schemas, services
from app.permissions import can, found, require
from app.units.services import units_of_user
from tenants.web import tenant_routes

logger = logging.getLogger(__name__)

blp = tenant_routes(Blueprint("offers_api", __name__, url_prefix="/api/v1/c/<slug>/offers",
                              description="What member units offer: capacity, calendar, eligibility, terms"))
OfferList = collection_schema(schemas.OfferOut, "OfferList")


class OfferListArgs(Schema):
    kind = fields.String(load_default=None, validate=validate.OneOf(KINDS))
    unit_id = Id(load_default=None)
    status = fields.String(load_default=None, validate=validate.OneOf(["active", "paused", "ended"]))
    cursor = fields.String(load_default=None, validate=Length(max=500))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


@blp.get("")
@blp.arguments(OfferListArgs, location="query")
@blp.response(200, OfferList)
def list_offers(args):
    require("offers.view")
    items, next_cursor = services.list_offers(**args)
    return {"items": items, "next_cursor": next_cursor}


@blp.post("")
@blp.arguments(schemas.OfferIn)
@blp.response(201, schemas.OfferOut)
def create_offer(args):
    """Publish an offer for a unit (staff: any unit; a unit representative: their own)."""
    require("offers.create")
    if not can("matching.propose") and int(args["unit_id"]) not in {u.id for u in units_of_user(current_user.id)}:
        abort(403)
    return services.create_offer(args)


@blp.get("/<int:offer_id>")
@blp.response(200, schemas.OfferOut)
def get_offer(offer_id: int):
    require("offers.view")
    return found(services.get_offer(offer_id))


@blp.patch("/<int:offer_id>")
@blp.arguments(schemas.OfferPatch)
@blp.response(200, schemas.OfferOut)
def update_offer(args, offer_id: int):
    """Change an offer; the capacity cannot drop below what is already booked."""
    return services.update_offer(found(services.get_offer(offer_id), "offers.edit"), args)


@blp.post("/<int:offer_id>/closures")
@blp.arguments(schemas.ClosureIn)
@blp.response(201, schemas.OfferOut)
def add_closure(args, offer_id: int):
    """Close the offer on a day (holiday, renovation)."""
    offer = found(services.get_offer(offer_id), "offers.edit")
    services.add_closure(offer, args["day"], args["note"])
    return offer
