"""Resident pages: the register (staff), a resident's page with consent and sensitive data, own data."""
import logging

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.lifecycle import PageForm, read_form, redirect_refusals_to
from app.permissions import can, found, is_staff, require
from app.residents import exports, schemas, services
from app.residents.models import DISABILITY_CATEGORIES, SENSITIVE_FIELDS
from app.residents.schemas import RELATIONS
from app.residents.vocabulary import (
    ACTION_LABELS,
    DISABILITY_LABELS,
    METHOD_LABELS,
    PURPOSE_LABELS,
    RELATION_LABELS,
    SENSITIVE_LABELS,
)
from tenants.web import tenant_routes

logger = logging.getLogger(__name__)

bp = tenant_routes(Blueprint("residents", __name__, url_prefix="/c/<slug>/residents"))
FIELDS = ("name", "phone", "building", "entrance", "room", "address", "latitude", "longitude", "household",
          "birth_date", "diet_notes", "account_relation")


@bp.context_processor
def _labels():
    return {"DISABILITY_LABELS": DISABILITY_LABELS, "SENSITIVE_LABELS": SENSITIVE_LABELS,
            "METHOD_LABELS": METHOD_LABELS, "RELATION_LABELS": RELATION_LABELS, "ACTION_LABELS": ACTION_LABELS,
            "PURPOSE_LABELS": PURPOSE_LABELS,
            "DISABILITY_CATEGORIES": DISABILITY_CATEGORIES, "SENSITIVE_FIELDS": SENSITIVE_FIELDS,
            "RELATIONS": RELATIONS, "KEEP_DAYS": exports.KEEP.days}


@bp.get("/")
def index():
    """The register for staff; a resident sees the profiles they hold (their own, their family's)."""
    if not can("residents.list"):
        return render_template("residents/mine.html", residents=services.residents_held_by(current_user.id))
    q = request.args.get("q", "")[:100]
    redirect_refusals_to(url_for("residents.index", q=q or None), say=False)  # a stale cursor
    items, next_cursor = services.list_residents(q=q, cursor=request.args.get("cursor"), limit=50)
    return render_template("residents/index.html", residents=items, next_cursor=next_cursor, q=q,
                           total=services.count_residents())


@bp.route("/new", methods=["GET", "POST"])
def create():
    """Staff register anyone (who phoned or came in); a resident registers themself or a family member."""
    staff = is_staff()
    if not staff and not can("residents.register_own"):
        abort(403)
    form = PageForm(schemas.ResidentIn, initial={"account_relation": "self"})
    if form.valid:
        resident = services.create_resident(form.data, actor_id=current_user.id,
                                            account_id=None if staff else current_user.id)
        flash(_("Resident “%(name)s” registered.", name=resident.name), "success")
        return redirect(url_for("residents.detail", resident_id=resident.id))
    return render_template("residents/form.html", resident=None, values=form.values, errors=form.errors,
                           staff=staff)


@bp.get("/<int:resident_id>")
def detail(resident_id: int):
    resident = found(services.find_resident(resident_id), "residents.view")
    sensitive = None
    if can("residents.sensitive", resident) and request.args.get("show") == "sensitive":
        # Reading is a deliberate act (a button), so the audit trail records real looks, not page views.
        sensitive = services.read_sensitive(resident, actor_id=current_user.id)
    return render_template("residents/detail.html", resident=resident, sensitive=sensitive,
                           consent=services.active_consent(resident), consents=services.consents_of(resident))


@bp.route("/<int:resident_id>/edit", methods=["GET", "POST"])
def edit(resident_id: int):
    resident = found(services.find_resident(resident_id), "residents.edit")
    form = PageForm(schemas.ResidentPatch, initial={key: getattr(resident, key) for key in FIELDS})
    if form.valid:
        services.update_resident(resident, form.data)
        flash(_("Saved."), "success")
        return redirect(url_for("residents.detail", resident_id=resident_id))
    if "_schema" in form.errors:  # an erased profile: the message goes where the eye starts
        form.errors["name"] = form.errors.pop("_schema")
    return render_template("residents/form.html", resident=resident, values=form.values, errors=form.errors,
                           staff=is_staff())


