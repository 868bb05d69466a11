"""The worker entry point: besides wsgi.py, the only place that builds an app at import time."""
import logging

from flask import current_app
from rq import Worker

logger = logging.getLogger(__name__)
_app = None


def worker_app():
    global _app
    if _app is None:
        from app import create_app

        _app = create_app()
    return _app


def run_worker(queue_names: list[str]) -> None:
    from jobs.queues import QUEUES, redis_connection

    names = queue_names or list(QUEUES)
    unknown = [n for n in names if n not in QUEUES]
    if unknown:
        raise SystemExit(f"unknown queue(s): {', '.join(unknown)}; known: {', '.join(QUEUES)}")
    global _app
    _app = current_app._get_current_object()
    worker = Worker(names, connection=redis_connection())
    logger.info("worker listening on %s", ", ".join(names))
    worker.work(with_scheduler=True)
