"""The worker entry point (`huzhu worker`, a composition root): RQ on the project's queues, the scheduler beside it."""
import logging

from flask import current_app
from rq import SimpleWorker
from sqlalchemy import make_url

from jobs import runner
from jobs.queues import QUEUES, worker_connection
from jobs.scheduler import SchedulerThread

logger = logging.getLogger(__name__)


def run_worker(queue_names: list[str], *, burst: bool = False) -> None:
    """An RQ worker on the named queues (all by default) with the periodic scheduler beside it."""
    names = queue_names or list(QUEUES)
    unknown = [n for n in names if n not in QUEUES]
    if unknown:
        raise SystemExit(f"unknown queue(s): {', '.join(unknown)}; known: {', '.join(QUEUES)}")
    app = current_app._get_current_object()
    runner.bind_app(app)
    scheduler = SchedulerThread(app)
    scheduler.start()
    # No fork per job: jobs are short and batched, and the app (with its connection pool) is built once.
    worker = SimpleWorker(names, connection=worker_connection())
    database = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).render_as_string(hide_password=True)
    logger.info("worker listening on %s (database %s)", ", ".join(names), database)
    try:
        # RQ's own scheduler moves jobs queued for later (enqueue_at) onto their queues.
        worker.work(with_scheduler=True, burst=burst)
    finally:
        scheduler.stopping.set()
