"""HTTP benchmark: the units list endpoint against its floor and /healthz, same gunicorn server, wrk client and run.

    .venv/bin/python bench/http.py [--duration 10] [--communities 100] [--units 135] [--sqlite]

1. Makes a throwaway database: PostgreSQL `huzhu_bench` (tables owned by huzhu_owner, the app connecting as
   huzhu_app under row-level security, as in production), or SQLite in a temp dir with --sqlite or when
   PostgreSQL does not answer on 127.0.0.1:5432.
2. Generates N communities x M units (demo_units() with a seed per community), one admin and one API
   token per community.
3. Counts the SQL statements of one list request in-process (test client, after a warm-up request), the
   row-level security settings included; with --profile N, also shows where a list request spends CPU (a ladder
   of cheaper requests, cProfile).
4. Serves the app with gunicorn (2 sync workers: this is a 2-core machine) on a free 127.0.0.1 port, through
   bench/floor.py, which answers /floor/c/<slug>/units by hand (the floor: the same statements and JSON without
   the framework) and passes every other path to wsgi:app. Logs in once over HTTP (POST /api/v1/auth/tokens),
   checks that the floor's answer equals the app's, warms the endpoints up, then runs wrk (same settings) against
   /healthz, the list endpoint and the floor back to back, alternating --rounds times; every list (and floor)
   request picks a random community (its slug and its admin's token).
5. Samples the RSS of every gunicorn worker during the runs (and reads VmHWM at the end), and the CPU time
   of the workers, the PostgreSQL backends, wrk and the whole machine (other engineers' test runs share it).
6. Kills gunicorn and drops the database (or the temp dir), whatever happened.

Human-readable lines first; the last line of stdout is one JSON object. See bench/README.md.
"""
import os
import sys

# This file is called http.py: drop its directory from the path, or it would shadow the standard `http` package.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]
ROOT = os.path.dirname(_HERE)
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import argparse  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import re  # noqa: E402
import resource  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import urllib.error  # noqa: E402
import urllib.request  # noqa: E402

from bench import pgdb  # noqa: E402

PG_DB = "huzhu_bench"
OWNER_ROLE, APP_ROLE = pgdb.OWNER_ROLE, pgdb.APP_ROLE
PASSWORD = "bench-horse-7"
SECRET_KEY = "bench-secret-key-not-for-production"
RSS_AIM_MB = 150
RATIO_AIM = 0.5  # list / healthz: the first aim, out of reach for any request that reads the database (README)
FLOOR_RATIO_AIM = 0.35  # list / floor
STATEMENTS_AIM = 4  # per list request, the row-level security settings included


def say(*parts) -> None:
    print(*parts, flush=True)


# --- database ------------------------------------------------------------------------------------

def postgres_reachable() -> bool:
    try:
        import psycopg

        with psycopg.connect(pgdb.PG_ADMIN):
            return True
    except Exception:
        return False


def _pg_admin(*statements: str, dbname: str = "postgres") -> None:
    pgdb.pg_admin(*statements, dbname=dbname)


def create_pg_database() -> tuple[str, str]:
    return pgdb.create_database(PG_DB)


def drop_pg_database() -> None:
    pgdb.drop_database(PG_DB)


def app_config(app_url: str, owner_url: str | None) -> dict:
    return {"HUZHU_ENV": "production", "SQLALCHEMY_DATABASE_URI": app_url, "DATABASE_OWNER_URL": owner_url,
            "SECRET_KEY": SECRET_KEY, "PUBLIC_BASE_URL": "http://bench.invalid", "REDIS_URL": None}


