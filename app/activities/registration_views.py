"""The door of an activity: signing up (oneself, family, a unit's people, or anyone for the coordinator) with a
waiting list, the registrant's place with its QR code, "my sign-ups", and the organisers' tools — the list of
registrants with sign-in ticks, the scan page and what a QR code opens, walk-ins, a printable sign-in sheet, the
record with its photos, and closing. The detail page (views.py) includes the panels these fill."""
import logging

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.activities import door, photo_rules, schemas, services  # noqa: F401  (photo_rules registers a rule)
from app.activities.models import ACTIVE, HOLDING, NEEDS
from app.core.fields import as_id, as_utc
from app.core.validation import Conflict
from app.lifecycle import PageForm, redirect_refusals_to
from app.permissions import can, found, is_staff, require
from app.photos import accepts_uploads
from app.photos import services as photo_services
from app.residents import services as residents
from app.units import services as units
from tenants import clock
from tenants.web import tenant_routes

logger = logging.getLogger(__name__)

bp = tenant_routes(Blueprint("registrations", __name__, url_prefix="/c/<slug>/activities"))

NEED_LABELS = {"wheelchair": _l("Wheelchair place"), "sign_language": _l("Sign language interpreting"),
               "large_print": _l("Large-print materials"), "hearing_loop": _l("Hearing loop"),
               "companion": _l("Needs a companion")}
REGISTRATION_LABELS = {"registered": _l("Signed up"), "waiting": _l("On the waiting list"),
                       "offered": _l("A place is kept for you"), "cancelled": _l("Cancelled"),
                       "lapsed": _l("Expired")}


def status_text(registration, position: int | None = None) -> str:
    """What a registrant's status says in words: 已报名 / 候补第N位 / 名额保留至…请确认 / 已取消 / 已过期."""
    if registration.status == "waiting" and position:
        return _("Waiting list, number %(n)s", n=position)
    if registration.status == "offered" and registration.offered_until:
        return _("A place is kept for you until %(when)s: please confirm",
                 when=f"{services.local(registration.offered_until):%Y-%m-%d %H:%M}")
    return str(REGISTRATION_LABELS.get(registration.status, registration.status))


def _hhmm(moment) -> str:
    return f"{services.local(moment):%H:%M}" if moment else ""


@bp.context_processor
def _labels():
    return {"NEED_LABELS": NEED_LABELS, "NEEDS": NEEDS, "REGISTRATION_LABELS": REGISTRATION_LABELS,
            "local": services.local, "status_text": status_text, "hhmm": _hhmm,
            "grouped_code": services.grouped_code}


# --- the panels of the activity's page (templates/activities/_registration_panel.html, _record_panel.html) ---

def registration_panel(activity) -> dict:
    """What the activity's page shows about signing up: the reader's own places (one query), whether they may
    sign up and why not, and for the organisers the figures (one GROUP BY) and their tools."""
    organise = can("activities.organise", activity)
    signs_up = can("activities.sign_up") or can("activities.register_people")
    mine = door.held_for(activity.id, current_user.id) if current_user.is_authenticated else []
    who = "unit" if (can("activities.register_people") and not can("activities.sign_up")) else "resident"
    live = [r for r in mine if r.status in ACTIVE]
    if signs_up and who == "resident" and not is_staff():
        # A resident (or the family acting for them) with everyone they act for signed up has nobody left to sign up.
        held = residents.held_resident_ids(current_user.id)
        signs_up = not held or not held <= {r.resident_id for r in live}
    return {"mine": live, "organise": organise, "signs_up": signs_up,
            "problems": services.registration_problems(activity, who=who) if signs_up else [],
            "figures": services.attendance(activity) if organise else None,
            "full": activity.capacity is not None and activity.taken >= activity.capacity}


