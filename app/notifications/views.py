"""Inbox and notification preferences (per user, across communities); failed deliveries (per community)."""
import logging

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.core.fields import as_id
from app.lifecycle import PageForm
from app.notifications import services
from app.notifications.events import CATEGORIES, CHANNELS
from app.notifications.schemas import PreferencesForm
from app.permissions import found, require
from app.sections import section
from tenants.web import tenant_routes

logger = logging.getLogger(__name__)

bp = Blueprint("notifications", __name__)
community_bp = tenant_routes(Blueprint("deliveries", __name__, url_prefix="/c/<slug>/notifications"))


@section("undelivered", page="today", order=90, template="notifications/_today.html", permission="matching.confirm")
def _today():
    return {"failed_count": services.failed_count()}


# --- the homes of residents, units, council and representatives: my messages, the unread counted --------

def _messages():
    entries, _more = services.inbox_of(current_user.id, limit=3)
    return {"unread": services.unread_count(current_user.id), "entries": entries,
            "links": services.entry_links(entries)}


def _messages_data(context: dict) -> dict:
    return {"title": _("My messages"), "url": url_for("notifications.inbox"), "count": context["unread"],
            "items": [{"id": str(e.id), "kind": e.category, "title": e.title,
                       "status": "read" if e.read_at else "unread", "when": e.created_at.isoformat(),
                       "url": context["links"].get(e.id)}
                      for e in context["entries"]]}


for _page, _order in (("resident", 40), ("unit", 90), ("council", 90)):
    section("messages", page=_page, order=_order, template="notifications/_home.html",
            permission=f"home.{_page}", data=_messages_data)(_messages)


@bp.get("/notifications")
@login_required
def inbox():
    """The inbox outside any community (an operator, a person between communities)."""
    return _inbox(url_for("notifications.inbox"))


@community_bp.get("/")
def community_inbox():
    """The same inbox inside a community's layout, its menu kept: where the header's Messages leads there."""
    return _inbox(url_for("deliveries.community_inbox"))


def _inbox(here: str):
    before = request.args.get("before", type=int)
    entries, next_before = services.inbox_of(current_user.id, cursor_id=before, limit=30)
    return render_template("notifications/inbox.html", entries=entries, next_before=next_before,
                           links=services.entry_links(entries), here=here)


@bp.post("/notifications/read")
@login_required
def mark_read():
    sent = request.form.getlist("id")  # none sent: every entry; sent but no ids among them: none
    services.mark_read(current_user.id, [i for i in map(as_id, sent) if i] if sent else None)
    target = request.form.get("go")
    if target and target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect(url_for("notifications.inbox"))


@bp.route("/account/notifications", methods=["GET", "POST"])
@login_required
def preferences():
    form = PageForm(PreferencesForm)
    if form.valid:
        services.set_preferences(current_user, form.data["channels"], quiet_start=form.data["quiet_start"],
                                 quiet_end=form.data["quiet_end"], quiet_set=True)
        flash(_("Saved."), "success")
        return redirect(url_for("notifications.preferences"))
    return render_template("notifications/preferences.html", prefs=services.preferences_of(current_user),
                           categories=CATEGORIES, channels=CHANNELS, errors=form.errors)


@community_bp.get("/failed")
def failed():
    require("notifications.manage_failures")
    return render_template("notifications/failed.html", rows=services.list_failed())


@community_bp.post("/failed/<int:delivery_id>/<action>")
def act_on_failed(delivery_id: int, action: str):
    require("notifications.manage_failures")
    delivery = found(services.get_failed(delivery_id))
    if action not in ("retry", "discard"):
        abort(404)
    if action == "retry":
        services.retry_failed(delivery)
        flash(_("The message will be sent again."), "success")
    else:
        services.discard_failed(delivery)
        flash(_("The message has been discarded."), "success")
    return redirect(url_for("deliveries.failed"))