def seed(app, n_communities: int, n_units: int) -> list[tuple[str, str]]:
    """Migrate, then make the communities, their units, one admin each and a token each: [(slug, token)]."""
    from flask_migrate import upgrade
    from sqlalchemy import insert
    from werkzeug.security import generate_password_hash

    from app.accounts.models import User
    from app.accounts.services import create_token
    from app.core.extensions import db
    from app.demo.data import demo_units
    from app.members.services import add_member
    from app.units.models import Unit
    from app.units.services import sort_key
    from tenants.context import tenant_context
    from tenants.services import create_community

    with app.app_context():
        upgrade()
        password_hash = generate_password_hash(PASSWORD, method="scrypt")  # once: scrypt is slow on purpose
        sort_keys: dict[str, str] = {}
        users = []
        for i in range(n_communities):
            community = create_community(slug=f"bench-{i:03d}", name=f"压测社区{i:03d}", street="T街道")
            user = User(name=f"管理员{i:03d}", email=f"admin{i:03d}@bench.example", password_hash=password_hash)
            db.session.add(user)
            db.session.flush()
            base = demo_units(seed=1000 + i)
            rows = []
            for k in range(n_units):
                unit = base[k % len(base)]
                name = unit["name"] if k < len(base) else f"{unit['name']}{k // len(base) + 1}号"
                if name not in sort_keys:
                    sort_keys[name] = sort_key(name)
                rows.append({"community_id": community.id, "name": name, "name_sort": sort_keys[name],
                             "type": unit["type"], "address": unit["address"],
                             "contact_name": unit["contact_name"], "contact_phone": unit["contact_phone"],
                             "description": unit["description"], "joined_on": unit["joined_on"],
                             "status": "active"})
            with tenant_context(community.id):
                add_member(user, ["admin"])
                if rows:
                    db.session.execute(insert(Unit), rows)
                db.session.commit()
            users.append((community.slug, user))
        tokens = [(slug, create_token(user, "bench")[1]) for slug, user in users]
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return tokens


def count_sql(app, slug: str, token: str, expected_items: int) -> tuple[int, int, list[str], int]:
    """SQL statements one list request sends (after a warm-up request), and one GET /api/v1/me.

    (statements other than the row-level security settings, `SELECT set_config` statements, every statement
    of the list request in order, every statement of /me).
    """
    from sqlalchemy import event

    from app.core.extensions import db

    client = app.test_client()
    path, headers = f"/api/v1/c/{slug}/units?limit=50", {"Authorization": f"Bearer {token}"}
    for warm_path in (path, "/api/v1/me"):
        warm = client.get(warm_path, headers=headers)
        if warm.status_code != 200:
            raise RuntimeError(f"{warm_path} answered {warm.status_code}: {warm.get_data(as_text=True)[:300]}")
    seen: list[str] = []

    def on_execute(conn, cursor, statement, parameters, context, executemany):
        seen.append(" ".join(statement.split()))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        response = client.get(path, headers=headers)
        listed = list(seen)
        seen.clear()
        me = client.get("/api/v1/me", headers=headers)
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
    body = response.get_json()
    if response.status_code != 200 or len(body["items"]) != expected_items or me.status_code != 200:
        raise RuntimeError(f"unexpected list answer {response.status_code}: {str(body)[:300]}")
    with app.app_context():
        db.engine.dispose()
    settings = sum(1 for statement in listed if statement.upper().startswith("SELECT SET_CONFIG"))
    return len(listed) - settings, settings, listed, len(seen)


