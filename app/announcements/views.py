"""Announcement pages: the list, the form for staff, and who has read each one."""
import logging

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.announcements import services
from app.announcements.schemas import AnnouncementIn
from app.lifecycle import PageForm
from app.permissions import can, found, require
from app.sections import section
from tenants.web import tenant_routes

logger = logging.getLogger(__name__)

bp = tenant_routes(Blueprint("announcements", __name__, url_prefix="/c/<slug>/announcements"))


def _latest_data(context: dict) -> dict:
    return {"title": _("Recent announcements"), "url": url_for("announcements.index"), "count": None,
            "items": [{"id": str(a.id), "kind": "announcement", "title": a.title, "when": a.created_at.isoformat(),
                       "url": url_for("announcements.detail", announcement_id=a.id)} for a in context["latest"]]}


@section("announcements", page="council", order=20, template="announcements/_home.html",
         permission="announcements.view", data=_latest_data)
def _council_home():
    """The latest announcements of the community office (none yet: no part)."""
    latest, _next = services.list_announcements(limit=3)
    return {"latest": latest} if latest else None


@bp.route("/", methods=["GET", "POST"])
def index():
    require("announcements.view")
    if request.method == "POST":
        require("announcements.send")
    form = PageForm(AnnouncementIn)
    if form.valid:
        announcement = services.send(title=form.data["title"], body=form.data["body"], sender_id=current_user.id)
        flash(_("The announcement is on its way to every member."), "success")
        return redirect(url_for("announcements.detail", announcement_id=announcement.id))
    items, next_cursor = services.list_announcements(cursor=request.args.get("cursor"), limit=30)
    return render_template("announcements/index.html", items=items, next_cursor=next_cursor, errors=form.errors,
                           values=form.values)


@bp.get("/<int:announcement_id>")
def detail(announcement_id: int):
    require("announcements.view")
    announcement = found(services.get(announcement_id))
    staff = can("announcements.send")
    return render_template("announcements/detail.html", announcement=announcement,
                           stats=services.read_stats(announcement) if staff else None,
                           readers=services.readers(announcement) if staff else [])