def record_panel(activity) -> dict:
    """The record part of the activity's page: the text, the photos the reader may see, the figures."""
    organise = can("activities.organise", activity)
    shown = activity.status in ("recorded", "closed") or organise
    gallery = photo_services.photos_of(services.PHOTO_OWNER, [activity.id]).get(activity.id, []) if shown else []
    return {"organise": organise, "photos": gallery, "shown": shown,
            "may_record": organise and activity.status in ("held", "recorded"),
            "may_close": organise and activity.status == "recorded"}


@bp.app_context_processor
def _panels():
    """For the activity's page (another blueprint): the panels' data and a registration's status in words."""
    return {"registration_panel": registration_panel, "record_panel": record_panel,
            "registration_status": status_text}


# --- loading -----------------------------------------------------------------------------------------

def _activity(activity_id: int, action: str = "activities.view"):
    return found(services.get_activity(activity_id), action)


def _registration(activity_id: int, registration_id: int, action: str = "registrations.view"):
    registration = found(services.get_registration(registration_id))
    if registration.activity_id != activity_id:
        found(None)
    activity = found(services.get_activity(activity_id))
    require(action, registration)
    return activity, registration


def _detail_url(activity) -> str:
    return url_for("activities.detail", activity_id=activity.id)


def _calendar_path(activity) -> str:
    """The activity's .ics (app/activities/calendar_views.py)."""
    return url_for("calendar.activity_feed", activity_id=activity.id)


# --- signing up --------------------------------------------------------------------------------------

def _pickers(form) -> dict:
    """The coordinator's resident picker: the chosen resident and the matches of what was searched for."""
    matches, more = residents.search_residents(form.values.get("resident_id_q"))
    chosen = residents.get_resident(rid) if (rid := as_id(form.values.get("resident_id"))) else None
    if form.submitted and form.values.get("resident_id_q") and chosen is None and not form.values.get("name"):
        form.add_errors({"resident_id": [_("Choose one of the matches, or empty the search.")]})
    return {"resident": residents.pick_item(chosen) if chosen and chosen.status == "active" else None,
            "resident_matches": [residents.pick_item(r) for r in matches], "more_residents": more}


@bp.route("/<int:activity_id>/sign-up", methods=["GET", "POST"])
def sign_up(activity_id: int):
    """A resident signs up themself or someone they act for; a unit registers its people by name; the
    coordinator signs up anyone (a resident found with the picker, or by name for someone who phoned).
    A full activity puts them on the waiting list, and the page says so before they send."""
    activity = _activity(activity_id)
    staff = is_staff()
    resident_choices = [] if staff else (residents.residents_held_by(current_user.id)
                                         if can("activities.sign_up") else [])
    unit_choices = [] if staff else (units.units_of_user(current_user.id) if can("activities.register_people")
                                     else [])
    if not (staff or resident_choices or unit_choices):
        require("activities.sign_up")  # 403 for a role that signs nobody up
    initial = {"resident_id": str(resident_choices[0].id) if len(resident_choices) == 1 and not unit_choices else "",
               "unit_id": str(unit_choices[0].id) if unit_choices and not resident_choices else ""}
    if request.method == "GET":
        initial |= {key: request.args[key].strip() for key in ("resident_id", "resident_id_q") if key in request.args}
    form = PageForm(schemas.SignUpIn, initial=initial)
    picked = _pickers(form) if staff else {}
    if form.valid:
        data = dict(form.data)
        resident, unit_id = None, None
        if data["resident_id"] is not None:
            resident = residents.get_resident(data["resident_id"])
            if resident is None or resident.status != "active" or (
                    not staff and resident.id not in {r.id for r in resident_choices}):
                form.add_errors({"resident_id": [_("Choose one of the people listed.")]})
        elif data["unit_id"] is not None:
            unit_id = data["unit_id"]
            if not staff and unit_id not in {u.id for u in unit_choices}:
                form.add_errors({"unit_id": [_("Choose one of your units.")]})
            elif not data["name"]:
                form.add_errors({"name": [_("Whom does the unit sign up? Give their name.")]})
        elif not staff:
            form.add_errors({"resident_id": [_("Choose whom you sign up.")]})
        elif not data["name"]:
            form.add_errors({"resident_id": [_("Choose a resident, or give the name of someone who phoned.")]})
        if not form.errors:
            registration = services.sign_up(
                activity, actor_id=current_user.id, resident=resident, unit_id=unit_id,
                name=data["name"] if resident is None else "", phone=data["phone"] if resident is None else "",
                needs=data["needs"], needs_note=data["needs_note"], needs_consent=data["needs_consent"])
            if registration.status == "waiting":
                flash(_("The activity is full: %(name)s is on the waiting list, number %(n)s.",
                        name=registration.name, n=door.waiting_position(registration)), "success")
            else:
                flash(_("%(name)s is signed up.", name=registration.name), "success")
            return redirect(url_for("registrations.detail", activity_id=activity.id,
                                    registration_id=registration.id))
    status = 409 if isinstance(form.refusal, Conflict) else 200
    return render_template(
        "activities/door/sign_up.html", activity=activity, values=form.values, errors=form.errors, staff=staff,
        resident_choices=resident_choices, unit_choices=unit_choices,
        problems=services.registration_problems(activity, who="unit" if unit_choices and not resident_choices
                                                else "resident"),
        full=activity.capacity is not None and activity.taken >= activity.capacity,
        waiting=services.attendance(activity)["waiting"], detail_url=_detail_url(activity), **picked), status


