"""The one entry point of every job: enter the app and the job's tenant, run, commit once."""
import importlib
import logging

from flask import has_app_context

from tenants.context import tenant_context

logger = logging.getLogger(__name__)


def call_path(func_path: str, *args, **kwargs):
    module_name, _, name = func_path.rpartition(".")
    return getattr(importlib.import_module(module_name), name)(*args, **kwargs)


def _call(tenant_id, func_path, *args, **kwargs):
    from app.core.extensions import db

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
    from jobs.worker import worker_app

    with worker_app().app_context():
        return _call(tenant_id, func_path, *args, **kwargs)
