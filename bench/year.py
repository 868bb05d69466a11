"""The year's account benchmark: the yearly report, the street's comparison, the fund's balance, a campaign's snapshot.

    .venv/bin/python bench/year.py [--communities 100] [--streets 10] [--lines 100000] [--samples 40] [--sqlite]
                                   [--keep]

1. Makes a throwaway database: PostgreSQL `huzhu_bench_year` (tables owned by huzhu_owner, the app connecting as
   huzhu_app under row-level security, as in production), or SQLite in a temp dir with --sqlite or when PostgreSQL
   does not answer on 127.0.0.1:5432; migrates.
2. Seeds 100 communities in 10 streets, each a year of records about the demo community's size (bench/year_data.py:
   135 units, 400 needs and their matches, ~2,600 meal orders, 30 activities with 600 registrations, public works,
   admissions): 100x the demo. One community's fund gets --lines ledger lines (bench/year_fund.py).
3. Report: the draft of one community's report (every yearbook part, as the report page builds it) against the raw
   SQL of its figures: the same statements, recorded while the report was built, sent again as they are on the same
   connection (no ORM, no Python around them). Median of 5 of each, alternating.
4. Street view: GET /s/<street>/?year= for a street of 10 communities, in-process (the app's test client, a street
   viewer logged in), p50/p95 of --samples.
5. Ledger balance: the balances of the fund with --lines lines, p50/p95 of --samples.
6. Snapshot: a commendation campaign's frozen snapshot of the evidence for one community's 135 units.
7. Drops the database (or the temp dir), whatever happened (--keep keeps it).

Human-readable lines first; the last line of stdout is one JSON object. See bench/README.md ("year").
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
import random  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

from bench import pgdb  # noqa: E402
from bench.matching import StatementCounter, migrate, pct, say  # noqa: E402

PG_DB = "huzhu_bench_year"
SECRET_KEY = "bench-secret-key-not-for-production"
PASSWORD = "bench-password-2026"
YEAR = 2026
REPORT_RATIO_AIM, STREET_P95_AIM_MS, BALANCE_P95_AIM_MS = 3.0, 100.0, 10.0


def postgres_reachable() -> bool:
    try:
        pgdb.check_reachable()
        return True
    except RuntimeError:
        return False


def app_config(app_url: str, owner_url: str | None) -> dict:
    return {"HUZHU_ENV": "production", "SQLALCHEMY_DATABASE_URI": app_url, "DATABASE_OWNER_URL": owner_url,
            "SECRET_KEY": SECRET_KEY, "PUBLIC_BASE_URL": "http://bench.invalid", "REDIS_URL": None,
            "SMTP_HOST": None, "RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False}


class Recorder:
    """Records every statement the engine sends (text and parameters) while `on`."""

    def __init__(self, engine):
        from sqlalchemy import event

        self.engine, self.on, self.statements = engine, False, []
        self._event = event
        event.listen(engine, "before_cursor_execute", self._before)

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        if self.on and not executemany:
            self.statements.append((statement, parameters))

    def close(self) -> None:
        self._event.remove(self.engine, "before_cursor_execute", self._before)


def seed(app, n_communities: int, n_streets: int) -> dict:
    from werkzeug.security import generate_password_hash

    from app.accounts.models import User
    from app.core.extensions import db
    from app.members.services import add_member
    from bench.year_data import YearSeeder
    from tenants.context import tenant_context
    from tenants.services import create_community

    rng = random.Random(2026)
    password_hash = generate_password_hash(PASSWORD, method="scrypt")  # once: scrypt is slow on purpose
    sort_keys: dict[str, str] = {}
    seeder = YearSeeder(rng, YEAR)
    communities, totals, started = [], {}, time.perf_counter()
    for i in range(n_communities):
        street = f"第{i % n_streets + 1:02d}街道"
        community = create_community(slug=f"year-{i:03d}", name=f"年度社区{i:03d}", street=street)
        staff = User(name=f"协调员{i:03d}", email=f"staff{i:03d}@bench.example", password_hash=password_hash)
        db.session.add(staff)
        db.session.flush()
        with tenant_context(community.id):
            add_member(staff, ["admin", "coordinator"])
            made = seeder.community(community.id, staff.id, 1000 + i, sort_keys)
        for key, value in made.items():
            if not key.endswith("_ids"):
                totals[key] = totals.get(key, 0) + value
        communities.append({"id": community.id, "slug": community.slug, "street_id": community.street_id,
                            "staff_id": staff.id, **{k: v for k, v in made.items() if k.endswith("_ids")}})
        if (i + 1) % 20 == 0:
            say(f"  seeded {i + 1} communities ({time.perf_counter() - started:.0f} s)")
    db.session.commit()
    return {"communities": communities, "totals": totals, "password_hash": password_hash}


def measure_report(app, community_id: int) -> dict:
    """The draft report of one community (every yearbook part) against the raw SQL of the same statements."""
    from app import yearbook
    from app.core.extensions import db
    from tenants.context import tenant_context

    recorder = Recorder(db.engine)
    builds, raws, parts = [], [], []
    try:
        for round_ in range(6):
            with tenant_context(community_id):
                db.session.rollback()
                db.session.execute(db.text("SELECT 1"))  # the transaction (and its tenant settings) opened first
                recorder.on, recorder.statements = round_ == 0, []
                t0 = time.perf_counter()
                parts = yearbook.parts(YEAR)
                elapsed = time.perf_counter() - t0
                recorder.on = False
                if round_ == 0:
                    statements = list(recorder.statements)
                    continue  # the first build warms the caches and records the statements
                builds.append(elapsed)
                connection = db.session.connection()
                cursor = connection.connection.driver_connection.cursor()
                t0 = time.perf_counter()
                for statement, parameters in statements:
                    cursor.execute(statement, parameters)
                    cursor.fetchall()
                raws.append(time.perf_counter() - t0)
                cursor.close()
                db.session.rollback()
    finally:
        recorder.close()
    build, raw = statistics.median(builds), statistics.median(raws)
    return {"report_build_s": round(build, 4), "report_raw_s": round(raw, 4),
            "report_raw_ratio": round(build / raw, 2) if raw else None, "report_statements": len(statements),
            "report_parts": len(parts), "report_figures": sum(len(p.figures) for p in parts)}


def seed_ledger(app, community: dict, n_lines: int) -> int:
    from app.core.extensions import db
    from bench.year_data import ledger_lines
    from tenants.context import tenant_context

    with tenant_context(community["id"]):
        made = ledger_lines(random.Random(7), YEAR, community["id"], n_lines, community["staff_id"])
        db.session.commit()
    return made


def measure_balance(app, community_id: int, samples: int) -> dict:
    """The fund's balances (every account, to the year's end) as the fund's pages read them."""
    from datetime import date

    from app.core.extensions import db
    from app.fund import ledger
    from tenants.context import tenant_context

    times = []
    with tenant_context(community_id):
        for i in range(samples + 3):
            db.session.rollback()
            db.session.execute(db.text("SELECT 1"))
            t0 = time.perf_counter()
            ledger.balances(until=date(YEAR, 12, 31))
            if i >= 3:
                times.append(time.perf_counter() - t0)
        db.session.rollback()
    return {"ledger_balance_p50_ms": round(pct(times, 50) * 1000, 2),
            "ledger_balance_p95_ms": round(pct(times, 95) * 1000, 2)}


