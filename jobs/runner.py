"""The one entry point of every job: enter the app and the job's tenant, run, commit once."""
import importlib
import logging

from flask import current_app, has_app_context

from tenants.context import tenant_context

logger = logging.getLogger(__name__)


def _call(tenant_id, func_path, *args, **kwargs):
    from app.extensions import db

    module_name, _, name = func_path.rpartition(".")
    func = getattr(importlib.import_module(module_name), name)
    with tenant_context(tenant_id):
        try:
            result = func(*args, **kwargs)
            db.session.commit()
            return result
        except Exception:
            db.session.rollback()
            raise


def run_job(tenant_id: int | None, func_path: str, *args, **kwargs):
    if has_app_context() and current_app:
        return _call(tenant_id, func_path, *args, **kwargs)
    from jobs.worker import worker_app

    with worker_app().app_context():
        return _call(tenant_id, func_path, *args, **kwargs)
