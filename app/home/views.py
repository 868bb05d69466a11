"""The landing page, the list of one's communities, each role's home in a community, and readiness."""
import logging

from flask import Blueprint, current_app, jsonify, redirect, render_template, url_for
from flask_login import current_user
from redis import Redis
from sqlalchemy import text

from app import sections
from app.activities import services as activities
from app.applications import services as applications
from app.applications.vocabulary import labels as application_labels
from app.core.extensions import db
from app.home.services import BY_KIND, homes_of
from app.members import services as members
from app.needs import services as needs
from app.notifications.services import failed_deliveries_total
from app.permissions import require
from app.streets import services as streets
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
    if current_user.is_operator and not mine:
        return redirect(url_for("platform.index"))
    viewed = streets.streets_of(current_user.id)  # a street office's viewer chooses between it and a community
    if len(mine) == 1 and not current_user.is_operator and not viewed:
        return redirect(url_for("community.home", slug=mine[0]["community"].slug))
    applied = applications.applications_everywhere(current_user.id)
    if not mine and len(applied) == 1 and not current_user.is_operator:  # an applicant: straight to theirs
        return redirect(url_for("applications.mine", slug=applied[0]["community"].slug))
    if not mine and not applied and viewed and not current_user.is_operator:  # a street office's viewer
        if len(viewed) == 1:
            return redirect(url_for("streets.compare", street_slug=viewed[0].slug))
        return redirect(url_for("streets.home"))
    return render_template("home/mine.html", mine=mine, applied=applied, viewed=viewed, **application_labels())


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


@community_bp.app_context_processor
def _homes():
    """The menu offers every home the member's roles open (base.html)."""
    return {"my_homes": homes_of}


@community_bp.get("/")
def home():
    """The community's root sends each member to their home: the staff's is this overview itself."""
    require("community.view")
    mine = homes_of()
    if mine and mine[0].kind != "staff":
        return redirect(url_for(mine[0].endpoint))
    return render_template("home/community.html", unit_count=units.count_units(),
                           units_by_type=units.counts_by_type(), role_counts=members.count_by_role(),
                           open_needs=needs.waiting_counts()["waiting"],
                           activities_this_month=activities.count_this_month(),
                           my_units=units.units_of_user(current_user.id), sections=sections.rendered("community"))


def _role_home(kind: str):
    """A role's home: every domain's section of its page (app.sections), in order."""
    require(f"home.{kind}")
    return render_template(f"home/{kind}.html", home=BY_KIND[kind], sections=sections.rendered(kind),
                           my_units=units.units_of_user(current_user.id) if kind == "unit" else [])


@community_bp.get("/home/resident")
def resident_home():
    """What a resident (or the family member acting for them) can ask for, and what they asked for."""
    return _role_home("resident")


@community_bp.get("/home/unit")
def unit_home():
    """A unit's desk: proposals to answer, tomorrow's meals, its offers and its own needs."""
    return _role_home("unit")


@community_bp.get("/home/council")
def council_home():
    """What waits for a council member or a resident representative (ballots, once they exist)."""
    return _role_home("council")
