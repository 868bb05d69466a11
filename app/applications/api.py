"""Applications API: /api/v1/c/<slug>/applications — a unit applies (public, no log-in), the council reviews,
asks for more, opens the vote or rejects; the applicant completes or withdraws their own; the admission rules."""
import logging
import secrets

from flask import g
from flask_login import current_user
from flask_smorest import Blueprint

from app.accounts.limits import csrf_exempt
from app.applications import schemas, services
from app.applications.limits import ip_key, ip_limit, phone_key, phone_limit, sent
from app.applications.models import UnitApplication
from app.core.apidoc import collection_schema
from app.core.extensions import limiter
from app.permissions import can, found, require
from tenants import clock
from tenants.web import public, tenant_routes

logger = logging.getLogger(__name__)

blp = tenant_routes(Blueprint("applications_api", __name__, url_prefix="/api/v1/c/<slug>/applications",
                              description="Units' applications to join the association (入会申请): the public "
                                          "application, the council's review, the vote, admission"))
ApplicationList = collection_schema(schemas.ApplicationOut, "UnitApplicationList")


def _token_user():
    """The applicant of an API call: only a bearer token's (the endpoint takes no session cookie, so a foreign
    site cannot apply in a logged-in visitor's name)."""
    return current_user if current_user.is_authenticated and g.get("token_auth") else None


def _caller_id():
    return current_user.id if current_user.is_authenticated else None


def _decoy(args: dict) -> UnitApplication:
    """What a filled honeypot is answered with: an application that looks accepted and is stored nowhere."""
    now = clock.utcnow()
    fields = {key: args.get(key) for key in schemas.EDITABLE}
    return UnitApplication(id=secrets.randbelow(900_000) + 100_000, **fields, contact_mobile=args["contact_mobile"],
                           status="submitted", consent_at=now, submitted_at=now, info_request="", decision_reason="")


@blp.post("")
@blp.arguments(schemas.ApplicationIn)
@blp.response(201, schemas.ApplicationOut)
@limiter.shared_limit(ip_limit, "apply-ip", key_func=ip_key)
@limiter.shared_limit(phone_limit, "apply-phone", key_func=phone_key, deduct_when=sent)
@csrf_exempt
@public
def apply(args):
    """A unit applies to join (no log-in needed). Without a bearer token an account is made for the contact
    (the mobile is its log-in, `password` its password); a mobile or e-mail that already has an account must
    log in first (send its token). Duplicates (the credit code of a member unit or of an application waiting,
    a member unit of that name, an application waiting for that mobile) answer 422 on the field."""
    if args.get("website"):
        return _decoy(args)
    return services.apply(args, user=_token_user())


@blp.get("")
@blp.arguments(schemas.ApplicationListArgs, location="query")
@blp.response(200, ApplicationList)
def list_applications(args):
    """Applications, newest first (council and staff); `status=waiting`: those nobody has taken yet."""
    require("applications.review")
    items, next_cursor = services.list_applications(**args)
    return {"items": items, "next_cursor": next_cursor}


@blp.get("/rules")
@blp.response(200, schemas.RulesOut)
def get_rules():
    """The community's admission rules (the defaults until the admin sets them)."""
    require("applications.review")
    return services.rules()


@blp.put("/rules")
@blp.arguments(schemas.RulesIn)
@blp.response(200, schemas.RulesOut)
def put_rules(args):
    """Set the admission rules (admin): days of the vote, quorum (0–100 %), threshold, secrecy, veto limit."""
    require("applications.rules")
    return services.save_rules(args, actor_id=current_user.id)


def _readable(application_id: int) -> UnitApplication:
    """The council sees every application; its applicant (not yet a member) sees their own; anyone else 404."""
    if can("applications.review"):
        return found(services.get_application(application_id))
    return found(services.get_own_application(application_id, _caller_id()))


@blp.get("/<int:application_id>")
@blp.response(200, schemas.ApplicationOut)
@public
def get_application(application_id: int):
    """One application: for the council and staff, and for its applicant."""
    return _readable(application_id)


@blp.post("/<int:application_id>/take")
@blp.response(200, schemas.ApplicationOut)
def take(application_id: int):
    """A council member (or staff) takes a waiting application to review it."""
    application = found(services.get_application(application_id), "applications.review")
    return services.take(application, actor_id=current_user.id)


@blp.post("/<int:application_id>/ask")
@blp.arguments(schemas.AskIn)
@blp.response(200, schemas.ApplicationOut)
def ask(args, application_id: int):
    """Ask the applicant for more information (an application under review)."""
    application = found(services.get_application(application_id), "applications.review")
    return services.ask(application, args["message"], actor_id=current_user.id)


@blp.post("/<int:application_id>/resubmit")
@blp.arguments(schemas.ResubmitIn)
@blp.response(200, schemas.ApplicationOut)
@public
def resubmit(args, application_id: int):
    """The applicant completes the application the council asked about (only the fields given change); 409
    once it is decided."""
    application = found(services.get_own_application(application_id, _caller_id()))
    return services.resubmit(application, args, actor_id=current_user.id)


@blp.post("/<int:application_id>/withdraw")
@blp.response(200, schemas.ApplicationOut)
@public
def withdraw(application_id: int):
    """The applicant withdraws their application, before the vote; 409 once it is decided or in the vote."""
    application = found(services.get_own_application(application_id, _caller_id()))
    return services.withdraw(application, actor_id=current_user.id)


@blp.post("/<int:application_id>/ballot")
@blp.response(200, schemas.ApplicationOut)
def open_ballot(application_id: int):
    """Open the vote of the council and the residents' representatives, by the community's admission rules."""
    application = found(services.get_application(application_id), "applications.review")
    services.open_ballot(application, actor_id=current_user.id)
    return application


@blp.post("/<int:application_id>/reject")
@blp.arguments(schemas.RejectIn)
@blp.response(200, schemas.ApplicationOut)
def reject(args, application_id: int):
    """Reject the application with the reason the applicant is told."""
    application = found(services.get_application(application_id), "applications.review")
    return services.reject(application, args["reason"], actor_id=current_user.id)
