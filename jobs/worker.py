"""The worker entry point: besides wsgi.py, the only place that builds an app at import time."""
import logging

from flask import current_app
from rq import SimpleWorker

logger = logging.getLogger(__name__)
_app = None


def worker_app():
    global _app
    if _app is None:
        from app import create_app

        _app = create_app()
    return _app


def run_worker(queue_names: list[str], *, burst: bool = False) -> None:
    """An RQ worker on the named queues (all by default) with the periodic scheduler beside it."""
    from jobs.queues import QUEUES, worker_connection
    from jobs.scheduler import SchedulerThread

    names = queue_names or list(QUEUES)
    unknown = [n for n in names if n not in QUEUES]
    if unknown:
        raise SystemExit(f"unknown queue(s): {', '.join(unknown)}; known: {', '.join(QUEUES)}")
    global _app
    _app = current_app._get_current_object()
    scheduler = SchedulerThread(_app)
    scheduler.start()
    # No fork per job: jobs are short and batched, and the app (with its connection pool) is built once.
    worker = SimpleWorker(names, connection=worker_connection())
    from sqlalchemy import make_url

    database = make_url(_app.config["SQLALCHEMY_DATABASE_URI"]).render_as_string(hide_password=True)
    logger.info("worker listening on %s (database %s)", ", ".join(names), database)
    try:
        # RQ's own scheduler moves jobs queued for later (enqueue_at) onto their queues.
        worker.work(with_scheduler=True, burst=burst)
    finally:
        scheduler.stopping.set()
