"""Venue pages: the venues, a venue with its hours, closed periods, accessibility and a week of bookings, the
request form (check the dates first, skip the conflicting ones), the owner's approvals, a booking's dates."""
import logging
from datetime import date, datetime, time, timedelta

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.accounts import services as accounts
from app.core.fields import as_id
from app.core.kinds import WEEKDAYS
from app.lifecycle import PageForm, redirect_refusals_to
from app.permissions import can, found, is_staff, require
from app.sections import digest, section
from app.units import services as units
from app.venues import schemas, services
from tenants import clock
from tenants.web import tenant_routes

logger = logging.getLogger(__name__)

bp = tenant_routes(Blueprint("venues", __name__, url_prefix="/c/<slug>/venues"))

WEEKDAY_LABELS = dict(zip(WEEKDAYS, (_l("Monday"), _l("Tuesday"), _l("Wednesday"), _l("Thursday"), _l("Friday"),
                                     _l("Saturday"), _l("Sunday")), strict=True))
STATUS_LABELS = {"pending": _l("Waiting for the owner"), "confirmed": _l("Confirmed"), "declined": _l("Declined"),
                 "cancelled": _l("Cancelled")}
FREQUENCY_LABELS = {"once": _l("Once"), "weekly": _l("Every week"), "monthly": _l("Every month")}


@bp.context_processor
def _labels():
    return {"WEEKDAYS": WEEKDAYS, "WEEKDAY_LABELS": WEEKDAY_LABELS, "BOOKING_STATUS_LABELS": STATUS_LABELS,
            "FREQUENCY_LABELS": FREQUENCY_LABELS, "local": services.local}


def _waiting(staff: bool) -> dict | None:
    """The dates waiting for the reader's decision (the first ten), or None when they decide for no venue."""
    venue_ids = services.owned_venue_ids(current_user.id, staff=staff)
    if not venue_ids:
        return None
    pending = services.pending_for(venue_ids)
    return {"pending": pending[:10], "waiting": len(pending), "local": services.local,
            "venues": {v.id: v for v in services.venues_of(o.venue_id for o in pending[:10])}}


def _waiting_data(context: dict) -> dict:
    return {"title": _("Venue requests to decide"), "url": url_for("venues.approvals"), "count": context["waiting"],
            "items": [{"id": str(o.id), "kind": "venue", "title": context["venues"][o.venue_id].name,
                       "status": o.status, "when": services.as_utc(o.starts_at).isoformat(),
                       "url": url_for("venues.booking", booking_id=o.booking_id)} for o in context["pending"]]}


@section("venues", page="today", order=50, template="venues/_waiting.html", permission="bookings.decide",
         data=_waiting_data)
def _today():
    """Staff: the venue requests waiting for a decision."""
    context = _waiting(staff=True)
    return context if context and context["waiting"] else None


@section("venues", page="unit", order=40, template="venues/_waiting.html", permission="home.unit",
         data=_waiting_data)
def _unit_home():
    """A unit that lends a venue: the requests waiting for its decision."""
    return _waiting(staff=False)


@digest
def _digest_counts():
    """Staff decide for every venue: the dates waiting for them."""
    return {"venue_requests_waiting": services.waiting_count(services.owned_venue_ids(0, staff=True))}


def _week_of(value: str | None) -> date:
    try:
        day = date.fromisoformat(value) if value else clock.today()
    except ValueError:
        day = clock.today()
    if not schemas.FIRST_WEEK <= day <= schemas.LAST_WEEK:  # its Monday or next week would leave the calendar
        day = clock.today()
    return services.monday_of(day)


@bp.get("/")
def index():
    require("venues.view")
    venues = services.list_venues()
    return render_template("venues/index.html", venues=venues, owners=units.names_of(v.unit_id for v in venues))


@bp.get("/<int:venue_id>")
def detail(venue_id: int):
    return _detail(found(services.get_venue(venue_id), "venues.view"))


def _detail(venue, *, values=None, errors=None):
    monday = _week_of(request.args.get("week"))
    occupied = services.week(venue, monday)
    days = [monday + timedelta(days=i) for i in range(7)]
    by_day = {day: [o for o in occupied if services.local(o.starts_at).date() == day] for day in days}
    return render_template("venues/detail.html", venue=venue, monday=monday, days=days, by_day=by_day,
                           owner=units.names_of([venue.unit_id]).get(venue.unit_id, ""),
                           previous=monday - timedelta(days=7), next=monday + timedelta(days=7),
                           manage=can("venues.manage", venue), values=values or {}, errors=errors or {})


def _unit_choices():
    """The units one may give a venue to: None for staff (the picker searches them all), else those one
    represents."""
    return None if is_staff() else units.units_of_user(current_user.id)