def profile_list(app, slug: str, token: str, n: int) -> None:
    """Where a list request spends CPU, in-process: a ladder of cheaper requests, then cProfile by package."""
    import cProfile
    import pstats
    from collections import defaultdict

    client = app.test_client()
    auth = {"Authorization": f"Bearer {token}"}
    ladder = [("GET /healthz (no database)", "/healthz", {}),
              ("GET /api/v1/me (token check only)", "/api/v1/me", auth),
              ("GET units?limit=1 (+ community, membership)", f"/api/v1/c/{slug}/units?limit=1", auth),
              ("GET units?limit=50 (the benchmarked request)", f"/api/v1/c/{slug}/units?limit=50", auth)]
    say(f"profile: CPU per request in-process (test client, {n} requests each, no profiler):")
    for label, path, headers in ladder:
        for _ in range(10):
            client.get(path, headers=headers)
        cpu = time.process_time()
        for _ in range(n):
            client.get(path, headers=headers)
        say(f"    {label:<48} {1000 * (time.process_time() - cpu) / n:6.2f} ms")
    path = ladder[-1][1]
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(n):
        client.get(path, headers=auth)
    profiler.disable()
    stats = pstats.Stats(profiler)
    groups: dict[str, float] = defaultdict(float)
    for (filename, _line, _func), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():
        if "site-packages/" in filename:
            group = filename.split("site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
        elif filename.startswith(ROOT + os.sep):
            group = "huzhu " + os.path.relpath(filename, ROOT).split(os.sep, 1)[0]
        elif filename == "~":
            group = "C built-ins (socket I/O, dict, str ...)"
        else:
            group = "python standard library"
        groups[group] += tottime
    total = sum(groups.values()) or 1.0
    say(f"profile: own CPU time by package under cProfile (inflates Python-heavy code), {n} list requests:")
    for group, seconds in sorted(groups.items(), key=lambda kv: -kv[1])[:12]:
        say(f"    {group:<40} {100 * seconds / total:5.1f}%")
    say("profile: the app's own functions by cumulative time:")
    rows = [(ct, func) for func, (_cc, _nc, _tt, ct, _callers) in stats.stats.items()
            if func[0].startswith(ROOT + os.sep) and not any(d in func[0] for d in ("/bench/", "/.venv/"))]
    for ct, (filename, line, name) in sorted(rows, reverse=True)[:12]:
        say(f"    {1000 * ct / n:6.2f} ms  {os.path.relpath(filename, ROOT)}:{line} {name}")
    with app.app_context():
        from app.core.extensions import db

        db.engine.dispose()


# --- processes -----------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(env: dict, port: int, workers: int, worker_class: str, threads: int, log):
    cmd = [sys.executable, "-m", "gunicorn", "bench.floor:application", "--chdir", ROOT, "--bind", f"127.0.0.1:{port}",
           "--workers", str(workers), "--worker-class", worker_class, "--log-level", "warning"]
    if worker_class == "gthread":
        cmd += ["--threads", str(threads)]
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def wait_until_up(proc, port: int, log_path: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            with open(log_path) as f:
                raise RuntimeError(f"gunicorn exited with {proc.returncode}:\n{f.read()[-2000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer /healthz within 60 s")


def stop(proc) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)  # the master stops its workers
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


def _proc_pids() -> list[int]:
    return [int(e) for e in os.listdir("/proc") if e.isdigit()]


def children_of(pid: int) -> list[int]:
    try:  # cheap where the kernel lists children (CONFIG_PROC_CHILDREN)
        kids = set()
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                kids.update(int(k) for k in f.read().split())
        return sorted(kids)
    except OSError:
        pass
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


def postgres_backends(dbname: str) -> list[int]:
    """PostgreSQL backends serving `dbname` (their process title names the database)."""
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


def machine_cpu() -> tuple[float, float]:
    """CPU seconds of the whole machine so far, all cores together: (processes, kernel irq + softirq)."""
    with open("/proc/stat") as f:
        user, nice, system, _idle, _iowait, irq, softirq = (int(v) for v in f.readline().split()[1:8])
    tick = os.sysconf("SC_CLK_TCK")
    return (user + nice + system) / tick, (irq + softirq) / tick


def background_busy(seconds: float = 2.0) -> float:
    """How busy the machine is before we start, in % of one core."""
    (busy0, irq0), self0 = machine_cpu(), _self_cpu()
    time.sleep(seconds)
    (busy1, irq1), self1 = machine_cpu(), _self_cpu()
    return 100 * ((busy1 - busy0) + (irq1 - irq0) - (self1 - self0)) / seconds


def _self_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class WorkerSampler(threading.Thread):
    """Polls the gunicorn master's children: the highest VmRSS seen, per worker, since the last reset."""

    def __init__(self, master_pid: int, interval: float = 0.1):
        super().__init__(daemon=True)
        self.master_pid, self.interval = master_pid, interval
        self.peak_kb: dict[int, int] = {}
        self.seen: set[int] = set()
        self.lock = threading.Lock()
        self.stopped = threading.Event()

    def sample(self) -> None:
        for pid in children_of(self.master_pid):
            kb = status_kb(pid, "VmRSS")
            with self.lock:
                self.seen.add(pid)
                if kb:
                    self.peak_kb[pid] = max(self.peak_kb.get(pid, 0), kb)

    def reset(self) -> None:
        with self.lock:
            self.peak_kb.clear()
            self.seen.clear()

    def run(self) -> None:
        while not self.stopped.is_set():
            self.sample()
            self.stopped.wait(self.interval)

    def workers(self) -> list[int]:
        return children_of(self.master_pid)


# --- wrk -----------------------------------------------------------------------------------------

LUA = """-- generated by bench/http.py: a random (path, token) pair per request
local targets = {
%s
}
math.randomseed(os.time())
request = function()
  local t = targets[math.random(#targets)]
  if t[2] == "" then
    return wrk.format("GET", t[1])
  end
  return wrk.format("GET", t[1], {["Authorization"] = "Bearer " .. t[2]})
end
"""


def lua_script(path: str, targets: list[tuple[str, str]]) -> str:
    rows = ",\n".join(f'  {{"{p}", "{t}"}}' for p, t in targets)
    with open(path, "w") as f:
        f.write(LUA % rows)
    return path


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4}


