"""Members page: who holds which role; the admin adds people and changes roles."""
import logging

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.lifecycle import PageForm, read_form, redirect_refusals_to
from app.members import schemas, services
from app.permissions import found, require
from tenants.models import ROLES
from tenants.web import tenant_routes

logger = logging.getLogger(__name__)

bp = tenant_routes(Blueprint("members", __name__, url_prefix="/c/<slug>/members"))


def _render(form: PageForm):
    role = request.args.get("role") if request.args.get("role") in ROLES else None
    q = request.args.get("q", "")[:100]
    redirect_refusals_to(url_for("members.index", role=role, q=q or None), say=False)  # a stale cursor
    items, next_cursor = services.list_members(role=role, q=q, cursor=request.args.get("cursor"), limit=50)
    return render_template("members/index.html", items=items, next_cursor=next_cursor, role=role, q=q,
                           roles=ROLES, counts=services.count_by_role(), errors=form.errors, values=form.values)


@bp.get("/")
def index():
    require("members.view")
    return _render(PageForm(schemas.MemberIn, initial={"roles": ["resident"]}))


@bp.post("/")
def add():
    require("members.manage")
    form = PageForm(schemas.MemberIn)
    if not form.valid:
        return _render(form)
    membership, password = services.invite(**form.data)
    flash(_("Member added."), "success")
    if password:
        flash(_("A new account was made; give the person this one-time password: %(pw)s", pw=password), "info")
    return redirect(url_for("members.index"))


@bp.post("/<int:member_id>/roles")
def set_roles(member_id: int):
    require("members.manage")
    membership = found(services.get_membership(member_id))
    redirect_refusals_to(url_for("members.index"))
    services.set_roles(membership, read_form(schemas.MemberPatch)["roles"])
    flash(_("Roles saved."), "success")
    return redirect(url_for("members.index"))


@bp.post("/<int:member_id>/remove")
def remove(member_id: int):
    require("members.manage")
    membership = found(services.get_membership(member_id))
    redirect_refusals_to(url_for("members.index"))
    services.remove_member(membership)
    flash(_("Member removed."), "success")
    return redirect(url_for("members.index"))
