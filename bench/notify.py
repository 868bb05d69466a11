"""Notification benchmark: an announcement to 10,000 members fanned out by 2 RQ workers, against no-op jobs;
then the same 10,000 members' e-mails sent by the 2 workers to a local SMTP sink, against raw SMTP.

    .venv/bin/python bench/notify.py [--members 10000] [--workers 2] [--rounds 5] [--noop-jobs 3000]
                                     [--no-smtp | --smtp-members N --raw-smtp 2000] [--profile] [--keep]

1. Makes a throwaway PostgreSQL database `huzhu_bench_notify` (tables owned by huzhu_owner, the app and the
   workers connecting as huzhu_app under row-level security, as in production) and a private redis-server on
   a free port; migrates with `huzhu db upgrade`.
2. Creates 1 community and N members with bulk Core inserts (users, memberships, membership_roles); every
   user has an e-mail address and quiet hours switched off (0-0), so nothing is deferred. A second community
   holds the first --smtp-members of them (all by default) for the e-mail scenario.
3. Starts W `huzhu worker notifications default` processes (SimpleWorker + scheduler thread).
4. Baseline: with the workers suspended, enqueues --noop-jobs jobs of `bench.notify.noop` through the app's
   own `jobs.queues.enqueue_now` (so each runs through `jobs.runner.run_job`: app context, tenant context,
   commit), resumes the workers, and takes each worker's no-op jobs/s from RQ's started_at/ended_at stamps.
5. Sends --rounds announcements (`announcements.services.send` + commit, as the web page does) and times
   each from the commit to the moment the N-th inbox row is visible (polling a count), then checks that
   every event has exactly N inbox rows and is marked done. The median round is the figure.
6. Samples the workers' RSS all along (VmRSS every 50 ms, VmHWM at the end).
7. E-mail (unless --no-smtp): workers restarted with SMTP_HOST pointing at a local aiosmtpd sink (in this
   process). Baseline: one process sends --raw-smtp messages (the body built once, as the app does) over one
   SMTP connection, nothing else (e-mails/s). Then one announcement to the second community, timed from the commit
   to the last inbox row and to the last delivery `sent`; the sink counts messages and distinct Message-IDs
   (a repeat would show). Figure: e-mails/s per worker, and its ratio to the raw SMTP baseline.
8. Kills workers and redis, drops the database, whatever happened.

Human-readable lines first; the last line of stdout is one JSON object. See bench/README.md ("notify").
"""
import os
import sys

# bench/ holds http.py: drop that directory from the path, or it would shadow the standard `http` package.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]
ROOT = os.path.dirname(_HERE)
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import argparse  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from datetime import UTC, datetime  # noqa: E402

from bench import pgdb  # noqa: E402

PG_DB = "huzhu_bench_notify"
OWNER_ROLE, APP_ROLE = pgdb.OWNER_ROLE, pgdb.APP_ROLE
SECRET_KEY = "bench-secret-key-not-for-production"
NOOP_PATH = "bench.notify.noop"
RATIO_AIM = 0.5
RSS_AIM_MB = 200
EMAIL_AIM_S = 60  # every member's e-mail out within a minute of the commit


def noop() -> None:
    """The baseline job: does nothing, but is run by the workers through jobs.runner.run_job like fan_out."""
    return None


def say(*parts) -> None:
    print(*parts, flush=True)


# --- database ------------------------------------------------------------------------------------

def _pg_admin(*statements: str, dbname: str = "postgres") -> None:
    pgdb.pg_admin(*statements, dbname=dbname)


def create_pg_database() -> tuple[str, str]:
    return pgdb.create_database(PG_DB)


def drop_pg_database() -> None:
    pgdb.drop_database(PG_DB)


def huzhu_command() -> list[str]:
    return pgdb.huzhu_command()


def migrate(env: dict) -> None:
    out = subprocess.run([*huzhu_command(), "db", "upgrade"], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=180)
    if out.returncode != 0:
        raise RuntimeError(f"huzhu db upgrade failed ({out.returncode}):\n{(out.stderr or out.stdout)[-3000:]}")


