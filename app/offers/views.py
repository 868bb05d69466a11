"""Offer pages: the list, the form (terms, eligibility, capacity, meal slots, weekly hours), an offer with
its closures."""
import logging
from decimal import Decimal, InvalidOperation

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.core.extensions import db
from app.core.i18n import translate_field_messages
from app.core.kinds import KINDS, MEAL_SLOTS
from app.core.validation import ValidationFailed
from app.core.vocabulary import flat_errors, labels
from app.offers import services
from app.offers.models import ELIGIBILITY, TERMS, WEEKDAYS
from app.offers.schemas import ClosureIn
from app.permissions import can, found, require
from app.units import services as units
from tenants.web import tenant_routes

logger = logging.getLogger(__name__)

bp = tenant_routes(Blueprint("offers", __name__, url_prefix="/c/<slug>/offers"))
TEXT_FIELDS = ("unit_id", "kind", "title", "description", "terms", "capacity", "radius_m", "latitude", "longitude",
               "valid_from", "valid_until", "status")


@bp.context_processor
def _labels():
    return labels() | {"KINDS": KINDS, "MEAL_SLOTS": MEAL_SLOTS, "TERMS": TERMS, "ELIGIBILITY": ELIGIBILITY,
                       "WEEKDAYS": WEEKDAYS}


def _offer_or_404(offer_id: int, action: str = "offers.view"):
    return found(services.get_offer(offer_id), action)


def _unit_choices() -> list:
    """Staff publish for any active unit; a unit representative for their own units."""
    if can("matching.propose"):
        found, _next = units.list_units(status="active", limit=200)
        return found
    return [u for u in units.units_of_user(current_user.id) if u.status == "active"]


@bp.get("/")
def index():
    require("offers.view")
    kind = request.args.get("kind") if request.args.get("kind") in KINDS else None
    try:
        items, next_cursor = services.list_offers(kind=kind, cursor=request.args.get("cursor"), limit=50)
    except ValidationFailed:
        return redirect(url_for("offers.index", kind=kind))
    return render_template("offers/index.html", offers=items, next_cursor=next_cursor, kind=kind,
                           units=services.offers_with_units(o.id for o in items))


def _form() -> tuple[dict, dict, dict]:
    """(data for the service, values to show again, errors found here)."""
    form = request.form
    values = {key: form.get(key, "").strip() for key in TEXT_FIELDS}
    values |= {"price": form.get("price", "").strip(), "eligibility": form.getlist("eligibility"),
               "slots": form.getlist("slots"), "delivery": form.get("delivery") == "on",
               "shared_with_street": form.get("shared_with_street") == "on"}
    errors: dict[str, list[str]] = {}
    data = {key: values[key] for key in TEXT_FIELDS if key in form}
    for key in ("radius_m", "latitude", "longitude", "valid_from", "valid_until"):
        if data.get(key) == "":
            data[key] = None
    if not data.get("status"):
        data.pop("status", None)
    data |= {"eligibility": values["eligibility"], "slots": values["slots"] if data.get("kind") == "meal" else [],
             "delivery": values["delivery"], "shared_with_street": values["shared_with_street"]}
    price = values["price"].replace("¥", "").replace("元", "").strip()
    try:
        cents = Decimal(price or "0") * 100
        if cents != cents.to_integral_value() or cents < 0:
            raise InvalidOperation
        data["price_cents"] = int(cents)
    except InvalidOperation:
        errors["price"] = [_("Give the price in yuan, for example 12.50.")]
    weekly = {}
    for day in WEEKDAYS:
        start, end = form.get(f"weekly_{day}_from", "").strip(), form.get(f"weekly_{day}_to", "").strip()
        values[f"weekly_{day}_from"], values[f"weekly_{day}_to"] = start, end
        if start and end:
            weekly[day] = [[start, end]]
        elif start or end:
            errors.setdefault("weekly", []).append(_("Give both the opening and the closing hour (%(day)s).",
                                                     day=labels()["WEEKDAY_LABELS"][day]))
    data["weekly"] = weekly
    return data, values, errors


