"""Resident pages: the register (staff), a resident's page with consent and sensitive data, own data."""
import logging

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.core.extensions import db
from app.core.validation import Conflict, ValidationFailed
from app.permissions import can, require
from app.residents import exports, services
from app.residents.api import resident_or_404
from app.residents.models import DISABILITY_CATEGORIES, SENSITIVE_FIELDS
from app.residents.schemas import RELATIONS
from app.residents.vocabulary import ACTION_LABELS, DISABILITY_LABELS, METHOD_LABELS, RELATION_LABELS, SENSITIVE_LABELS
from tenants.web import tenant_routes

logger = logging.getLogger(__name__)

bp = tenant_routes(Blueprint("residents", __name__, url_prefix="/c/<slug>/residents"))
FIELDS = ("name", "phone", "building", "entrance", "room", "address", "latitude", "longitude", "household",
          "birth_date", "diet_notes", "account_relation")


@bp.context_processor
def _labels():
    return {"DISABILITY_LABELS": DISABILITY_LABELS, "SENSITIVE_LABELS": SENSITIVE_LABELS,
            "METHOD_LABELS": METHOD_LABELS, "RELATION_LABELS": RELATION_LABELS, "ACTION_LABELS": ACTION_LABELS,
            "DISABILITY_CATEGORIES": DISABILITY_CATEGORIES, "SENSITIVE_FIELDS": SENSITIVE_FIELDS,
            "RELATIONS": RELATIONS, "KEEP_DAYS": exports.KEEP.days}


def _form() -> dict:
    data = {key: request.form.get(key, "").strip() for key in FIELDS if key in request.form}
    for key in ("latitude", "longitude", "birth_date"):
        if data.get(key) == "":
            data[key] = None
    return data


def _shown(values: dict) -> dict:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else ("" if v is None else v)) for k, v in values.items()}


@bp.get("/")
def index():
    """The register for staff; a resident sees the profiles they hold (their own, their family's)."""
    if not can("residents.list"):
        return render_template("residents/mine.html", residents=services.residents_held_by(current_user.id))
    q = request.args.get("q", "")[:100]
    try:
        items, next_cursor = services.list_residents(q=q, cursor=request.args.get("cursor"), limit=50)
    except ValidationFailed:
        return redirect(url_for("residents.index", q=q or None))
    return render_template("residents/index.html", residents=items, next_cursor=next_cursor, q=q,
                           total=services.count_residents())


@bp.route("/new", methods=["GET", "POST"])
def create():
    """Staff register anyone (who phoned or came in); a resident registers themself or a family member."""
    staff = can("residents.create")
    if not staff and not can("residents.register_own"):
        abort(403)
    errors, values = {}, {"account_relation": "self" if not staff else "self"}
    if request.method == "POST":
        values = _form()
        try:
            resident = services.create_resident(values, actor_id=current_user.id,
                                                account_id=None if staff else current_user.id)
            db.session.commit()
            flash(_("Resident “%(name)s” registered.", name=resident.name), "success")
            return redirect(url_for("residents.detail", resident_id=resident.id))
        except ValidationFailed as err:
            db.session.rollback()
            errors = err.fields
    return render_template("residents/form.html", resident=None, values=_shown(values), errors=errors,
                           staff=staff), (422 if errors else 200)


@bp.get("/<int:resident_id>")
def detail(resident_id: int):
    resident = resident_or_404(resident_id)
    sensitive = None
    if can("residents.sensitive", resident) and request.args.get("show") == "sensitive":
        # Reading is a deliberate act (a button), so the audit trail records real looks, not page views.
        sensitive = services.read_sensitive(resident, actor_id=current_user.id)
        db.session.commit()
    return render_template("residents/detail.html", resident=resident, sensitive=sensitive,
                           consent=services.active_consent(resident), consents=services.consents_of(resident))


@bp.route("/<int:resident_id>/edit", methods=["GET", "POST"])
def edit(resident_id: int):
    resident = resident_or_404(resident_id, "residents.edit")
    errors, values = {}, {key: getattr(resident, key) for key in FIELDS}
    if request.method == "POST":
        values = _form()
        try:
            services.update_resident(resident, values)
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("residents.detail", resident_id=resident_id))
        except (ValidationFailed, Conflict) as err:
            db.session.rollback()
            errors = getattr(err, "fields", {"name": [getattr(err, "message", "")]})
    return render_template("residents/form.html", resident=resident, values=_shown(values), errors=errors,
                           staff=can("residents.create")), (422 if errors else 200)


