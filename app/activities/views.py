"""Activity pages: the list (upcoming and past, by kind), the propose and edit form, an activity with everything a
resident needs to know (when, where and how accessible, who organises, places left) and its history, the staff's
decisions (approve or put to the vote, reject, a place or a venue, cancel), the community's rules and the cultural
activity points; what waits for the staff on the today page and for a unit on its desk."""
import logging
from datetime import datetime

from babel.dates import format_skeleton
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app import yearbook
from app.accounts import services as accounts
from app.activities import desk, forms, services
from app.activities.models import ACTIVE, AUDIENCES, KINDS, LIVE
from app.activities.vocabulary import AUDIENCE_LABELS, HISTORY_LABELS, KIND_LABELS, STATUS_LABELS, status_label
from app.activities.year import activities_part, activities_street
from app.core.fields import as_id, as_utc
from app.lifecycle import PageForm, redirect_refusals_to
from app.permissions import can, found, is_staff, require
from app.sections import digest, section
from app.units import services as units
from app.venues import services as venues
from tenants import clock
from tenants.web import tenant_routes

logger = logging.getLogger(__name__)

# The activities part of the year (app.yearbook): the report, the dashboards and the street read it.
yearbook.part("activities", order=20, title=_l("Activities"), street=activities_street)(activities_part)

bp = tenant_routes(Blueprint("activities", __name__, url_prefix="/c/<slug>/activities"))
LOCAL_INPUT = "%Y-%m-%dT%H:%M"  # what a datetime-local input shows
TIMES = ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at")


def day_of(moment: datetime) -> str:
    """A day as people say it: 12月10日星期四 (the year only when it is not this one)."""
    moment = services.local(moment)
    skeleton = "MMMMdEEEE" if moment.year == clock.today().year else "yMMMMdEEEE"
    return format_skeleton(skeleton, moment, locale=get_locale())


def when(activity) -> str:
    """12月10日星期四 09:00–11:00 (an activity over several days says both days)."""
    starts, ends = services.local(activity.starts_at), services.local(activity.ends_at)
    if starts.date() == ends.date():
        return f"{day_of(starts)} {starts:%H:%M}–{ends:%H:%M}"
    return f"{day_of(starts)} {starts:%H:%M} – {day_of(ends)} {ends:%H:%M}"


def moment(value: datetime) -> str:
    local = services.local(value)
    return f"{day_of(local)} {local:%H:%M}"


@bp.context_processor
def _labels():
    return {"KIND_LABELS": KIND_LABELS, "ACTIVITY_STATUS_LABELS": STATUS_LABELS, "AUDIENCE_LABELS": AUDIENCE_LABELS,
            "activity_status": status_label,
            "ACTIVITY_HISTORY_LABELS": HISTORY_LABELS, "activity_when": when, "activity_moment": moment,
            "activity_iso": lambda value: as_utc(value).isoformat()}


# --- the today page and a unit's desk --------------------------------------------------------------

def _items(activities, title: str, url: str, count: int) -> dict:
    return {"title": title, "url": url, "count": count,
            "items": [{"id": str(a.id), "kind": a.kind, "title": a.title, "status": a.status,
                       "label": str(STATUS_LABELS[a.status]), "when": as_utc(a.starts_at).isoformat(),
                       "url": url_for("activities.detail", activity_id=a.id)} for a in activities]}


def _staff_list(rows, count: int, title: str, key: str, **extra) -> dict | None:
    """A today-page part of what waits for the staff; nothing when nothing waits."""
    if not count:
        return None
    return _labels() | {"activities": rows, "count": count, "title": title, "key": key, **extra}


@section("activity_proposals", page="today", order=55, template="activities/_today.html",
         permission="activities.approve",
         data=lambda c: _items(c["activities"], c["title"], url_for("activities.index"), c["count"]))
def _today_proposals():
    """Staff: proposals waiting for approval."""
    rows, count = desk.proposals_waiting()
    return _staff_list(rows, count, _("Activity proposals waiting for approval"), "proposals")


