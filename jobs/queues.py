"""Queues and the one way to enqueue: jobs carry ids and the tenant id, never objects.

`enqueue_after_commit` records the job in the database session; only when that transaction
commits is it handed to RQ (or, with no REDIS_URL, run in-process right after the commit).
A rolled-back change therefore never sends anything, and a job never runs before the rows it
reads are visible. If Redis is down at that moment the rows stay pending and the sweeper hands
them over later; deterministic job ids keep a job from being queued twice meanwhile.
"""
import contextvars
import logging
import uuid
from collections.abc import Callable

from flask import current_app
from redis import Redis
from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.core.extensions import db
from jobs.runner import job_path, run_job
from tenants.context import current_tenant_id

logger = logging.getLogger(__name__)

QUEUES = ("notifications", "default", "reports")
JOB_TIMEOUT = 600
FAILURE_TTL = 7 * 24 * 3600
SESSION_KEY = "huzhu_after_commit"
_in_process: contextvars.ContextVar[list | None] = contextvars.ContextVar("huzhu_in_process", default=None)
_connections: dict[str, Redis] = {}


def redis_connection() -> Redis:
    """For enqueueing from requests: short timeouts, so a Redis outage slows no page down for long."""
    url = current_app.config["REDIS_URL"]
    if url not in _connections:
        _connections[url] = Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2)
    return _connections[url]


def worker_connection() -> Redis:
    """For a worker: it blocks on the queues for minutes at a time, so no short read timeout."""
    return Redis.from_url(current_app.config["REDIS_URL"], socket_connect_timeout=5, health_check_interval=30)


def queue(name: str = "default") -> Queue:
    if name not in QUEUES:
        raise ValueError(f"unknown queue {name}")
    return Queue(name, connection=redis_connection())


_CURRENT = object()


def enqueue_after_commit(func: Callable, *args, queue_name: str = "default", job_id: str | None = None,
                         tenant_id=_CURRENT, at_front: bool = False) -> None:
    """Run `func(*args)` (a module-level function) for the current tenant once the current transaction commits.

    `tenant_id` names another community the job runs for (a street referral tells the neighbour): the
    job re-enters that community and acts there with its own rights, never with the caller's.
    """
    tenant = current_tenant_id() if tenant_id is _CURRENT else tenant_id
    db.session().info.setdefault(SESSION_KEY, []).append((tenant, job_path(func), args, queue_name, job_id, at_front))


def enqueue_now(tenant_id, func: Callable | str, *args, queue_name: str = "default", job_id: str | None = None,
                at_front: bool = False) -> bool:
    """Hand a job to RQ now (or to the in-process list without Redis). False when Redis did not answer.

    `func` is the function, or the path `enqueue_after_commit` recorded for it; `at_front` puts it before
    the jobs already waiting (work taken back from a dead worker should not wait behind a backlog)."""
    func_path = func if isinstance(func, str) else job_path(func)
    if not current_app.config["REDIS_URL"]:
        pending = _in_process.get()
        if pending is None:
            pending = []
            _in_process.set(pending)
        pending.append((tenant_id, func_path, args))
        return True
    try:
        q = queue(queue_name)
        if job_id:
            state = _job_state(job_id, q.connection)
            if state in (JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED):
                return True  # already waiting to run: queuing it again would only repeat it
            if state is not None:
                # It ran, or its worker died while running it: the rows tell the new run what is left.
                job_id = f"{job_id}-again-{uuid.uuid4().hex[:8]}"
        q.enqueue(run_job, tenant_id, func_path, *args, job_id=job_id, job_timeout=JOB_TIMEOUT,
                  failure_ttl=FAILURE_TTL, result_ttl=3600, at_front=at_front)
        return True
    except Exception as exc:  # Redis down or restarting: the sweeper will enqueue it again
        logger.warning("could not enqueue %s (%s): %s", func_path, job_id, exc)
        return False


def _job_state(job_id: str, connection: Redis):
    try:
        return Job.fetch(job_id, connection=connection).get_status(refresh=False)
    except NoSuchJobError:
        return None


def run_in_process_jobs() -> int:
    """Without Redis: run the jobs that commits have queued, until none is left."""
    done = 0
    while True:
        pending = _in_process.get()
        if not pending:
            return done
        tenant_id, func_path, args = pending.pop(0)
        try:
            run_job(tenant_id, func_path, *args)
        except Exception:  # one failing job must not stop the others; it is logged and its rows stay pending
            logger.exception("in-process job %s failed", func_path)
        done += 1


@event.listens_for(Session, "after_commit")
def _hand_over(session):
    for tenant_id, func_path, args, queue_name, job_id, at_front in session.info.pop(SESSION_KEY, []):
        enqueue_now(tenant_id, func_path, *args, queue_name=queue_name, job_id=job_id, at_front=at_front)


@event.listens_for(Session, "after_soft_rollback")
def _forget(session, previous_transaction):
    if not session.in_transaction():
        session.info.pop(SESSION_KEY, None)
