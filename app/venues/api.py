"""Venues API: /api/v1/c/<slug>/venues (the venues, a venue's week) and /bookings (requests with a dry run
that lists each date's conflicts, the owner's decisions, one date cancelled, moved or added)."""
import logging

from flask import jsonify
from flask_login import current_user
from flask_smorest import Blueprint

from app.permissions import found, is_staff, require
from app.units import services as units
from app.venues import schemas, services
from tenants import clock
from tenants.web import tenant_routes

logger = logging.getLogger(__name__)

blp = tenant_routes(Blueprint("venues_api", __name__, url_prefix="/api/v1/c/<slug>",
                              description="Venues units lend (场地) and their bookings, one row per date"))


def _venue(venue_id: int, action: str = "venues.view"):
    return found(services.get_venue(venue_id), action)


def _booking(booking_id: int, action: str = "bookings.view"):
    return found(services.get_booking(booking_id), action)


@blp.get("/venues")
@blp.response(200, schemas.VenueList)
def list_venues():
    """The community's venues, with hours, closed periods and accessibility."""
    require("venues.view")
    return {"items": services.list_venues(), "next_cursor": None}


@blp.post("/venues")
@blp.arguments(schemas.VenueIn)
@blp.response(201, schemas.VenueOut)
def create_venue(args):
    """A venue of a unit (staff, or a representative of that unit)."""
    require("venues.create")
    unit = units.get_unit(args["unit_id"])
    require("units.edit", unit)
    return services.create_venue(**args)


@blp.get("/venues/<int:venue_id>")
@blp.response(200, schemas.VenueOut)
def get_venue(venue_id: int):
    return _venue(venue_id)


@blp.patch("/venues/<int:venue_id>")
@blp.arguments(schemas.VenuePatch)
@blp.response(200, schemas.VenueOut)
def update_venue(args, venue_id: int):
    """Change a venue's details, hours or accessibility facts (the owner unit's representatives, staff)."""
    return services.update_venue(_venue(venue_id, "venues.manage"), args)


@blp.post("/venues/<int:venue_id>/closures")
@blp.arguments(schemas.VenueClosureIn)
@blp.response(201, schemas.VenueOut)
def add_closure(args, venue_id: int):
    """Close the venue for a period (both days included); no new booking falls in it."""
    venue = _venue(venue_id, "venues.manage")
    services.close_venue(venue, **args)
    return venue


@blp.get("/venues/<int:venue_id>/week")
@blp.arguments(schemas.VenueWeekArgs, location="query")
@blp.response(200, schemas.VenueWeekOut)
def week(args, venue_id: int):
    """The occupied dates (confirmed and pending) of the week that holds `week` (community time)."""
    venue = _venue(venue_id)
    day = args["week"] or clock.today()
    monday = services.monday_of(day)
    return {"monday": monday, "items": services.week(venue, monday)}


@blp.post("/bookings")
@blp.arguments(schemas.BookingIn)
@blp.response(201, schemas.BookingOut)
@blp.alt_response(200, schema=schemas.BookingPreviewOut, description="a dry run: each date and what stands in its way")
def request_booking(args):
    """Ask for a venue once or on a series (weekly or monthly, an end date or a count). Conflicting dates
    answer 422 (per date) unless skipped; `dry_run` lists them first."""
    require("bookings.request")
    venue = _venue(args.pop("venue_id"))
    if args["unit_id"] is not None:
        require("units.edit", units.get_unit(args["unit_id"]))
    result = services.request_booking(venue, requested_by_id=current_user.id, **args)
    if args["dry_run"]:
        # A response of its own: the dry run answers the preview, not a booking (documented above).
        return jsonify(schemas.BookingPreviewOut().dump({"dates": [
            {"position": i, "starts_at": c.starts_at, "ends_at": c.ends_at, "ok": c.ok, "problems": c.problems}
            for i, c in enumerate(result)]}))
    return result


@blp.get("/bookings/pending")
@blp.response(200, schemas.PendingOccurrencesOut)
def pending():
    """The dates waiting for my decision: of the venues of the units I represent (staff: all)."""
    require("bookings.request")
    return {"items": services.pending_for(services.owned_venue_ids(current_user.id, staff=is_staff()))}


@blp.get("/bookings/<int:booking_id>")
@blp.response(200, schemas.BookingOut)
def get_booking(booking_id: int):
    return _booking(booking_id)


def _decide(booking_id: int):
    booking = _booking(booking_id)
    venue = services.get_venue(booking.venue_id)
    require("bookings.decide", venue)
    return booking, venue


@blp.post("/bookings/<int:booking_id>/confirm")
@blp.arguments(schemas.BookingDecisionIn)
@blp.response(200, schemas.BookingDecisionOut)
def confirm(args, booking_id: int):
    """Confirm the pending dates (all, or those given); the other requests' overlapping dates are declined."""
    booking, venue = _decide(booking_id)
    result = services.confirm(booking, venue, actor_id=current_user.id, occurrence_ids=args["occurrence_ids"])
    return {"booking": booking, "declined": result["declined"]}


@blp.get("/bookings/<int:booking_id>/would-decline")
@blp.response(200, schemas.PendingOccurrencesOut)
def would_decline(booking_id: int):
    """The other requests' pending dates that confirming this booking would decline."""
    booking, _venue_ = _decide(booking_id)
    return {"items": services.would_decline(booking)}


@blp.post("/bookings/<int:booking_id>/decline")
@blp.arguments(schemas.BookingDecisionIn)
@blp.response(200, schemas.BookingOut)
def decline(args, booking_id: int):
    booking, venue = _decide(booking_id)
    services.decline(booking, venue, actor_id=current_user.id, occurrence_ids=args["occurrence_ids"])
    return booking


@blp.post("/bookings/<int:booking_id>/cancel")
@blp.response(200, schemas.BookingOut)
def cancel(booking_id: int):
    """Cancel every date still to come."""
    return services.cancel_booking(_booking(booking_id, "bookings.change"), actor_id=current_user.id)


@blp.post("/bookings/<int:booking_id>/occurrences")
@blp.arguments(schemas.OccurrenceMoveIn)
@blp.response(201, schemas.BookingOccurrenceOut)
def add_occurrence(args, booking_id: int):
    """Add a date (a skipped one back, or one more), checked like the others."""
    booking = _booking(booking_id, "bookings.change")
    return services.add_occurrence(booking, services.get_venue(booking.venue_id), actor_id=current_user.id, **args)


def _occurrence(booking_id: int, occurrence_id: int):
    booking = _booking(booking_id, "bookings.change")
    return booking, found(services.get_occurrence(booking, occurrence_id))


@blp.post("/bookings/<int:booking_id>/occurrences/<int:occurrence_id>/cancel")
@blp.response(200, schemas.BookingOccurrenceOut)
def cancel_occurrence(booking_id: int, occurrence_id: int):
    """Cancel one date; the others stay (cancelling again changes nothing)."""
    _booking_, occurrence = _occurrence(booking_id, occurrence_id)
    return services.cancel_occurrence(occurrence, actor_id=current_user.id)


@blp.post("/bookings/<int:booking_id>/occurrences/<int:occurrence_id>/move")
@blp.arguments(schemas.OccurrenceMoveIn)
@blp.response(200, schemas.BookingOccurrenceOut)
def move_occurrence(args, booking_id: int, occurrence_id: int):
    """Move one date; checked like a new one; asks the owner again when the venue needs confirmation."""
    booking, occurrence = _occurrence(booking_id, occurrence_id)
    return services.move_occurrence(occurrence, services.get_venue(booking.venue_id), actor_id=current_user.id,
                                    **args)
