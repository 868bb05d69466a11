"""Applications' pages: the public form `/c/<slug>/join` (no log-in), the applicant's own pages under
`/c/<slug>/join/mine` (an applicant is not a member yet: these are public pages that check the application is
theirs), and the council's list, an application's page with its steps, and the admission rules."""
import logging

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user

from app import yearbook
from app.accounts import services as accounts
from app.accounts.services import MIN_PASSWORD
from app.applications import schemas, services
from app.applications.limits import ip_key, ip_limit, phone_key, phone_limit, sent
from app.applications.models import PENDING, STATUSES
from app.applications.vocabulary import labels
from app.applications.year import units_part, units_street
from app.core.extensions import limiter
from app.core.kinds import KINDS
from app.lifecycle import PageForm, redirect_refusals_to
from app.permissions import can, found, require
from app.sections import digest, section
from app.units.models import UNIT_TYPES
from tenants.web import public, tenant_routes

logger = logging.getLogger(__name__)

# The units part of the year (app.yearbook): the report, the dashboards and the street read it.
yearbook.part("units", order=10, title=_l("Member units"), street=units_street)(units_part)

bp = tenant_routes(Blueprint("applications", __name__, url_prefix="/c/<slug>"))


@bp.context_processor
def _labels():
    return labels() | {"UNIT_TYPES": UNIT_TYPES, "KINDS": KINDS, "APP_STATUSES": STATUSES, "PENDING": PENDING}


# --- what waits for the council ---------------------------------------------------------------------

def _waiting():
    """What waits for the council's action: those nobody took and those under review, with who reviews each."""
    found, count = services.for_council(limit=5)
    me = current_user.id if current_user.is_authenticated else None
    return labels() | {"applications": found, "count": count, "me": me,
                       "reviewers": accounts.user_names(a.reviewer_id for a in found)}


@section("applications", page="today", order=40, template="applications/_today.html",
         permission="applications.review")
def _today():
    """The staff's today page: applications nobody has taken yet."""
    return _waiting()


def _reviewer_label(application, context: dict) -> str:
    """An application's status for the API's items; under review, who reviews it ("you" for the caller's own)."""
    if application.status == "under_review" and application.reviewer_id:
        if application.reviewer_id == context["me"]:
            return _("Under your review")
        return _("Reviewed by %(name)s", name=context["reviewers"].get(application.reviewer_id, "—"))
    return str(context["APP_STATUS_LABELS"][application.status])


def _council_data(context: dict) -> dict:
    return {"title": _("Applications waiting"), "url": url_for("applications.index"), "count": context["count"],
            "items": [{"id": str(a.id), "kind": a.unit_type, "title": a.unit_name, "status": a.status,
                       "label": _reviewer_label(a, context),
                       "when": a.submitted_at.isoformat() if a.submitted_at else None,
                       "url": url_for("applications.detail", application_id=a.id)}
                      for a in context["applications"]]}


@section("applications", page="council", order=10, template="applications/_council_home.html",
         permission="applications.review", data=_council_data)
def _council_home():
    """The council's home: applications to take."""
    return _waiting()


@digest
def _digest_counts():
    return {"applications_waiting": services.for_council(limit=0)[1]}


# --- the public form --------------------------------------------------------------------------------

def _applicant():
    return current_user if current_user.is_authenticated else None


@bp.route("/join", methods=["GET", "POST"])
@limiter.shared_limit(ip_limit, "apply-ip", key_func=ip_key, methods=["POST"])
@limiter.shared_limit(phone_limit, "apply-phone", key_func=phone_key, methods=["POST"], deduct_when=sent)
@public
def join():
    """A unit applies to join the association; a new contact chooses a password for the account made for them."""
    if request.method == "POST" and request.form.get("website", "").strip():
        return redirect(url_for("applications.thanks"))  # the honeypot: a robot filled the hidden field
    user = _applicant()
    initial = {"contact_name": user.name, "contact_mobile": user.phone or "", "contact_email": user.email or ""} \
        if user is not None else {}
    form = PageForm(schemas.ApplicationForm(new_account=user is None), initial={"unit_type": "shop", **initial})
    if form.valid:
        application = services.apply(form.data, user=user)
        if user is None:  # the new account is theirs: they are logged in to follow the application
            new_user = accounts.find_user(application.contact_mobile)
            session.clear()
            accounts.start_session(new_user, request.user_agent.string)
            login_user(new_user)
        return redirect(url_for("applications.thanks"))
    login_url = url_for("accounts.login", next=request.path)
    return render_template("applications/join.html", values=form.values, errors=form.errors, user=user,
                           login_url=login_url, min_password=MIN_PASSWORD,
                           login_for=services.account_exists_in(form.errors) if user is None else set())


@bp.get("/join/thanks")
@public
def thanks():
    """Said to everyone who sent the form (the honeypot too, so a robot learns nothing)."""
    return render_template("applications/thanks.html", user=_applicant())


# --- the applicant's own pages ---------------------------------------------------------------------

def _own(application_id: int):
    """The signed-in applicant's application; another's (or another community's) is 404."""
    return found(services.get_own_application(application_id, current_user.id
                                              if current_user.is_authenticated else None))


