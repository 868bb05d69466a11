"""What the operator watches: queues, workers, failed jobs, schedules and undelivered messages."""
import logging
from datetime import UTC, datetime

from flask import current_app
from rq import Queue, Worker
from sqlalchemy import func, select

from app.core.extensions import db
from app.notifications.services import failed_deliveries_total
from jobs.models import ScheduleRun
from jobs.queues import QUEUES, redis_connection
from jobs.scheduler import SCHEDULES

logger = logging.getLogger(__name__)


def queues() -> dict:
    """Queue lengths, failed jobs and live workers from Redis; empty when Redis is not configured."""
    if not current_app.config["REDIS_URL"]:
        return {"configured": False}


    try:
        connection = redis_connection()
        rows = []
        for name in QUEUES:
            q = Queue(name, connection=connection)
            rows.append({"name": name, "queued": q.count, "failed": q.failed_job_registry.count,
                         "started": q.started_job_registry.count})
        return {"configured": True, "reachable": True, "queues": rows, "workers": len(Worker.all(connection))}
    except Exception as exc:  # Redis down: say so rather than fail the page
        logger.warning("health: redis: %s", exc)
        return {"configured": True, "reachable": False}


def schedules() -> list[dict]:
    now = datetime.now(UTC)
    last = {}
    for run in db.session.execute(select(ScheduleRun).where(ScheduleRun.id.in_(
            select(func.max(ScheduleRun.id)).group_by(ScheduleRun.name)))).scalars():
        last[run.name] = run
    failures = dict(db.session.execute(select(ScheduleRun.name, func.count()).where(ScheduleRun.status == "failed")
                                       .group_by(ScheduleRun.name)).all())
    return [{"schedule": s, "last": last.get(s.name), "next": s.next_run(now), "failures": failures.get(s.name, 0)}
            for s in SCHEDULES]


def snapshot() -> dict:
    return {"queues": queues(), "schedules": schedules(), "failed_deliveries": failed_deliveries_total()}
