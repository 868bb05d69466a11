"""The JSON API under /api/v1: every domain's blueprint registered on one flask-smorest Api (a composition root)."""
import logging

from app import domains
from app.core.apidoc import Api

logger = logging.getLogger(__name__)


def register_api(app) -> None:
    api = Api(app, spec_kwargs={"info": {"description": "Huzhu (互助) community mutual-aid association API"}})
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    for blueprint in domains.blueprints("api"):
        api.register_blueprint(blueprint)
    app.extensions["huzhu_api"] = api
