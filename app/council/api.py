"""Council API: /api/v1/c/<slug>/council — the current council and the resident representatives; the admin
appoints a member to a seat, ends a term, appoints and removes representatives."""
import logging

from flask import abort
from flask_login import current_user
from flask_smorest import Blueprint

from app.council import schemas, services
from app.permissions import found, require
from tenants.web import tenant_routes

logger = logging.getLogger(__name__)

blp = tenant_routes(Blueprint("council_api", __name__, url_prefix="/api/v1/c/<slug>/council",
                              description="The association's council (理事会: positions and terms) and its "
                                          "resident representatives (民意代表)"))


@blp.get("")
@blp.arguments(schemas.CouncilArgs, location="query")
@blp.response(200, schemas.CouncilOut)
def get_council(args):
    """The current council (chairperson first; seats whose term includes today in community time) and the
    representatives, names only. `history=true` lists every seat, newest first."""
    require("council.view")
    seats = services.seat_history() if args["history"] else services.current_council()
    return {"items": seats, "next_cursor": None, "representatives": services.representatives()}


@blp.post("")
@blp.arguments(schemas.SeatIn)
@blp.response(201, schemas.SeatOut)
def appoint(args):
    """Admin: seat a member in a position for a term; they get the council role. 409 when the council already
    has a chairperson for that term, or the person already holds a seat."""
    require("council.manage")
    return services.view_of(services.appoint(args, actor_id=current_user.id))


@blp.post("/<int:seat_id>/end")
@blp.arguments(schemas.SeatEndIn)
@blp.response(200, schemas.SeatOut)
def end_term(args, seat_id: int):
    """Admin: end a term today (the seat stays in the history); the council role goes with the person's last
    seat. 409 when it has already ended."""
    seat = found(services.get_seat(seat_id), "council.manage")
    return services.view_of(services.end_term(seat, actor_id=current_user.id, note=args["note"]))


@blp.post("/representatives")
@blp.arguments(schemas.CouncilRepresentativeIn)
@blp.response(201, schemas.CouncilRepresentativeOut)
def appoint_representative(args):
    """Admin: make a member a resident representative (the representative role). 409 when they already are."""
    require("council.manage")
    membership = services.appoint_representative(args["user_id"])
    return {"id": membership.user_id, "name": services.name_of(membership.user_id)}


@blp.delete("/representatives/<int:user_id>")
@blp.response(204)
def remove_representative(user_id: int):
    """Admin: the member is no longer a representative (404 when they are not one here)."""
    require("council.manage")
    if services.remove_representative(user_id) is None:
        abort(404)
