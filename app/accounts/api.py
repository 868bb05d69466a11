"""Accounts API: bearer tokens and the caller's own account."""
import logging

from flask import abort
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_smorest import Blueprint

from app.accounts import schemas, services
from app.accounts.limits import account_limit, csrf_exempt, failed_login, ip_limit, login_account_key, login_ip_key
from app.core.apidoc import collection_schema
from app.core.errors import ApiError
from app.core.extensions import limiter
from tenants.memberships import communities_of

logger = logging.getLogger(__name__)

blp = Blueprint("accounts_api", __name__, url_prefix="/api/v1", description="Tokens and the caller's account")

TokenList = collection_schema(schemas.TokenOut, "TokenList")
MyCommunityList = collection_schema(schemas.MyCommunityOut, "MyCommunityList")


@blp.post("/auth/tokens")
@blp.arguments(schemas.TokenRequest)
@blp.response(201, schemas.TokenCreated)
# Shared with the log-in page: one budget of failed attempts per address and per account.
@limiter.shared_limit(ip_limit, "login-ip", key_func=login_ip_key, deduct_when=failed_login)
@limiter.shared_limit(account_limit, "login-account", key_func=login_account_key, deduct_when=failed_login)
@csrf_exempt
def create_token(args):
    """Exchange an e-mail (or mobile number) and password for a bearer token."""
    user = services.authenticate(args["email"], args["password"])
    if user is None:
        raise ApiError(401, "invalid_credentials", _("The e-mail/mobile number or password is wrong."))
    token, secret = services.create_token(user, args["name"])
    token.token = secret
    return token


@blp.get("/auth/tokens")
@blp.response(200, TokenList)
@login_required
def list_tokens():
    """The caller's tokens (never their secrets)."""
    return {"items": services.list_tokens(current_user), "next_cursor": None}


@blp.delete("/auth/tokens/<int:token_id>")
@blp.response(204)
@login_required
def revoke_token(token_id: int):
    """Revoke one of the caller's tokens; it stops working at once."""
    if services.revoke_token(current_user, token_id) is None:
        abort(404)


@blp.get("/me")
@blp.response(200, schemas.MeOut)
@login_required
def me():
    """The caller's account."""
    return current_user


@blp.patch("/me")
@blp.arguments(schemas.MeUpdate)
@blp.response(200, schemas.MeOut)
@login_required
def update_me(args):
    """Change name, language or text size."""
    return services.update_profile(current_user, args)


@blp.get("/me/communities")
@blp.response(200, MyCommunityList)
@login_required
def my_communities():
    """The communities the caller belongs to, with their roles in each."""
    return {"items": communities_of(current_user.id), "next_cursor": None}


@blp.post("/auth/password-reset")
@blp.arguments(schemas.ResetRequest)
@blp.response(202)
@limiter.limit(ip_limit, key_func=login_ip_key)
@csrf_exempt
def request_reset(args):
    """Send a one-time reset code by e-mail and SMS (202 whether or not the account exists)."""
    services.request_password_reset(args["login"])


@blp.post("/auth/password-reset/confirm")
@blp.arguments(schemas.ResetConfirm)
@blp.response(204)
@limiter.limit(ip_limit, key_func=login_ip_key)
@csrf_exempt
def confirm_reset(args):
    """Set a new password with the code; every session of the account ends."""
    services.reset_password(args["code"], args["password"])
