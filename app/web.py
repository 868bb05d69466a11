"""Pages for people: blueprint registration, template helpers, language and text-size switches."""
import logging

from flask import g, jsonify, request
from flask_babel import format_date, format_datetime, get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from app import permissions
from app.members.vocabulary import ROLE_LABELS
from app.units.vocabulary import STATUS_LABELS, TYPE_LABELS
from tenants.web import add_slug, current_community, current_membership

logger = logging.getLogger(__name__)


def init_app(app) -> None:
    from app.accounts.views import bp as accounts_bp
    from app.home.views import bp as home_bp
    from app.home.views import community_bp
    from app.members.views import bp as members_bp
    from app.platform.views import bp as platform_bp
    from app.units.views import bp as units_bp

    for bp in (accounts_bp, home_bp, community_bp, platform_bp, members_bp, units_bp):
        app.register_blueprint(bp)
    app.url_defaults(add_slug)

    @app.get("/healthz")
    def healthz():
        """Liveness: answers without touching the database."""
        return jsonify(status="ok")

    @app.context_processor
    def _template_helpers():
        return {
            "community": current_community(),
            "membership": current_membership(),
            "can": permissions.can,
            "csrf_token": generate_csrf,
            "locale": str(get_locale()),
            "html_lang": "zh-CN" if str(get_locale()) == "zh_CN" else "en",
            "format_date": format_date,
            "role_label": lambda role: ROLE_LABELS.get(role, role),
            "unit_type_label": lambda code: TYPE_LABELS.get(code, code),
            "unit_status_label": lambda code: STATUS_LABELS.get(code, code),
            "format_datetime": format_datetime,
            "current_user": current_user,
            "request": request,
            "g": g,
        }
