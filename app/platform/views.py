"""Platform operator pages: communities, their status, the street offices (their address, threshold and viewers,
granted and revoked here; a revoked grant stays listed as the history), and the health of the platform."""
import logging
from functools import wraps

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.lifecycle import PageForm, redirect_refusals_to
from app.permissions import found
from app.platform.health import snapshot
from app.platform.schemas import CommunityIn, StatusConfirmForm
from app.platform.services import create_community_with_admin
from app.platform.vocabulary import labels
from app.streets import services as streets
from app.streets.schemas import StreetIn, ViewerIn
from tenants import services as tenants
from tenants.models import Community, Street

logger = logging.getLogger(__name__)

bp = Blueprint("platform", __name__, url_prefix="/platform")


def operator_required(view):
    """Only platform operators; everyone else sees nothing here (404)."""

    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if not current_user.is_operator:
            abort(404)
        return view(*args, **kwargs)

    return wrapper


@bp.get("/")
@operator_required
def index():
    return render_template("platform/index.html", communities=tenants.list_communities(), errors={}, values={})


@bp.post("/communities")
@operator_required
def create():
    form = PageForm(CommunityIn)
    if not form.valid:
        return render_template("platform/index.html", communities=tenants.list_communities(), errors=form.errors,
                               values=form.values)
    community, password = create_community_with_admin(**form.data)
    flash(_("Community “%(name)s” created.", name=community.name), "success")
    if password:
        flash(_("A new account was made for the admin; give them this one-time password: %(pw)s", pw=password),
              "info")
    return redirect(url_for("platform.index"))


@bp.get("/communities/<community_slug>/status")
@operator_required
def confirm_status(community_slug: str):
    """Suspending (or restoring) a whole community is asked for on its own page first, and confirmed there."""
    community = found(Community.by_slug(community_slug))
    # Without ?status= the page offers the one change the community can have.
    status = request.args.get("status") or ("suspended" if community.status == "active" else "active")
    if status not in ("active", "suspended"):
        abort(404)
    return _confirm_page(community, status, PageForm(StatusConfirmForm, initial={"status": status}))


@bp.post("/communities/<community_slug>/status")
@operator_required
def set_status(community_slug: str):
    community = found(Community.by_slug(community_slug))
    form = PageForm(StatusConfirmForm)
    if form.valid and form.data["status"] == "suspended" and (form.data["confirm"] or "") != community.slug:
        # Everyone in the community loses access at once: the operator types its short name to confirm.
        form.add_errors({"confirm": [_("Type the short name “%(slug)s” to confirm.", slug=community.slug)]})
    if not form.valid:
        status = form.values.get("status")
        if status not in ("active", "suspended"):
            abort(400)
        return _confirm_page(community, status, form)
    status = form.data["status"]
    tenants.set_status(community, status)
    flash(_("Community “%(name)s” is now %(status)s.", name=community.name,
            status=_("suspended") if status == "suspended" else _("active")), "success")
    return redirect(url_for("platform.index"))


def _confirm_page(community: Community, status: str, form: PageForm):
    return render_template("platform/confirm_status.html", target=community, status=status,
                           members=tenants.count_members(community), values=form.values, errors=form.errors)


@bp.get("/health")
@operator_required
def health():
    """Workers, queues, schedules and failures: the platform at a glance (no resident data)."""

    return render_template("platform/health.html", **snapshot(), **labels())


# --- the street offices ---------------------------------------------------------------------------------


@bp.get("/streets/")
@operator_required
def streets_index():
    return render_template("platform/streets.html", streets=streets.list_streets())


def _street_page(street: Street, settings: PageForm | None = None, grant: PageForm | None = None):
    settings = settings or PageForm(StreetIn, obj=street, submitted=False)
    grant = grant or PageForm(ViewerIn, submitted=False)
    return render_template("platform/street.html", target=street, history=streets.viewers_of(street, with_history=True),
                           communities=streets.communities_of(street), settings_values=settings.values,
                           settings_errors=settings.errors if settings.submitted else {},
                           values=grant.values, errors=grant.errors if grant.submitted else {})


@bp.get("/streets/<street_slug>")
@operator_required
def street_detail(street_slug: str):
    return _street_page(found(Street.by_slug(street_slug)))


@bp.post("/streets/<street_slug>")
@operator_required
def update_street(street_slug: str):
    street = found(Street.by_slug(street_slug))
    form = PageForm(StreetIn)
    if not form.valid:
        return _street_page(street, settings=form), 422
    streets.update_street(street, form.data)
    flash(_("Street “%(name)s” saved.", name=street.name), "success")
    return redirect(url_for("platform.street_detail", street_slug=street.slug))


@bp.post("/streets/<street_slug>/viewers")
@operator_required
def grant_viewer(street_slug: str):
    street = found(Street.by_slug(street_slug))
    form = PageForm(ViewerIn)
    if not form.valid:
        return _street_page(street, grant=form), 422
    viewer, password = streets.grant(street, login=form.data["login"], name=form.data["name"],
                                     granted_by=current_user)
    flash(_("%(name)s can now see %(street)s.", name=viewer.user.name, street=street.name), "success")
    if password:
        flash(_("A new account was made; give them this one-time password: %(pw)s", pw=password), "info")
    return redirect(url_for("platform.street_detail", street_slug=street.slug))


@bp.post("/streets/<street_slug>/viewers/<int:viewer_id>/revoke")
@operator_required
def revoke_viewer(street_slug: str, viewer_id: int):
    street = found(Street.by_slug(street_slug))
    redirect_refusals_to(url_for("platform.street_detail", street_slug=street.slug))
    viewer = streets.revoke(found(streets.get_grant(street, viewer_id)), revoked_by=current_user)
    flash(_("%(name)s can no longer see %(street)s.", name=viewer.user.name, street=street.name), "success")
    return redirect(url_for("platform.street_detail", street_slug=street.slug))