# --- the registrant's place ----------------------------------------------------------------------------

@bp.get("/<int:activity_id>/registrations/<int:registration_id>")
def detail(activity_id: int, registration_id: int):
    """The place: its status in words, the QR code to show at the door (with the code as text), and what the
    registrant may do — take an offered place, cancel, add it to a calendar."""
    activity, registration = _registration(activity_id, registration_id)
    landing = url_for("registrations.landing", activity_id=activity.id, registration_code=registration.code,
                      _external=True)
    position = door.waiting_position(registration)
    return render_template(
        "activities/door/registration.html", activity=activity, registration=registration, position=position,
        qr=door.qr_svg(landing, label=_("QR code of %(name)s's place", name=registration.name))
        if registration.status in ACTIVE else None,
        place=services.place_of(activity), calendar=_calendar_path(activity), detail_url=_detail_url(activity),
        may_cancel=registration.status in ACTIVE and can("registrations.cancel", registration)
        and activity.status in ("proposed", "approved", "scheduled"))


@bp.route("/<int:activity_id>/registrations/<int:registration_id>/cancel", methods=["GET", "POST"])
def cancel(activity_id: int, registration_id: int):
    """Give up the place (asked once more before it goes); a freed place is offered to the first waiting."""
    activity, registration = _registration(activity_id, registration_id, "registrations.cancel")
    back = url_for("registrations.detail", activity_id=activity.id, registration_id=registration.id)
    if request.method == "POST":
        redirect_refusals_to(back)
        services.cancel_registration(registration, actor_id=current_user.id)
        flash(_("The sign-up of %(name)s is cancelled.", name=registration.name), "success")
        return redirect(back)
    return render_template("activities/door/cancel.html", activity=activity, registration=registration, back=back)


@bp.post("/<int:activity_id>/registrations/<int:registration_id>/take")
def take(activity_id: int, registration_id: int):
    """Take the place kept for you."""
    activity, registration = _registration(activity_id, registration_id, "registrations.cancel")
    back = url_for("registrations.detail", activity_id=activity.id, registration_id=registration.id)
    redirect_refusals_to(back)
    services.take_offer(registration, actor_id=current_user.id)
    flash(_("The place is yours: %(name)s is signed up.", name=registration.name), "success")
    return redirect(back)


@bp.get("/mine")
def mine():
    """What I signed up for, and the residents I act for: coming first, then past."""
    rows = services.my_registrations(current_user.id, upcoming_only=False)
    now = clock.utcnow()
    upcoming = [(r, a) for r, a in rows if as_utc(a.ends_at) >= now]
    past = [(r, a) for r, a in reversed(rows) if as_utc(a.ends_at) < now]
    return render_template("activities/door/mine.html", upcoming=upcoming, past=past[:50])