@section("activity_records", page="today", order=56, template="activities/_today.html",
         permission="activities.approve",
         data=lambda c: _items(c["activities"], c["title"], url_for("activities.index", past=1), c["count"]))
def _today_records():
    """Staff: activities that took place and have no record yet."""
    rows, count = desk.without_record()
    return _staff_list(rows, count, _("Activities held without a record"), "records")


@section("activity_waiting", page="today", order=57, template="activities/_today.html",
         permission="activities.approve",
         data=lambda c: _items(c["activities"], c["title"], url_for("activities.index"), c["count"]))
def _today_waiting():
    """Staff: upcoming activities with a waiting list."""
    rows, count = desk.with_waiting_list()
    return _staff_list([a for a, _n in rows], count, _("Activities with a waiting list"), "waiting",
                       waiting={a.id: n for a, n in rows})


@section("activities", page="unit", order=45, template="activities/_today.html", permission="home.unit",
         data=lambda c: _items(c["activities"], c["title"], url_for("activities.index"), c["count"]))
def _unit_desk():
    """A unit's desk: the upcoming activities its units organise or co-organise."""
    rows = desk.upcoming_of_units(units.represented_unit_ids(current_user.id))
    return _labels() | {"activities": rows, "count": len(rows), "title": _("Our upcoming activities"),
                       "key": "unit", "propose": can("activities.propose")}


@section("activities", page="resident", order=25, template="activities/_resident_home.html",
         permission="home.resident",
         data=lambda c: _items(c["open"], c["title"], url_for("activities.index"), len(c["open"])))
def _resident_home():
    """A resident (or the family acting for them): a big button to the activities, what they signed up for, and
    the next activities open to residents."""
    mine = services.my_registrations(current_user.id)
    upcoming = [a for a in desk.visible(past=False, staff=False, user_id=None, limit=20)
                if a.status in LIVE and a.audience in ("residents", "both")][:3]
    return _labels() | {"mine": [(r, a) for r, a in mine if r.status in ACTIVE], "open": upcoming,
                       "title": _("Activities")}


@digest
def _digest_counts():
    return desk.counts()


# --- the list -------------------------------------------------------------------------------------

@bp.get("/")
def index():
    require("activities.view")
    past = request.args.get("past") == "1"
    kind = request.args.get("kind") if request.args.get("kind") in KINDS else None
    staff = can("activities.approve")
    mine = units.represented_unit_ids(current_user.id) if not staff else set()
    rows = desk.visible(past=past, kind=kind, staff=staff, user_id=current_user.id, unit_ids=mine)
    return render_template(
        "activities/index.html", activities=rows, past=past, kind=kind, KINDS=KINDS,
        organisers=units.names_of(a.organiser_unit_id for a in rows if a.organiser_unit_id),
        venues={v.id: v for v in venues.venues_of(a.venue_id for a in rows if a.venue_id)},
        waiting=desk.waiting_counts(a.id for a in rows))


# --- the propose and edit form --------------------------------------------------------------------

def _unit_choices() -> list | None:
    """Staff pick any unit (None: the picker); a unit's representative proposes for their own units."""
    if is_staff():
        return None
    return [u for u in units.units_of_user(current_user.id) if u.status == "active"]


def _picked(values: dict) -> list[int]:
    """The co-organising units ticked, with the one just picked."""
    raw = values.get("co_organiser_ids") or []
    ids = [as_id(str(v)) for v in (raw if isinstance(raw, list) else [raw])]
    extra = as_id(str(values.get("co_add") or ""))
    return sorted({i for i in [*ids, extra] if i})