@bp.route("/new", methods=["GET", "POST"])
def create():
    """A new venue of a unit: staff choose the unit, a representative gives one of their own."""
    require("venues.create")
    choices = _unit_choices()
    initial = schemas.hours_inputs({}) | {"needs_confirmation": True, "book_ahead_days": 180,
                                          "unit_id": request.args.get("unit_id", "")}
    if choices and len(choices) == 1:
        initial["unit_id"] = str(choices[0].id)
    if "unit_id_q" in request.args:  # the unit picker's search, sent without script with everything typed
        initial |= {key: request.args[key].strip() for key in request.args if key != "csrf_token"}
    form = PageForm(schemas.VenueForm, initial=initial)
    chosen = units.get_unit(unit_id) if (unit_id := as_id(form.values.get("unit_id"))) else None
    allowed = chosen is not None and (choices is None or chosen in choices)
    if form.submitted and not allowed:
        form.add_errors({"unit_id": [_("Choose one of the units you may lend a venue for.")]})
    if form.valid:
        require("units.edit", chosen)
        venue = services.create_venue(**form.data)
        flash(_("Venue “%(name)s” added.", name=venue.name), "success")
        return redirect(url_for("venues.detail", venue_id=venue.id))
    picked = {}
    if choices is None:
        matches, more = units.search_units(form.values.get("unit_id_q"))
        picked = {"unit": units.pick_item(chosen) if chosen else None, "more_units": more,
                  "unit_matches": [units.pick_item(u) for u in matches]}
    return render_template("venues/form.html", venue=None, values=form.values, errors=form.errors,
                           unit_choices=choices or [], staff=choices is None, **picked)


@bp.route("/<int:venue_id>/edit", methods=["GET", "POST"])
def edit(venue_id: int):
    venue = found(services.get_venue(venue_id), "venues.manage")
    form = PageForm(schemas.VenueEditForm, obj=venue, initial=schemas.hours_inputs(venue.hours))
    if form.valid:
        services.update_venue(venue, form.data)
        flash(_("Saved."), "success")
        return redirect(url_for("venues.detail", venue_id=venue_id))
    return render_template("venues/form.html", venue=venue, values=form.values, errors=form.errors,
                           owner=units.names_of([venue.unit_id]).get(venue.unit_id, ""))


@bp.post("/<int:venue_id>/closures")
def add_closure(venue_id: int):
    """Close the venue for a period (both days included)."""
    venue = found(services.get_venue(venue_id), "venues.manage")
    form = PageForm(schemas.ClosureForm)
    if form.valid:
        services.close_venue(venue, **form.data)
        flash(_("Closed period added."), "success")
        return redirect(url_for("venues.detail", venue_id=venue_id) + "#closed-h")
    return _detail(venue, values=form.values, errors=form.errors)


@bp.post("/<int:venue_id>/closures/<int:closure_id>/delete")
def remove_closure(venue_id: int, closure_id: int):
    venue = found(services.get_venue(venue_id), "venues.manage")
    found(services.remove_closure(venue, closure_id))
    flash(_("The closed period is removed; the venue may be booked then again."), "success")
    return redirect(url_for("venues.detail", venue_id=venue_id) + "#closed-h")


def _my_units():
    return [] if is_staff() else units.units_of_user(current_user.id)


@bp.route("/<int:venue_id>/book", methods=["GET", "POST"])
def book(venue_id: int):
    """Ask for the venue: "check" lists every date with what stands in its way; "send" asks for the dates
    not skipped (the conflicting ones are ticked to skip)."""
    venue = found(services.get_venue(venue_id), "venues.view")
    require("bookings.request")
    tomorrow = clock.today() + timedelta(days=1)
    form = PageForm(schemas.BookingForm, initial={
        "starts_at": datetime.combine(tomorrow, time(9)).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": datetime.combine(tomorrow, time(11)).strftime("%Y-%m-%dT%H:%M"), "frequency": "once",
        "interval": 1})
    preview = None
    if form.valid:
        data = dict(form.data)
        if data["unit_id"] is not None:
            require("units.edit", units.get_unit(data["unit_id"]))
        if request.form.get("action") == "send":
            booking = services.request_booking(venue, requested_by_id=current_user.id, **data)
            flash(_("Your request is sent; the owner confirms it.") if venue.needs_confirmation
                  else _("Booked."), "success")
            return redirect(url_for("venues.booking", booking_id=booking.id))
        preview = services.request_booking(venue, requested_by_id=current_user.id, dry_run=True, **data)
        form.values["skip"] = [str(i) for i, c in enumerate(preview) if not c.ok]
    return render_template("venues/book.html", venue=venue, values=form.values, errors=form.errors,
                           preview=preview,
                           unit_options=[("", _("Myself"))] + [(str(u.id), u.name) for u in _my_units()])