def seed(app, members: int, mail_members: int = 0) -> tuple[int, int, int | None]:
    """One community and `members` members (the first one an admin): (community_id, admin user id, mail community).

    With `mail_members`, a second community whose members are the first `mail_members` users (for --smtp).
    """
    from sqlalchemy import insert
    from werkzeug.security import generate_password_hash

    from app.accounts.models import User
    from app.core.extensions import db
    from tenants.clock import utcnow
    from tenants.context import tenant_context
    from tenants.models import Membership, MembershipRole
    from tenants.services import create_community

    with app.app_context():
        community = create_community(slug="bench-notify", name="压测社区", street="T街道")
        db.session.commit()
        community_id = community.id
        password_hash = generate_password_hash("bench-horse-7", method="scrypt")  # once: all users share it
        now = utcnow()
        user_rows = [{"email": f"member{i:05d}@bench.example", "name": f"居民{i:05d}", "password_hash": password_hash,
                      "locale": None, "large_text": False, "quiet_start": 0, "quiet_end": 0, "is_operator": False,
                      "active": True, "created_at": now} for i in range(members)]
        user_ids = list(db.session.execute(
            insert(User).returning(User.id, sort_by_parameter_order=True), user_rows).scalars())
        db.session.commit()
        with tenant_context(community_id):
            membership_ids = list(db.session.execute(
                insert(Membership).returning(Membership.id, sort_by_parameter_order=True),
                [{"community_id": community_id, "user_id": uid, "created_at": now} for uid in user_ids]).scalars())
            roles = [{"community_id": community_id, "membership_id": mid, "role": "resident"}
                     for mid in membership_ids]
            roles[0]["role"] = "admin"
            db.session.execute(insert(MembershipRole), roles)
            db.session.commit()
        mail_id = None
        if mail_members:
            mail = create_community(slug="bench-notify-mail", name="压测社区（邮件）", street="T街道")
            db.session.commit()
            mail_id = mail.id
            with tenant_context(mail_id):
                membership_ids = list(db.session.execute(
                    insert(Membership).returning(Membership.id, sort_by_parameter_order=True),
                    [{"community_id": mail_id, "user_id": uid, "created_at": now}
                     for uid in user_ids[:mail_members]]).scalars())
                db.session.execute(insert(MembershipRole), [{"community_id": mail_id, "membership_id": mid,
                                                             "role": "resident"} for mid in membership_ids])
                db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return community_id, user_ids[0], mail_id


# --- processes -----------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_redis(port: int, log_path: str) -> subprocess.Popen:
    log = open(log_path, "w")  # noqa: SIM115 (the child writes to it for its lifetime)
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no"], stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    log.close()
    from redis import Redis

    client = Redis(host="127.0.0.1", port=port, socket_connect_timeout=1)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"redis-server exited with {proc.returncode}:\n{open(log_path).read()[-2000:]}")
        try:
            if client.ping():
                return proc
        except Exception:
            time.sleep(0.1)
    raise RuntimeError("redis-server did not answer within 20 s")