@bp.route("/<int:resident_id>/sensitive", methods=["GET", "POST"])
def sensitive(resident_id: int):
    resident = found(services.find_resident(resident_id), "residents.sensitive")
    if services.active_consent(resident) is None:
        flash(_("Record the resident's consent before storing this."), "error")
        return redirect(url_for("residents.detail", resident_id=resident_id))
    form = PageForm(schemas.SensitiveIn)
    if form.valid:
        services.set_sensitive(resident, form.data, actor_id=current_user.id)
        flash(_("Saved."), "success")
        return redirect(url_for("residents.detail", resident_id=resident_id, show="sensitive"))
    if not form.submitted:  # showing the stored values is a read, audited
        form.values = services.read_sensitive(resident, actor_id=current_user.id) or {}
    return render_template("residents/sensitive.html", resident=resident, values=form.values, errors=form.errors)


@bp.post("/<int:resident_id>/consent")
def consent(resident_id: int):
    resident = found(services.find_resident(resident_id), "residents.sensitive")
    redirect_refusals_to(url_for("residents.detail", resident_id=resident_id))
    own = resident.account_id == current_user.id
    data = read_form(schemas.ConsentForm)
    services.record_consent(resident, given_by=data["given_by"] or (current_user.name if own else ""),
                            method="online" if own and not can("residents.create") else data["method"],
                            actor_id=current_user.id, note=data["note"])
    flash(_("Consent recorded."), "success")
    return redirect(url_for("residents.detail", resident_id=resident_id))


@bp.post("/<int:resident_id>/consent/withdraw")
def withdraw(resident_id: int):
    resident = found(services.find_resident(resident_id), "residents.sensitive")
    services.withdraw_consent(resident, actor_id=current_user.id)
    flash(_("Consent withdrawn: the sensitive data are no longer shown or used."), "success")
    return redirect(url_for("residents.detail", resident_id=resident_id))


@bp.get("/<int:resident_id>/exports")
def exports_page(resident_id: int):
    """Download all data: ask for a file, see it being prepared, download it when ready."""
    resident = found(services.find_resident(resident_id), "residents.export")
    listed = exports.exports_of(resident, requested_by=current_user.id, everyone=can("residents.list"))
    return render_template("residents/exports.html", resident=resident, exports=listed,
                           requesters=exports.requester_names(listed))


@bp.post("/<int:resident_id>/exports")
def request_export(resident_id: int):
    resident = found(services.find_resident(resident_id), "residents.export")
    redirect_refusals_to(url_for("residents.exports_page", resident_id=resident_id))
    exports.request_export(resident, actor_id=current_user.id)
    flash(_("The file is being prepared; you will be told when it is ready."), "success")
    return redirect(url_for("residents.exports_page", resident_id=resident_id))


@bp.get("/exports/<int:export_id>.json")
def download_export(export_id: int):
    """The prepared file, for whoever asked for it (or staff); every download is audited."""
    export = found(exports.get_export(export_id), "residents.download_export")
    redirect_refusals_to(url_for("residents.exports_page", resident_id=export.resident_id))  # not ready yet
    content = exports.download(export, actor_id=current_user.id)
    return Response(content, mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{exports.filename(export)}"'})


@bp.post("/<int:resident_id>/deletion")
def request_deletion(resident_id: int):
    resident = found(services.find_resident(resident_id), "residents.request_deletion")
    services.request_deletion(resident, actor_id=current_user.id)
    flash(_("The request has been sent to the community admin."), "success")
    return redirect(url_for("residents.detail", resident_id=resident_id))


@bp.post("/<int:resident_id>/erase")
def erase(resident_id: int):
    resident = found(services.find_resident(resident_id), "residents.erase")
    services.erase(resident, actor_id=current_user.id)
    flash(_("The resident's personal data have been erased."), "success")
    return redirect(url_for("residents.index"))


@bp.get("/audit")
def audit():
    require("audit.view")
    resident_id = request.args.get("resident", type=int)
    redirect_refusals_to(url_for("residents.audit"), say=False)  # a stale cursor
    items, next_cursor = services.audit_trail(cursor=request.args.get("cursor"), resident_id=resident_id)
    return render_template("residents/audit.html", events=items, next_cursor=next_cursor, resident_id=resident_id,
                           names=services.names_for(items))
