"""The application factory: the composition root that binds extensions and registers every domain."""
import logging

from flask import Flask

from app import api, commands, domains, history, lifecycle, security, web  # noqa: F401  (history: its table)
from app.core import config, errors, i18n
from app.core.extensions import db, migrate
from jobs import models as job_models  # noqa: F401  (the scheduler's table)
from tenants import models as tenant_models  # noqa: F401
from tenants import rls

logger = logging.getLogger(__name__)


def create_app(overrides: dict | None = None) -> Flask:
    """Build the app; `overrides` replace configuration read from the environment (tests use it)."""
    app = Flask(
        __name__,
        template_folder=str(config.ROOT / "templates"),
        static_folder="static",
        instance_path=str(config.INSTANCE),
    )
    app.config.update(config.load(overrides))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    # Before any route exists: an id too big for the database is a 404, not an overflow (500).
    app.url_map.converters["int"] = web.DatabaseId
    db.init_app(app)
    rls.init_app(app)  # row-level security settings on every statement of the app's PostgreSQL engines
    migrate.init_app(app, db, directory=str(config.ROOT / "migrations"))
    _import_models()
    security.init_app(app)
    i18n.init_app(app)
    web.init_app(app)
    api.register_api(app)
    errors.init_app(app)
    commands.register(app)
    # Last: every view registered above runs in one unit of work (commit once, or roll back).
    lifecycle.init_app(app)
    return app


def _import_models() -> None:
    """Every domain's models (so the metadata and Alembic see all tables) and tasks (their schedules)."""

    domains.modules("models")
    domains.modules("tasks")