# --- the organisers' tools -----------------------------------------------------------------------------

@bp.get("/<int:activity_id>/registrations")
def registrants(activity_id: int):
    """Who signed up, in the order of the list: name, phone's last digits, status, present or not, a tick to
    sign someone in by name; their accessibility needs only for who may read them (each reading audited)."""
    activity = _activity(activity_id, "activities.organise")
    rows = services.registrations_of(activity)
    show_needs = can("activities.needs", activity)
    needs = services.needs_of(activity, actor_id=current_user.id) if show_needs else {}
    waiting = [r for r in rows if r.status == "waiting"]
    return render_template("activities/door/registrants.html", activity=activity, rows=rows,
                           figures=services.attendance(activity), show_needs=show_needs, needs=needs,
                           waiting=waiting, positions={r.id: i for i, r in enumerate(waiting, 1)},
                           summary=services.needs_summary(activity), detail_url=_detail_url(activity),
                           door_open=activity.status in ("approved", "scheduled", "held"))


def _sign_in(registration) -> None:
    """Sign someone in and say so; signed in already, say since when."""
    if services.check_in(registration, actor_id=current_user.id):
        flash(_("%(name)s is signed in.", name=registration.name), "success")
    else:
        flash(_("%(name)s was already signed in at %(time)s.", name=registration.name,
                time=_hhmm(registration.checked_in_at)), "info")


@bp.post("/<int:activity_id>/registrations/<int:registration_id>/check-in")
def tick(activity_id: int, registration_id: int):
    """Sign someone in by name from the list."""
    activity = _activity(activity_id, "activities.organise")
    registration = found(services.get_registration(registration_id))
    if registration.activity_id != activity.id:
        found(None)
    back = url_for("registrations.registrants", activity_id=activity.id) + f"#r{registration.id}"
    redirect_refusals_to(back)
    _sign_in(registration)
    return redirect(back)


@bp.route("/<int:activity_id>/check-in", methods=["GET", "POST"])
def check_in(activity_id: int):
    """The scan page at the door: a code typed, or read by a scanner or (where the browser can) the camera;
    sending it signs the person in and the page is ready for the next."""
    activity = _activity(activity_id, "activities.organise")
    form = PageForm(schemas.CheckInIn, shows_refusals=False)
    if form.valid:
        registration = services.registration_by_code(activity, door.code_from(form.data.get("code") or ""))
        if registration is None:
            form.add_errors({"code": [_("No sign-up of this activity has this code.")]})
        elif activity.status not in services.DOOR_OPEN:
            form.add_errors({"code": [_("The activity is closed: nobody is signed in any more.")]})
        elif registration.status not in HOLDING:
            form.add_errors({"code": [_("%(name)s has no place at this activity (%(status)s).",
                                        name=registration.name, status=status_text(registration))]})
        else:
            _sign_in(registration)
            return redirect(url_for("registrations.check_in", activity_id=activity.id))
    if form.submitted and not form.errors.get("code") and not (form.values.get("code") or "").strip():
        form.add_errors({"code": [_("Type or scan the code.")]})
    return render_template("activities/door/check_in.html", activity=activity, values=form.values,
                           errors=form.errors, figures=services.attendance(activity))


@bp.route("/<int:activity_id>/check-in/<registration_code>", methods=["GET", "POST"])
def landing(activity_id: int, registration_code: str):
    """What the QR code opens: the organiser sees the name and signs them in with one button; opened again it
    says when they came and changes nothing. A code of another activity or community is not found."""
    activity = found(services.get_activity(activity_id))
    if not can("activities.organise", activity):  # the registrant opening their own code, say
        return render_template("activities/door/show_at_door.html", activity=activity), 403
    registration = services.registration_by_code(activity, registration_code)
    if registration is None:
        return render_template("activities/door/unknown_code.html", activity=activity), 404
    signed_now = False
    if request.method == "POST" and registration.status in HOLDING and activity.status in services.DOOR_OPEN:
        signed_now = services.check_in(registration, actor_id=current_user.id)
    return render_template("activities/door/landing.html", activity=activity, registration=registration,
                           signed_now=signed_now, holding=registration.status in HOLDING,
                           door_open=services.DOOR_OPEN)


