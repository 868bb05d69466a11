"""Finding the domains: every package under app/ but the core is a domain, and its `models`, `tasks`,
`views` and `api` modules are found by name, so a new domain is registered by existing."""
import importlib
import logging
import pkgutil
from types import ModuleType

import flask
import flask_smorest

logger = logging.getLogger(__name__)

NOT_DOMAINS = {"core", "demo", "static", "translations"}


def names() -> list[str]:
    package = importlib.import_module("app")
    return sorted(info.name for info in pkgutil.iter_modules(package.__path__)
                  if info.ispkg and info.name not in NOT_DOMAINS)


def modules(kind: str) -> list[ModuleType]:
    """Each domain's `kind` module (models, tasks, views, api), imported, where the domain has one;
    also `<something>_<kind>` modules beside it (matching's referral_views)."""
    found = []
    for name in names():
        package = importlib.import_module(f"app.{name}")
        for info in pkgutil.iter_modules(package.__path__):
            if info.name == kind or info.name.endswith(f"_{kind}"):
                found.append(importlib.import_module(f"app.{name}.{info.name}"))
    return found


def blueprints(kind: str) -> list:
    """The blueprints defined in every domain's views (Flask) or api (flask-smorest) module."""
    wanted = flask_smorest.Blueprint if kind == "api" else flask.Blueprint
    found = []
    for module in modules(kind):
        for value in vars(module).values():
            if isinstance(value, wanted) and value.import_name == module.__name__ and value not in found:
                if kind == "views" and isinstance(value, flask_smorest.Blueprint):
                    continue
                found.append(value)
    return found