def _form_page(form: PageForm, activity=None):
    choices = _unit_choices()
    if choices is not None and activity is not None and activity.organiser_unit_id \
            and activity.organiser_unit_id not in {u.id for u in choices}:
        choices = [units.get_unit(activity.organiser_unit_id), *choices]  # a co-organiser keeps the organiser
    values = form.values
    chosen = units.get_unit(unit_id) if (unit_id := as_id(str(values.get("organiser_unit_id") or ""))) else None
    co_ids = _picked(values)
    values["co_organiser_ids"] = [str(i) for i in co_ids]
    values["co_add"], values["co_add_q"] = "", request.args.get("co_add_q", "")
    picks = {}
    if choices is None:
        matches, more = units.search_units(values.get("organiser_unit_id_q"))
        picks = {"unit": units.pick_item(chosen) if chosen else None, "unit_matches": [units.pick_item(u)
                                                                                         for u in matches],
                 "more_units": more}
    co_matches, co_more = units.search_units(request.args.get("co_add_q"))
    return render_template(
        "activities/form.html", activity=activity, values=values, errors=form.errors, KINDS=KINDS,
        AUDIENCES=AUDIENCES, unit_choices=choices, co_units=units.names_of(co_ids),
        co_matches=[units.pick_item(u) for u in co_matches], co_more=co_more, **picks)


def _from_query(initial: dict) -> dict:
    """A picker's search sent without script (GET, with everything typed so far)."""
    if any(key.endswith("_q") for key in request.args):
        initial = dict(initial)
        for key in request.args:
            if key != "csrf_token":
                initial[key] = request.args.getlist(key) if key == "co_organiser_ids" else request.args[key].strip()
        if "public" not in request.args:
            initial["public"] = False  # an unticked box sends nothing
    return initial


def _check_organiser(form: PageForm, current: int | None = None) -> None:
    """A representative proposes for one of their own units; staff for any unit of the community, or for the
    association itself. An edit may keep the organiser it has."""
    choices = _unit_choices()
    unit_id = as_id(str(form.values.get("organiser_unit_id") or ""))
    if current is not None and unit_id == current:
        return
    if choices is None:
        if unit_id is not None and units.get_unit(unit_id) is None:
            form.add_errors({"organiser_unit_id": [_("No such unit in this community.")]})
        return
    if choices and unit_id not in {u.id for u in choices}:
        form.add_errors({"organiser_unit_id": [_("Choose one of the units you represent.")]})
    if not choices and unit_id is not None:
        form.add_errors({"organiser_unit_id": [_("Choose one of the units you represent.")]})


def _values(form: PageForm) -> tuple[dict, list[int]]:
    data = dict(form.data)
    co = sorted(set(data.pop("co_organiser_ids", []) or []) | ({data["co_add"]} if data.get("co_add") else set()))
    data.pop("co_add", None)
    return data, co


def _adding(form: PageForm) -> bool:
    """The "add this co-organiser" button: the form comes back with the unit ticked, nothing is saved yet and
    nothing is told wrong."""
    if form.submitted and request.form.get("action") == "add_co" and form.refusal is None:
        form.errors.clear()
        return True
    return False


@bp.route("/new", methods=["GET", "POST"])
def new():
    require("activities.propose")
    choices = _unit_choices()
    initial = {"kind": "training", "audience": "both", "public": True,
               "organiser_unit_id": str(choices[0].id) if choices else ""}
    form = PageForm(forms.ActivityForm, initial=_from_query(initial))
    if form.submitted:
        _check_organiser(form)
    if _adding(form):
        return _form_page(form)
    if form.valid:
        data, co = _values(form)
        activity = services.propose(actor_id=current_user.id, co_organiser_ids=co, **data)
        flash(_("Your proposal “%(title)s” is sent; the staff decide on it.", title=activity.title)
              if not can("activities.approve") else _("Proposal “%(title)s” saved.", title=activity.title), "success")
        return redirect(url_for("activities.detail", activity_id=activity.id))
    return _form_page(form)


def _stored(activity) -> dict:
    values = {key: (services.local(getattr(activity, key)).strftime(LOCAL_INPUT) if getattr(activity, key) else "")
              for key in TIMES}
    values.update({"kind": activity.kind, "title": activity.title, "description": activity.description or "",
                   "organiser_unit_id": str(activity.organiser_unit_id or ""), "guests": activity.guests or "",
                   "speakers": activity.speakers or "", "audience": activity.audience,
                   "capacity": "" if activity.capacity is None else str(activity.capacity),
                   "place": activity.place or "", "public": activity.public,
                   "co_organiser_ids": [str(i) for i in activity.co_organiser_ids]})
    return values


