"""Announcement pages: the list, the form for staff, and who has read each one."""
import logging

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.announcements import services
from app.core.extensions import db
from app.core.validation import ValidationFailed
from app.permissions import can, require
from tenants.web import tenant_routes

logger = logging.getLogger(__name__)

bp = tenant_routes(Blueprint("announcements", __name__, url_prefix="/c/<slug>/announcements"))


@bp.route("/", methods=["GET", "POST"])
def index():
    require("announcements.view")
    errors, values = {}, {}
    if request.method == "POST":
        require("announcements.send")
        values = {"title": request.form.get("title", ""), "body": request.form.get("body", "")}
        try:
            announcement = services.send(title=values["title"], body=values["body"], sender_id=current_user.id)
            db.session.commit()
            flash(_("The announcement is on its way to every member."), "success")
            return redirect(url_for("announcements.detail", announcement_id=announcement.id))
        except ValidationFailed as err:
            db.session.rollback()
            errors = err.fields
    items, next_cursor = services.list_announcements(cursor=request.args.get("cursor"), limit=30)
    return render_template("announcements/index.html", items=items, next_cursor=next_cursor, errors=errors,
                           values=values), (422 if errors else 200)


@bp.get("/<int:announcement_id>")
def detail(announcement_id: int):
    require("announcements.view")
    announcement = services.get(announcement_id) or abort(404)
    staff = can("announcements.send")
    return render_template("announcements/detail.html", announcement=announcement,
                           stats=services.read_stats(announcement) if staff else None,
                           readers=services.readers(announcement) if staff else [])