@bp.route("/<int:resident_id>/sensitive", methods=["GET", "POST"])
def sensitive(resident_id: int):
    resident = resident_or_404(resident_id, "residents.sensitive")
    errors = {}
    if services.active_consent(resident) is None:
        flash(_("Record the resident's consent before storing this."), "error")
        return redirect(url_for("residents.detail", resident_id=resident_id))
    if request.method == "POST":
        data = {
            "disability_category": request.form.get("disability_category") or None,
            "disability_grade": request.form.get("disability_grade") or None,
            "low_income": request.form.get("low_income") == "on",
            "living_alone": request.form.get("living_alone") == "on",
            "special_hardship": request.form.get("special_hardship") == "on",
        }
        try:
            services.set_sensitive(resident, data, actor_id=current_user.id)
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("residents.detail", resident_id=resident_id, show="sensitive"))
        except ValidationFailed as err:
            db.session.rollback()
            errors, values = err.fields, data
    else:
        values = services.read_sensitive(resident, actor_id=current_user.id) or {}
        db.session.commit()
    return render_template("residents/sensitive.html", resident=resident, values=values, errors=errors), \
        (422 if errors else 200)


@bp.post("/<int:resident_id>/consent")
def consent(resident_id: int):
    resident = resident_or_404(resident_id, "residents.sensitive")
    own = resident.account_id == current_user.id
    try:
        services.record_consent(resident, given_by=request.form.get("given_by", "").strip() or
                                (current_user.name if own else ""),
                                method="online" if own and not can("residents.create")
                                else request.form.get("method", "in_person"),
                                actor_id=current_user.id, note=request.form.get("note", ""))
        db.session.commit()
        flash(_("Consent recorded."), "success")
    except (ValidationFailed, Conflict) as err:
        db.session.rollback()
        flash(getattr(err, "message", None) or "; ".join(m for ms in err.fields.values() for m in ms), "error")
    return redirect(url_for("residents.detail", resident_id=resident_id))


@bp.post("/<int:resident_id>/consent/withdraw")
def withdraw(resident_id: int):
    resident = resident_or_404(resident_id, "residents.sensitive")
    services.withdraw_consent(resident, actor_id=current_user.id)
    db.session.commit()
    flash(_("Consent withdrawn: the sensitive data are no longer shown or used."), "success")
    return redirect(url_for("residents.detail", resident_id=resident_id))


@bp.get("/<int:resident_id>/exports")
def exports_page(resident_id: int):
    """Download all data: ask for a file, see it being prepared, download it when ready."""
    resident = resident_or_404(resident_id, "residents.export")
    found = exports.exports_of(resident, requested_by=current_user.id, everyone=can("residents.list"))
    return render_template("residents/exports.html", resident=resident, exports=found,
                           requesters=exports.requester_names(found))


@bp.post("/<int:resident_id>/exports")
def request_export(resident_id: int):
    resident = resident_or_404(resident_id, "residents.export")
    try:
        exports.request_export(resident, actor_id=current_user.id)
        db.session.commit()
        flash(_("The file is being prepared; you will be told when it is ready."), "success")
    except Conflict as err:
        db.session.rollback()
        flash(err.message, "error")
    return redirect(url_for("residents.exports_page", resident_id=resident_id))


@bp.get("/exports/<int:export_id>.json")
def download_export(export_id: int):
    """The prepared file, for whoever asked for it (or staff); every download is audited."""
    export = exports.get_export(export_id)
    if export is None:
        abort(404)
    require("residents.download_export", export)
    try:
        content = exports.download(export, actor_id=current_user.id)
    except Conflict as err:
        flash(err.message, "error")
        return redirect(url_for("residents.exports_page", resident_id=export.resident_id))
    db.session.commit()
    return Response(content, mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{exports.filename(export)}"'})


@bp.post("/<int:resident_id>/deletion")
def request_deletion(resident_id: int):
    resident = resident_or_404(resident_id, "residents.request_deletion")
    services.request_deletion(resident, actor_id=current_user.id)
    db.session.commit()
    flash(_("The request has been sent to the community admin."), "success")
    return redirect(url_for("residents.detail", resident_id=resident_id))


@bp.post("/<int:resident_id>/erase")
def erase(resident_id: int):
    resident = resident_or_404(resident_id, "residents.erase")
    services.erase(resident, actor_id=current_user.id)
    db.session.commit()
    flash(_("The resident's personal data have been erased."), "success")
    return redirect(url_for("residents.index"))


@bp.get("/audit")
def audit():
    require("audit.view")
    resident_id = request.args.get("resident", type=int)
    try:
        items, next_cursor = services.audit_trail(cursor=request.args.get("cursor"), resident_id=resident_id)
    except ValidationFailed:
        return redirect(url_for("residents.audit"))
    return render_template("residents/audit.html", events=items, next_cursor=next_cursor, resident_id=resident_id,
                           names=services.names_for(items))
