"""The one entry point of every job: enter the app and the job's tenant, run, commit once."""
import importlib
import logging
from collections.abc import Callable

from flask import has_app_context

from app.core.extensions import db
from tenants.context import tenant_context

logger = logging.getLogger(__name__)
_app = None


def job_path(func: Callable) -> str:
    """The name a job travels under (RQ, the in-process list): its module and function, resolvable again."""
    if isinstance(func, str) or not callable(func):
        raise TypeError("a job is named by its function, not by a string")
    path = f"{func.__module__}.{func.__qualname__}"
    if resolve(path) is not func:
        raise ValueError(f"{path} is not a module-level function")
    return path


def resolve(func_path: str) -> Callable:
    module_name, _, name = func_path.rpartition(".")
    return getattr(importlib.import_module(module_name), name)


def call_path(func_path: str, *args, **kwargs):
    return resolve(func_path)(*args, **kwargs)


def bind_app(app) -> None:
    """The worker's app, entered by jobs that arrive outside an app context (`huzhu worker` binds it)."""
    global _app
    _app = app


def _call(tenant_id, func_path, *args, **kwargs):
    with tenant_context(tenant_id):
        try:
            result = call_path(func_path, *args, **kwargs)
            db.session.commit()
            return result
        except Exception:
            db.session.rollback()
            raise


def run_job(tenant_id: int | None, func_path: str, *args, **kwargs):
    if has_app_context():
        return _call(tenant_id, func_path, *args, **kwargs)
    if _app is None:
        raise RuntimeError("jobs run inside `huzhu worker` (or a test's app context)")
    with _app.app_context():
        return _call(tenant_id, func_path, *args, **kwargs)