@bp.route("/<int:activity_id>/walk-ins", methods=["GET", "POST"])
def walk_in(activity_id: int):
    """Someone who came without signing up: by name, or (the coordinator) a resident found with the picker;
    present at once."""
    activity = _activity(activity_id, "activities.organise")
    staff = is_staff()
    form = PageForm(schemas.WalkInIn)
    picked = _pickers(form) if staff else {}
    if form.valid:
        data = form.data
        resident = residents.get_resident(data["resident_id"]) if staff and data["resident_id"] else None
        if staff and data["resident_id"] and resident is None:
            form.add_errors({"resident_id": [_("Choose one of the people listed.")]})
        else:
            registration = services.add_walk_in(activity, actor_id=current_user.id, resident=resident,
                                                name=data["name"])
            flash(_("%(name)s is signed in as a walk-in.", name=registration.name), "success")
            return redirect(url_for("registrations.registrants", activity_id=activity.id))
    return render_template("activities/door/walk_in.html", activity=activity, values=form.values, errors=form.errors,
                           staff=staff, **picked)


@bp.get("/<int:activity_id>/sign-in-sheet")
def sign_in_sheet(activity_id: int):
    """A sheet to print for the door: one row per person with a place, a small QR code and a column to sign."""
    activity = _activity(activity_id, "activities.organise")
    rows = services.registrations_of(activity, statuses=HOLDING)
    codes = {r.id: door.qr_svg(url_for("registrations.landing", activity_id=activity.id, registration_code=r.code,
                                       _external=True), label=_("QR code of %(name)s's place", name=r.name),
                               css_class="qr qr-small") for r in rows}
    return render_template("activities/door/sheet.html", activity=activity, rows=rows, codes=codes,
                           place=services.place_of(activity))


@bp.route("/<int:activity_id>/record", methods=["GET", "POST"])
@accepts_uploads
def record(activity_id: int):
    """The record of a held activity: what happened, how many came without signing up, and photos (each
    with what it shows, and the confirmation that the people shown agreed); the figures come from the door."""
    activity = _activity(activity_id, "activities.organise")
    form = PageForm(schemas.RecordIn, obj=activity, error_key=photo_services.page_error_key)
    if form.valid and activity.status in ("held", "recorded"):
        files, alts = photo_services.uploads_from(request.files, request.form)
        if files:
            photo_services.add_photos(services.PHOTO_OWNER, activity.id, files, alts,
                                      consent=request.form.get("consent") == "y", actor_id=current_user.id)
        services.record(activity, text=form.data["record_text"], walk_ins=form.data["walk_ins"],
                        actor_id=current_user.id)
        flash(_("The record is saved."), "success")
        return redirect(url_for("registrations.record", activity_id=activity.id))
    gallery = photo_services.photos_of(services.PHOTO_OWNER, [activity.id]).get(activity.id, [])
    return render_template("activities/door/record.html", activity=activity, values=form.values, errors=form.errors,
                           figures=services.attendance(activity), photos=gallery, detail_url=_detail_url(activity),
                           may_record=activity.status in ("held", "recorded"),
                           max_files=current_app.config["UPLOAD_MAX_FILES"],
                           max_mb=current_app.config["UPLOAD_MAX_BYTES"] // (1024 * 1024))


@bp.post("/<int:activity_id>/close")
def close(activity_id: int):
    """Close a recorded activity (its text and at least one photo are checked again)."""
    activity = _activity(activity_id, "activities.organise")
    redirect_refusals_to(url_for("registrations.record", activity_id=activity.id))
    services.close(activity, actor_id=current_user.id)
    flash(_("The activity is closed."), "success")
    return redirect(url_for("registrations.record", activity_id=activity.id))
