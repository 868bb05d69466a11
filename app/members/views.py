"""Members page: who holds which role; the admin adds people and changes roles."""
import logging

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.core.extensions import db
from app.core.validation import Conflict, ValidationFailed
from app.members import services
from app.permissions import require
from tenants.models import ROLES
from tenants.web import tenant_routes

logger = logging.getLogger(__name__)

bp = tenant_routes(Blueprint("members", __name__, url_prefix="/c/<slug>/members"))


def _render(errors=None, values=None, status=200):
    role = request.args.get("role") if request.args.get("role") in ROLES else None
    q = request.args.get("q", "")[:100]
    try:
        items, next_cursor = services.list_members(role=role, q=q, cursor=request.args.get("cursor"), limit=50)
    except ValidationFailed:
        items, next_cursor = services.list_members(role=role, q=q, limit=50)
    return render_template("members/index.html", items=items, next_cursor=next_cursor, role=role, q=q,
                           roles=ROLES, counts=services.count_by_role(), errors=errors or {},
                           values=values or {"roles": ["resident"]}), status


@bp.get("/")
def index():
    require("members.view")
    return _render()


@bp.post("/")
def add():
    require("members.manage")
    values = {"login": request.form.get("login", "").strip(), "name": request.form.get("name", "").strip(),
              "roles": request.form.getlist("roles")}
    try:
        membership, password = services.invite(**values)
        db.session.commit()
    except ValidationFailed as err:
        db.session.rollback()
        return _render(err.fields, values, 422)
    flash(_("Member added."), "success")
    if password:
        flash(_("A new account was made; give the person this one-time password: %(pw)s", pw=password), "info")
    return redirect(url_for("members.index"))


@bp.post("/<int:member_id>/roles")
def set_roles(member_id: int):
    require("members.manage")
    membership = services.get_membership(member_id)
    if membership is None:
        abort(404)
    try:
        services.set_roles(membership, request.form.getlist("roles"))
        db.session.commit()
        flash(_("Roles saved."), "success")
    except (ValidationFailed, Conflict) as err:
        db.session.rollback()
        flash(getattr(err, "message", None) or str(err), "error")
    return redirect(url_for("members.index"))


@bp.post("/<int:member_id>/remove")
def remove(member_id: int):
    require("members.manage")
    membership = services.get_membership(member_id)
    if membership is None:
        abort(404)
    try:
        services.remove_member(membership)
        db.session.commit()
        flash(_("Member removed."), "success")
    except Conflict as err:
        db.session.rollback()
        flash(err.message, "error")
    return redirect(url_for("members.index"))
