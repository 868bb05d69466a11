"""Pages for people: blueprint registration, template helpers, language and text-size switches."""
import logging

from flask import g, jsonify, request
from flask_babel import format_date, format_datetime, get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from werkzeug.routing import IntegerConverter

from app import domains, permissions
from app.core import charts
from app.members.vocabulary import ROLE_LABELS
from app.notifications.services import unread_count as count
from app.units.vocabulary import STATUS_LABELS, TYPE_LABELS
from jobs.queues import run_in_process_jobs
from tenants.web import add_slug, current_community, current_membership

logger = logging.getLogger(__name__)


class DatabaseId(IntegerConverter):
    """`<int:…>` in routes: ids fit the database's integer, larger numbers match nothing (404)."""

    regex = r"\d{1,10}"

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def init_app(app) -> None:
    for bp in domains.blueprints("views"):
        app.register_blueprint(bp)
    app.url_defaults(add_slug)

    if not app.config["REDIS_URL"]:

        @app.after_request
        def _run_jobs(response):
            """Without Redis, the jobs a request's commit queued run now, before the response goes out."""
            run_in_process_jobs()
            return response

    @app.get("/healthz")
    def healthz():
        """Liveness: answers without touching the database."""
        return jsonify(status="ok")

    # Pure helpers, also available where there is no request (e-mails rendered by jobs).
    app.jinja_env.globals.update(
        role_label=lambda role: ROLE_LABELS.get(role, role),
        role_labels=lambda roles: "、".join(str(ROLE_LABELS.get(r, r)) for r in roles or []),
        unit_type_label=lambda code: TYPE_LABELS.get(code, code),
        unit_status_label=lambda code: STATUS_LABELS.get(code, code),
    )
    app.jinja_env.filters["chart_svg"] = charts.svg

    def unread_count() -> int:

        return count(current_user.id) if current_user.is_authenticated else 0

    @app.context_processor
    def _template_helpers():
        return {
            "unread_count": unread_count,
            "community": current_community(),
            "membership": current_membership(),
            "can": permissions.can,
            "csrf_token": generate_csrf,
            # Babel names zh_CN "zh_Hans_CN"; templates compare with the codes the app uses.
            "locale": "zh_CN" if get_locale().language == "zh" else "en",
            "html_lang": "zh-CN" if get_locale().language == "zh" else "en",
            "format_date": format_date,
            "format_datetime": format_datetime,
            "current_user": current_user,
            "request": request,
            "g": g,
        }