@bp.get("/join/mine")
@public
def mine():
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    return render_template("applications/mine.html", applications=services.applications_of(current_user.id))


@bp.get("/join/mine/<int:application_id>")
@public
def mine_detail(application_id: int):
    application = _own(application_id)
    return render_template("applications/mine_detail.html", found=application,
                           changes=services.history_of(application), actors={})


@bp.route("/join/mine/<int:application_id>/edit", methods=["GET", "POST"])
@public
def resubmit(application_id: int):
    """Complete the application after the council asked for more, and send it again."""
    application = _own(application_id)
    redirect_refusals_to(url_for("applications.mine_detail", application_id=application_id))  # decided meanwhile
    if application.status != "info_requested" and request.method == "GET":
        flash(_("The application can be changed only when the council asks for more information."), "info")
        return redirect(url_for("applications.mine_detail", application_id=application_id))
    form = PageForm(schemas.ResubmitForm, obj=application)
    if form.valid:
        services.resubmit(application, form.data, actor_id=current_user.id)
        flash(_("Sent again; the council will look at it."), "success")
        return redirect(url_for("applications.mine_detail", application_id=application_id))
    return render_template("applications/resubmit.html", found=application, values=form.values, errors=form.errors)


@bp.post("/join/mine/<int:application_id>/withdraw")
@public
def withdraw(application_id: int):
    application = _own(application_id)
    redirect_refusals_to(url_for("applications.mine_detail", application_id=application_id))
    services.withdraw(application, actor_id=current_user.id)
    flash(_("The application is withdrawn."), "success")
    return redirect(url_for("applications.mine_detail", application_id=application_id))


# --- the council's pages ---------------------------------------------------------------------------

@bp.get("/applications/")
def index():
    """Applications by status: those waiting first, then those under way, then the latest decisions."""
    require("applications.review")
    return render_template("applications/index.html", groups=services.grouped(),
                           may_set_rules=can("applications.rules"))


def _ballot_url(application):
    return url_for("ballots.show", ballot_id=application.ballot_id) if application.ballot_id else None


def _render_detail(application, *, form: PageForm | None = None, which: str | None = None):
    changes = services.history_of(application)
    return render_template(
        "applications/detail.html", found=application, changes=changes,
        actors=accounts.user_names([c.actor_id for c in changes] + [application.reviewer_id]),
        errors=form.errors if form else {}, values=form.values if form else {}, form=which,
        moves={move for move, froms in services.MOVES.items() if application.status in froms},
        ballot_url=_ballot_url(application), veto_reasons=services.veto_reasons_of(application))


@bp.get("/applications/<int:application_id>")
def detail(application_id: int):
    return _render_detail(found(services.get_application(application_id), "applications.review"))


@bp.post("/applications/<int:application_id>/take")
def take(application_id: int):
    application = found(services.get_application(application_id), "applications.review")
    redirect_refusals_to(url_for("applications.detail", application_id=application_id))
    services.take(application, actor_id=current_user.id)
    flash(_("You review this application now."), "success")
    return redirect(url_for("applications.detail", application_id=application_id))


@bp.post("/applications/<int:application_id>/ask")
def ask(application_id: int):
    application = found(services.get_application(application_id), "applications.review")
    redirect_refusals_to(url_for("applications.detail", application_id=application_id))
    form = PageForm(schemas.AskIn)
    if not form.valid:
        return _render_detail(application, form=form, which="ask")
    services.ask(application, form.data["message"], actor_id=current_user.id)
    flash(_("The applicant is asked for more information."), "success")
    return redirect(url_for("applications.detail", application_id=application_id))


@bp.post("/applications/<int:application_id>/ballot")
def ballot(application_id: int):
    application = found(services.get_application(application_id), "applications.review")
    redirect_refusals_to(url_for("applications.detail", application_id=application_id))
    services.open_ballot(application, actor_id=current_user.id)
    flash(_("The vote is open."), "success")
    return redirect(url_for("applications.detail", application_id=application_id))


@bp.post("/applications/<int:application_id>/reject")
def reject(application_id: int):
    application = found(services.get_application(application_id), "applications.review")
    redirect_refusals_to(url_for("applications.detail", application_id=application_id))
    form = PageForm(schemas.RejectIn, shows_refusals=False)
    if not form.valid:
        return _render_detail(application, form=form, which="reject")
    services.reject(application, form.data["reason"], actor_id=current_user.id)
    flash(_("The application is rejected; the applicant is told why."), "success")
    return redirect(url_for("applications.detail", application_id=application_id))


@bp.route("/applications/rules", methods=["GET", "POST"])
def rules():
    """How the community admits a unit: the vote's length, quorum, threshold, secrecy and the veto limit."""
    require("applications.rules")
    form = PageForm(schemas.RulesIn, obj=services.rules())
    if form.valid:
        services.save_rules(form.data, actor_id=current_user.id)
        flash(_("Saved; the next vote on an application follows these rules."), "success")
        return redirect(url_for("applications.rules"))
    return render_template("applications/rules.html", values=form.values, errors=form.errors)
