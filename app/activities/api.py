"""Activities API: /api/v1/c/<slug>/activities — proposals and their lifecycle (approve, reject, cancel, a place
or a venue, held, the record and its photos, close), sign-ups with the waiting list, check-in by code or by name,
the attendance figures and the registrants' accessibility needs (organisers only, audited); and
/api/v1/c/<slug>/registrations/<id> — one place: its holder sees its code, cancels it, takes one offered."""
import logging

from flask import request
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import Blueprint

from app.activities import schemas, services
from app.activities.models import Registration
from app.core.apidoc import collection_schema
from app.core.validation import ValidationFailed
from app.lifecycle import retry_when_locked
from app.permissions import can, found, is_staff, require
from app.photos import accepts_uploads
from app.photos import services as photos
from app.photos.registry import visible as visible_photos
from app.photos.schemas import PhotoOut
from app.residents import services as residents
from app.units import services as units
from app.venues import services as venues
from tenants.web import current_membership, tenant_routes

logger = logging.getLogger(__name__)

blp = tenant_routes(Blueprint("activities_api", __name__, url_prefix="/api/v1/c/<slug>",
                              description="Joint activities (联合活动): proposals, approval, a venue or a place, "
                                          "sign-ups with a waiting list, check-in, the record with photos"))
ActivityPage = collection_schema(schemas.ActivityOut, "ActivityPage")
RegistrationPage = collection_schema(schemas.RegistrationOut, "RegistrationPage")
NeedsPage = collection_schema(schemas.NeedsOut, "NeedsPage")
PhotoPage = collection_schema(PhotoOut, "ActivityPhotoPage")
PHOTOS_FORM = {"content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["photos[]", "alts[]", "consent"],
    "properties": {
        "photos[]": {"type": "array", "items": {"type": "string", "format": "binary"},
                     "description": "JPEG or PNG pictures (checked by content, EXIF and GPS stripped)"},
        "alts[]": {"type": "array", "items": {"type": "string", "maxLength": 300},
                   "description": "what each photo shows, in the photos' order"},
        "consent": {"type": "boolean", "description": "the people in the photos agreed to be photographed and shown"},
        "public": {"type": "boolean", "description": "shown on the public calendar when the activity is public"},
    }}}}}


def _activity(activity_id: int, action: str = "activities.view"):
    return found(services.get_activity(activity_id), action)


def _registration(registration_id: int, action: str = "registrations.view"):
    return found(services.get_registration(registration_id), action)


def _holds(registration: Registration) -> bool:
    """The registration's holder: who signed them up, or the account acting for the resident signed up."""
    if registration.registered_by_id == current_user.id:
        return True
    if registration.resident_id:
        resident = residents.get_resident(registration.resident_id)
        return resident is not None and resident.account_id == current_user.id
    return False


def _may_organise_for(unit_id: int | None) -> None:
    """A unit's representative names only a unit they represent as the organiser (staff: any unit); a unit
    that does not exist is the service's field error."""
    unit = units.get_unit(unit_id) if unit_id is not None else None
    if unit is not None:
        require("units.edit", unit)


def _shown(registration: Registration) -> Registration:
    registration.shown_code = registration.code if _holds(registration) else None
    return registration


# --- activities ------------------------------------------------------------------------------------

@blp.get("/activities")
@blp.arguments(schemas.ActivityQuery, location="query")
@blp.response(200, ActivityPage)
def list_activities(args):
    """The community's activities by start (filters: status, kind, a unit organising or co-organising, a
    period `since`…`until`)."""
    require("activities.view")
    reader = None if can("activities.approve") else (current_user.id, list(units.represented_unit_ids(current_user.id)))
    items, next_cursor = services.page_activities(**args, reader=reader)
    return {"items": items, "next_cursor": next_cursor}


@blp.post("/activities")
@blp.arguments(schemas.ActivityIn)
@blp.response(201, schemas.ActivityOut)
def propose(args):
    """Propose an activity (staff, a unit's representative for its unit, the council, a resident
    representative); the staff are told. It starts `proposed`."""
    require("activities.propose")
    _may_organise_for(args.get("organiser_unit_id"))
    co = args.pop("co_organiser_ids")
    return services.propose(actor_id=current_user.id, co_organiser_ids=co, **args)


@blp.get("/activities/<int:activity_id>")
@blp.response(200, schemas.ActivityOut)
def get_activity(activity_id: int):
    """An activity; a proposal or a rejection only to its organisers and the staff (else 404, as on its page)."""
    activity = _activity(activity_id)
    if activity.status in ("proposed", "rejected") and not can("activities.organise", activity):
        found(None)
    return activity


@blp.patch("/activities/<int:activity_id>")
@blp.arguments(schemas.ActivityPatch)
@blp.response(200, schemas.ActivityOut)
def update_activity(args, activity_id: int):
    """Change what is given (the organisers, until it is held); 409 for a booked activity's time."""
    activity = _activity(activity_id, "activities.organise")
    if args.get("organiser_unit_id") not in (None, activity.organiser_unit_id):
        _may_organise_for(args["organiser_unit_id"])
    co = args.pop("co_organiser_ids", None)
    return services.update_activity(activity, args, co_organiser_ids=co)