def measure_street(app, world: dict, samples: int) -> dict:
    """GET /s/<street>/?year= for the first street (its communities side by side), as a logged-in viewer."""
    from sqlalchemy import select

    from app.accounts.models import User
    from app.core.extensions import db
    from app.streets.models import StreetViewer
    from tenants.models import Community, Street

    first = world["communities"][0]
    street = db.session.get(Street, first["street_id"])
    members = db.session.execute(select(Community.id).where(Community.street_id == street.id)).scalars().all()
    viewer = User(name="街道观察员", email="street@bench.example", password_hash=world["password_hash"])
    db.session.add(viewer)
    db.session.flush()
    db.session.add(StreetViewer(street_id=street.id, user_id=viewer.id))
    db.session.commit()
    client = app.test_client()
    signed = client.post("/login", data={"login": "street@bench.example", "password": PASSWORD})
    if signed.status_code not in (302, 303):
        raise RuntimeError(f"the street viewer could not log in: {signed.status_code}")
    url = f"/s/{street.slug}/?year={YEAR}"
    times, sql, counter = [], [], StatementCounter(db.engine)
    try:
        for i in range(samples + 3):
            counter.count, counter.seconds = 0, 0.0
            t0 = time.perf_counter()
            response = client.get(url)
            elapsed = time.perf_counter() - t0
            if response.status_code != 200:
                raise RuntimeError(f"{url} answered {response.status_code}")
            if i >= 3:
                times.append(elapsed)
                sql.append(counter.seconds)
        statements = counter.count
    finally:
        counter.close()
    return {"street_communities": len(members), "street_view_p50_ms": round(pct(times, 50) * 1000, 1),
            "street_view_p95_ms": round(pct(times, 95) * 1000, 1), "street_view_statements": statements,
            "street_view_sql_p50_ms": round(pct(sql, 50) * 1000, 1)}


