"""Matching benchmark: proposals for one need among 100,000 offers, and the optimal batch beside greedy.

    .venv/bin/python bench/matching.py [--communities 1000] [--offers 100] [--samples 1000]
                                       [--batch-needs 5000] [--canteens 50] [--profile] [--keep]

1. Makes a throwaway PostgreSQL database `huzhu_bench_matching` (tables owned by huzhu_owner, the app
   connecting as huzhu_app under row-level security, as in production); migrates with `huzhu db upgrade`.
2. Seeds with bulk Core inserts, one community at a time under its tenant context (row-level security
   checks every row): N communities, each with 100 units, 100 offers (one per unit: ~10 meal canteens, the
   rest spread over the other kinds; a few paused, one closed on the day, some meal places already booked),
   30 residents with coordinates (a third with consent and sensitive attributes) and 30 open needs on the
   day (two thirds meals). Plus one batch community: 50 canteens, 5,000 residents, 5,000 open lunch needs.
3. Proposals: for --samples random open needs in random communities, one fresh session each (like a
   request: the community and the need are loaded first, untimed), times `matching.services.proposals(need)`
   and, on the same connection in the same transaction (same tenant setting), the raw SQL of the hard
   filter that `offers.services.offer_facts` runs first (active offers of the kind in the community),
   alternating which goes first; p50/p95 of both. Then a second, instrumented pass gives the breakdown
   (need facts, offer facts, engine; SQL statements per proposal).
4. Batch: `matching.services.batch_plan("meal", day, "lunch")` in the batch community: needs served by the
   optimal assignment (min-cost max-flow) versus greedy, wall time of the whole call and its parts, and the
   process's peak RSS during it (VmHWM reset just before, plus VmRSS sampled every 20 ms).
5. Drops the database, whatever happened (--keep keeps it).

Human-readable lines first; the last line of stdout is one JSON object. See bench/README.md ("matching").
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
import functools  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import math  # noqa: E402
import random  # noqa: E402
import signal  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from datetime import UTC, date, datetime, timedelta  # noqa: E402
from zoneinfo import ZoneInfo  # noqa: E402

from bench import pgdb  # noqa: E402

PG_DB = "huzhu_bench_matching"
OWNER_ROLE, APP_ROLE = pgdb.OWNER_ROLE, pgdb.APP_ROLE
SECRET_KEY = "bench-secret-key-not-for-production"
TZ = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 12, 1)  # a Tuesday
OTHER_KINDS = ("venue", "job", "training", "rehab", "legal", "health", "volunteer")
UNIT_TYPES = ("school", "shop", "enterprise", "property_company", "park", "cultural_centre", "clinic", "social_org")
MEAL_HOURS = {"breakfast": (7, 9), "lunch": (11, 13), "dinner": (17, 19)}
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
P95_AIM_MS = 20.0
SQL_RATIO_AIM = 3.0
RSS_AIM_MB = 500


def say(*parts) -> None:
    print(*parts, flush=True)


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (0–100), linear between the closest ranks."""
    s = sorted(values)
    if not s:
        return float("nan")
    k = (len(s) - 1) * q / 100
    lo, hi = math.floor(k), math.ceil(k)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


# --- database ------------------------------------------------------------------------------------

def _pg_admin(*statements: str, dbname: str = "postgres") -> None:
    pgdb.pg_admin(*statements, dbname=dbname)


def create_pg_database() -> tuple[str, str]:
    return pgdb.create_database(PG_DB)


def drop_pg_database() -> None:
    pgdb.drop_database(PG_DB)


def huzhu_command() -> list[str]:
    return pgdb.huzhu_command()


