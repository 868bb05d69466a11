"""Log-in sessions and tokens, CSRF, rate-limit storage, security headers (set up by the factory).

The log-in limits themselves are accounts' (app/accounts/limits.py); a view opts out of CSRF with
`accounts.limits.csrf_exempt`, which marks it."""
import logging
import uuid
from urllib.parse import urlencode

from flask import current_app, g, redirect, request, url_for
from flask_login import current_user

from app.accounts import services as accounts
from app.core.errors import json_error, wants_json
from app.core.extensions import csrf, limiter, login_manager
from tenants import context
from tenants import web as tenant_web

logger = logging.getLogger(__name__)

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


def bearer_secret() -> str | None:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    return None


def _signed_in(found: accounts.SignedIn | None):
    """The user of the request; a community page's community and membership came with it (tenants.web)."""
    if found is None:
        return None
    context.set_db_user(found.user.id)
    slug = tenant_web.requested_slug()
    if slug is not None:
        tenant_web.resolved(slug, found.community, found.membership)
    return found.user


@login_manager.user_loader
def _load_user(session_secret: str):
    if bearer_secret():
        return None  # a request that brings a token is judged by the token alone
    return _signed_in(accounts.load_session(session_secret, tenant_web.requested_slug()))


@login_manager.request_loader
def _load_user_from_token(req):
    secret = bearer_secret()
    if not secret:
        return None
    user = _signed_in(accounts.load_token(secret, tenant_web.requested_slug()))
    if user is not None:
        g.token_auth = True
    return user


@login_manager.unauthorized_handler
def _unauthorized():

    if wants_json():
        return json_error(401)
    return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))


def _csrf_check():
    if request.method not in STATE_CHANGING or not current_app.config.get("WTF_CSRF_ENABLED", True):
        return
    if bearer_secret():
        return  # tokens come in a header a foreign site cannot set; cookies are not used
    view = current_app.view_functions.get(request.endpoint)
    if view is not None and getattr(view, "csrf_exempt", False):
        return
    csrf.protect()


def _token_out_of_the_address():
    """A form sent with GET (a picker's search without script) carries its CSRF token in the address: send the
    browser to the same address without it, so it stays out of the history, bookmarks and logs."""
    if request.method == "GET" and "csrf_token" in request.args:
        kept = [(key, value) for key, value in request.args.items(multi=True) if key != "csrf_token"]
        return redirect(request.path + ("?" + urlencode(kept) if kept else ""))
    return None


def _headers(response):
    h = response.headers
    h.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
    )
    h.setdefault("X-Content-Type-Options", "nosniff")
    h.setdefault("X-Frame-Options", "DENY")
    h.setdefault("Referrer-Policy", "same-origin")
    h.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(self)")
    if current_app.config["HUZHU_ENV"] == "production":
        h.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    # Pages of a logged-in person must not come back from the cache after logout (shared office PCs).
    # `is_anonymous` reads no column (the loaders refuse inactive users): after the request's commit
    # `is_authenticated` would read the user's row again just for this header.
    if request.path.startswith("/api/") or not current_user.is_anonymous:
        h.setdefault("Cache-Control", "no-store")
    return response


def _forget_context(exc=None):
    context.clear()


def init_app(app) -> None:
    login_manager.init_app(app)
    login_manager.session_protection = None  # server-side sessions do the job, and survive IP changes on phones
    csrf.init_app(app)
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"] or "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    # A prefix per app instance in tests keeps one test's counters from leaking into the next.
    app.config.setdefault("RATELIMIT_KEY_PREFIX", f"huzhu-{uuid.uuid4().hex[:8]}" if app.testing else "huzhu")
    limiter.init_app(app)
    app.before_request(_csrf_check)
    app.before_request(_token_out_of_the_address)
    app.after_request(_headers)
    app.teardown_request(_forget_context)

    @app.context_processor
    def _session_helpers():
        return {"current_user": current_user}