def start_workers(n: int, env: dict, tmp: str, tag: str) -> list[subprocess.Popen]:
    procs = []
    for i in range(n):
        log = open(os.path.join(tmp, f"worker-{tag}-{i}.log"), "w")  # noqa: SIM115
        procs.append(subprocess.Popen([*huzhu_command(), "worker", "notifications", "default"], cwd=ROOT, env=env,
                                      stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
        log.close()
    return procs


def wait_for_workers(procs: list[subprocess.Popen], connection, tmp: str, tag: str, timeout: float = 60) -> None:
    from rq import Worker

    pids = {p.pid for p in procs}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for i, p in enumerate(procs):
            if p.poll() is not None:
                log = open(os.path.join(tmp, f"worker-{tag}-{i}.log")).read()[-3000:]
                raise RuntimeError(f"worker {p.pid} exited with {p.returncode}:\n{log}")
        if pids <= {w.pid for w in Worker.all(connection=connection)}:
            return
        time.sleep(0.1)
    raise RuntimeError(f"the workers did not register with Redis within {timeout:.0f} s")


def stop(proc: subprocess.Popen | None) -> None:
    """SIGTERM, then SIGKILL, to the process group this script started (the worker and RQ's scheduler)."""
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)
    except ProcessLookupError:
        pass


def wait_idle(connection, timeout: float = 60) -> None:
    """Until the queues are empty and no job is running (the workers' start-up schedules included)."""
    from rq import Queue
    from rq.registry import StartedJobRegistry

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        busy = 0
        for name in ("notifications", "default", "reports"):
            busy += Queue(name, connection=connection).count
            busy += StartedJobRegistry(name, connection=connection).count
        if not busy:
            return
        time.sleep(0.05)
    raise RuntimeError(f"jobs still queued or running after {timeout:.0f} s")


def _proc_pids() -> list[int]:
    return [int(e) for e in os.listdir("/proc") if e.isdigit()]


def children_of(pid: int) -> list[int]:
    kids = []
    for child in _proc_pids():
        try:
            with open(f"/proc/{child}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            kids.append(child)
    return kids


def status_kb(pid: int, field: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return 0.0


def postgres_backends(dbname: str) -> list[int]:
    pids = []
    for pid in _proc_pids():
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                title = f.read().decode(errors="replace")
        except OSError:
            continue
        if title.startswith("postgres:") and f" {dbname} " in title:
            pids.append(pid)
    return pids


def machine_busy() -> float:
    """CPU seconds the whole machine has been busy so far, all cores together."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:8]]
    return (sum(values) - values[3] - values[4]) / os.sysconf("SC_CLK_TCK")


def background_busy(seconds: float = 2.0) -> float:
    """How busy the machine is before we start, in % of one core."""
    busy0 = machine_busy()
    time.sleep(seconds)
    return 100 * (machine_busy() - busy0) / seconds


class CpuMeter:
    """CPU seconds used by the workers and by the database's PostgreSQL backends between start() and stop()."""

    def __init__(self, workers: list[int]):
        self.workers = workers

    def start(self) -> None:
        self.w0 = {p: cpu_seconds(p) for p in self.workers}
        self.d0 = {p: cpu_seconds(p) for p in postgres_backends(PG_DB)}

    def stop(self) -> tuple[float, float]:
        workers = sum(cpu_seconds(p) - self.w0[p] for p in self.workers)
        db = sum(max(0.0, cpu_seconds(p) - self.d0.get(p, 0.0)) for p in postgres_backends(PG_DB))
        return workers, db


class RssSampler(threading.Thread):
    """The highest VmRSS seen per worker process (polled every 50 ms), and per phase after reset()."""

    def __init__(self, pids: list[int], interval: float = 0.05):
        super().__init__(daemon=True)
        self.pids, self.interval = list(pids), interval
        self.peak_kb: dict[int, int] = {}
        self.phase_kb: dict[int, int] = {}
        self.lock = threading.Lock()
        self.stopped = threading.Event()

    def sample(self) -> None:
        for pid in self.pids:
            kb = status_kb(pid, "VmRSS")
            if kb:
                with self.lock:
                    self.peak_kb[pid] = max(self.peak_kb.get(pid, 0), kb)
                    self.phase_kb[pid] = max(self.phase_kb.get(pid, 0), kb)

    def reset_phase(self) -> None:
        with self.lock:
            self.phase_kb = {}

    def phase_peak_mb(self) -> float:
        with self.lock:
            return max(self.phase_kb.values(), default=0) / 1024

    def run(self) -> None:
        while not self.stopped.is_set():
            self.sample()
            self.stopped.wait(self.interval)


# --- the measured phases -------------------------------------------------------------------------

def noop_phase(app, connection, n: int, tag: str, cpu: "CpuMeter | None" = None) -> dict:
    """Enqueue n no-op jobs while the workers are suspended, resume them, rate per worker from RQ's stamps."""
    from rq.job import Job, JobStatus
    from rq.suspension import resume, suspend

    from jobs.queues import enqueue_now

    ids = [f"bench-noop-{tag}-{i}" for i in range(n)]
    suspend(connection)
    try:
        with app.app_context():
            for job_id in ids:
                if not enqueue_now(None, NOOP_PATH, queue_name="notifications", job_id=job_id):
                    raise RuntimeError("could not enqueue a no-op job")
    finally:
        if cpu is not None:
            cpu.start()
        resumed_at = datetime.now(UTC)
        t0 = time.monotonic()
        resume(connection)
    # A worker blocked in BLPOP when we suspended takes one job before it notices: those are left out below.
    from rq import Queue

    q = Queue("notifications", connection=connection)
    deadline = time.monotonic() + 300
    while True:
        if time.monotonic() > deadline:
            raise RuntimeError("no-op jobs not done after 300 s")
        if q.count == 0:
            jobs = Job.fetch_many(ids, connection=connection)
            if all(j is not None and j.get_status(refresh=False) in (JobStatus.FINISHED, JobStatus.FAILED)
                   for j in jobs):
                break
        time.sleep(0.05)
    wall = time.monotonic() - t0
    worker_cpu = cpu.stop()[0] if cpu is not None else None
    failed = [j.id for j in jobs if j.get_status(refresh=False) == JobStatus.FAILED]
    if failed:
        raise RuntimeError(f"{len(failed)} no-op jobs failed, e.g. {failed[0]}: {jobs[ids.index(failed[0])].exc_info}")
    by_worker: dict[str, list] = {}
    resumed = resumed_at.replace(tzinfo=None)  # RQ stores naive UTC datetimes
    for job in jobs:
        started = job.started_at.replace(tzinfo=None)
        if started >= resumed:
            by_worker.setdefault(job.worker_name, []).append((started, job.ended_at.replace(tzinfo=None)))
    rates = {}
    for worker, spans in by_worker.items():
        seconds = (max(e for _, e in spans) - min(s for s, _ in spans)).total_seconds()
        rates[worker] = len(spans) / seconds if seconds > 0 else 0.0
    counted = sum(len(s) for s in by_worker.values())
    per_job_ms = statistics.median(
        (e - s).total_seconds() * 1000 for spans in by_worker.values() for s, e in spans)
    return {"per_worker": rates, "jobs": n, "counted": counted, "wall_s": wall, "worker_cpu_s": worker_cpu,
            "aggregate_per_s": counted / wall if wall else 0.0, "perform_ms_median": per_job_ms}


def announce_round(app, connection, community_id: int, sender_id: int, members: int, owner_url: str,
                   poll_s: float, cpu: CpuMeter, title: str, timeout: float = 120) -> dict:
    """Send one announcement; time from the commit to the moment `members` inbox rows are visible."""
    import psycopg
    from rq.job import Job

    from app.announcements import services as announcements
    from app.core.extensions import db
    from tenants.context import tenant_context

    conninfo = owner_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(conninfo, autocommit=True) as poll:
        # The owner is under FORCE ROW LEVEL SECURITY too: a session-wide tenant setting for the polling connection.
        poll.execute("SELECT set_config('huzhu.tenant_id', %s, false)", (str(community_id),))
        count_sql = "SELECT count(*) FROM inbox_entries WHERE event_id = %s"
        with app.app_context(), tenant_context(community_id):
            announcement = announcements.send(title=title, body="停水通知：明天上午9点到12点，1号楼至10号楼停水。" * 4,
                                              sender_id=sender_id)
            event_id = announcement.event_id
            cpu.start()
            committed_wall = datetime.now(UTC)
            t0 = time.monotonic()
            db.session.commit()  # the after-commit hook hands fan_out(event_id) to RQ inside this call
            commit_s = time.monotonic() - t0
        polls, count, first_seen = 0, 0, None
        while count < members:
            if time.monotonic() - t0 > timeout:
                raise RuntimeError(f"only {count} of {members} inbox rows after {timeout:.0f} s")
            time.sleep(poll_s)
            count = poll.execute(count_sql, (event_id,)).fetchone()[0]
            polls += 1
            if count and first_seen is None:
                first_seen = time.monotonic() - t0
        elapsed = time.monotonic() - t0
        worker_cpu, db_cpu = cpu.stop()
    job_id = f"fanout-{community_id}-{event_id}"
    job = None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job = Job.fetch(job_id, connection=connection)
        if job.ended_at:
            break
        time.sleep(0.05)
    started = job.started_at.replace(tzinfo=UTC) if job and job.started_at else None
    ended = job.ended_at.replace(tzinfo=UTC) if job and job.ended_at else None
    return {"event_id": event_id, "elapsed_s": elapsed, "commit_s": commit_s, "polls": polls,
            "first_rows_s": first_seen, "rows": count, "worker_cpu_s": worker_cpu, "db_cpu_s": db_cpu,
            "queue_wait_s": (started - committed_wall).total_seconds() if started else None,
            "job_s": (ended - started).total_seconds() if started and ended else None,
            "job_worker": job.worker_name if job else None}


def check_events(owner_url: str, community_id: int, event_ids: list[int], members: int) -> list[str]:
    """Every event: exactly `members` inbox rows (no duplicates, none missing), done, recipients counted."""
    import psycopg

    problems = []
    with psycopg.connect(owner_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        conn.execute("SELECT set_config('huzhu.tenant_id', %s, false)", (str(community_id),))
        for event_id in event_ids:
            rows, users = conn.execute("SELECT count(*), count(DISTINCT user_id) FROM inbox_entries "
                                       "WHERE event_id = %s", (event_id,)).fetchone()
            status, recipients = conn.execute("SELECT status, recipients FROM outbox_events WHERE id = %s",
                                              (event_id,)).fetchone()
            if rows != members or users != members or status != "done" or recipients != members:
                problems.append(f"event {event_id}: {rows} inbox rows for {users} users, status {status}, "
                                f"recipients {recipients} (expected {members})")
    return problems


def profile_fan_out(app_url: str, owner_url: str, community_id: int, sender_id: int, top: int = 18) -> None:
    """One more announcement fanned out in this process (no Redis: in-process jobs), under cProfile."""
    import cProfile
    import pstats

    from app import create_app
    from app.announcements import services as announcements
    from app.core.extensions import db
    from jobs.queues import run_in_process_jobs
    from tenants.context import tenant_context

    app = create_app(app_config(app_url, owner_url, None))
    logging.disable(logging.INFO)
    with app.app_context():
        with tenant_context(community_id):
            announcements.send(title="剖析", body="profile run", sender_id=sender_id)
            db.session.commit()
        profiler = cProfile.Profile()
        t0, c0 = time.monotonic(), time.process_time()
        profiler.enable()
        run_in_process_jobs()
        profiler.disable()
        wall, cpu = time.monotonic() - t0, time.process_time() - c0
        db.session.remove()
        db.engine.dispose()
    say(f"profile: fan_out in-process under cProfile: {wall:.2f} s wall, {cpu:.2f} s CPU in Python "
        f"(the rest is waiting for PostgreSQL)")
    stats = pstats.Stats(profiler)
    rows = sorted(((ct, tt, nc, func) for func, (_cc, nc, tt, ct, _callers) in stats.stats.items()),
                  key=lambda r: -r[0])
    say("profile: by cumulative time (s cumulative, s own, calls, function):")
    shown = 0
    for ct, tt, nc, (filename, line, name) in rows:
        if "cProfile" in filename or name in ("<module>",):
            continue
        where = os.path.relpath(filename, ROOT) if filename.startswith(ROOT) else filename.split("site-packages/")[-1]
        say(f"    {ct:7.3f} {tt:7.3f} {nc:8d}  {where}:{line} {name}")
        shown += 1
        if shown >= top:
            break


class SmtpSink:
    """A local aiosmtpd server that accepts and counts messages and their distinct Message-IDs (keeps no body)."""

    def __init__(self, port: int):
        import re

        from aiosmtpd.controller import Controller

        sink = self
        message_id = re.compile(rb"^Message-ID:\s*(\S+)", re.MULTILINE | re.IGNORECASE)

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                found = message_id.search(envelope.content)
                with sink.lock:
                    sink.received += 1
                    sink.last = time.monotonic()
                    if found:
                        sink.ids.add(found[1])
                return "250 OK"

        self.lock, self.received, self.last, self.ids = threading.Lock(), 0, None, set()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=port)

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()


RAW_BODY = "停水通知：明天上午9点到12点，1号楼至10号楼停水。" * 4


def raw_smtp(port: int, n: int) -> float:
    """The e-mail baseline: n messages sent over one open SMTP connection, with nothing else around them (no
    database, no claim, no rendering). Like the app, the MIME body is built once and each message gets its own
    To, Message-ID and Date. Returns messages per second."""
    import smtplib
    from email.message import EmailMessage
    from email.policy import SMTP
    from email.utils import formataddr, formatdate

    message = EmailMessage()
    message["From"] = formataddr(("互助 Huzhu", "noreply@bench.example"))
    message["Subject"] = "停水通知"
    message.set_content(RAW_BODY)
    message.add_alternative(f"<!doctype html><html><body><h1>停水通知</h1><p>{RAW_BODY}</p></body></html>",
                            subtype="html")
    message["Content-Language"] = "zh-CN"
    body = message.as_bytes(policy=SMTP)
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        t0 = time.monotonic()
        for i in range(n):
            to = f"member{i:05d}@bench.example"
            own = f"To: {to}\r\nMessage-ID: <bench-raw-{i}@huzhu>\r\nDate: {formatdate(localtime=False)}\r\n"
            smtp.sendmail("noreply@bench.example", [to], own.encode() + body)
        return n / (time.monotonic() - t0)


def raw_smtp_phase(port: int, n: int, env: dict) -> float:
    """`raw_smtp` in a process of its own (as a worker is), against the benchmark's sink."""
    code = f"import sys; from bench.notify import raw_smtp; print(raw_smtp({port}, {n}))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    if out.returncode != 0:
        raise RuntimeError(f"raw SMTP baseline failed:\n{out.stderr[-2000:]}")
    return float(out.stdout.strip().splitlines()[-1])


def smtp_scenario(app, connection, args, env: dict, tmp: str, community_id: int, sender_id: int, owner_url: str,
                  workers_holder: list) -> dict:
    """Workers restarted with SMTP on (a local sink): the raw SMTP baseline, then one announcement, timed to the
    last inbox row and to the last e-mail."""
    import psycopg

    port = free_port()
    sink = SmtpSink(port)
    sink.start()
    try:
        raw_smtp_phase(port, 100, env)  # warm-up
        raw_per_s = raw_smtp_phase(port, args.raw_smtp, env)
        with sink.lock:
            sink.received, sink.ids = 0, set()
        for proc in workers_holder:
            stop(proc)
        workers_holder.clear()
        smtp_env = dict(env, SMTP_HOST="127.0.0.1", SMTP_PORT=str(port), SMTP_TIMEOUT="10")
        workers_holder.extend(start_workers(args.workers, smtp_env, tmp, "smtp"))
        wait_for_workers(workers_holder, connection, tmp, "smtp")
        time.sleep(1)
        wait_idle(connection)
        cpu = CpuMeter([p.pid for p in workers_holder])
        t_start = time.monotonic()
        result = announce_round(app, connection, community_id, sender_id, args.smtp_members, owner_url,
                                args.poll_ms / 1000, cpu, "停水通知（邮件）")
        conninfo = owner_url.replace("postgresql+psycopg://", "postgresql://")
        deadline = time.monotonic() + args.smtp_timeout
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute("SELECT set_config('huzhu.tenant_id', %s, false)", (str(community_id),))
            while True:
                done, total = conn.execute(
                    "SELECT count(*) FILTER (WHERE status IN ('sent', 'failed')), count(*) FROM deliveries "
                    "WHERE event_id = %s", (result["event_id"],)).fetchone()
                if total and done >= total:
                    break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"only {done} of {total} e-mails sent after {args.smtp_timeout} s")
                time.sleep(0.2)
            sent = conn.execute("SELECT count(*) FROM deliveries WHERE event_id = %s AND status = 'sent'",
                                (result["event_id"],)).fetchone()[0]
        emails_s = time.monotonic() - t_start
        with sink.lock:
            received, distinct = sink.received, len(sink.ids)
        result.update(deliveries=total, sent=sent, received=received, distinct=distinct, emails_done_s=emails_s,
                      raw_smtp_per_s=raw_per_s)
        return result
    finally:
        sink.stop()


# --- main ----------------------------------------------------------------------------------------

def app_config(app_url: str, owner_url: str, redis_url: str | None) -> dict:
    return {"HUZHU_ENV": "production", "SQLALCHEMY_DATABASE_URI": app_url, "DATABASE_OWNER_URL": owner_url,
            "SECRET_KEY": SECRET_KEY, "PUBLIC_BASE_URL": "http://bench.invalid", "REDIS_URL": redis_url,
            "SMTP_HOST": None}


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--members", type=int, default=10000, help="members of the community (default 10000)")
    p.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    p.add_argument("--rounds", type=int, default=5, help="announcements sent one after the other; the median "
                                                         "is reported (default 5)")
    p.add_argument("--noop-jobs", type=int, default=3000, help="no-op jobs of the baseline (default 3000)")
    p.add_argument("--poll-ms", type=float, default=10, help="how often the inbox count is polled (default 10)")
    p.add_argument("--no-smtp", dest="smtp", action="store_false",
                   help="leave out the e-mail scenario (workers with SMTP on, a local aiosmtpd sink)")
    p.add_argument("--smtp", dest="smtp", action="store_true", help=argparse.SUPPRESS)  # the default now
    p.set_defaults(smtp=True)
    p.add_argument("--smtp-members", type=int, default=None,
                   help="members of the e-mail scenario's own community (default: --members)")
    p.add_argument("--raw-smtp", type=int, default=2000,
                   help="messages of the e-mail baseline, sent over one connection (default 2000)")
    p.add_argument("--smtp-timeout", type=int, default=600, help="seconds to wait for the e-mails (default 600)")
    p.add_argument("--profile", action="store_true", help="also profile one fan-out in-process with cProfile")
    p.add_argument("--keep", action="store_true", help="keep the database, redis and temp dir (for profiling)")
    args = p.parse_args(argv)
    if args.smtp_members is None:
        args.smtp_members = args.members
    if args.smtp_members > args.members:
        p.error("--smtp-members cannot exceed --members (they are the first members)")
    if min(args.members, args.workers, args.rounds, args.noop_jobs, args.smtp_members, args.raw_smtp) < 1 \
            or args.poll_ms <= 0:
        p.error("counts must be at least 1")
    return args


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main(argv=None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)
    logging.disable(logging.INFO)
    started = time.monotonic()
    tmp = tempfile.mkdtemp(prefix="huzhu-bench-notify-")
    redis_proc = None
    workers: list[subprocess.Popen] = []
    sampler = None
    pg_created = False
    try:
        pgdb.check_reachable()
        app_url, owner_url = create_pg_database()
        pg_created = True
        redis_port = free_port()
        redis_proc = start_redis(redis_port, os.path.join(tmp, "redis.log"))
        redis_url = f"redis://127.0.0.1:{redis_port}/0"
        say(f"backend: PostgreSQL database {PG_DB} (tables owned by {OWNER_ROLE}, app and workers connect as "
            f"{APP_ROLE}, row-level security on); redis-server on port {redis_port} (no persistence)")

        env = {k: v for k, v in os.environ.items() if not k.startswith("SMTP_")}
        env.update(DATABASE_URL=app_url, DATABASE_OWNER_URL=owner_url, REDIS_URL=redis_url, HUZHU_ENV="production",
                   SECRET_KEY=SECRET_KEY, PUBLIC_BASE_URL="http://bench.invalid", PYTHONPATH=ROOT,
                   PYTHONDONTWRITEBYTECODE="1")
        t0 = time.monotonic()
        migrate(env)
        say(f"migrated with `huzhu db upgrade` ({time.monotonic() - t0:.1f} s)")

        from app import create_app

        app = create_app(app_config(app_url, owner_url, redis_url))
        logging.disable(logging.INFO)  # create_app configures logging again
        t0 = time.monotonic()
        community_id, sender_id, mail_id = seed(app, args.members, args.smtp_members if args.smtp else 0)
        mail_note = f"; for e-mail a second community with {args.smtp_members} of them" if args.smtp else ""
        say(f"data: 1 community, {args.members} members (bulk inserts, e-mail set, quiet hours off{mail_note}) "
            f"({time.monotonic() - t0:.1f} s)")

        busy = background_busy()
        say(f"machine before the run: {busy:.0f}% of one core busy ({os.cpu_count()} cores); other load makes "
            f"both figures noisy, the ratio less so")

        from redis import Redis

        connection = Redis.from_url(redis_url)
        workers = start_workers(args.workers, env, tmp, "main")
        wait_for_workers(workers, connection, tmp, "main")
        pids = [p.pid for p in workers]
        sampler = RssSampler(pids)
        sampler.start()
        time.sleep(1)  # the scheduler threads' first tick enqueues today's daily schedules: let them run first
        wait_idle(connection)
        say(f"workers: {args.workers} x `huzhu worker notifications default` (RQ SimpleWorker, no fork per job), "
            f"pids {', '.join(map(str, pids))}; idle RSS "
            f"{', '.join(format(status_kb(p, 'VmRSS') / 1024, '.0f') + ' MB' for p in pids)}")

        # Warm-up: each worker imports bench.notify and runs a few jobs before anything is timed.
        noop_phase(app, connection, 50, "warmup")
        sampler.reset_phase()
        noop = noop_phase(app, connection, args.noop_jobs, "baseline", CpuMeter(pids))
        noop_rss = sampler.phase_peak_mb()
        noop_per_worker = statistics.mean(noop["per_worker"].values())
        say(f"no-op baseline: {noop['counted']} of {noop['jobs']} no-op jobs timed; per worker "
            f"{', '.join(f'{r:.0f}' for r in noop['per_worker'].values())} jobs/s (mean {noop_per_worker:.0f}); "
            f"both together {noop['aggregate_per_s']:.0f} jobs/s over {noop['wall_s']:.2f} s wall; "
            f"median job body (run_job) {noop['perform_ms_median']:.2f} ms; worker CPU "
            f"{1000 * noop['worker_cpu_s'] / args.noop_jobs:.2f} ms per job; worker RSS peak {noop_rss:.0f} MB")

        rounds, event_ids = [], []
        sampler.reset_phase()
        for i in range(args.rounds):
            wait_idle(connection)
            cpu = CpuMeter(pids)
            r = announce_round(app, connection, community_id, sender_id, args.members, owner_url,
                               args.poll_ms / 1000, cpu, f"停水通知 {i + 1}")
            rounds.append(r)
            event_ids.append(r["event_id"])
            say(f"announcement {i + 1}: commit to last inbox row {r['elapsed_s']:.3f} s "
                f"({args.members / r['elapsed_s']:.0f} rows/s); commit {1000 * r['commit_s']:.1f} ms, "
                f"fan_out job waited {r['queue_wait_s']:.3f} s in the queue, ran {r['job_s']:.3f} s "
                f"on {r['job_worker']}; CPU: workers {r['worker_cpu_s']:.2f} s, PostgreSQL {r['db_cpu_s']:.2f} s")
        wait_idle(connection)
        fan_rss = sampler.phase_peak_mb()
        problems = check_events(owner_url, community_id, event_ids, args.members)

        elapsed = statistics.median(r["elapsed_s"] for r in rounds)
        per_worker = args.members / elapsed / args.workers
        ratio = per_worker / noop_per_worker if noop_per_worker else 0.0

        smtp = None
        email_per_worker = email_ratio = None
        if args.smtp:
            say("e-mail scenario: workers restarted with SMTP_HOST = a local aiosmtpd sink (in this process)")
            smtp = smtp_scenario(app, connection, args, env, tmp, mail_id, sender_id, owner_url, workers)
            sampler.pids = [p.pid for p in workers]
            email_per_worker = smtp["deliveries"] / smtp["emails_done_s"] / args.workers
            email_ratio = email_per_worker / smtp["raw_smtp_per_s"]
            say(f"e-mail baseline: {args.raw_smtp} messages sent over one SMTP connection by one process, "
                f"nothing else: {smtp['raw_smtp_per_s']:.0f} e-mails/s")
            say(f"e-mail scenario ({args.smtp_members} members): commit to last inbox row {smtp['elapsed_s']:.3f} s; "
                f"all {smtp['deliveries']} e-mails done {smtp['emails_done_s']:.1f} s after the commit "
                f"({smtp['deliveries'] / smtp['emails_done_s']:.0f} e-mails/s with {args.workers} workers, "
                f"{email_per_worker:.0f} per worker = {email_ratio:.2f} of the baseline); {smtp['sent']} sent, "
                f"{smtp['received']} received by the sink with {smtp['distinct']} distinct Message-IDs")
            if smtp["sent"] != args.smtp_members or smtp["distinct"] != args.smtp_members:
                problems.append(f"smtp: {smtp['sent']} sent and {smtp['distinct']} distinct received "
                                f"of {args.smtp_members}")
            if smtp["received"] != smtp["distinct"]:
                problems.append(f"smtp: {smtp['received'] - smtp['distinct']} e-mails received twice")

        sampler.sample()
        sampler.stopped.set()
        sampler.join()
        hwm = {p.pid: status_kb(p.pid, "VmHWM") / 1024 for p in workers}
        peak_mb = max(max(sampler.peak_kb.values(), default=0) / 1024, max(hwm.values(), default=0))

        if args.profile:
            profile_fan_out(app_url, owner_url, community_id, sender_id)

        say(f"result: median commit to last inbox row {elapsed:.3f} s over {args.rounds} rounds "
            f"({', '.join(format(r['elapsed_s'], '.3f') for r in rounds)}; polled every {args.poll_ms:g} ms)")
        say(f"result: deliveries per second per worker = {args.members} / {elapsed:.3f} s / {args.workers} workers "
            f"= {per_worker:.0f}; no-op jobs per second per worker = {noop_per_worker:.0f}; ratio {ratio:.2f}")
        say(f"worker RSS: peak {fan_rss:.0f} MB while fanning out, VmHWM (whole life) "
            f"{', '.join(f'{v:.0f} MB' for v in hwm.values())}")
        say(f"aim ratio >= {RATIO_AIM}: {'met' if ratio >= RATIO_AIM else 'MISSED'} ({ratio:.2f})")
        say(f"aim worker < {RSS_AIM_MB} MB: {'met' if peak_mb < RSS_AIM_MB else 'MISSED'} (peak {peak_mb:.0f} MB)")
        email_met = smtp is None or smtp["emails_done_s"] <= EMAIL_AIM_S
        if smtp is not None:
            say(f"aim {args.smtp_members} e-mails <= {EMAIL_AIM_S} s on {args.workers} workers: "
                f"{'met' if email_met else 'MISSED'} ({smtp['emails_done_s']:.1f} s)")
        for line in problems:
            say(f"PROBLEM: {line}")
        say(f"total time {time.monotonic() - started:.0f} s")
        result = {
            "bench": "notify",
            "members": args.members,
            "commit_to_last_s": round(elapsed, 3),
            "deliveries_per_s_per_worker": round(per_worker, 1),
            "noop_jobs_per_s": round(noop_per_worker, 1),
            "ratio": round(ratio, 2),
            "worker_peak_rss_mb": round(peak_mb, 1),
            "worker_fan_out_rss_mb": round(fan_rss, 1),
            "workers": args.workers,
            "rounds_s": [round(r["elapsed_s"], 3) for r in rounds],
            "fan_out_job_s": round(statistics.median(r["job_s"] for r in rounds), 3),
            "queue_wait_s": round(statistics.median(r["queue_wait_s"] for r in rounds), 3),
            "noop_jobs_per_s_both_workers": round(noop["aggregate_per_s"], 1),
            "noop_jobs": noop["counted"],
            "noop_worker_cpu_ms_per_job": round(1000 * noop["worker_cpu_s"] / args.noop_jobs, 2),
            "fan_out_worker_cpu_s": round(statistics.median(r["worker_cpu_s"] for r in rounds), 2),
            "fan_out_postgres_cpu_s": round(statistics.median(r["db_cpu_s"] for r in rounds), 2),
            "background_cpu_pct": round(busy, 1),
            "poll_ms": args.poll_ms,
            "emails_done_s": None if smtp is None else round(smtp["emails_done_s"], 1),
            "emails_per_s_per_worker": None if smtp is None else round(email_per_worker, 1),
            "raw_smtp_per_s": None if smtp is None else round(smtp["raw_smtp_per_s"], 1),
            "email_ratio": None if smtp is None else round(email_ratio, 2),
            "smtp": None if smtp is None else {"members": args.smtp_members,
                                               "commit_to_last_s": round(smtp["elapsed_s"], 3),
                                               "emails_done_s": round(smtp["emails_done_s"], 1),
                                               "emails_per_s": round(smtp["deliveries"] / smtp["emails_done_s"], 1),
                                               "sent": smtp["sent"], "received": smtp["received"],
                                               "distinct_message_ids": smtp["distinct"]},
            "aims_met": ratio >= RATIO_AIM and peak_mb < RSS_AIM_MB and email_met,
            "problems": problems,
        }
        print(json.dumps(result, ensure_ascii=False), flush=True)
        return 1 if problems else 0
    except KeyboardInterrupt:
        say("interrupted")
        print(json.dumps({"bench": "notify", "error": "interrupted"}), flush=True)
        return 130
    except Exception as err:
        import traceback

        traceback.print_exc()
        print(json.dumps({"bench": "notify", "error": f"{type(err).__name__}: {err}"[:500]}, ensure_ascii=False),
              flush=True)
        return 1
    finally:
        if sampler is not None:
            sampler.stopped.set()
        for proc in workers:
            stop(proc)
        if args.keep:
            print(f"kept: {tmp}, database {PG_DB}, redis-server pid {redis_proc.pid if redis_proc else None}",
                  file=sys.stderr)
        else:
            stop(redis_proc)
            if pg_created:
                try:
                    drop_pg_database()
                except Exception as err:  # never hide the result behind a failed clean-up
                    print(f"could not drop {PG_DB}: {err}", file=sys.stderr)
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
