"""Queues and the one way to enqueue: jobs carry ids and the tenant id, never objects.

With no REDIS_URL (the demo) a job runs in-process right away, in the same tenant context.
"""
import logging

from flask import current_app
from redis import Redis
from rq import Queue

from tenants.context import current_tenant_id

logger = logging.getLogger(__name__)

QUEUES = ("notifications", "default", "reports")


def redis_connection() -> Redis:
    return Redis.from_url(current_app.config["REDIS_URL"])


def queue(name: str = "default") -> Queue:
    if name not in QUEUES:
        raise ValueError(f"unknown queue {name}")
    return Queue(name, connection=redis_connection())


def enqueue(func_path: str, *args, queue_name: str = "default", job_id: str | None = None, **kwargs):
    """Run `func_path(*args)` in the background for the current tenant (or now, without Redis)."""
    from jobs.runner import run_job

    tenant_id = current_tenant_id()
    if not current_app.config["REDIS_URL"]:
        return run_job(tenant_id, func_path, *args, **kwargs)
    return queue(queue_name).enqueue(
        run_job, tenant_id, func_path, *args, job_id=job_id, job_timeout=300, failure_ttl=7 * 24 * 3600, **kwargs
    )