def measure_snapshot(app, community: dict) -> dict:
    """A commendation campaign scored: the frozen snapshot of every active unit's record of the year (135 units), the
    commit included, against the contribution record alone (the statements it is built from)."""
    from app.commendations import services as commendations
    from app.contributions.services import record
    from app.core.extensions import db
    from tenants.context import tenant_context

    with tenant_context(community["id"]):
        campaign = commendations.create(year=YEAR, category="优秀会员单位", actor_id=community["staff_id"])
        commendations.open_campaign(campaign, actor_id=community["staff_id"])
        db.session.commit()
        record(YEAR)  # warm
        db.session.rollback()
        t0 = time.perf_counter()
        record(YEAR)
        raw = time.perf_counter() - t0
        db.session.rollback()
        t0 = time.perf_counter()
        commendations.score(campaign, actor_id=community["staff_id"])
        db.session.commit()
        elapsed = time.perf_counter() - t0
        units = len(campaign.snapshot["units"])
    return {"snapshot_s": round(elapsed, 4), "snapshot_units": units, "record_s": round(raw, 4)}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--communities", type=int, default=100)
    parser.add_argument("--streets", type=int, default=10)
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=40)
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--keep", action="store_true")
    return parser.parse_args(argv)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main(argv=None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)
    logging.disable(logging.WARNING)
    use_pg = not args.sqlite and postgres_reachable()
    tmp = tempfile.mkdtemp(prefix="huzhu-bench-year-")
    backend = "postgresql" if use_pg else "sqlite"
    if use_pg:
        app_url, owner_url = pgdb.create_database(PG_DB)
    else:
        app_url, owner_url = f"sqlite:///{tmp}/year.db", None
    say(f"backend: {backend}; {args.communities} communities in {args.streets} streets, a year each")
    result: dict = {"backend": backend}
    try:
        migrate(app_url, owner_url or app_url)
        from app.factory import create_app

        app = create_app(app_config(app_url, owner_url))
        with app.app_context():
            t0 = time.perf_counter()
            world = seed(app, args.communities, args.streets)
            result["seed_s"] = round(time.perf_counter() - t0, 1)
            result.update({f"rows_{k}": v for k, v in world["totals"].items()})
            say(f"seeded in {result['seed_s']} s: {world['totals']}")
            first = world["communities"][0]
            result.update(measure_report(app, first["id"]))
            say(f"report: built in {result['report_build_s'] * 1000:.1f} ms ({result['report_statements']} "
                f"statements, {result['report_parts']} parts) against {result['report_raw_s'] * 1000:.1f} ms of raw "
                f"SQL: ratio {result['report_raw_ratio']} (aim <= {REPORT_RATIO_AIM})")
            result.update(measure_street(app, world, args.samples))
            say(f"street view: {result['street_communities']} communities, p50 {result['street_view_p50_ms']} ms, "
                f"p95 {result['street_view_p95_ms']} ms (aim <= {STREET_P95_AIM_MS}), "
                f"{result['street_view_statements']} statements taking {result['street_view_sql_p50_ms']} ms (p50)")
            result.update(measure_snapshot(app, world["communities"][2]))
            say(f"snapshot: {result['snapshot_units']} units frozen in {result['snapshot_s'] * 1000:.1f} ms "
                f"(their record alone {result['record_s'] * 1000:.1f} ms)")
            t0 = time.perf_counter()
            result["ledger_lines"] = seed_ledger(app, world["communities"][1], args.lines)
            say(f"ledger: {result['ledger_lines']} lines in {time.perf_counter() - t0:.0f} s")
            result.update(measure_balance(app, world["communities"][1]["id"], args.samples))
            say(f"ledger balance: p50 {result['ledger_balance_p50_ms']} ms, p95 {result['ledger_balance_p95_ms']} ms "
                f"(aim <= {BALANCE_P95_AIM_MS})")
    finally:
        if args.keep:
            say(f"kept: {app_url}")
        else:
            if use_pg:
                pgdb.drop_database(PG_DB)
            shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
