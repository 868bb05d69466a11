"""Offer pages: the list, the form (terms, eligibility, capacity, meal slots, weekly hours), an offer with
its closures."""
import logging

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.core.fields import as_id
from app.core.kinds import KINDS, MEAL_SLOTS
from app.core.vocabulary import labels
from app.lifecycle import PageForm, redirect_refusals_to
from app.offers import schemas, services
from app.offers.models import ELIGIBILITY, TERMS, WEEKDAYS
from app.permissions import can, found, require
from app.sections import section
from app.units import services as units
from tenants.web import tenant_routes

logger = logging.getLogger(__name__)

bp = tenant_routes(Blueprint("offers", __name__, url_prefix="/c/<slug>/offers"))


@bp.context_processor
def _labels():
    return labels() | {"KINDS": KINDS, "MEAL_SLOTS": MEAL_SLOTS, "TERMS": TERMS, "ELIGIBILITY": ELIGIBILITY,
                       "WEEKDAYS": WEEKDAYS}


def _offers_data(context: dict) -> dict:
    return {"title": _("Our offers"), "url": url_for("offers.index"), "count": len(context["offers"]),
            "items": [{"id": str(o.id), "kind": o.kind, "title": o.title, "status": o.status,
                       "label": str(context["OFFER_STATUS_LABELS"][o.status]),
                       "url": url_for("offers.detail", offer_id=o.id)} for o in context["offers"]]}


@section("offers", page="unit", order=30, template="offers/_unit_home.html", permission="home.unit",
         data=_offers_data)
def _unit_home():
    """A unit's desk: what its units offer, and the button to publish another."""
    own = [u.id for u in units.units_of_user(current_user.id)]
    offers, _next = services.list_offers(unit_ids=own, limit=20)
    return labels() | {"offers": offers}


def _unit_choices() -> list | None:
    """A unit representative publishes for their own active units; staff for any active unit, found with the
    picker (None: the registry is too long to list)."""
    if can("matching.propose"):
        return None
    return [u for u in units.units_of_user(current_user.id) if u.status == "active"]


_LISTS = ("eligibility", "slots")  # the offer form's groups of checkboxes, for a GET of the form


@bp.get("/")
def index():
    require("offers.view")
    kind = request.args.get("kind") if request.args.get("kind") in KINDS else None
    redirect_refusals_to(url_for("offers.index", kind=kind), say=False)  # a stale cursor
    items, next_cursor = services.list_offers(kind=kind, cursor=request.args.get("cursor"), limit=50)
    return render_template("offers/index.html", offers=items, next_cursor=next_cursor, kind=kind,
                           units=services.offers_with_units(o.id for o in items))


@bp.route("/new", methods=["GET", "POST"])
def create():
    require("offers.create")
    choices = _unit_choices()
    initial = {"kind": request.args.get("kind", "meal"), "terms": "free", "eligibility": ["anyone"],
               "slots": ["lunch"], "unit_id": request.args.get("unit_id", "")}
    if "unit_id_q" in request.args:  # the unit picker's search, sent without script with everything typed
        initial |= {key: (request.args.getlist(key) if key in _LISTS else request.args[key].strip())
                    for key in request.args if key != "csrf_token"}
    form = PageForm(schemas.OfferForm, initial=initial)
    chosen = units.get_unit(unit_id) if (unit_id := as_id(form.values.get("unit_id"))) else None
    allowed = chosen is not None and chosen.status == "active" and (choices is None or chosen in choices)
    if form.submitted and not allowed:
        form.add_errors({"unit_id": [_("Choose one of the units you may publish for.")]})
    if form.valid:
        offer = services.create_offer(form.data)
        flash(_("Offer “%(title)s” published.", title=offer.title), "success")
        return redirect(url_for("offers.detail", offer_id=offer.id))
    picked = {}
    if choices is None:
        matches, more = units.search_units(form.values.get("unit_id_q"))
        picked = {"unit": units.pick_item(chosen) if allowed else None, "more_units": more,
                  "unit_matches": [units.pick_item(u) for u in matches]}
    return render_template("offers/form.html", offer=None, values=form.values, errors=form.errors,
                           unit_choices=choices or [], staff=choices is None, **picked)


@bp.get("/<int:offer_id>")
def detail(offer_id: int):
    offer = found(services.get_offer(offer_id), "offers.view")
    return render_template("offers/detail.html", offer=offer, unit=units.get_unit(offer.unit_id),
                           closures=services.closures_of(offer), errors={}, values={})


@bp.route("/<int:offer_id>/edit", methods=["GET", "POST"])
def edit(offer_id: int):
    offer = found(services.get_offer(offer_id), "offers.edit")
    form = PageForm(schemas.OfferForm(partial=True, exclude=("unit_id",)), obj=offer,
                    initial=schemas.weekly_inputs(offer.weekly) | {"unit_id": str(offer.unit_id)}
                    | ({} if offer.price_cents else {"price": ""}))
    form.values["unit_id"] = str(offer.unit_id)  # an offer stays with its unit
    if form.valid:
        services.update_offer(offer, form.data)
        flash(_("Saved."), "success")
        return redirect(url_for("offers.detail", offer_id=offer_id))
    return render_template("offers/form.html", offer=offer, values=form.values, errors=form.errors,
                           unit_choices=[units.get_unit(offer.unit_id)])


@bp.post("/<int:offer_id>/closures")
def add_closure(offer_id: int):
    """Close the offer on a day (holiday, renovation)."""
    offer = found(services.get_offer(offer_id), "offers.edit")
    form = PageForm(schemas.ClosureIn)
    if form.valid:
        services.add_closure(offer, form.data["day"], form.data["note"])
        flash(_("Closed on %(day)s.", day=form.data["day"].isoformat()), "success")
        return redirect(url_for("offers.detail", offer_id=offer_id))
    return render_template("offers/detail.html", offer=offer, unit=units.get_unit(offer.unit_id),
                           closures=services.closures_of(offer), errors=form.errors, values=form.values)
