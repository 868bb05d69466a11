"""How applications to join are limited: every attempt per address, the applications sent per mobile number."""
import logging

from flask import current_app, request

from app.core.fields import normalize_mobile

logger = logging.getLogger(__name__)


def ip_key() -> str:
    return "apply-ip:" + (request.remote_addr or "unknown")


def phone_key() -> str:
    mobile = request.form.get("contact_mobile") if request.form else None
    if mobile is None:
        body = request.get_json(silent=True) or {}
        mobile = body.get("contact_mobile") if isinstance(body, dict) else None
    return "apply-phone:" + normalize_mobile(str(mobile or ""))[:30]


def sent(response) -> bool:
    """An application that went through (or looked as if it did: the honeypot's answer) counts for its phone."""
    return response.status_code < 400


def ip_limit():
    return current_app.config["APPLY_RATE_LIMIT_IP"]


def phone_limit():
    return current_app.config["APPLY_RATE_LIMIT_PHONE"]