@bp.route("/<int:activity_id>/edit", methods=["GET", "POST"])
def edit(activity_id: int):
    activity = found(services.get_activity(activity_id), "activities.organise")
    if activity.status not in ("proposed", "approved", "scheduled"):
        flash(_("A held, closed or cancelled activity is no longer changed."), "error")
        return redirect(url_for("activities.detail", activity_id=activity_id))
    form = PageForm(forms.ActivityEditForm, initial=_from_query(_stored(activity)))
    if form.submitted:
        _check_organiser(form, current=activity.organiser_unit_id)
    if _adding(form):
        return _form_page(form, activity)
    if form.valid:
        data, co = _values(form)
        services.update_activity(activity, data, co_organiser_ids=co)
        flash(_("Saved."), "success")
        return redirect(url_for("activities.detail", activity_id=activity_id))
    return _form_page(form, activity)


# --- an activity ----------------------------------------------------------------------------------

def _visible(activity):
    """Proposals and rejections are their organisers' (and the staff's) only."""
    if activity.status in ("proposed", "rejected") and not can("activities.organise", activity):
        abort(404)
    return activity


def _render(activity, *, form: PageForm | None = None, which: str = ""):
    changes = services.history_of(activity)
    venue = venues.get_venue(activity.venue_id) if activity.venue_id else None
    booking = venues.get_booking(activity.booking_id) if activity.booking_id else None
    staff = can("activities.approve")
    organise = can("activities.organise", activity)
    unit_ids = [u for u in (activity.organiser_unit_id, *activity.co_organiser_ids) if u]
    forms_shown = {"errors": {}, "values": {}}
    if form is not None:
        forms_shown = {"errors": form.errors, "values": form.values}
    return render_template(
        "activities/detail.html", activity=activity, changes=changes, venue=venue, booking=booking,
        unit_names=units.names_of(unit_ids), staff=staff, organise=organise,
        actors=accounts.user_names([c.actor_id for c in changes] + [activity.proposed_by_id]),
        needs_ballot=staff and activity.status == "proposed" and services.needs_ballot(activity),
        venue_choices=venues.list_venues() if organise and activity.status in ("proposed", "approved")
        and not activity.booking_id else [],
        waiting=desk.waiting_counts([activity.id]).get(activity.id, 0), which=which, **forms_shown)


@bp.get("/<int:activity_id>")
def detail(activity_id: int):
    activity = _visible(found(services.get_activity(activity_id), "activities.view"))
    return _render(activity)


def _back(activity_id: int) -> str:
    url = url_for("activities.detail", activity_id=activity_id)
    redirect_refusals_to(url)
    return url


@bp.post("/<int:activity_id>/approve")
def approve(activity_id: int):
    activity = found(services.get_activity(activity_id), "activities.approve")
    url = _back(activity_id)
    services.approve(activity, actor_id=current_user.id)
    if activity.status == "proposed" and activity.ballot_id:
        flash(_("The proposal is put to the vote of the council and the representatives."), "success")
    else:
        flash(_("Approved."), "success")
    return redirect(url)


@bp.post("/<int:activity_id>/reject")
def reject(activity_id: int):
    activity = found(services.get_activity(activity_id), "activities.approve")
    _back(activity_id)
    form = PageForm(forms.RejectForm, shows_refusals=False)
    if not form.valid:
        return _render(activity, form=form, which="reject")
    services.reject(activity, actor_id=current_user.id, reason=form.data["reason"])
    flash(_("Not approved; the proposer is told why."), "success")
    return redirect(url_for("activities.detail", activity_id=activity_id))


