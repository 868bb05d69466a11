"""The landing page, the list of one's communities, each community's home, and readiness."""
import logging

from flask import Blueprint, current_app, jsonify, redirect, render_template, url_for
from flask_login import current_user
from redis import Redis
from sqlalchemy import text

from app import sections
from app.core.extensions import db
from app.members import services as members
from app.notifications.services import failed_deliveries_total
from app.permissions import require
from app.units import services as units
from tenants.memberships import communities_of
from tenants.web import tenant_routes

logger = logging.getLogger(__name__)

bp = Blueprint("home", __name__)
community_bp = tenant_routes(Blueprint("community", __name__, url_prefix="/c/<slug>"))


@bp.get("/")
def index():
    if not current_user.is_authenticated:
        return render_template("home/landing.html")
    mine = communities_of(current_user.id)
    if len(mine) == 1 and not current_user.is_operator:
        return redirect(url_for("community.home", slug=mine[0]["community"].slug))
    return render_template("home/mine.html", mine=mine)


@bp.get("/readyz")
def readyz():
    """Readiness: the database answers, and Redis when one is configured."""
    checks, ok = {}, True
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # any failure means not ready; the kind is in the log
        logger.warning("readiness: database: %s", exc)
        checks["database"], ok = "unavailable", False
    if current_app.config["REDIS_URL"]:

        try:
            Redis.from_url(current_app.config["REDIS_URL"], socket_timeout=2).ping()
            checks["redis"] = "ok"
        except Exception as exc:
            logger.warning("readiness: redis: %s", exc)
            checks["redis"], ok = "unavailable", False
    else:
        checks["redis"] = "not configured"
    body = {"status": "ok" if ok else "unavailable", "checks": checks}
    if checks["database"] == "ok":

        # Failures wait for a person (retry or discard); they do not make the app unready.
        body["failed_deliveries"] = failed_deliveries_total()
    return jsonify(body), (200 if ok else 503)


@community_bp.get("/today")
def today():
    """The coordinator's work of the day: every domain's section (app.sections) in its order."""
    require("matching.confirm")
    return render_template("home/today.html", sections=sections.rendered("today"))


@community_bp.get("/")
def home():
    require("community.view")
    return render_template("home/community.html", unit_count=units.count_units(),
                           units_by_type=units.counts_by_type(), role_counts=members.count_by_role(),
                           my_units=units.units_of_user(current_user.id))
