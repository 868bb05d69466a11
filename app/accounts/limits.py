"""How log-in attempts are limited (per address and per account) and which endpoint skips the CSRF check."""
import logging

from flask import current_app, request

logger = logging.getLogger(__name__)


def csrf_exempt(view):
    """Only for endpoints that neither read nor set the session cookie (e.g. token creation)."""
    view.csrf_exempt = True
    return view


def login_ip_key() -> str:
    return "login-ip:" + (request.remote_addr or "unknown")


def login_account_key() -> str:
    login = request.form.get("login") if request.form else None
    if login is None:
        body = request.get_json(silent=True) or {}
        login = body.get("email") if isinstance(body, dict) else None
    return "login-account:" + str(login or "").strip().lower()[:254]


def failed_login(response) -> bool:
    """Only failed attempts count against the limits."""
    return response.status_code in (200, 401, 422)


def ip_limit():
    return current_app.config["LOGIN_RATE_LIMIT_IP"]


def account_limit():
    return current_app.config["LOGIN_RATE_LIMIT_ACCOUNT"]