def migrate(app_url: str, owner_url: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMTP_")}
    env.update(DATABASE_URL=app_url, DATABASE_OWNER_URL=owner_url, HUZHU_ENV="production", SECRET_KEY=SECRET_KEY,
               PUBLIC_BASE_URL="http://bench.invalid", PYTHONPATH=ROOT, PYTHONDONTWRITEBYTECODE="1")
    env.pop("REDIS_URL", None)
    out = subprocess.run([*huzhu_command(), "db", "upgrade"], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=180)
    if out.returncode != 0:
        raise RuntimeError(f"huzhu db upgrade failed ({out.returncode}):\n{(out.stderr or out.stdout)[-3000:]}")


def app_config(app_url: str, owner_url: str) -> dict:
    return {"HUZHU_ENV": "production", "SQLALCHEMY_DATABASE_URI": app_url, "DATABASE_OWNER_URL": owner_url,
            "SECRET_KEY": SECRET_KEY, "PUBLIC_BASE_URL": "http://bench.invalid", "REDIS_URL": None,
            "SMTP_HOST": None}


# --- data ----------------------------------------------------------------------------------------

def _utc(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ).astimezone(UTC)


def _near(rng: random.Random, lat: float, lng: float, metres: float) -> tuple[float, float]:
    """A point within `metres` of (lat, lng), uniform over the disc."""
    r, a = metres * math.sqrt(rng.random()), rng.random() * 2 * math.pi
    return (lat + r * math.cos(a) / 111_320, lng + r * math.sin(a) / (111_320 * math.cos(math.radians(lat))))


def _weekly(rng: random.Random, meal: bool) -> dict:
    if meal:
        pattern = rng.choice(["lunch_dinner", "lunch_dinner", "all_day", "late_lunch", "none"])
        if pattern == "none":
            return {}
        hours = {"lunch_dinner": [["10:30", "13:30"], ["16:30", "19:30"]], "all_day": [["06:30", "20:00"]],
                 "late_lunch": [["11:30", "14:00"]]}[pattern]  # late_lunch misses an 11:00 start
        days = WEEKDAYS + (("sat",) if rng.random() < 0.5 else ())
        return {d: hours for d in days}
    if rng.random() < 0.3:
        return {}
    return {d: [["08:00", "18:00"]] for d in WEEKDAYS}


def _meal_eligibility(rng: random.Random) -> list:
    return rng.choice([["anyone"], ["anyone"], ["elderly"], ["elderly", "disabled"],
                       ["low_income", "living_alone", "disabled"]])


class Seeder:
    """Bulk Core inserts through the app's own session, one community at a time under its tenant context."""

    def __init__(self, app, rng: random.Random):
        self.app, self.rng = app, rng
        from app.core.extensions import db
        from app.needs.models import Need
        from app.offers.models import Offer, OfferClosure, OfferOccurrence
        from app.residents.models import Consent, Resident, SensitiveAttributes
        from app.units.models import Unit
        from tenants.models import Community

        self.db = db
        self.t = {name: model.__table__ for name, model in (
            ("communities", Community), ("units", Unit), ("offers", Offer), ("closures", OfferClosure),
            ("occurrences", OfferOccurrence), ("residents", Resident), ("consents", Consent),
            ("sensitive", SensitiveAttributes), ("needs", Need))}

    def _ids(self, table: str, rows: list[dict]) -> list[int]:
        t = self.t[table]
        return list(self.db.session.execute(t.insert().returning(t.c.id, sort_by_parameter_order=True), rows)
                    .scalars())

    def _rows(self, table: str, rows: list[dict]) -> None:
        if rows:
            self.db.session.execute(self.t[table].insert(), rows)

    def communities(self, n: int, prefix: str) -> list[int]:
        rows = [{"slug": f"{prefix}-{i}", "name": f"压测社区{i}", "status": "active", "timezone": "Asia/Shanghai",
                 "created_at": datetime.now(UTC)} for i in range(n)]
        ids = self._ids("communities", rows)
        self.db.session.commit()
        return ids

    def residents(self, cid: int, n: int, lat: float, lng: float, spread_m: float, elderly: float,
                  sensitive_share: float) -> list[tuple[int, float, float]]:
        rng, now = self.rng, datetime.now(UTC)
        rows, points = [], []
        for i in range(n):
            la, ln = _near(rng, lat, lng, spread_m)
            born = date(rng.randint(1930, 1965) if rng.random() < elderly else rng.randint(1966, 2000),
                        rng.randint(1, 12), rng.randint(1, 28))
            rows.append({"community_id": cid, "name": f"居民{i}", "name_sort": f"jumin{i:05d}", "latitude": la,
                         "longitude": ln, "birth_date": born, "status": "active", "created_at": now,
                         "updated_at": now})
            points.append((la, ln))
        ids = self._ids("residents", rows)
        consenting = [rid for rid in ids if rng.random() < sensitive_share]
        self._rows("consents", [{"community_id": cid, "resident_id": rid, "purpose": "services", "given_by": "本人",
                                 "method": "in_person", "given_at": now} for rid in consenting])
        sensitive = []
        for rid in consenting:
            disabled = rng.random() < 0.35
            sensitive.append({"community_id": cid, "resident_id": rid,
                              "disability_category": rng.choice(["physical", "visual", "hearing"]) if disabled
                              else None,
                              "disability_grade": rng.randint(1, 4) if disabled else None,
                              "low_income": rng.random() < 0.4, "living_alone": rng.random() < 0.4,
                              "special_hardship": False, "updated_at": now})
        self._rows("sensitive", sensitive)
        return [(rid, la, ln) for rid, (la, ln) in zip(ids, points, strict=True)]

    def units(self, cid: int, n: int) -> list[int]:
        now = datetime.now(UTC)
        return self._ids("units", [{"community_id": cid, "name": f"单位{j:03d}", "name_sort": f"danwei{j:03d}",
                                    "type": UNIT_TYPES[j % len(UNIT_TYPES)], "status": "active", "created_at": now,
                                    "updated_at": now} for j in range(n)])

    def offer_row(self, cid: int, unit_id: int, kind: str, lat: float, lng: float, **extra) -> dict:
        rng = self.rng
        meal = kind == "meal"
        row = {"community_id": cid, "unit_id": unit_id, "kind": kind, "title": f"{kind} {unit_id}", "description": "",
               "terms": "free", "price_cents": 0,
               "eligibility": _meal_eligibility(rng) if meal else (["anyone"] if rng.random() < 0.7
                                                                    else ["elderly", "low_income"]),
               "latitude": lat, "longitude": lng,
               "radius_m": rng.choice([800, 1200, 1500, 2000, 3000, None]),
               "capacity": rng.randint(20, 80) if meal else rng.randint(5, 50),
               "slots": rng.choice([["lunch"], ["lunch", "dinner"], ["breakfast", "lunch", "dinner"], ["dinner"]])
               if meal else [],
               "delivery": meal and rng.random() < 0.3, "weekly": _weekly(rng, meal), "valid_from": None,
               "valid_until": None, "status": "active" if rng.random() < 0.92 else "paused",
               "rating_sum": 0, "rating_count": 0, "created_at": datetime.now(UTC)}
        if rng.random() < 0.5:
            row["rating_count"] = rng.randint(1, 40)
            row["rating_sum"] = round(row["rating_count"] * rng.uniform(3.0, 5.0))
        row.update(extra)
        return row

    def need_rows(self, cid: int, people: list[tuple[int, float, float]], n: int, meal_share: float,
                  slot: str | None = None) -> list[dict]:
        rng = self.rng
        base = _utc(DAY, 7)
        rows = []
        for i in range(n):
            rid, la, ln = people[i % len(people)] if slot else rng.choice(people)
            if rng.random() < meal_share:
                kind, s = "meal", slot or rng.choice(["lunch", "lunch", "lunch", "dinner", "breakfast"])
                start, end = _utc(DAY, MEAL_HOURS[s][0]), _utc(DAY, MEAL_HOURS[s][1])
            else:
                kind, s = rng.choice(OTHER_KINDS), None
                h = rng.randint(8, 15)
                start, end = _utc(DAY, h), _utc(DAY, h + rng.choice([1, 2]))
            rows.append({"community_id": cid, "kind": kind, "title": f"{kind} 需求 {i}", "details": "",
                         "resident_id": rid, "unit_id": None, "submitted_by_id": None, "window_start": start,
                         "window_end": end, "slot": s, "quantity": 1,
                         "urgency": rng.choice(["low", "normal", "normal", "normal", "high", "urgent"]),
                         "latitude": la, "longitude": ln, "status": rng.choice(["submitted", "triaged"]),
                         "escalated_at": None, "created_at": base + timedelta(seconds=rng.randint(0, 3 * 3600))})
        return rows

    def proposal_communities(self, n: int, offers_per: int, residents_per: int, needs_per: int,
                             progress) -> list[tuple[int, int]]:
        """n communities of offers_per units and offers each; returns (community_id, need_id) of every open need."""
        from tenants.context import tenant_context

        rng, db = self.rng, self.db
        ids = self.communities(n, "bench-m")
        open_needs: list[tuple[int, int]] = []
        t0 = time.monotonic()
        for i, cid in enumerate(ids):
            lat, lng = 39.80 + rng.random() * 0.2, 116.20 + rng.random() * 0.3
            with tenant_context(cid):
                unit_ids = self.units(cid, offers_per)
                meals = max(1, offers_per // 10)
                rows = []
                for j, uid in enumerate(unit_ids):
                    kind = "meal" if j < meals else OTHER_KINDS[j % len(OTHER_KINDS)]
                    la, ln = _near(rng, lat, lng, 1200)
                    rows.append(self.offer_row(cid, uid, kind, la, ln))
                offer_ids = self._ids("offers", rows)
                self._rows("closures", [{"community_id": cid, "offer_id": rng.choice(offer_ids[:meals]), "day": DAY,
                                         "note": "装修"}])
                booked = []
                for oid, row in zip(offer_ids[:meals], rows[:meals], strict=True):
                    if rng.random() < 0.4:
                        for s in row["slots"]:
                            booked.append({"community_id": cid, "offer_id": oid, "key": f"{DAY.isoformat()}:{s}",
                                           "booked": rng.randint(0, row["capacity"])})
                self._rows("occurrences", booked)
                people = self.residents(cid, residents_per, lat, lng, 1000, elderly=0.7, sensitive_share=0.33)
                need_ids = self._ids("needs", self.need_rows(cid, people, needs_per, meal_share=0.67))
                open_needs += [(cid, nid) for nid in need_ids]
            if i % 50 == 49:
                db.session.commit()
            if i % 200 == 199:
                progress(f"  {i + 1} communities seeded ({time.monotonic() - t0:.0f} s)")
        db.session.commit()
        return open_needs

    def batch_community(self, canteens: int, n_needs: int) -> tuple[int, int]:
        """One community: `canteens` lunch canteens over ~3 km with varied eligibility, radius and capacity
        (summing to well under n_needs), and n_needs residents each with one open lunch need on DAY."""
        from tenants.context import tenant_context

        rng, db = self.rng, self.db
        cid = self.communities(1, "bench-m-batch")[0]
        lat, lng = 39.95, 116.40
        with tenant_context(cid):
            unit_ids = self.units(cid, canteens)
            rows = []
            for j, uid in enumerate(unit_ids):
                la, ln = _near(rng, lat, lng, 2200)
                eligibility = (["anyone"], ["anyone"], ["elderly"], ["elderly", "disabled"],
                               ["low_income", "living_alone", "disabled"])[j % 5]
                rows.append(self.offer_row(
                    cid, uid, "meal", la, ln, eligibility=eligibility, capacity=rng.randint(30, 100),
                    radius_m=rng.choice([600, 800, 1000, 1200, 1500]), slots=["lunch"] if j % 3 else
                    ["breakfast", "lunch", "dinner"], status="active",
                    weekly={d: [["10:30", "13:30"]] for d in WEEKDAYS} if j % 4 else {}))
            offer_ids = self._ids("offers", rows)
            # Two canteens are closed that day; a few have places booked already.
            self._rows("closures", [{"community_id": cid, "offer_id": oid, "day": DAY, "note": "检修"}
                                    for oid in offer_ids[:2]])
            self._rows("occurrences", [{"community_id": cid, "offer_id": oid, "key": f"{DAY.isoformat()}:lunch",
                                        "booked": 10} for oid in offer_ids[2:8]])
            people = self.residents(cid, n_needs, lat, lng, 3000, elderly=0.75, sensitive_share=0.3)
            rows = self.need_rows(cid, people, n_needs, meal_share=1.0, slot="lunch")
            self._rows("needs", rows)
            db.session.commit()
            capacity = sum(r["capacity"] for r in self.db.session.execute(
                self.t["offers"].select().where(self.t["offers"].c.community_id == cid)).mappings())
        db.session.commit()
        return cid, capacity


# --- measuring -----------------------------------------------------------------------------------

def raw_offer_sql() -> str:
    """The hard filter offer_facts starts with, as plain SQL: every column of the community's active offers of
    one kind (the row-level security policy applies to it as to the ORM's statement)."""
    from app.offers.models import Offer

    cols = ", ".join(f"offers.{c.name}" for c in Offer.__table__.columns)
    return f"SELECT {cols} FROM offers WHERE offers.community_id = %(c)s AND offers.kind = %(k)s " \
           f"AND offers.status = 'active'"


def _timed(func, *args, **kwargs):
    """(milliseconds, result) of one call."""
    t0 = time.perf_counter()
    result = func(*args, **kwargs)
    return (time.perf_counter() - t0) * 1000, result


def proposal_phase(app, open_needs: list[tuple[int, int]], samples: int, warmup: int, rng: random.Random) -> dict:
    from app.core.extensions import db
    from app.matching import services as matching
    from app.needs import services as needs
    from tenants.context import tenant_context
    from tenants.models import Community

    sql = raw_offer_sql()
    chosen = rng.sample(open_needs, min(len(open_needs), samples + warmup))
    prop_ms, sql_ms, found, rows_seen = [], [], [], []
    with app.app_context():
        for i, (cid, nid) in enumerate(chosen):
            with tenant_context(cid):
                # As a request does: the URL's community is loaded (and held) first, then the need; this begins
                # the transaction, so the tenant setting is in place. Neither is timed.
                community = db.session.get(Community, cid)
                need = needs.get_need(nid)
                conn = db.session.connection()

                params = {"c": cid, "k": need.kind}
                if i % 2:
                    p, result = _timed(matching.proposals, need, actor_id=None)
                    s, rows = _timed(lambda: conn.exec_driver_sql(sql, params).fetchall())  # noqa: B023
                else:
                    s, rows = _timed(lambda: conn.exec_driver_sql(sql, params).fetchall())  # noqa: B023
                    p, result = _timed(matching.proposals, need, actor_id=None)
                db.session.rollback()
            db.session.remove()
            del community
            if i >= warmup:
                prop_ms.append(p)
                sql_ms.append(s)
                found.append(len(result))
                rows_seen.append(len(rows))
    return {"proposal_ms": prop_ms, "sql_ms": sql_ms, "found": found, "rows": rows_seen}


class Stopwatch:
    """Wraps module functions to add up their wall time and calls (for the breakdown passes only)."""

    def __init__(self):
        self.seconds: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        self._undo = []

    def wrap(self, module, name: str, label: str) -> None:
        original = getattr(module, name)

        @functools.wraps(original)
        def timed(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[label] = self.seconds.get(label, 0.0) + time.perf_counter() - t0
                self.calls[label] = self.calls.get(label, 0) + 1

        setattr(module, name, timed)
        self._undo.append((module, name, original))

    def restore(self) -> None:
        for module, name, original in reversed(self._undo):
            setattr(module, name, original)
        self._undo.clear()


class StatementCounter:
    def __init__(self, engine):
        from sqlalchemy import event

        self.engine, self.count, self.seconds = engine, 0, 0.0
        self.recording = False  # when True, also per statement kind: {label: [count, seconds]}
        self.by_table: dict[str, list] = {}
        self._event = event
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        conn.info["bench_t0"] = time.perf_counter()

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        elapsed = time.perf_counter() - conn.info.pop("bench_t0", time.perf_counter())
        self.count += 1
        self.seconds += elapsed
        if self.recording:
            words = statement.split()
            verb = words[0].upper()
            table = words[words.index("INTO") + 1] if verb == "INSERT" else words[1] if verb == "UPDATE" else \
                (words[words.index("FROM") + 1] if "FROM" in words else "?")
            entry = self.by_table.setdefault(f"{verb} {table}", [0, 0.0])
            entry[0] += 1
            entry[1] += elapsed

    def close(self) -> None:
        self._event.remove(self.engine, "before_cursor_execute", self._before)
        self._event.remove(self.engine, "after_cursor_execute", self._after)


def proposal_breakdown(app, open_needs, samples: int, rng: random.Random) -> dict:
    """A second pass with stopwatches on the parts of `proposals` and a count of SQL statements."""
    from app.core import engine
    from app.core.extensions import db
    from app.matching import services as matching
    from app.needs import services as needs
    from app.offers import services as offers
    from tenants.context import tenant_context
    from tenants.models import Community

    chosen = rng.sample(open_needs, min(len(open_needs), samples))
    watch = Stopwatch()
    watch.wrap(needs, "facts", "need facts (resident, consented attributes, audit row)")
    watch.wrap(offers, "offer_facts", "offer facts (one query)")
    watch.wrap(engine, "candidates", "engine.candidates")
    total = db_seconds = 0.0
    statements = 0
    with app.app_context():
        counter = StatementCounter(db.engine)
        try:
            for cid, nid in chosen:
                with tenant_context(cid):
                    community = db.session.get(Community, cid)  # held, as in proposal_phase
                    need = needs.get_need(nid)
                    count0, seconds0 = counter.count, counter.seconds
                    counter.recording = True
                    t0 = time.perf_counter()
                    matching.proposals(need, actor_id=None)
                    total += time.perf_counter() - t0
                    counter.recording = False
                    statements += counter.count - count0
                    db_seconds += counter.seconds - seconds0
                    db.session.rollback()
                db.session.remove()
                del community
        finally:
            watch.restore()
            counter.close()
    n = len(chosen)
    return {"n": n, "total_ms": 1000 * total / n, "statements": statements / n, "db_ms": 1000 * db_seconds / n,
            "by_table": {k: (c / n, 1000 * sec / max(c, 1)) for k, (c, sec) in counter.by_table.items()},
            "parts_ms": {label: 1000 * s / n for label, s in watch.seconds.items()}}


def machine_busy() -> float:
    """CPU seconds the whole machine has been busy so far, all cores together."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:8]]
    return (sum(values) - values[3] - values[4]) / os.sysconf("SC_CLK_TCK")


def background_busy(seconds: float = 2.0) -> float:
    """How busy the machine is before the measurements, in % of one core."""
    busy0 = machine_busy()
    time.sleep(seconds)
    return 100 * (machine_busy() - busy0) / seconds


def status_kb(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def reset_peak_rss() -> bool:
    """Linux ≥ 4.0: writing 5 to clear_refs resets VmHWM to the current RSS."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


class RssSampler(threading.Thread):
    def __init__(self, interval: float = 0.02):
        super().__init__(daemon=True)
        self.interval, self.peak_kb = interval, 0
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            self.peak_kb = max(self.peak_kb, status_kb("VmRSS"))
            self.stopped.wait(self.interval)


def batch_phase(app, community_id: int, profile: bool) -> dict:
    from app.core import engine
    from app.core.extensions import db
    from app.matching import services as matching
    from app.needs import services as needs
    from app.offers import services as offers
    from tenants.context import tenant_context
    from tenants.models import Community

    watch = Stopwatch()
    watch.wrap(needs, "facts", "needs.facts")
    if hasattr(needs, "facts_many"):
        watch.wrap(needs, "facts_many", "needs.facts_many")
    watch.wrap(offers, "offer_facts", "offers.offer_facts")
    watch.wrap(engine, "optimal_assignment", "engine.optimal_assignment")
    watch.wrap(engine, "greedy_assignment", "engine.greedy_assignment")
    profiler = None
    with app.app_context(), tenant_context(community_id):
        counter = StatementCounter(db.engine)
        db.session.get(Community, community_id)
        gc.collect()
        base_rss = status_kb("VmRSS") / 1024
        hwm_reset = reset_peak_rss()
        sampler = RssSampler()
        sampler.start()
        if profile:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        try:
            t0 = time.perf_counter()
            plan = matching.batch_plan("meal", DAY, "lunch", actor_id=None)
            wall = time.perf_counter() - t0
        finally:
            if profiler:
                profiler.disable()
            sampler.stopped.set()
            sampler.join()
            watch.restore()
            counter.close()
        peak_mb = max(sampler.peak_kb, status_kb("VmHWM") if hwm_reset else 0) / 1024
        # Check the plan: no offer over its places left, and never more than greedy would need to be beaten.
        pool = {o.id: o for o in offers.offer_facts("meal", f"{DAY.isoformat()}:lunch", DAY)}
        load: dict[int, int] = {}
        for offer_id in plan["optimal"].values():
            load[offer_id] = load.get(offer_id, 0) + 1
        over = [oid for oid, n in load.items() if n > pool[oid].left]
        start, end = datetime.combine(DAY, datetime.min.time().replace(hour=11), TZ), \
            datetime.combine(DAY, datetime.min.time().replace(hour=13), TZ)
        places_left = sum(max(0, o.left) for o in pool.values()
                          if (not o.slots or "lunch" in o.slots) and engine.available(o, start, end))
        db.session.rollback()  # the audit rows of the sensitive facts read: not kept
        db.session.remove()
    return {"plan": plan, "wall_s": wall, "base_rss_mb": base_rss, "peak_rss_mb": peak_mb, "hwm_reset": hwm_reset,
            "parts_s": dict(watch.seconds), "statements": counter.count, "db_s": counter.seconds,
            "over_capacity": over, "places_left": places_left, "profiler": profiler}


def print_profile(profiler, what: str = "batch_plan", top: int = 22) -> None:
    """The `top` functions by cumulative time, the benchmark's own code left out."""
    import pstats

    stats = pstats.Stats(profiler)
    rows = sorted(((ct, tt, nc, func) for func, (_cc, nc, tt, ct, _callers) in stats.stats.items()),
                  key=lambda r: -r[0])
    say(f"profile of {what} (s cumulative, s own, calls, function):")
    shown = 0
    for ct, tt, nc, (filename, line, name) in rows:
        if "cProfile" in filename or name in ("<module>",) or "bench/" in filename:
            continue
        where = os.path.relpath(filename, ROOT) if filename.startswith(ROOT) else filename.split("site-packages/")[-1]
        say(f"    {ct:7.3f} {tt:7.3f} {nc:8d}  {where}:{line} {name}")
        shown += 1
        if shown >= top:
            break


def explain(app, community_id: int) -> str:
    from app.core.extensions import db
    from tenants.context import tenant_context

    with app.app_context(), tenant_context(community_id):
        plan = db.session.connection().exec_driver_sql(
            "EXPLAIN " + raw_offer_sql(), {"c": community_id, "k": "meal"}).scalars().all()
        db.session.rollback()
        db.session.remove()
    return " / ".join(line.strip() for line in plan)


# --- main ----------------------------------------------------------------------------------------

def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--communities", type=int, default=1000, help="communities for the proposals (default 1000)")
    p.add_argument("--offers", type=int, default=100, help="offers (and units) per community (default 100)")
    p.add_argument("--residents", type=int, default=30, help="residents per community (default 30)")
    p.add_argument("--needs", type=int, default=30, help="open needs per community (default 30)")
    p.add_argument("--samples", type=int, default=1000, help="timed proposals (default 1000)")
    p.add_argument("--warmup", type=int, default=50, help="untimed proposals first (default 50)")
    p.add_argument("--breakdown", type=int, default=300, help="proposals of the instrumented pass (default 300)")
    p.add_argument("--batch-needs", type=int, default=5000, help="open lunch needs of the batch (default 5000)")
    p.add_argument("--canteens", type=int, default=50, help="canteens of the batch community (default 50)")
    p.add_argument("--seed", type=int, default=20261201, help="random seed (default 20261201)")
    p.add_argument("--profile", action="store_true", help="also print a cProfile of batch_plan (slower batch)")
    p.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = p.parse_args(argv)
    if min(args.communities, args.offers, args.residents, args.needs, args.samples, args.batch_needs,
           args.canteens) < 1 or args.offers < 10:
        p.error("counts must be at least 1 (offers at least 10)")
    return args


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main(argv=None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)
    logging.disable(logging.INFO)
    started = time.monotonic()
    rng = random.Random(args.seed)
    pg_created = False
    result, problems = None, []
    from tenants import clock  # the app's packages load after the environment is set (above)

    clock.freeze(datetime.combine(DAY - timedelta(days=1), datetime.min.time().replace(hour=10), TZ))  # needs to come
    try:
        pgdb.check_reachable()
        app_url, owner_url = create_pg_database()
        pg_created = True
        say(f"backend: PostgreSQL database {PG_DB} (tables owned by {OWNER_ROLE}, the app connects as {APP_ROLE}, "
            f"row-level security on)")
        t0 = time.monotonic()
        migrate(app_url, owner_url)
        say(f"migrated with `huzhu db upgrade` ({time.monotonic() - t0:.1f} s)")

        from app import create_app

        app = create_app(app_config(app_url, owner_url))
        logging.disable(logging.INFO)  # create_app configures logging again
        from app.core.extensions import db

        t0 = time.monotonic()
        with app.app_context():
            seeder = Seeder(app, rng)
            open_needs = seeder.proposal_communities(args.communities, args.offers, args.residents, args.needs, say)
            batch_cid, batch_capacity = seeder.batch_community(args.canteens, args.batch_needs)
            db.session.remove()
        del seeder
        _pg_admin("VACUUM ANALYZE", dbname=PG_DB)
        say(f"data: {args.communities} communities x {args.offers} units and offers "
            f"({args.communities * args.offers:,} offers, ~{max(1, args.offers // 10)} meal canteens each), "
            f"{args.residents} residents and {args.needs} open needs each ({len(open_needs):,} needs); batch "
            f"community: {args.canteens} canteens ({batch_capacity:,} lunch places in all), {args.batch_needs:,} "
            f"residents with one open lunch need each on {DAY} ({time.monotonic() - t0:.1f} s, then VACUUM ANALYZE)")
        say(f"raw SQL plan: {explain(app, open_needs[0][0])}")
        gc.collect()
        busy = background_busy()
        say(f"machine before the measurements: {busy:.0f}% of one core busy ({os.cpu_count()} cores)")

        t0 = time.monotonic()
        res = proposal_phase(app, open_needs, args.samples, args.warmup, rng)
        p50, p95 = pct(res["proposal_ms"], 50), pct(res["proposal_ms"], 95)
        s50, s95 = pct(res["sql_ms"], 50), pct(res["sql_ms"], 95)
        say(f"proposals: {len(res['proposal_ms'])} random open needs in random communities (after {args.warmup} "
            f"untimed), {statistics.mean(res['found']):.1f} proposals and {statistics.mean(res['rows']):.1f} "
            f"offers of the kind on average ({time.monotonic() - t0:.1f} s)")
        say(f"  proposals(need):       p50 {p50:6.2f} ms  p95 {p95:6.2f} ms  max {max(res['proposal_ms']):6.2f} ms")
        say(f"  raw SQL (hard filter): p50 {s50:6.2f} ms  p95 {s95:6.2f} ms  max {max(res['sql_ms']):6.2f} ms")
        ratio = p95 / s95 if s95 else float("inf")
        bd = proposal_breakdown(app, open_needs, args.breakdown, rng)
        parts = ", ".join(f"{label} {ms:.2f} ms" for label, ms in bd["parts_ms"].items())
        say(f"  breakdown ({bd['n']} more, instrumented): mean {bd['total_ms']:.2f} ms = {parts}; "
            f"{bd['statements']:.1f} SQL statements per proposal, {bd['db_ms']:.2f} ms of it in the driver")
        say("  statements per proposal (count, ms each in the driver): " + ", ".join(
            f"{label} {c:.2f} x {ms:.2f}" for label, (c, ms) in bd["by_table"].items()))

        batch = batch_phase(app, batch_cid, args.profile)
        plan = batch["plan"]
        served, greedy_served = plan["served"], plan["greedy_served"]
        say(f"batch: {plan['needs']:,} open lunch needs, {args.canteens} canteens, {batch['places_left']:,} places "
            f"left on the day; optimal serves {served:,}, greedy {greedy_served:,} "
            f"({served - greedy_served:+,}); batch_plan {batch['wall_s']:.2f} s wall")
        parts = ", ".join(f"{label} {s:.2f} s" for label, s in batch["parts_s"].items())
        say(f"  parts: {parts}; {batch['statements']:,} SQL statements ({batch['db_s']:.2f} s in the driver); "
            f"engine seconds reported by batch_plan {plan['seconds']:.2f}")
        say(f"  memory: RSS {batch['base_rss_mb']:.0f} MB before, peak {batch['peak_rss_mb']:.0f} MB during "
            f"(VmHWM {'reset just before' if batch['hwm_reset'] else 'not resettable'}, VmRSS sampled every 20 ms)")
        if batch["profiler"]:
            print_profile(batch["profiler"])

        if batch["over_capacity"]:
            problems.append(f"the optimal plan overbooks offers {batch['over_capacity']}")
        if served < greedy_served:
            problems.append("the optimal plan serves fewer needs than greedy")
        aims = {
            f"proposal p95 <= {P95_AIM_MS:g} ms": p95 <= P95_AIM_MS,
            f"proposal p95 <= {SQL_RATIO_AIM:g}x raw SQL p95 ({ratio:.1f}x)": ratio <= SQL_RATIO_AIM,
            "batch serves more than greedy (greedy not optimal here)" if served != greedy_served else
            "batch serves as many as greedy (greedy happened to be optimal)": served >= greedy_served,
            f"batch peak RSS < {RSS_AIM_MB} MB": batch["peak_rss_mb"] < RSS_AIM_MB,
        }
        for aim, met in aims.items():
            say(f"aim: {aim}: {'met' if met else 'MISSED'}")
        for problem in problems:
            say(f"PROBLEM: {problem}")
        result = {
            "bench": "matching",
            "proposal_p50_ms": round(p50, 3), "proposal_p95_ms": round(p95, 3),
            "sql_p50_ms": round(s50, 3), "sql_p95_ms": round(s95, 3), "proposal_sql_ratio_p95": round(ratio, 2),
            "proposal_samples": len(res["proposal_ms"]),
            "proposal_statements": round(bd["statements"], 2),
            "batch_needs": plan["needs"], "batch_canteens": args.canteens, "batch_places": batch["places_left"],
            "batch_served": served, "greedy_served": greedy_served, "batch_s": round(batch["wall_s"], 3),
            "batch_engine_s": plan["seconds"], "batch_statements": batch["statements"],
            "batch_peak_rss_mb": round(batch["peak_rss_mb"], 1),
            "communities": args.communities, "offers": args.communities * args.offers,
            "background_cpu_pct": round(busy), "aims_met": all(aims.values()),
            "run_s": round(time.monotonic() - started, 1),
        }
        if args.keep:
            say(f"kept database {PG_DB}")
    finally:
        if pg_created and not args.keep:
            try:
                drop_pg_database()
            except Exception as err:  # noqa: BLE001
                say(f"could not drop {PG_DB}: {err}")
    print(json.dumps(result), flush=True)  # last, after the clean-up
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
