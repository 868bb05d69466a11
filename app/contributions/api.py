"""Contribution record API: /api/v1/c/<slug>/contributions?year= — every unit's facts of the year, ranked (the
council and the staff), and /contributions/<unit_id>?year= — one unit's (also to its representatives)."""
import logging

from flask_smorest import Blueprint

from app.contributions import schemas, services
from app.permissions import found, require
from app.units import services as units
from tenants import clock
from tenants.web import tenant_routes

logger = logging.getLogger(__name__)

blp = tenant_routes(Blueprint("contributions_api", __name__, url_prefix="/api/v1/c/<slug>/contributions",
                              description="The contribution record: what each member unit gave in a year, "
                                          "counted from the source records"))


@blp.get("")
@blp.arguments(schemas.RankedArgs, location="query")
@blp.response(200, schemas.RecordPage)
def ranked(args):
    """Every active unit (and any other that gave something) with every fact of the year, ranked; all in one
    answer (`next_cursor` is null)."""
    require("contributions.view")
    year = args["year"] or clock.today().year
    rows = services.ranked(year, args["sort"])
    return {"year": year, "items": [row | {"year": year} for row in rows], "next_cursor": None}


@blp.get("/<int:unit_id>")
@blp.arguments(schemas.RecordArgs, location="query")
@blp.response(200, schemas.RecordOut)
def unit_record(args, unit_id: int):
    """One unit's facts of the year (staff, the council, the unit's representatives)."""
    unit = found(units.get_unit(unit_id), "contributions.view_unit")
    year = args["year"] or clock.today().year
    return {"unit_id": unit.id, "name": unit.name, "rank": None, "year": year,
            "record": services.unit_record(year, unit.id)}
