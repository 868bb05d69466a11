"""Periodic jobs, declared as data in one place.

Every worker runs a scheduler thread that, for each schedule, works out the current period and
tries to claim it in Redis (SET NX); only the winner enqueues the job, under a job id made of the
name and the period. The job then records its run under a unique (name, period) key, so even a
claim lost in a Redis restart cannot make a period run twice. A domain declares its own schedules with
`@periodic(...)` in its tasks.py.

A schedule declared `after_worker_loss` (the sweepers that take back what a dead worker held) also runs
when a worker starts (period `start-…`) and as soon as any worker notices another one stop beating
(period `lost-…`, claimed in Redis so that one live worker enqueues it), not only at its next period.
"""
import hashlib
import logging
import threading
import time as wallclock
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from sqlalchemy.exc import IntegrityError

from app.core.extensions import db
from jobs.models import ScheduleRun
from jobs.queues import enqueue_now, redis_connection
from tenants import clock
from tenants.clock import utcnow
from tenants.context import tenant_context
from tenants.services import list_communities

logger = logging.getLogger(__name__)

TZ = clock.DEFAULT_ZONE  # schedules keep the platform's local time


@dataclass(frozen=True)
class Schedule:
    name: str
    func: Callable  # called once per community (per_community) or once in all
    every: timedelta | None = None  # a fixed interval …
    daily_at: time | None = None  # … or once a day at this local time (Asia/Shanghai)
    per_community: bool = True
    queue: str = "default"
    description: str = ""
    after_worker_loss: bool = False  # also at a worker's start and when a worker is found dead

    def period(self, now: datetime) -> str:
        """The period `now` falls in; a period runs at most once."""
        if self.every is not None:
            seconds = int(self.every.total_seconds())
            return datetime.fromtimestamp(int(now.timestamp()) // seconds * seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")
        local = now.astimezone(TZ)
        day = local.date() if local.time() >= self.daily_at else local.date() - timedelta(days=1)
        return day.isoformat()

    def next_run(self, now: datetime) -> datetime:
        if self.every is not None:
            seconds = int(self.every.total_seconds())
            return datetime.fromtimestamp((int(now.timestamp()) // seconds + 1) * seconds, UTC)
        local = now.astimezone(TZ)
        candidate = datetime.combine(local.date(), self.daily_at, TZ)
        if candidate <= local:
            candidate += timedelta(days=1)
        return candidate.astimezone(UTC)


SCHEDULES: list[Schedule] = []


def periodic(name: str, *, every: timedelta | None = None, daily_at: time | None = None,
             per_community: bool = True, queue: str = "default", description: str = "",
             after_worker_loss: bool = False):
    """Declare a domain's task as periodic (in its tasks.py); the composition root imports every tasks.py."""

    def register(func: Callable) -> Callable:
        if any(s.name == name for s in SCHEDULES):
            raise ValueError(f"schedule {name} is declared twice")
        SCHEDULES.append(Schedule(name, func, every=every, daily_at=daily_at, per_community=per_community,
                                  queue=queue, description=description, after_worker_loss=after_worker_loss))
        return func

    return register


def by_name(name: str) -> Schedule:
    return next(s for s in SCHEDULES if s.name == name)


def tick(now: datetime | None = None) -> list[str]:
    """Claim and enqueue every schedule whose current period has not been claimed; returns job ids."""
    now = now or datetime.now(UTC)
    connection = redis_connection()
    enqueued = []
    for schedule in SCHEDULES:
        period = schedule.period(now)
        job_id = f"schedule-{schedule.name}-{period}".replace(":", "")
        ttl = int((schedule.every or timedelta(days=1)).total_seconds()) * 3
        if connection.set(f"huzhu:schedule:{schedule.name}:{period}", "1", nx=True, ex=ttl):
            enqueue_now(None, run_scheduled, schedule.name, period, queue_name=schedule.queue,
                        job_id=job_id)
            enqueued.append(job_id)
    return enqueued


def _short(name: str) -> str:
    return hashlib.sha1(name.encode()).hexdigest()[:10]


def after_worker_loss(lost: list[str], first: bool, me: str) -> list[str]:
    """Enqueue the `after_worker_loss` schedules now: at this worker's start, or because workers died.

    Each dead worker is claimed in Redis first, so of all the workers that notice it only one enqueues."""
    connection = redis_connection()
    if first:  # the start-up run covers every worker that died before this one started
        periods = [f"start-{_short(me)}"]
    else:
        claimed = [name for name in lost
                   if connection.set(f"huzhu:worker-lost:{name}", me, nx=True, ex=24 * 3600)]
        if claimed:
            logger.warning("worker(s) %s stopped beating: taking back what they held", ", ".join(claimed))
        periods = [f"lost-{_short(claimed[0])}"] if claimed else []
    enqueued = []
    for period in periods:
        for schedule in SCHEDULES:
            if schedule.after_worker_loss:
                job_id = f"schedule-{schedule.name}-{period}"
                enqueue_now(None, run_scheduled, schedule.name, period, queue_name=schedule.queue, job_id=job_id,
                            at_front=True)
                enqueued.append(job_id)
    return enqueued


def run_scheduled(name: str, period: str) -> str:
    """Job: run one schedule for one period, once; record the run for the admin page."""
    schedule = by_name(name)
    run = ScheduleRun(name=name, period=period)
    db.session.add(run)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        logger.info("schedule %s already ran for %s", name, period)
        return "skipped"
    errors = []
    targets = [c.id for c in list_communities() if c.is_active] if schedule.per_community else [None]
    for community_id in targets:
        with tenant_context(community_id):
            try:
                schedule.func()
                db.session.commit()
            except Exception as exc:  # one community's failure must not stop the others; it is recorded
                db.session.rollback()
                logger.exception("schedule %s failed for community %s", name, community_id)
                errors.append(f"{community_id}: {type(exc).__name__}: {exc}")
    run = db.session.execute(db.select(ScheduleRun).where(ScheduleRun.name == name,
                                                          ScheduleRun.period == period)).scalar_one()
    run.status, run.finished_at = ("failed" if errors else "done"), utcnow()
    run.error = "; ".join(errors)[:1000] or None
    db.session.commit()
    return run.status


class SchedulerThread(threading.Thread):
    """Ticks every few seconds inside `huzhu worker`."""

    def __init__(self, app, interval: float = 5.0):
        super().__init__(name="huzhu-scheduler", daemon=True)
        self.app, self.interval, self.stopping = app, interval, threading.Event()

    def run(self):
        while not self.stopping.is_set():
            try:
                with self.app.app_context():
                    tick()
            except Exception:  # Redis restarting: try again at the next tick
                logger.exception("scheduler tick failed")
            self.stopping.wait(self.interval)
            wallclock.sleep(0)