def _values_of(offer) -> dict:
    values = {key: getattr(offer, key) for key in TEXT_FIELDS if hasattr(offer, key)}
    values = {k: ("" if v is None else v.isoformat() if hasattr(v, "isoformat") else str(v)) for k, v in values.items()}
    values |= {"price": f"{offer.price_cents / 100:.2f}" if offer.price_cents else "",
               "eligibility": list(offer.eligibility or []), "slots": list(offer.slots or []),
               "delivery": offer.delivery, "shared_with_street": offer.shared_with_street}
    for day in WEEKDAYS:
        spans = (offer.weekly or {}).get(day) or [["", ""]]
        values[f"weekly_{day}_from"], values[f"weekly_{day}_to"] = spans[0]
    return values


@bp.route("/new", methods=["GET", "POST"])
def create():
    require("offers.create")
    choices = _unit_choices()
    errors = {}
    values = {"kind": request.args.get("kind", "meal"), "terms": "free", "eligibility": ["anyone"],
              "slots": ["lunch"], "unit_id": request.args.get("unit_id", "")}
    if request.method == "POST":
        data, values, errors = _form()
        if data.get("unit_id") not in {str(u.id) for u in choices}:
            errors["unit_id"] = [_("Choose one of the units you may publish for.")]
        if not errors:
            try:
                offer = services.create_offer(data)
                db.session.commit()
                flash(_("Offer “%(title)s” published.", title=offer.title), "success")
                return redirect(url_for("offers.detail", offer_id=offer.id))
            except ValidationFailed as err:
                db.session.rollback()
                errors = flat_errors(err.fields)
    return render_template("offers/form.html", offer=None, values=values, errors=errors, unit_choices=choices), \
        (422 if errors else 200)


@bp.get("/<int:offer_id>")
def detail(offer_id: int):
    offer = _offer_or_404(offer_id)
    return render_template("offers/detail.html", offer=offer, unit=units.get_unit(offer.unit_id),
                           closures=services.closures_of(offer), errors={}, values={})


@bp.route("/<int:offer_id>/edit", methods=["GET", "POST"])
def edit(offer_id: int):
    offer = _offer_or_404(offer_id, "offers.edit")
    errors, values = {}, _values_of(offer)
    if request.method == "POST":
        data, values, errors = _form()
        data.pop("unit_id", None)  # an offer stays with its unit
        values["unit_id"] = str(offer.unit_id)
        if not errors:
            try:
                services.update_offer(offer, data)
                db.session.commit()
                flash(_("Saved."), "success")
                return redirect(url_for("offers.detail", offer_id=offer_id))
            except ValidationFailed as err:
                db.session.rollback()
                errors = flat_errors(err.fields)
                offer = _offer_or_404(offer_id, "offers.edit")
    return render_template("offers/form.html", offer=offer, values=values, errors=errors,
                           unit_choices=[units.get_unit(offer.unit_id)]), (422 if errors else 200)


@bp.post("/<int:offer_id>/closures")
def add_closure(offer_id: int):
    """Close the offer on a day (holiday, renovation)."""
    offer = _offer_or_404(offer_id, "offers.edit")
    values = {"day": request.form.get("day", "").strip(), "note": request.form.get("note", "").strip()}
    found = ClosureIn().validate(values)
    if found:

        errors = flat_errors(translate_field_messages(found))
        return render_template("offers/detail.html", offer=offer, unit=units.get_unit(offer.unit_id),
                               closures=services.closures_of(offer), errors=errors, values=values), 422
    clean = ClosureIn().load(values)
    services.add_closure(offer, clean["day"], clean["note"])
    db.session.commit()
    flash(_("Closed on %(day)s.", day=clean["day"].isoformat()), "success")
    return redirect(url_for("offers.detail", offer_id=offer_id))