def _ms(text: str) -> float | None:
    m = re.match(r"([\d.]+)(us|ms|s|m)$", text)
    return round(float(m[1]) * _UNITS[m[2]], 2) if m else None


class Totals:
    """Requests, seconds and CPU seconds of one endpoint, summed over its runs."""

    def __init__(self, name: str):
        self.name = name
        self.requests = self.non_2xx = self.socket_errors = 0
        self.seconds = self.workers_cpu = self.db_cpu = self.wrk_cpu = self.machine_cpu = 0.0
        self.kernel_cpu = self.self_cpu = 0.0
        self.latency: dict[str, list[float]] = {"50": [], "99": []}

    @property
    def other_cpu(self) -> float:
        """CPU of everything else on the machine: other engineers' work, the gunicorn master, ..."""
        rest = self.machine_cpu - self.workers_cpu - self.db_cpu - self.wrk_cpu - self.kernel_cpu - self.self_cpu
        return max(0.0, rest)  # tick-based accounting: the parts can add up to a little more than the whole

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def pct(self, cpu_seconds: float) -> float:
        """CPU seconds as % of one core over the measured time."""
        return 100 * cpu_seconds / self.seconds if self.seconds else 0.0

    def per_request_ms(self, cpu_seconds: float) -> float:
        return 1000 * cpu_seconds / self.requests if self.requests else 0.0

    def p(self, q: str) -> float | None:
        values = [v for v in self.latency[q] if v is not None]
        return round(max(values) if q == "99" else sorted(values)[len(values) // 2], 2) if values else None


def run_wrk(url: str, script: str, *, threads: int, connections: int, duration: int,
            workers: list[int], db_name: str | None = None, totals: Totals | None = None) -> None:
    """One wrk run, added to `totals`: its requests, and the CPU used by workers, database, wrk and machine."""
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", "-s", script, url]
    db_before = {pid: cpu_seconds(pid) for pid in (postgres_backends(db_name) if db_name else [])}
    before = {pid: cpu_seconds(pid) for pid in workers}
    children0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    (busy0, irq0), self0 = machine_cpu(), _self_cpu()
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60)
    (busy1, irq1), self1 = machine_cpu(), _self_cpu()
    children1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    after = {pid: cpu_seconds(pid) for pid in workers}
    # Backends that started during the run count from zero; one that ended during it is lost (rare).
    db_after = {pid: cpu_seconds(pid) for pid in (postgres_backends(db_name) if db_name else [])}
    if out.returncode != 0:
        raise RuntimeError(f"wrk failed ({out.returncode}): {out.stderr or out.stdout}")
    if totals is None:
        return
    text = out.stdout
    total = re.search(r"(\d+) requests in ([\d.]+)(\w+)", text)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    totals.requests += int(total[1]) if total else 0
    totals.seconds += _ms(total[2] + total[3]) / 1000 if total else duration
    totals.non_2xx += int(non2xx[1]) if non2xx else 0
    totals.socket_errors += sum(map(int, sock.groups())) if sock else 0
    for q, value in re.findall(r"^\s+(50|99)%\s+(\S+)", text, re.M):
        totals.latency[q].append(_ms(value))
    totals.workers_cpu += sum(max(0.0, after[p] - before[p]) for p in workers)
    totals.db_cpu += sum(max(0.0, cpu - db_before.get(p, 0.0)) for p, cpu in db_after.items())
    totals.wrk_cpu += (children1.ru_utime + children1.ru_stime) - (children0.ru_utime + children0.ru_stime)
    totals.machine_cpu += (busy1 - busy0) + (irq1 - irq0)
    totals.kernel_cpu += irq1 - irq0
    totals.self_cpu += self1 - self0


def describe(t: Totals, backend: str) -> str:
    db = f", {backend} {t.pct(t.db_cpu):.0f}%" if backend == "postgresql" else ""
    return (f"  {t.name:<8} {t.rps:8.1f} req/s  p50 {t.p('50')} ms  p99 {t.p('99')} ms  "
            f"{t.requests} requests, non-2xx {t.non_2xx}, socket errors {t.socket_errors}\n"
            f"  {'':<8} cpu per request: workers {t.per_request_ms(t.workers_cpu):.2f} ms"
            + (f", postgresql {t.per_request_ms(t.db_cpu):.2f} ms" if backend == "postgresql" else "")
            + f"; cpu in % of one core: workers {t.pct(t.workers_cpu):.0f}%{db}, wrk {t.pct(t.wrk_cpu):.0f}%, "
            f"kernel irq/softirq {t.pct(t.kernel_cpu):.0f}%, this script {t.pct(t.self_cpu):.0f}%, "
            f"other processes {t.pct(t.other_cpu):.0f}% (machine {t.pct(t.machine_cpu):.0f}% of "
            f"{100 * os.cpu_count()}%)")


def same_answer(base: str, slug: str, token: str) -> str | None:
    """None when the floor answers the list request exactly as the app does (same JSON), else the problem."""
    bodies = []
    for path in (f"/api/v1/c/{slug}/units?limit=50", f"/floor/c/{slug}/units?limit=50"):
        request = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request, timeout=30) as r:
            bodies.append(json.load(r))
    if bodies[0] != bodies[1]:
        return f"the floor's answer differs from the app's: {str(bodies[1])[:200]} vs {str(bodies[0])[:200]}"
    say(f"floor: answers GET {slug}'s units exactly as the app does ({len(bodies[0]['items'])} units, same JSON)")
    return None