@bp.post("/<int:activity_id>/place")
def place(activity_id: int):
    activity = found(services.get_activity(activity_id), "activities.organise")
    _back(activity_id)
    form = PageForm(forms.schemas.PlaceIn, shows_refusals=False)
    if not form.valid:
        return _render(activity, form=form, which="place")
    services.set_place(activity, form.data["place"], actor_id=current_user.id)
    flash(_("The place is set."), "success")
    return redirect(url_for("activities.detail", activity_id=activity_id))


@bp.post("/<int:activity_id>/book")
def book(activity_id: int):
    """Book a venue for the activity's time: a taken venue is told beside the choice."""
    activity = found(services.get_activity(activity_id), "activities.organise")
    redirect_refusals_to(url_for("activities.detail", activity_id=activity_id))
    form = PageForm(forms.schemas.VenueChoiceIn, error_key=lambda key: "_schema" if key == "_schema" else "venue_id")
    if form.valid:
        venue = found(venues.get_venue(form.data["venue_id"]))
        services.book_venue(activity, venue, actor_id=current_user.id)
        flash(_("The venue is booked.") if activity.status == "scheduled"
              else _("The venue is asked; the activity is scheduled when its owner confirms."), "success")
        return redirect(url_for("activities.detail", activity_id=activity_id))
    return _render(activity, form=form, which="book")


@bp.route("/<int:activity_id>/cancel", methods=["GET", "POST"])
def cancel(activity_id: int):
    """Call it off, after a confirmation: say why; everyone signed up is told."""
    activity = found(services.get_activity(activity_id), "activities.organise")
    if activity.status not in ("proposed", "approved", "scheduled"):
        flash(_("This activity can no longer be cancelled."), "error")
        return redirect(url_for("activities.detail", activity_id=activity_id))
    form = PageForm(forms.CancelForm)
    if form.valid:
        services.cancel(activity, actor_id=current_user.id, reason=form.data["reason"])
        flash(_("The activity is cancelled; everyone signed up is told."), "success")
        return redirect(url_for("activities.detail", activity_id=activity_id))
    people = services.attendance(activity)
    return render_template("activities/cancel.html", activity=activity, values=form.values, errors=form.errors,
                           told=people["registered"] + people["offered"] + people["waiting"])


# --- the rules and the cultural activity points ---------------------------------------------------

@bp.route("/rules", methods=["GET", "POST"])
def rules():
    require("activities.rules")
    current = services.rules()
    form = PageForm(forms.RulesForm, initial={"ballot_kinds": list(current.ballot_kinds or []),
                                              "ballot_days": current.ballot_days,
                                              "promotion_hours": current.promotion_hours})
    if form.valid:
        services.set_rules(actor_id=current_user.id, **form.data)
        flash(_("Saved."), "success")
        return redirect(url_for("activities.rules"))
    return render_template("activities/rules.html", values=form.values, errors=form.errors, KINDS=KINDS)


@bp.route("/points", methods=["GET", "POST"])
def points():
    require("activities.points")
    year = clock.today().year
    initial = {"yearly_target": 4, "which": "unit"}
    if "unit_id_q" in request.args:
        initial |= {key: request.args[key].strip() for key in request.args}
    form = PageForm(forms.PointForm, initial=initial)
    if form.valid:
        data = dict(form.data)
        which = data.pop("which")
        data["unit_id" if which == "venue" else "venue_id"] = None
        point = services.designate_point(**data)
        flash(_("%(name)s is a cultural activity point.", name=point.name), "success")
        return redirect(url_for("activities.points"))
    progress = services.points_progress(year)
    chosen = units.get_unit(unit_id) if (unit_id := as_id(str(form.values.get("unit_id") or ""))) else None
    matches, more = units.search_units(form.values.get("unit_id_q"))
    every_venue = venues.list_venues()
    return render_template(
        "activities/points.html", progress=progress, year=year, values=form.values, errors=form.errors,
        unit=units.pick_item(chosen) if chosen else None, unit_matches=[units.pick_item(u) for u in matches],
        more_units=more, venue_choices=every_venue, venue_names={v.id: v.name for v in every_venue},
        unit_names=units.names_of(p["point"].unit_id for p in progress if p["point"].unit_id))