@blp.post("/activities/<int:activity_id>/approve")
@blp.response(200, schemas.ActivityOut)
def approve(activity_id: int):
    """Approve a proposal (staff); for a kind the community votes on, this opens the ballot instead."""
    return services.approve(_activity(activity_id, "activities.approve"), actor_id=current_user.id)


@blp.post("/activities/<int:activity_id>/reject")
@blp.arguments(schemas.ReasonIn)
@blp.response(200, schemas.ActivityOut)
def reject(args, activity_id: int):
    return services.reject(_activity(activity_id, "activities.approve"), actor_id=current_user.id,
                           reason=args["reason"])


@blp.post("/activities/<int:activity_id>/cancel")
@blp.arguments(schemas.ReasonIn)
@blp.response(200, schemas.ActivityOut)
@retry_when_locked
def cancel(args, activity_id: int):
    """Call it off: the registrants are told, their places end, its venue dates are given back."""
    return services.cancel(_activity(activity_id, "activities.organise"), actor_id=current_user.id,
                           reason=args["reason"])


@blp.post("/activities/<int:activity_id>/place")
@blp.arguments(schemas.PlaceIn)
@blp.response(200, schemas.ActivityOut)
def set_place(args, activity_id: int):
    """Hold it outside the venues (the square, a street corner): scheduled once approved."""
    return services.set_place(_activity(activity_id, "activities.organise"), args["place"],
                              actor_id=current_user.id)


@blp.post("/activities/<int:activity_id>/venue")
@blp.arguments(schemas.VenueChoiceIn)
@blp.response(200, schemas.ActivityOut)
def book_venue(args, activity_id: int):
    """Ask a venue for the activity's time; scheduled when the venue confirms (at once where it needs no
    confirmation)."""
    activity = _activity(activity_id, "activities.organise")
    require("bookings.request")
    venue = venues.get_venue(args["venue_id"])
    if venue is None:
        raise ValidationFailed({"venue_id": [_("No such venue in this community.")]})
    return services.book_venue(activity, venue, actor_id=current_user.id)


@blp.post("/activities/<int:activity_id>/held")
@blp.response(200, schemas.ActivityOut)
def mark_held(activity_id: int):
    """It took place (409 before it starts; repeating changes nothing)."""
    return services.mark_held(_activity(activity_id, "activities.organise"), actor_id=current_user.id)


@blp.post("/activities/<int:activity_id>/record")
@blp.arguments(schemas.RecordIn)
@blp.response(200, schemas.ActivityOut)
def record(args, activity_id: int):
    """The record of a held activity: its text and the people who came without a registration; it needs at
    least one photo (POST …/photos first)."""
    return services.record(_activity(activity_id, "activities.organise"), text=args["record_text"],
                           walk_ins=args["walk_ins"], actor_id=current_user.id)


@blp.post("/activities/<int:activity_id>/close")
@blp.response(200, schemas.ActivityOut)
def close(activity_id: int):
    """Close a recorded activity (its text and a photo are checked again)."""
    return services.close(_activity(activity_id, "activities.organise"), actor_id=current_user.id)


@blp.get("/activities/<int:activity_id>/attendance")
@blp.response(200, schemas.AttendanceOut)
def attendance(activity_id: int):
    """The figures: places, waiting, present (walk-ins among them), no-shows."""
    return services.attendance(_activity(activity_id, "activities.organise"))


@blp.get("/activities/<int:activity_id>/needs")
@blp.response(200, NeedsPage)
def needs(activity_id: int):
    """The registrants' accessibility needs, given with their consent: to the organisers only, each reading
    written to the residents' access log."""
    activity = _activity(activity_id, "activities.needs")
    kept = services.needs_of(activity, actor_id=current_user.id)
    names = {r.id: r.name for r in services.registrations_of(activity)} if kept else {}
    return {"items": [{"registration_id": rid, "name": names.get(rid, ""), "needs": row.needs or [],
                       "note": row.note or ""} for rid, row in sorted(kept.items())], "next_cursor": None}


# --- sign-ups -------------------------------------------------------------------------------------

@blp.get("/activities/<int:activity_id>/registrations")
@blp.response(200, RegistrationPage)
def list_registrations(activity_id: int):
    """The organisers see every registration (the waiting list in order); anyone else only those they hold."""
    activity = _activity(activity_id)
    rows = services.registrations_of(activity)
    if not can("activities.organise", activity):
        held = residents.held_resident_ids(current_user.id)
        rows = [r for r in rows if r.registered_by_id == current_user.id or r.resident_id in held]
    return {"items": rows, "next_cursor": None}


