"""Ballot benchmark: 10,000 voters cast their votes through the API on a real server, then the closing job, against
one raw SQL GROUP BY of the same tallies in the same run.

    .venv/bin/python bench/ballots.py [--voters 10000] [--clients 16] [--secret] [--sqlite] [--keep]

1. Makes a throwaway database: PostgreSQL `huzhu_bench_ballots` (tables owned by huzhu_owner, the app connecting as
   huzhu_app under row-level security, as in production), or SQLite in a temp dir with --sqlite or when PostgreSQL
   does not answer on 127.0.0.1:5432.
2. One community, one coordinator and N members with the representative role (bulk Core inserts), one API token
   each; a ballot (yes / no / abstain, open now) whose electorate is the representatives: frozen at opening by the
   service's one INSERT … SELECT, timed.
3. Serves the app with gunicorn (wsgi:app, --workers 2 --worker-class gthread --threads 4) on a free 127.0.0.1
   port; --clients threads, each with its own keep-alive connection, POST every voter's vote
   (`/api/v1/c/<slug>/ballots/<id>/votes`, voter i chooses yes, no or abstain by i mod 3) and check each 201.
4. Moves the closing time into the past and runs the closing job (`services.close_due`) in-process, counting its
   SQL statements (a `before_cursor_execute` listener) and timing it from the job's first statement to its commit.
5. Times one raw `SELECT option_key, count(*) … GROUP BY option_key` of the same votes (best of 5), checks that
   its tallies, the job's stored result and the expected counts agree.
6. Kills gunicorn and drops the database (or the temp dir), whatever happened.

Human-readable lines first; the last line of stdout is one JSON object. See bench/README.md ("ballots").
"""
import os
import sys

# bench/ holds http.py: drop the directory from the path, or it would shadow the standard `http` package.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]
ROOT = os.path.dirname(_HERE)
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import argparse  # noqa: E402
import http.client  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
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

PG_DB = "huzhu_bench_ballots"
SLUG = "bench-vote"
SECRET_KEY = "bench-secret-key-not-for-production"
CHOICES = ("yes", "no", "abstain")
CLOSE_RATIO_AIM = 3.0  # the closing job / the raw GROUP BY
CLOSE_STATEMENTS_AIM = 20  # bounded, whatever the number of votes


def say(*parts) -> None:
    print(*parts, flush=True)


def postgres_reachable() -> bool:
    try:
        pgdb.check_reachable()
        return True
    except RuntimeError:
        return False


def app_config(app_url: str, owner_url: str | None) -> dict:
    return {"HUZHU_ENV": "production", "SQLALCHEMY_DATABASE_URI": app_url, "DATABASE_OWNER_URL": owner_url,
            "SECRET_KEY": SECRET_KEY, "PUBLIC_BASE_URL": "http://bench.invalid", "REDIS_URL": None}


def seed(app, voters: int) -> tuple[int, int, list[str], float]:
    """Migrate; the community, its coordinator, the representatives and their tokens; the ballot opened now.
    Returns (community id, ballot id, tokens, seconds the opening took)."""
    import secrets
    from datetime import timedelta

    from flask_migrate import upgrade
    from sqlalchemy import insert, select

    from app.accounts.models import ApiToken, User, digest
    from app.accounts.services import TOKEN_PREFIX
    from app.ballots import services as ballots
    from app.core.extensions import db
    from app.members.services import add_member
    from tenants.clock import utcnow
    from tenants.context import tenant_context
    from tenants.models import Membership, MembershipRole
    from tenants.services import create_community

    with app.app_context():
        upgrade()
        community = create_community(slug=SLUG, name="压测表决社区", street="T街道")
        staff = User(name="协调员", email="staff@bench.example", password_hash="!")
        db.session.add(staff)
        db.session.flush()
        with tenant_context(community.id):
            add_member(staff, ["admin", "coordinator"])
            db.session.commit()
        rows = [{"name": f"代表{i:05d}", "email": f"rep{i:05d}@bench.example", "password_hash": "!",
                 "quiet_start": 0, "quiet_end": 0, "active": True, "large_text": False} for i in range(voters)]
        db.session.execute(insert(User), rows)
        user_ids = list(db.session.execute(select(User.id).where(User.email.like("rep%@bench.example"))
                                           .order_by(User.email)).scalars())
        tokens = [TOKEN_PREFIX + secrets.token_urlsafe(32) for _ in user_ids]
        db.session.execute(insert(ApiToken), [{"user_id": u, "name": "bench", "token_hash": digest(t),
                                               "prefix": t[:10], "created_at": utcnow()}
                                              for u, t in zip(user_ids, tokens, strict=True)])
        with tenant_context(community.id):
            db.session.execute(insert(Membership), [{"user_id": u, "created_at": utcnow()} for u in user_ids])
            memberships = list(db.session.execute(select(Membership.id).where(
                Membership.user_id.in_(select(User.id).where(User.email.like("rep%@bench.example"))))).scalars())
            db.session.execute(insert(MembershipRole), [{"membership_id": m, "role": "representative"}
                                                        for m in memberships])
            db.session.commit()
            t0 = time.perf_counter()
            ballot = ballots.create(subject_type="question", subject_id=None, title="是否同意周六开放活动室？",
                                    closes_at=utcnow() + timedelta(hours=2), actor_id=staff.id,
                                    electorate={"roles": ["representative"]}, quorum_pct=50,
                                    secret=SECRET)
            db.session.commit()
            opened = time.perf_counter() - t0
            return community.id, ballot.id, tokens, opened