@bp.get("/approvals")
def approvals():
    """The dates waiting for my decision, of the venues of the units I represent (staff: every venue)."""
    require("bookings.request")
    pending = services.pending_for(services.owned_venue_ids(current_user.id, staff=is_staff()))
    bookings = {b.id: b for b in services.bookings_of(o.booking_id for o in pending)}
    venues = {v.id: v for v in services.venues_of(o.venue_id for o in pending)}
    return render_template("venues/approvals.html", pending=pending, bookings=bookings, venues=venues,
                           askers=accounts.user_names(b.requested_by_id for b in bookings.values()))


@bp.get("/bookings/<int:booking_id>")
def booking(booking_id: int):
    return _booking_page(found(services.get_booking(booking_id), "bookings.view"))


def _booking_page(found_booking, *, values=None, errors=None):
    venue = services.get_venue(found_booking.venue_id)
    decide = can("bookings.decide", venue)
    changes = services.booking_history(found_booking)
    names = accounts.user_names([found_booking.requested_by_id, *(c.actor_id for c in changes if c.actor_id)])
    return render_template("venues/booking.html", booking=found_booking, venue=venue, decide=decide,
                           change=can("bookings.change", found_booking),
                           would_decline=services.would_decline(found_booking) if decide else [],
                           asker=names.get(found_booking.requested_by_id, ""), changes=changes, names=names,
                           values=values or {}, errors=errors or {})


@bp.post("/bookings/<int:booking_id>/occurrences")
def add_occurrence(booking_id: int):
    """Put a date back into a booking (one skipped when asking), checked like the others."""
    found_booking = found(services.get_booking(booking_id), "bookings.change")
    form = PageForm(schemas.OccurrenceAddForm)
    if form.valid:
        zone = clock.zone()
        day = form.data["day"]
        services.add_occurrence(found_booking, services.get_venue(found_booking.venue_id), actor_id=current_user.id,
                                starts_at=datetime.combine(day, form.data["starts_at"], tzinfo=zone),
                                ends_at=datetime.combine(day, form.data["ends_at"], tzinfo=zone))
        flash(_("The date is added."), "success")
        return redirect(url_for("venues.booking", booking_id=booking_id))
    return _booking_page(found_booking, values=form.values, errors=form.errors)


def _decision(booking_id: int):
    found_booking = found(services.get_booking(booking_id), "bookings.view")
    venue = services.get_venue(found_booking.venue_id)
    require("bookings.decide", venue)
    redirect_refusals_to(url_for("venues.booking", booking_id=booking_id))
    return found_booking, venue


@bp.post("/bookings/<int:booking_id>/confirm")
def confirm(booking_id: int):
    found_booking, venue = _decision(booking_id)
    result = services.confirm(found_booking, venue, actor_id=current_user.id)
    flash(_("Confirmed %(n)s date(s); %(m)s overlapping request(s) declined.", n=len(result["confirmed"]),
            m=len(result["declined"])), "success")
    return redirect(url_for("venues.booking", booking_id=booking_id))


@bp.post("/bookings/<int:booking_id>/decline")
def decline(booking_id: int):
    found_booking, venue = _decision(booking_id)
    services.decline(found_booking, venue, actor_id=current_user.id)
    flash(_("Declined."), "success")
    return redirect(url_for("venues.booking", booking_id=booking_id))


@bp.post("/bookings/<int:booking_id>/occurrences/<int:occurrence_id>/cancel")
def cancel_occurrence(booking_id: int, occurrence_id: int):
    found_booking = found(services.get_booking(booking_id), "bookings.change")
    occurrence = found(services.get_occurrence(found_booking, occurrence_id))
    redirect_refusals_to(url_for("venues.booking", booking_id=booking_id))
    services.cancel_occurrence(occurrence, actor_id=current_user.id)
    flash(_("That date is cancelled; the others stay."), "success")
    return redirect(url_for("venues.booking", booking_id=booking_id))


@bp.post("/bookings/<int:booking_id>/occurrences/<int:occurrence_id>/move")
def move_occurrence(booking_id: int, occurrence_id: int):
    found_booking = found(services.get_booking(booking_id), "bookings.change")
    occurrence = found(services.get_occurrence(found_booking, occurrence_id))
    redirect_refusals_to(url_for("venues.booking", booking_id=booking_id))
    form = PageForm(schemas.OccurrenceMoveForm, shows_refusals=False)
    if not form.valid:
        flash(" ".join(m for ms in form.errors.values() for m in ms), "error")
        return redirect(url_for("venues.booking", booking_id=booking_id))
    services.move_occurrence(occurrence, services.get_venue(found_booking.venue_id), actor_id=current_user.id,
                             **form.data)
    flash(_("That date is moved."), "success")
    return redirect(url_for("venues.booking", booking_id=booking_id))


@bp.get("/<int:venue_id>/calendar.ics")
def calendar(venue_id: int):
    """The venue's confirmed dates for a calendar app (iCalendar)."""
    venue = found(services.get_venue(venue_id), "venues.view")
    return Response(services.ical_feed(venue, host=request.host), mimetype="text/calendar",
                    headers={"Content-Disposition": f'inline; filename="venue-{venue.id}.ics"'})
