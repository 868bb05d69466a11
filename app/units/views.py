"""Unit pages: the registry list, a unit, the form, representatives, import and export."""
import logging

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import sections
from app.accounts import services as accounts
from app.lifecycle import PageForm, read_form, redirect_refusals_to
from app.members import services as members
from app.permissions import can, found, require
from app.units import importing, schemas, services
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


@bp.get("/")
def index():
    require("units.view")
    q = request.args.get("q", "")[:100]
    type_ = request.args.get("type") if request.args.get("type") in UNIT_TYPES else None
    status = request.args.get("status") if request.args.get("status") in UNIT_STATUSES else None
    redirect_refusals_to(url_for("units.index", q=q or None, type=type_, status=status), say=False)  # a stale cursor
    units, next_cursor = services.list_units(q=q, type=type_, status=status, cursor=request.args.get("cursor"),
                                             limit=50, by_contact=can("units.contacts"))
    return render_template("units/index.html", units=units, next_cursor=next_cursor, q=q, type=type_,
                           status=status, total=services.count_units())


@bp.route("/new", methods=["GET", "POST"])
def create():
    require("units.create")
    form = PageForm(schemas.UnitIn, initial={"type": request.args.get("type", "shop"), "status": "active"})
    if form.valid:
        unit = services.create_unit(form.data)
        flash(_("Unit “%(name)s” registered.", name=unit.name), "success")
        return redirect(url_for("units.detail", unit_id=unit.id))
    return render_template("units/form.html", unit=None, values=form.values, errors=form.errors,
                           editable=set(FORM_FIELDS))


@bp.get("/<int:unit_id>")
def detail(unit_id: int):
    require("units.view")
    unit = found(services.get_unit(unit_id))
    picked = {}
    if can("units.manage_representatives", unit):
        # The members are many (every resident with an account): the representative is found with a picker.
        query = request.args.get("user_id_q", "")
        matches, more = members.search_members(query)
        picked = {"values": {"user_id_q": query}, "member_matches": [
            members.pick_item(u) for u in matches if not unit.is_represented_by(u.id)], "more_members": more}
    # The dated status changes (who, why: a yearly review's reason) for the staff, the council and the unit itself.
    changes = services.status_history(unit) if can("units.view_history", unit) else []
    # Parts other domains add to a unit's page (its contribution record, the good cases naming it).
    parts = sections.rendered("unit_page", unit)
    return render_template("units/detail.html", unit=unit, picker_open=bool(picked), changes=changes,
                           actors=accounts.user_names(c.actor_id for c in changes), parts=parts, **picked)


@bp.route("/<int:unit_id>/edit", methods=["GET", "POST"])
def edit(unit_id: int):
    unit = found(services.get_unit(unit_id), "units.edit")
    editable = set(FORM_FIELDS) if can("units.change_status") else REPRESENTATIVE_FIELDS
    # Only the inputs this member may change are read; the others show the unit as stored.
    form = PageForm(schemas.UnitPatch(only=editable), initial={key: getattr(unit, key) for key in FORM_FIELDS})
    if form.valid:
        services.update_unit(unit, form.data, allowed=editable, actor_id=current_user.id)
        flash(_("Saved."), "success")
        return redirect(url_for("units.detail", unit_id=unit.id))
    return render_template("units/form.html", unit=unit, values=form.values, errors=form.errors, editable=editable)


@bp.post("/<int:unit_id>/delete")
def delete(unit_id: int):
    unit = found(services.get_unit(unit_id), "units.delete")
    name = unit.name
    redirect_refusals_to(url_for("units.detail", unit_id=unit.id))
    services.delete_unit(unit)
    flash(_("Unit “%(name)s” removed from the registry.", name=name), "success")
    return redirect(url_for("units.index"))


@bp.post("/<int:unit_id>/representatives")
def add_representative(unit_id: int):
    unit = found(services.get_unit(unit_id), "units.manage_representatives")
    redirect_refusals_to(url_for("units.detail", unit_id=unit_id))
    services.add_representative(unit, int(read_form(schemas.RepresentativeIn)["user_id"]))
    flash(_("Representative added."), "success")
    return redirect(url_for("units.detail", unit_id=unit_id))


@bp.post("/<int:unit_id>/representatives/<int:user_id>/remove")
def remove_representative(unit_id: int, user_id: int):
    unit = found(services.get_unit(unit_id), "units.manage_representatives")
    if not services.remove_representative(unit, user_id):
        abort(404)
    flash(_("Representative removed."), "success")
    return redirect(url_for("units.detail", unit_id=unit_id))


@bp.route("/import", methods=["GET", "POST"])
def import_upload():
    require("units.import")
    form = PageForm()  # the file is read by the import; the form shows what it refused
    if form.valid:
        batch = importing.preview(request.files.get("file"), created_by_id=current_user.id)
        return redirect(url_for("units.import_preview", import_id=batch.id))
    return render_template("units/import.html", errors=form.errors, headers=importing.headers(),
                           columns=importing.COLUMNS)


@bp.get("/import/<int:import_id>")
def import_preview(import_id: int):
    require("units.import")
    return render_template("units/import_preview.html", batch=found(importing.get_batch(import_id)),
                           columns=importing.COLUMNS, headers=importing.headers(),
                           row_problems=importing.row_problems)


@bp.post("/import/<int:import_id>/commit")
def import_commit(import_id: int):
    require("units.import")
    batch = found(importing.get_batch(import_id))
    redirect_refusals_to(url_for("units.import_preview", import_id=import_id))
    importing.commit(batch, skip_invalid=read_form(schemas.ImportCommitIn)["skip_invalid"])
    flash(_("%(created)s units imported, %(skipped)s rows skipped.", created=batch.created_count,
            skipped=batch.skipped_count), "success")
    return redirect(url_for("units.index"))


@bp.get("/export.<fmt>")
def export(fmt: str):
    require("units.export")
    if fmt not in ("xlsx", "csv"):
        abort(404)
    return importing.export_response(fmt)