SECRET = False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(env: dict, port: int, workers: int, threads: int, log):
    cmd = [sys.executable, "-m", "gunicorn", "wsgi:app", "--chdir", ROOT, "--bind", f"127.0.0.1:{port}",
           "--workers", str(workers), "--worker-class", "gthread", "--threads", str(threads),
           "--log-level", "warning"]
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
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


def cast_votes(port: int, ballot_id: int, tokens: list[str], clients: int) -> tuple[float, list[str]]:
    """Every voter's vote over HTTP from `clients` threads; (seconds, problems)."""
    path = f"/api/v1/c/{SLUG}/ballots/{ballot_id}/votes"
    problems: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(clients + 1)

    def client(k: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        barrier.wait()
        for i in range(k, len(tokens), clients):
            body = json.dumps({"choices": [CHOICES[i % 3]]})
            for attempt in range(3):
                try:
                    conn.request("POST", path, body=body, headers={
                        "Authorization": f"Bearer {tokens[i]}", "Content-Type": "application/json"})
                    response = conn.getresponse()
                    text = response.read()
                    break
                except (ConnectionError, http.client.HTTPException):
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                    if attempt == 2:
                        raise
            if response.status != 201:
                with lock:
                    problems.append(f"voter {i}: {response.status} {text[:200]!r}")
        conn.close()

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    return time.perf_counter() - t0, problems


def close_and_compare(app, community_id: int, ballot_id: int) -> dict:
    """The closing job, counted and timed, then the raw GROUP BY of the same votes."""
    from datetime import timedelta

    from sqlalchemy import event, text, update

    from app.ballots import services as ballots
    from app.ballots.models import Ballot
    from app.core.extensions import db
    from tenants.clock import utcnow
    from tenants.context import tenant_context

    with app.app_context(), tenant_context(community_id):
        # A worker runs this job every five minutes: its statements are compiled and cached, its connection open.
        # Warm the process up the same way with a small ballot closed first (not measured).
        warm = ballots.create(subject_type="question", subject_id=None, title="预热", actor_id=None,
                              closes_at=utcnow() + timedelta(hours=1), electorate={"roles": ["admin"]},
                              secret=SECRET)
        db.session.execute(update(Ballot).where(Ballot.id == warm.id)
                           .values(closes_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
        ballots.close_due()
        db.session.commit()
        db.session.execute(update(Ballot).where(Ballot.id == ballot_id)
                           .values(closes_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
        db.session.execute(text("SELECT 1")).all()  # the connection is open and its settings sent, as in a worker
        db.session.commit()
        statements: list[str] = []
        timings: list[float] = []
        started: list[float] = []

        def before(conn, cursor, statement, parameters, context, executemany):
            statements.append(" ".join(statement.split()))
            started.append(time.perf_counter())

        def after(conn, cursor, statement, parameters, context, executemany):
            timings.append(time.perf_counter() - started[-1])

        event.listen(db.engine, "before_cursor_execute", before)
        event.listen(db.engine, "after_cursor_execute", after)
        t0 = time.perf_counter()
        closed = ballots.close_due()
        t_commit = time.perf_counter()
        db.session.commit()
        close_s = time.perf_counter() - t0
        commit_s = time.perf_counter() - t_commit
        event.remove(db.engine, "before_cursor_execute", before)
        event.remove(db.engine, "after_cursor_execute", after)
        ballot = ballots.get(ballot_id)
        result = ballot.result
        raw_sql = ("SELECT key, votes FROM ballot_options WHERE ballot_id = :id" if ballot.secret else
                   "SELECT option_key, count(*) FROM ballot_votes WHERE ballot_id = :id GROUP BY option_key")
        raw_times, raw = [], {}
        for _ in range(5):
            db.session.commit()  # each run in a transaction of its own, as the job's
            t0 = time.perf_counter()
            raw = dict(db.session.execute(text(raw_sql), {"id": ballot_id}).all())
            db.session.commit()
            raw_times.append(time.perf_counter() - t0)
        return {"closed": closed, "close_s": close_s, "statements": statements, "timings": timings,
                "commit_s": commit_s, "result": result,
                "raw": {k: int(v) for k, v in raw.items()}, "raw_s": min(raw_times)}


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--voters", type=int, default=10000)
    p.add_argument("--clients", type=int, default=16, help="concurrent HTTP clients (threads, keep-alive)")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--threads", type=int, default=4, help="gunicorn gthread threads per worker")
    p.add_argument("--secret", action="store_true", help="a secret ballot (counters instead of vote rows)")
    p.add_argument("--sqlite", action="store_true")
    p.add_argument("--keep", action="store_true", help="keep the database and the temp dir")
    return p.parse_args(argv)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main(argv=None) -> int:
    global SECRET
    args = parse_args(argv)
    SECRET = args.secret
    signal.signal(signal.SIGTERM, _interrupt)
    logging.disable(logging.INFO)
    tmp = tempfile.mkdtemp(prefix="huzhu-bench-ballots-")
    backend = "sqlite" if args.sqlite else ("postgresql" if postgres_reachable() else "sqlite")
    if backend == "sqlite" and not args.sqlite:
        say("PostgreSQL does not answer on 127.0.0.1:5432: falling back to SQLite")
    gunicorn = log = None
    pg_created = False
    problems: list[str] = []
    try:
        if backend == "postgresql":
            app_url, owner_url = pgdb.create_database(PG_DB)
            pg_created = True
            say(f"backend: PostgreSQL database {PG_DB} (the app connects as {pgdb.APP_ROLE}, row-level security on)")
        else:
            app_url, owner_url = f"sqlite:///{tmp}/bench.db", None
            say(f"backend: SQLite {tmp}/bench.db")
        from app import create_app

        app = create_app(app_config(app_url, owner_url))
        logging.disable(logging.INFO)
        t0 = time.monotonic()
        community_id, ballot_id, tokens, opened_s = seed(app, args.voters)
        say(f"data: {args.voters} representatives with a token each ({time.monotonic() - t0:.1f} s); the ballot "
            f"opened with its electorate frozen in {opened_s * 1000:.0f} ms"
            f"{' (secret)' if args.secret else ''}")

        env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_OWNER_URL")}
        env.update(DATABASE_URL=app_url, HUZHU_ENV="production", SECRET_KEY=SECRET_KEY,
                   PUBLIC_BASE_URL="http://bench.invalid", PYTHONDONTWRITEBYTECODE="1")
        port = free_port()
        log_path = os.path.join(tmp, "gunicorn.log")
        log = open(log_path, "w")  # noqa: SIM115 (closed in finally, after gunicorn)
        gunicorn = start_gunicorn(env, port, args.workers, args.threads, log)
        wait_until_up(gunicorn, port, log_path)
        say(f"server: gunicorn wsgi:app --workers {args.workers} --worker-class gthread --threads {args.threads}; "
            f"{args.clients} clients")
        votes_s, vote_problems = cast_votes(port, ballot_id, tokens, args.clients)
        problems += vote_problems[:5]
        if len(vote_problems) > 5:
            problems.append(f"... and {len(vote_problems) - 5} more refused votes")
        votes_per_s = args.voters / votes_s
        say(f"votes: {args.voters} in {votes_s:.1f} s = {votes_per_s:.0f} votes/s")
        stop(gunicorn)

        closing = close_and_compare(app, community_id, ballot_id)
        expected = {c: len(range(i, args.voters, 3)) for i, c in enumerate(CHOICES)}
        stored = {t["key"]: t["votes"] for t in closing["result"]["tallies"]}
        if closing["closed"] != 1:
            problems.append(f"the job closed {closing['closed']} ballots, not 1")
        if stored != expected or closing["raw"] != expected:
            problems.append(f"tallies differ: job {stored}, raw SQL {closing['raw']}, expected {expected}")
        if closing["result"]["turnout"] != args.voters:
            problems.append(f"turnout {closing['result']['turnout']} != {args.voters}")
        sql = [s for s in closing["statements"] if not s.upper().startswith("SELECT SET_CONFIG")]
        ratio = closing["close_s"] / closing["raw_s"]
        say(f"close: {closing['close_s'] * 1000:.1f} ms, {len(closing['statements'])} statements "
            f"({len(sql)} + {len(closing['statements']) - len(sql)} set_config); raw GROUP BY "
            f"{closing['raw_s'] * 1000:.2f} ms (best of 5); ratio {ratio:.1f} (aim <= {CLOSE_RATIO_AIM})")
        for statement, spent in zip(closing["statements"], closing["timings"], strict=False):
            say(f"    {spent * 1000:6.2f} ms  {statement[:100]}{'...' if len(statement) > 100 else ''}")
        say(f"    {closing['commit_s'] * 1000:6.2f} ms  COMMIT")
        if len(closing["statements"]) > CLOSE_STATEMENTS_AIM:
            problems.append(f"the close sent {len(closing['statements'])} statements")
        for problem in problems:
            say(f"PROBLEM: {problem}")
        print(json.dumps({
            "bench": "ballots", "backend": backend, "voters": args.voters, "clients": args.clients,
            "secret": args.secret, "votes_per_s": round(votes_per_s, 1), "votes_s": round(votes_s, 2),
            "open_ms": round(opened_s * 1000, 1), "close_s": round(closing["close_s"], 4),
            "close_statements": len(closing["statements"]), "close_sql_statements": len(sql),
            "raw_group_by_s": round(closing["raw_s"], 5), "close_raw_ratio": round(ratio, 2),
            "outcome": closing["result"]["outcome"], "tallies": stored, "problems": len(problems),
        }), flush=True)
        return 1 if problems else 0
    finally:
        stop(gunicorn)
        if log is not None:
            log.close()
        if not args.keep:
            if pg_created:
                pgdb.drop_database(PG_DB)
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
