"""Unit pages: the registry list, a unit, the form, representatives, import and export."""
import logging

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.core.extensions import db
from app.core.validation import Conflict, ValidationFailed
from app.members import services as members
from app.permissions import can, found, require
from app.units import importing, services
from app.units.models import UNIT_STATUSES, UNIT_TYPES
from app.units.services import REPRESENTATIVE_FIELDS
from app.units.vocabulary import STATUS_LABELS, TYPE_LABELS
from tenants.web import tenant_routes

logger = logging.getLogger(__name__)

bp = tenant_routes(Blueprint("units", __name__, url_prefix="/c/<slug>/units"))
FORM_FIELDS = ("name", "type", "address", "contact_name", "contact_phone", "description", "joined_on", "status")


@bp.context_processor
def _labels():
    return {"TYPE_LABELS": TYPE_LABELS, "STATUS_LABELS": STATUS_LABELS, "UNIT_TYPES": UNIT_TYPES,
            "UNIT_STATUSES": UNIT_STATUSES}


def _unit_or_404(unit_id: int):
    return found(services.get_unit(unit_id))


def _form_data(fields) -> dict:
    data = {key: request.form.get(key, "").strip() for key in fields if key in request.form}
    if data.get("joined_on") == "":
        data["joined_on"] = None
    return data


def _shown(values: dict) -> dict:
    """Form values as the inputs show them (dates as YYYY-MM-DD)."""
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in values.items()}


@bp.get("/")
def index():
    require("units.view")
    q = request.args.get("q", "")[:100]
    type_ = request.args.get("type") if request.args.get("type") in UNIT_TYPES else None
    status = request.args.get("status") if request.args.get("status") in UNIT_STATUSES else None
    try:
        units, next_cursor = services.list_units(q=q, type=type_, status=status,
                                                 cursor=request.args.get("cursor"), limit=50)
    except ValidationFailed:
        return redirect(url_for("units.index", q=q or None, type=type_, status=status))
    return render_template("units/index.html", units=units, next_cursor=next_cursor, q=q, type=type_,
                           status=status, total=services.count_units())


@bp.route("/new", methods=["GET", "POST"])
def create():
    require("units.create")
    errors, values = {}, {"type": request.args.get("type", "shop"), "status": "active"}
    if request.method == "POST":
        values = _form_data(FORM_FIELDS)
        try:
            unit = services.create_unit(values)
            db.session.commit()
            flash(_("Unit “%(name)s” registered.", name=unit.name), "success")
            return redirect(url_for("units.detail", unit_id=unit.id))
        except ValidationFailed as err:
            db.session.rollback()
            errors = err.fields
    return render_template("units/form.html", unit=None, values=_shown(values), errors=errors,
                           editable=set(FORM_FIELDS)), (422 if errors else 200)


@bp.get("/<int:unit_id>")
def detail(unit_id: int):
    require("units.view")
    unit = _unit_or_404(unit_id)
    candidates = []
    if can("units.manage_representatives", unit):
        candidates, _next = members.list_members(limit=200)
    return render_template("units/detail.html", unit=unit, candidates=candidates)


@bp.route("/<int:unit_id>/edit", methods=["GET", "POST"])
def edit(unit_id: int):
    unit = _unit_or_404(unit_id)
    require("units.edit", unit)
    editable = set(FORM_FIELDS) if can("units.change_status") else REPRESENTATIVE_FIELDS
    errors = {}
    values = {key: getattr(unit, key) for key in FORM_FIELDS}
    if request.method == "POST":
        values = _form_data(editable)
        try:
            services.update_unit(unit, values, allowed=editable)
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("units.detail", unit_id=unit.id))
        except ValidationFailed as err:
            db.session.rollback()
            errors = err.fields
            unit = _unit_or_404(unit_id)
            values = {**{key: getattr(unit, key) for key in FORM_FIELDS}, **values}
    return render_template("units/form.html", unit=unit, values=_shown(values), errors=errors,
                           editable=editable), (422 if errors else 200)


@bp.post("/<int:unit_id>/delete")
def delete(unit_id: int):
    unit = _unit_or_404(unit_id)
    require("units.delete", unit)
    name = unit.name
    services.delete_unit(unit)
    db.session.commit()
    flash(_("Unit “%(name)s” removed from the registry.", name=name), "success")
    return redirect(url_for("units.index"))


@bp.post("/<int:unit_id>/representatives")
def add_representative(unit_id: int):
    unit = _unit_or_404(unit_id)
    require("units.manage_representatives", unit)
    user_id = request.form.get("user_id", "")
    try:
        if not user_id.isdigit():
            raise ValidationFailed({"user_id": [_("Choose a member.")]})
        services.add_representative(unit, int(user_id))
        db.session.commit()
        flash(_("Representative added."), "success")
    except ValidationFailed as err:
        db.session.rollback()
        flash("; ".join(m for ms in err.fields.values() for m in ms), "error")
    return redirect(url_for("units.detail", unit_id=unit_id))


@bp.post("/<int:unit_id>/representatives/<int:user_id>/remove")
def remove_representative(unit_id: int, user_id: int):
    unit = _unit_or_404(unit_id)
    require("units.manage_representatives", unit)
    if not services.remove_representative(unit, user_id):
        abort(404)
    db.session.commit()
    flash(_("Representative removed."), "success")
    return redirect(url_for("units.detail", unit_id=unit_id))


@bp.route("/import", methods=["GET", "POST"])
def import_upload():
    require("units.import")
    errors = {}
    if request.method == "POST":
        try:
            batch = importing.preview(request.files.get("file"), created_by_id=current_user.id)
            db.session.commit()
            return redirect(url_for("units.import_preview", import_id=batch.id))
        except ValidationFailed as err:
            db.session.rollback()
            errors = err.fields
    return render_template("units/import.html", errors=errors, headers=importing.headers(),
                           columns=importing.COLUMNS), (422 if errors else 200)


@bp.get("/import/<int:import_id>")
def import_preview(import_id: int):
    require("units.import")
    return render_template("units/import_preview.html", batch=importing.get_batch_or_404(import_id),
                           columns=importing.COLUMNS, headers=importing.headers())


@bp.post("/import/<int:import_id>/commit")
def import_commit(import_id: int):
    require("units.import")
    batch = importing.get_batch_or_404(import_id)
    try:
        importing.commit(batch, skip_invalid=request.form.get("skip_invalid") == "1")
        db.session.commit()
    except (Conflict, ValidationFailed) as err:
        db.session.rollback()
        flash(getattr(err, "message", None) or str(err), "error")
        return redirect(url_for("units.import_preview", import_id=import_id))
    flash(_("%(created)s units imported, %(skipped)s rows skipped.", created=batch.created_count,
            skipped=batch.skipped_count), "success")
    return redirect(url_for("units.index"))


@bp.get("/export.<fmt>")
def export(fmt: str):
    require("units.export")
    if fmt not in ("xlsx", "csv"):
        abort(404)
    return importing.export_response(fmt)