@blp.post("/activities/<int:activity_id>/registrations")
@blp.arguments(schemas.SignUpIn)
@blp.response(201, schemas.RegistrationHeld)
@retry_when_locked
def sign_up(args, activity_id: int):
    """Sign someone up: a resident by id (themself or someone they act for; staff: anyone), or — a unit's
    representative for their unit — a person by name. A full activity puts them on the waiting list (201,
    `waiting`); a second sign-up of the same resident is 409."""
    activity = _activity(activity_id)
    resident_id = args.pop("resident_id")
    resident = None
    if resident_id is not None:
        require("activities.sign_up")
        resident = found(residents.get_resident(resident_id), "residents.view")
        args["unit_id"] = None
    else:
        require("activities.register_people")
        unit = units.get_unit(args["unit_id"]) if args["unit_id"] is not None else None
        if unit is not None:
            require("units.edit", unit)
        elif args["unit_id"] is None and not is_staff():
            raise ValidationFailed({"unit_id": [_("Say which unit registers this person.")]})
    return _shown(services.sign_up(activity, actor_id=current_user.id, resident=resident, **args))


@blp.post("/activities/<int:activity_id>/check-in")
@blp.arguments(schemas.CheckInIn)
@blp.response(200, schemas.CheckInOut)
@retry_when_locked
def check_in(args, activity_id: int):
    """Mark someone present by their QR code or by their registration (ticked by name): `first_time` is
    false when they were already, and nothing changes."""
    activity = _activity(activity_id, "activities.organise")
    if args["code"]:
        registration = services.registration_by_code(activity, args["code"])
        if registration is None:
            raise ValidationFailed({"code": [_("No place at this activity has this code.")]})
    elif args["registration_id"] is not None:
        registration = services.get_registration(args["registration_id"])
        if registration is None or registration.activity_id != activity.id:
            raise ValidationFailed({"registration_id": [_("No such registration at this activity.")]})
    else:
        raise ValidationFailed({"code": [_("Give the code or the registration.")]})
    first = services.check_in(registration, actor_id=current_user.id)
    return {"registration": registration, "first_time": first}


@blp.post("/activities/<int:activity_id>/walk-ins")
@blp.arguments(schemas.WalkInIn)
@blp.response(201, schemas.RegistrationOut)
def walk_in(args, activity_id: int):
    """Someone who came without signing up: present at once (a resident by id, or a name)."""
    activity = _activity(activity_id, "activities.organise")
    resident = None
    if args["resident_id"] is not None:
        resident = found(residents.get_resident(args["resident_id"]), "residents.view")
    if args["unit_id"] is not None and units.get_unit(args["unit_id"]) is None:
        raise ValidationFailed({"unit_id": [_("No such unit in this community.")]})
    return services.add_walk_in(activity, actor_id=current_user.id, resident=resident, name=args["name"],
                                unit_id=args["unit_id"])


# --- the record's photos ----------------------------------------------------------------------------

def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "on", "yes", "y")


@blp.post("/activities/<int:activity_id>/photos")
@blp.doc(requestBody=PHOTOS_FORM)
@blp.response(201, PhotoPage)
@accepts_uploads
def add_photos(activity_id: int):
    """Add photos to the record (multipart: `photos[]`, an `alts[]` for each, `consent`; `public` to show
    them on the public calendar). Every problem is told per file (`photos.<i>`, `alts.<i>`) and nothing is
    kept then."""
    activity = _activity(activity_id, "activities.organise")
    uploads = [f for f in (request.files.getlist("photos[]") or request.files.getlist("photos")) if f]
    files = [(f.filename or "", f.read()) for f in uploads]
    alts = request.form.getlist("alts[]") or request.form.getlist("alts")
    added = photos.add_photos(services.PHOTO_OWNER, activity.id, files, alts, _truthy(request.form.get("consent")),
                              actor_id=current_user.id, public=_truthy(request.form.get("public")))
    return {"items": added, "next_cursor": None}


@blp.get("/activities/<int:activity_id>/photos")
@blp.response(200, PhotoPage)
def list_photos(activity_id: int):
    """The record's photos: all of them to the organisers, to others those they may see."""
    activity = _activity(activity_id)
    rows = photos.photos_of(services.PHOTO_OWNER, [activity.id]).get(activity.id, [])
    if not can("activities.organise", activity):
        rows = visible_photos(current_membership(), rows)
    return {"items": rows, "next_cursor": None}


# --- one registration ------------------------------------------------------------------------------

@blp.get("/registrations/<int:registration_id>")
@blp.response(200, schemas.RegistrationHeld)
def get_registration(registration_id: int):
    """A place (or a place on the waiting list); its holder also sees the code their QR code carries."""
    return _shown(_registration(registration_id))


@blp.post("/registrations/<int:registration_id>/cancel")
@blp.response(200, schemas.RegistrationHeld)
@retry_when_locked
def cancel_registration(registration_id: int):
    """Give the place up; a freed place is offered to the first on the waiting list (repeating changes
    nothing)."""
    registration = _registration(registration_id, "registrations.cancel")
    return _shown(services.cancel_registration(registration, actor_id=current_user.id))


@blp.post("/registrations/<int:registration_id>/take")
@blp.response(200, schemas.RegistrationHeld)
@retry_when_locked
def take_offer(registration_id: int):
    """Take the place offered before its time runs out (409 after, or when none is offered)."""
    registration = _registration(registration_id, "registrations.cancel")
    return _shown(services.take_offer(registration, actor_id=current_user.id))
