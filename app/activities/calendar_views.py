"""The public calendar: /c/<slug>/calendar (a page for visitors, no log-in), /c/<slug>/calendar.ics and one
activity's /c/<slug>/activities/<id>.ics. Only public activities that are approved or later; no personal data.
A suspended or unknown community answers 404 (tenants.web)."""
import logging

from flask import Blueprint, Response, abort, render_template, request, url_for
from flask_babel import gettext as _

from app.activities import calendar
from tenants.web import current_community, public, tenant_routes

logger = logging.getLogger(__name__)

bp = tenant_routes(Blueprint("calendar", __name__, url_prefix="/c/<slug>"))


@bp.get("/calendar")
@public
def index():
    """The public activities from a month back to three months ahead, by month and day."""
    community = current_community()
    months = calendar.calendar_rows(calendar.public_activities())
    return render_template("calendar/index.html", months=months,
                           heading=_("Activities in %(community)s", community=community.name))


def _ics(activities, name: str, filename: str) -> Response:
    body = calendar.ical_feed(activities, name=name, host=request.host,
                              page_url=url_for("calendar.index", _external=True))
    return Response(body, mimetype="text/calendar",
                    headers={"Content-Disposition": f'inline; filename="{filename}"'})


@bp.get("/calendar.ics")
@public
def feed():
    """The same activities for a calendar app (iCalendar)."""
    community = current_community()
    return _ics(calendar.public_activities(), _("Activities in %(community)s", community=community.name),
                f"{community.slug}-activities.ics")


@bp.get("/activities/<int:activity_id>.ics")
@public
def activity_feed(activity_id: int):
    """One public activity for a calendar app (a private, proposed or unknown one: 404)."""
    activity = calendar.shown_activity(activity_id)
    if activity is None:
        abort(404)
    return _ics([activity], activity.title, f"activity-{activity.id}.ics")