# --- main ---------------------------------------------------------------------------------------

def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--duration", type=int, default=10,
                   help="measured seconds per endpoint, split over --rounds alternating runs (default 10)")
    p.add_argument("--communities", type=int, default=100, help="communities to generate (default 100)")
    p.add_argument("--units", type=int, default=135, help="units per community (default 135)")
    p.add_argument("--sqlite", action="store_true", help="use SQLite in a temp dir instead of PostgreSQL")
    p.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2: one per core here)")
    p.add_argument("--worker-class", choices=["sync", "gthread"], default="sync",
                   help="gunicorn worker class (default sync: measured best here, see bench/README.md)")
    p.add_argument("--threads", type=int, default=4, help="threads per gthread worker (default 4)")
    p.add_argument("--connections", type=int, default=8, help="wrk connections (default 8)")
    p.add_argument("--wrk-threads", type=int, default=1, help="wrk threads (default 1)")
    p.add_argument("--rounds", type=int, default=2,
                   help="alternate healthz and list this many times, so a change in background load hits both "
                        "(default 2)")
    p.add_argument("--warmup", type=int, default=3, help="unmeasured warm-up seconds per endpoint (default 3)")
    p.add_argument("--profile", type=int, default=0, metavar="N",
                   help="also profile N list requests in-process (CPU ladder + cProfile by package)")
    p.add_argument("--keep", action="store_true", help="keep the database and temp dir afterwards (for profiling)")
    args = p.parse_args(argv)
    if min(args.communities, args.units, args.duration, args.rounds, args.workers, args.connections) < 1:
        p.error("counts and durations must be at least 1")
    return args


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main(argv=None) -> int:
    args = parse_args(argv)
    if not shutil.which("wrk"):
        say("wrk is not installed (apt-get install wrk): it is the load client of this benchmark")
        print(json.dumps({"bench": "http", "error": "wrk not installed"}), flush=True)
        return 2
    signal.signal(signal.SIGTERM, _interrupt)
    logging.disable(logging.INFO)  # the app and Alembic log at INFO; keep the report readable
    started = time.monotonic()
    tmp = tempfile.mkdtemp(prefix="huzhu-bench-")
    backend = "sqlite" if args.sqlite else ("postgresql" if postgres_reachable() else "sqlite")
    if backend == "sqlite" and not args.sqlite:
        say("PostgreSQL does not answer on 127.0.0.1:5432: falling back to SQLite")
    gunicorn = log = None
    pg_created = False
    try:
        if backend == "postgresql":
            app_url, owner_url = create_pg_database()
            pg_created = True
            where = (f"PostgreSQL database {PG_DB} (tables owned by {OWNER_ROLE}; "
                     f"the app connects as {APP_ROLE}, row-level security on)")
        else:
            app_url, owner_url = f"sqlite:///{tmp}/bench.db", None
            where = f"SQLite {tmp}/bench.db"
        say(f"backend: {where}")

        from app import create_app

        app = create_app(app_config(app_url, owner_url))
        logging.disable(logging.INFO)  # create_app configures logging again
        t0 = time.monotonic()
        tokens = seed(app, args.communities, args.units)
        say(f"data: {args.communities} communities x {args.units} units = {args.communities * args.units} units, "
            f"one admin and one API token per community ({time.monotonic() - t0:.1f} s)")

        sql_count, set_config_count, statements, me_count = count_sql(app, *tokens[0],
                                                                      expected_items=min(50, args.units))
        say(f"statements per list request (in-process test client, after a warm-up request): {len(statements)} = "
            f"{sql_count} + {set_config_count} SELECT set_config (row-level security settings); "
            f"GET /api/v1/me: {me_count}")
        for statement in statements:
            say(f"    {statement[:110]}{'...' if len(statement) > 110 else ''}")

        if args.profile:
            profile_list(app, *tokens[0], n=args.profile)

        busy = background_busy()
        say(f"machine before the run: {busy:.0f}% of one core busy ({os.cpu_count()} cores)")

        env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_OWNER_URL")}
        env.update(DATABASE_URL=app_url, HUZHU_ENV="production", SECRET_KEY=SECRET_KEY,
                   PUBLIC_BASE_URL="http://bench.invalid", PYTHONDONTWRITEBYTECODE="1")
        port = free_port()
        log_path = os.path.join(tmp, "gunicorn.log")
        log = open(log_path, "w")  # noqa: SIM115 (closed in finally, after gunicorn)
        gunicorn = start_gunicorn(env, port, args.workers, args.worker_class, args.threads, log)
        wait_until_up(gunicorn, port, log_path)
        base = f"http://127.0.0.1:{port}"
        threads = f", {args.threads} threads each" if args.worker_class == "gthread" else ""
        say(f"server: gunicorn bench.floor:application (wsgi:app, and the floor under /floor/) --workers "
            f"{args.workers} --worker-class {args.worker_class}{threads} on {base} (HUZHU_ENV=production, no Redis)")
        sampler = WorkerSampler(gunicorn.pid)
        sampler.start()

        # The real log-in path once, over HTTP (scrypt); its token joins the pool of list requests.
        login = urllib.request.Request(f"{base}/api/v1/auth/tokens", method="POST",
                                       data=json.dumps({"email": "admin000@bench.example",
                                                        "password": PASSWORD}).encode(),
                                       headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(login, timeout=30) as r:
            tokens.append((tokens[0][0], json.load(r)["token"]))
        same = same_answer(base, *tokens[0])

        list_lua = lua_script(os.path.join(tmp, "list.lua"),
                              [(f"/api/v1/c/{slug}/units?limit=50", token) for slug, token in tokens])
        floor_lua = lua_script(os.path.join(tmp, "floor.lua"),
                               [(f"/floor/c/{slug}/units?limit=50", token) for slug, token in tokens])
        health_lua = lua_script(os.path.join(tmp, "healthz.lua"), [("/healthz", "")])
        per_run = max(1, round(args.duration / args.rounds))
        say(f"load: wrk -t{args.wrk_threads} -c{args.connections}; {args.warmup} s warm-up per endpoint, then "
            f"{args.rounds} x (healthz {per_run} s, list {per_run} s, floor {per_run} s); each list and floor "
            f"request picks one of {len(tokens)} (community, token) pairs at random")
        opts = {"threads": args.wrk_threads, "connections": args.connections}
        for lua in (health_lua, list_lua, floor_lua):
            run_wrk(base + "/", lua, duration=args.warmup, workers=[], **opts)
        workers = sampler.workers()
        db_name = PG_DB if backend == "postgresql" else None
        sampler.reset()
        healthz, listing, floor = Totals("healthz"), Totals("list"), Totals("floor")
        for _ in range(args.rounds):
            for lua, totals in ((health_lua, healthz), (list_lua, listing), (floor_lua, floor)):
                run_wrk(base + "/", lua, duration=per_run, workers=workers, db_name=db_name, totals=totals, **opts)
        sampler.sample()
        sampler.stopped.set()
        sampler.join()
        hwm_kb = {pid: status_kb(pid, "VmHWM") for pid in sampler.workers()}
        for t in (healthz, listing, floor):
            say(describe(t, backend))

        ratio = listing.rps / healthz.rps if healthz.rps else 0.0
        floor_ratio = listing.rps / floor.rps if floor.rps else 0.0
        statements_count = sql_count + set_config_count
        load_mb = max(sampler.peak_kb.values(), default=0) / 1024
        peak_mb = max(max(hwm_kb.values(), default=0) / 1024, load_mb)
        say(f"worker RSS under load (sampled every 0.1 s during the measured runs): "
            f"{', '.join(f'{kb / 1024:.0f} MB' for kb in sampler.peak_kb.values())}")
        say(f"worker peak RSS (VmHWM, whole life: start-up, one log-in, warm-up, runs): "
            f"{', '.join(f'{kb / 1024:.0f} MB' for kb in hwm_kb.values())}")
        say(f"aim worker < {RSS_AIM_MB} MB: {'met' if peak_mb < RSS_AIM_MB else 'MISSED'} (peak {peak_mb:.0f} MB)")
        say(f"aim ratio list/floor >= {FLOOR_RATIO_AIM}: {'met' if floor_ratio >= FLOOR_RATIO_AIM else 'MISSED'} "
            f"({floor_ratio:.3f})")
        say(f"aim statements per list request <= {STATEMENTS_AIM}: "
            f"{'met' if statements_count <= STATEMENTS_AIM else 'MISSED'} ({statements_count})")
        say(f"(the first aim, ratio list/healthz >= {RATIO_AIM}: {ratio:.3f}; see bench/README.md)")

        problems, warnings = [] if same is None else [same], []
        for t in (healthz, listing, floor):
            if t.non_2xx or t.socket_errors or not t.requests:
                problems.append(f"{t.name}: {t.non_2xx} non-2xx answers and {t.socket_errors} socket errors "
                                f"in {t.requests} requests")
        if sampler.seen - set(workers):
            problems.append("gunicorn replaced a worker during the measured runs")
        for t in (healthz, listing, floor):
            if t.pct(t.wrk_cpu) > 50:
                warnings.append(f"wrk used {t.pct(t.wrk_cpu):.0f}% of a core during {t.name}: the client may limit it")
            other = t.pct(t.other_cpu)
            if other > 25:
                warnings.append(f"other processes used {other:.0f}% of a core during {t.name}: figures are noisy")
        for line in problems:
            say(f"PROBLEM: {line}")
        for line in warnings:
            say(f"WARNING: {line}")
        say(f"total time {time.monotonic() - started:.0f} s")
        result = {
            "bench": "http",
            "list_rps": round(listing.rps, 1),
            "healthz_rps": round(healthz.rps, 1),
            "ratio": round(ratio, 3),
            "floor_rps": round(floor.rps, 1),
            "floor_ratio": round(floor_ratio, 3),
            "statements_per_request": statements_count,
            "sql_per_request": sql_count,
            "set_config_per_request": set_config_count,
            "me_statements_per_request": me_count,
            "worker_peak_rss_mb": round(peak_mb, 1),
            "worker_rss_under_load_mb": round(load_mb, 1),
            "list_cpu_ms_per_request": round(listing.per_request_ms(listing.workers_cpu), 2),
            "floor_cpu_ms_per_request": round(floor.per_request_ms(floor.workers_cpu), 2),
            "healthz_cpu_ms_per_request": round(healthz.per_request_ms(healthz.workers_cpu), 2),
            "list_db_cpu_ms_per_request": round(listing.per_request_ms(listing.db_cpu), 2),
            "floor_db_cpu_ms_per_request": round(floor.per_request_ms(floor.db_cpu), 2),
            "list_p50_ms": listing.p("50"),
            "list_p99_ms": listing.p("99"),
            "floor_p50_ms": floor.p("50"),
            "healthz_p50_ms": healthz.p("50"),
            "backend": backend,
            "communities": args.communities,
            "units_per_community": args.units,
            "gunicorn": f"--workers {args.workers} --worker-class {args.worker_class}"
                        + (f" --threads {args.threads}" if args.worker_class == "gthread" else ""),
            "wrk": f"-t{args.wrk_threads} -c{args.connections}, {args.rounds} x {per_run} s per endpoint",
            "wrk_cpu_pct": round(max(t.pct(t.wrk_cpu) for t in (healthz, listing, floor)), 1),
            "background_cpu_pct": round(busy, 1),
            "aims_met": floor_ratio >= FLOOR_RATIO_AIM and statements_count <= STATEMENTS_AIM
                        and peak_mb < RSS_AIM_MB,
            "problems": problems,
            "warnings": warnings,
        }
        print(json.dumps(result, ensure_ascii=False), flush=True)
        return 1 if problems else 0
    except KeyboardInterrupt:
        say("interrupted")
        print(json.dumps({"bench": "http", "error": "interrupted"}), flush=True)
        return 130
    except Exception as err:
        import traceback

        traceback.print_exc()
        print(json.dumps({"bench": "http", "error": f"{type(err).__name__}: {err}"[:500]}), flush=True)
        return 1
    finally:
        stop(gunicorn)
        if log is not None:
            log.close()
        if args.keep:
            print(f"kept: {tmp}" + (f" and database {PG_DB}" if pg_created else ""), file=sys.stderr)
        else:
            if pg_created:
                try:
                    drop_pg_database()
                except Exception as err:  # never hide the result behind a failed clean-up
                    print(f"could not drop {PG_DB}: {err}", file=sys.stderr)
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
