"""Who holds a piece of work, and whether that holder is still alive.

A job that takes something for itself (a delivery in `sending`) records the name of its holder: the RQ
worker's name inside `huzhu worker`, or `process:<host>:<pid>` for a job run in-process without Redis.
A worker is alive while it is in RQ's worker registry (`rq.worker_registration`, `Worker.all`) with a
fresh `last_heartbeat`. RQ itself beats only between jobs (a SimpleWorker not at all while a job runs, and
an idle one only every ~400 s), so `huzhu worker` keeps a thread that calls the worker's own `heartbeat()`
every few seconds: a worker killed with SIGKILL stops beating and is dead for everyone ALIVE_SECONDS later;
a worker that stops cleanly leaves the registry at once (RQ's `register_death`).

Nothing can vouch for an in-process holder on another machine, so such claims (and claims that name no
holder) are freed by the age lease alone (`DELIVERY_STALE_SECONDS`). Heartbeats carry the worker's clock:
the machines' clocks must agree to within a few seconds (NTP), far less than ALIVE_SECONDS.
"""
import logging
import os
import socket
import threading
from datetime import UTC, datetime, timedelta

from flask import current_app
from rq import SimpleWorker

from jobs.queues import redis_connection

logger = logging.getLogger(__name__)

PROCESS_PREFIX = "process:"
_worker_name: str | None = None


def alive_seconds() -> int:
    """A heartbeat older than this is a dead worker's (`WORKER_ALIVE_SECONDS`, 15 s by default)."""
    return int(current_app.config.get("WORKER_ALIVE_SECONDS") or 15)


def beat_every(alive: int) -> float:
    """Several beats within the window, so one late beat never makes a live worker look dead."""
    return max(0.5, min(3.0, alive / 4))


def new_worker_name() -> str:
    """Unique per start (RQ refuses a second live worker of the same name): host, pid and a random part."""
    return f"{socket.gethostname()[:60]}.{os.getpid()}.{os.urandom(4).hex()}"


def set_worker_name(name: str | None) -> None:
    """`huzhu worker` names the holder of everything its jobs take."""
    global _worker_name
    _worker_name = name


def holder() -> str:
    """The name to record on a claim taken now: this worker's, or this process's outside a worker."""
    return _worker_name or f"{PROCESS_PREFIX}{socket.gethostname()[:60]}:{os.getpid()}"


def live_workers(connection=None) -> set[str] | None:
    """Names of the workers alive now; None when Redis is not configured or does not answer (cannot tell)."""
    if not current_app.config.get("REDIS_URL"):
        return None
    try:
        workers = SimpleWorker.all(connection=connection or redis_connection())
    except Exception as exc:  # Redis down: nobody can be judged dead, the lease remains
        logger.warning("cannot read the worker registry: %s", exc)
        return None
    oldest = datetime.now(UTC) - timedelta(seconds=alive_seconds())
    return {w.name for w in workers if w.last_heartbeat is not None and _aware(w.last_heartbeat) >= oldest}


def dead_holders(holders, connection=None) -> set[str]:
    """Of these claim holders, the workers known to be dead (never this process, never an in-process holder)."""
    candidates = {h for h in holders if h and h != holder() and not h.startswith(PROCESS_PREFIX)}
    if not candidates:
        return set()
    live = live_workers(connection)
    if live is None:
        return set()
    return candidates - live


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # RQ parses its stamps as naive UTC


class HeartbeatThread(threading.Thread):
    """Keeps a worker's heartbeat fresh while it runs jobs; tells `on_lost` when another worker stops beating.

    `on_lost(names, first)` is called on the first beat with the registered workers already dead (a kill
    long ago), and later with each worker that was alive at one beat and is not at the next (a kill now;
    a clean stop too, which costs one needless sweep).
    """

    def __init__(self, app, worker, on_lost, alive: int):
        super().__init__(name="huzhu-heartbeat", daemon=True)
        self.app, self.worker, self.on_lost, self.alive = app, worker, on_lost, alive
        self.interval = beat_every(alive)
        self.stopping = threading.Event()
        self._seen: set[str] | None = None

    def beat(self) -> None:
        worker = self.worker
        if worker.birth_date is not None:  # registered by RQ's work(): before that a beat would block the birth
            worker.heartbeat()
        with self.app.app_context():
            registered = {w.name: w for w in SimpleWorker.all(connection=worker.connection)}
            oldest = datetime.now(UTC) - timedelta(seconds=self.alive)
            live = {name for name, w in registered.items()
                    if w.last_heartbeat is not None and _aware(w.last_heartbeat) >= oldest}
            live.add(worker.name)
            if self._seen is None:
                lost, first = set(registered) - live, True
            else:
                lost, first = self._seen - live, False
            self._seen = live
            if lost or first:
                self.on_lost(sorted(lost), first)

    def run(self):
        while not self.stopping.is_set():
            try:
                self.beat()
            except Exception:  # Redis restarting: beat again at the next interval
                logger.exception("worker heartbeat failed")
            self.stopping.wait(self.interval)
