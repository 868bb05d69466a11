"""The worker entry point (`huzhu worker`, a composition root): RQ on the project's queues, the scheduler beside it."""
import logging
from functools import partial

from flask import current_app
from rq import SimpleWorker
from sqlalchemy import make_url

from jobs import liveness, runner
from jobs.queues import QUEUES, worker_connection
from jobs.scheduler import SchedulerThread, after_worker_loss

logger = logging.getLogger(__name__)


def run_worker(queue_names: list[str], *, burst: bool = False) -> None:
    """An RQ worker on the named queues (all by default) with the periodic scheduler and a heartbeat beside it.

    The worker's name is the holder recorded on what its jobs claim; the heartbeat thread keeps it alive in
    RQ's registry while a job runs, and starts the sweepers at once when this worker starts or another stops
    beating, so what a killed worker held is taken back within seconds rather than at the lease's end."""
    names = queue_names or list(QUEUES)
    unknown = [n for n in names if n not in QUEUES]
    if unknown:
        raise SystemExit(f"unknown queue(s): {', '.join(unknown)}; known: {', '.join(QUEUES)}")
    app = current_app._get_current_object()
    runner.bind_app(app)
    scheduler = SchedulerThread(app)
    scheduler.start()
    # No fork per job: jobs are short and batched, and the app (with its connection pool) is built once.
    worker = SimpleWorker(names, name=liveness.new_worker_name(), connection=worker_connection())
    liveness.set_worker_name(worker.name)
    heartbeat = liveness.HeartbeatThread(app, worker, partial(after_worker_loss, me=worker.name),
                                         liveness.alive_seconds())
    heartbeat.start()
    database = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).render_as_string(hide_password=True)
    logger.info("worker %s listening on %s (database %s)", worker.name, ", ".join(names), database)
    try:
        # RQ's own scheduler moves jobs queued for later (enqueue_at) onto their queues.
        worker.work(with_scheduler=True, burst=burst)
    finally:
        heartbeat.stopping.set()
        scheduler.stopping.set()
        liveness.set_worker_name(None)
