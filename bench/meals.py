"""Meal table benchmark: a week of orders for 2,400 meal plans, a canteen's manifest, a month's statement.

    .venv/bin/python bench/meals.py [--canteens 50] [--plans 2400] [--residents 2600] [--big-canteen-plans 150]
                                    [--rounds 3] [--samples 300] [--full-capacity 120] [--profile] [--keep]

The demo community has one canteen and 24 meal plans; this is 100x that in one community.

1. Makes a throwaway PostgreSQL database `huzhu_bench_meals` (tables owned by huzhu_owner, the app connecting
   as huzhu_app under row-level security, as in production); migrates with `huzhu db upgrade`.
2. Seeds one community with bulk Core inserts under its tenant context: 50 units, each with a meal offer
   (lunch and dinner, Monday to Saturday, delivery, enough places), prices set through
   `meals.save_settings`; 2,600 residents (building, entrance, room, address, diet notes; a third with
   consent and sensitive attributes, so the price groups read them) and 2,400 meal plans (weekdays, lunch
   and some dinner, delivery or dine-in, diet notes; one canteen has ~200 meals a weekday; a few plans
   requested, declined or ending during the week). One canteen is closed one day of the week.
3. Nightly order generation, --rounds times, from empty: a raw Core bulk INSERT of the same order rows
   into meal_orders in a transaction that is rolled back (the baseline), then the `meal_orders` job's own
   path (`jobs.runner.run_job(community, "app.meals.services.generate_orders", start=…, days=7)`: tenant
   context, call, commit), then the same job again (nothing new). Between rounds the orders, capacity
   counters and the audit rows of the price groups are deleted and the tables vacuumed. Peak RSS of the
   process during each generation (VmHWM reset just before, plus VmRSS sampled every 20 ms).
4. A month of orders for every plan (the job with days=31), most marked delivered, some missed or cancelled.
5. Manifest: `meals.manifest(offer, day)` of the biggest canteen on a random weekday of the week, --samples
   times, each in a fresh session (the community and the offer loaded first, untimed), against the raw SQL
   of the same join (orders JOIN residents for the offer and day) on the same connection in the same
   transaction, alternating which goes first. p50/p95 of both.
6. Canteen statement: `meals.canteen_statement(offer, month)` of the same canteen against the raw GROUP BY,
   the same way.
7. A week in which the first canteen has fewer places (--full-capacity) than lunches: the job's time and
   SQL statements against the week above (places are then taken one meal at a time).
8. Drops the database, whatever happened (--keep keeps it).

Human-readable lines first; the last line of stdout is one JSON object. See bench/README.md ("meals").
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
import gc  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import random  # noqa: E402
import signal  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from datetime import UTC, date, datetime, timedelta  # noqa: E402

from bench import pgdb  # noqa: E402
from bench.matching import (  # noqa: E402
    RssSampler,
    StatementCounter,
    Stopwatch,
    _timed,
    app_config,
    background_busy,
    migrate,
    pct,
    print_profile,
    reset_peak_rss,
    say,
    status_kb,
)

PG_DB = "huzhu_bench_meals"
OWNER_ROLE, APP_ROLE = pgdb.OWNER_ROLE, pgdb.APP_ROLE
WEEK_START = date(2026, 12, 7)  # a Monday: the week the nightly job fills
MONTH_START = date(2026, 12, 1)
MONTH, MONTH_END = "2026-12", date(2026, 12, 31)
FULL_WEEK_START = date(2027, 1, 4)  # a Monday after the month: the week with a full canteen
PLANS_FROM = date(2026, 11, 2)
OPEN_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat")
DIETS = ["", "", "", "", "少盐", "软食", "糖尿病餐，少糖", "清真", "不吃辣", "流食", "低脂", "不吃海鲜"]
PRICES = {"lunch": {"anyone": 1500, "elderly": 800, "disabled": 500, "low_income": 400},
          "dinner": {"anyone": 1200, "elderly": 700, "disabled": 500}}
GENERATE_AIM_S = 60.0
MANIFEST_P95_AIM_MS = 50.0
MANIFEST_RATIO_AIM = 3.0
STATEMENT_P95_AIM_MS = 200.0
RSS_AIM_MB = 500


# --- data ----------------------------------------------------------------------------------------

class Seeder:
    """Bulk Core inserts through the app's own session, under the community's tenant context."""

    def __init__(self, rng: random.Random):
        from app.core.extensions import db
        from app.meals.models import MealPlan
        from app.offers.models import Offer, OfferClosure
        from app.residents.models import Consent, Resident, SensitiveAttributes
        from app.units.models import Unit
        from tenants.models import Community

        self.db, self.rng = db, rng
        self.t = {name: model.__table__ for name, model in (
            ("communities", Community), ("units", Unit), ("offers", Offer), ("closures", OfferClosure),
            ("residents", Resident), ("consents", Consent), ("sensitive", SensitiveAttributes),
            ("plans", MealPlan))}

    def _ids(self, table: str, rows: list[dict]) -> list[int]:
        t = self.t[table]
        return list(self.db.session.execute(t.insert().returning(t.c.id, sort_by_parameter_order=True), rows)
                    .scalars())

    def _rows(self, table: str, rows: list[dict]) -> None:
        if rows:
            self.db.session.execute(self.t[table].insert(), rows)

    def community(self) -> int:
        cid = self._ids("communities", [{"slug": "bench-meals", "name": "压测餐桌社区", "status": "active",
                                         "timezone": "Asia/Shanghai", "created_at": datetime.now(UTC)}])[0]
        self.db.session.commit()
        return cid

    def canteens(self, cid: int, n: int, big_capacity: int, capacity: int) -> list[int]:
        now = datetime.now(UTC)
        unit_ids = self._ids("units", [{"community_id": cid, "name": f"食堂单位{j:02d}", "name_sort": f"shitang{j:02d}",
                                        "type": ("enterprise", "property_company", "school", "social_org")[j % 4],
                                        "status": "active", "created_at": now, "updated_at": now} for j in range(n)])
        rows = []
        for j, uid in enumerate(unit_ids):
            rows.append({"community_id": cid, "unit_id": uid, "kind": "meal", "title": f"养老助残餐桌{j:02d}",
                         "description": "", "terms": "discounted", "price_cents": 1500,
                         "eligibility": ["anyone"] if j % 3 else ["elderly", "disabled"],
                         "latitude": 39.95 + self.rng.uniform(-0.01, 0.01),
                         "longitude": 116.40 + self.rng.uniform(-0.01, 0.01), "radius_m": 1500,
                         "capacity": big_capacity if j == 0 else capacity, "slots": ["lunch", "dinner"],
                         "delivery": True, "weekly": {d: [["06:30", "19:00"]] for d in OPEN_DAYS},
                         "valid_from": None, "valid_until": None, "status": "active", "rating_sum": 0,
                         "rating_count": 0, "created_at": now})
        offer_ids = self._ids("offers", rows)
        # One canteen closes on the Wednesday of the week: its orders that day are made cancelled.
        self._rows("closures", [{"community_id": cid, "offer_id": offer_ids[-1], "day": WEEK_START + timedelta(2),
                                 "note": "检修"}])
        return offer_ids

    def residents(self, cid: int, n: int, sensitive_share: float) -> list[int]:
        rng, now = self.rng, datetime.now(UTC)
        rows = []
        for i in range(n):
            building, entrance = rng.randint(1, 60), rng.randint(1, 4)
            room = f"{rng.randint(1, 6)}0{rng.randint(1, 3)}"
            born = date(rng.randint(1930, 1965) if rng.random() < 0.85 else rng.randint(1966, 1990),
                        rng.randint(1, 12), rng.randint(1, 28))
            rows.append({"community_id": cid, "name": f"居民{i}", "name_sort": f"jumin{i:05d}", "phone": "",
                         "building": str(building), "entrance": str(entrance), "room": room,
                         "address": f"压测社区{building}号楼{entrance}单元{room}", "household": "",
                         "birth_date": born, "diet_notes": rng.choice(DIETS), "status": "active",
                         "created_at": now, "updated_at": now})
        ids = self._ids("residents", rows)
        consenting = [rid for rid in ids if rng.random() < sensitive_share]
        self._rows("consents", [{"community_id": cid, "resident_id": rid, "purpose": "services", "given_by": "本人",
                                 "method": "in_person", "given_at": now} for rid in consenting])
        sensitive = []
        for rid in consenting:
            disabled = rng.random() < 0.3
            sensitive.append({"community_id": cid, "resident_id": rid,
                              "disability_category": rng.choice(["physical", "visual", "hearing"]) if disabled
                              else None, "disability_grade": rng.randint(1, 4) if disabled else None,
                              "low_income": rng.random() < 0.3, "living_alone": rng.random() < 0.4,
                              "special_hardship": False, "updated_at": now})
        self._rows("sensitive", sensitive)
        return ids

    def plans(self, cid: int, resident_ids: list[int], offer_ids: list[int], n: int, big: int) -> list[dict]:
        """n plans, one per resident: the first `big` at the first canteen (every weekday, lunch, a third also
        dinner: ~big x 4/3 meals a weekday), the rest spread over the others."""
        rng, now = self.rng, datetime.now(UTC)
        rows = []
        for i, rid in enumerate(resident_ids[:n]):
            if i < big:
                offer_id, weekdays = offer_ids[0], list(OPEN_DAYS[:5])
                slots = ["lunch", "dinner"] if i % 3 == 0 else ["lunch"]
            else:
                offer_id = offer_ids[1 + (i - big) % (len(offer_ids) - 1)] if len(offer_ids) > 1 else offer_ids[0]
                weekdays = rng.choice([list(OPEN_DAYS[:5]), list(OPEN_DAYS[:5]), ["mon", "wed", "fri"],
                                       list(OPEN_DAYS)])
                roll = rng.random()
                slots = ["lunch"] if roll < 0.7 else (["lunch", "dinner"] if roll < 0.95 else ["dinner"])
            roll = rng.random()
            status, ends_on = "active", None
            if roll < 0.03:
                status = "requested"  # waits for the coordinator: makes no orders
            elif roll < 0.04:
                status = "declined"
            elif roll < 0.06:
                ends_on = WEEK_START + timedelta(days=rng.randint(0, 4))  # ends during the week
            rows.append({"community_id": cid, "resident_id": rid, "offer_id": offer_id, "weekdays": weekdays,
                         "slots": slots, "mode": "delivery" if rng.random() < 0.5 else "dine_in",
                         "diet_notes": rng.choice(DIETS), "starts_on": PLANS_FROM, "ends_on": ends_on,
                         "status": status, "created_by_id": None, "created_at": now})
        self._rows("plans", rows)
        return rows


def seed(app, args, rng: random.Random) -> tuple[int, list[int], list[dict]]:
    from app.core.extensions import db
    from app.meals import services as meals
    from tenants.context import tenant_context

    with app.app_context():
        seeder = Seeder(rng)
        cid = seeder.community()
        with tenant_context(cid):
            offer_ids = seeder.canteens(cid, args.canteens, args.big_capacity, args.capacity)
            resident_ids = seeder.residents(cid, args.residents, sensitive_share=0.33)
            plans = seeder.plans(cid, resident_ids, offer_ids, args.plans, args.big_canteen_plans)
            db.session.commit()
            for offer_id in offer_ids:  # the price list through the service, as a coordinator sets it
                meals.save_settings(meals.get_canteen(offer_id), {"cutoff": "17:00", "prices": PRICES})
            db.session.commit()
        db.session.remove()
    return cid, offer_ids, plans


def expected_rows(cid: int, plans: list[dict], closed: set, start: date, days: int) -> list[dict]:
    """The order rows the job should make for these plans (the baseline inserts these)."""
    from app.meals.services import LIVE_PLAN
    from app.offers.models import WEEKDAYS

    end = start + timedelta(days=days - 1)
    now = datetime.now(UTC)
    rows = []
    for i, plan in enumerate(plans):
        if plan["status"] not in LIVE_PLAN:
            continue
        day = max(start, plan["starts_on"])
        last = min(end, plan["ends_on"]) if plan["ends_on"] else end
        while day <= last:
            if WEEKDAYS[day.weekday()] in plan["weekdays"]:
                for slot in plan["slots"]:
                    shut = (plan["offer_id"], day) in closed
                    rows.append({"community_id": cid, "plan_id": plan["id"], "resident_id": plan["resident_id"],
                                 "offer_id": plan["offer_id"], "day": day, "slot": slot, "mode": plan["mode"],
                                 "diet_notes": plan["diet_notes"], "price_cents": PRICES[slot]["elderly"] - i % 2,
                                 "status": "cancelled" if shut else "ordered", "note": "closed" if shut else "",
                                 "created_at": now})
            day += timedelta(days=1)
    return rows


# --- measuring -----------------------------------------------------------------------------------

def _vacuum(*tables: str) -> None:
    pgdb.pg_admin(f"VACUUM ANALYZE {', '.join(tables)}", dbname=PG_DB)


def clear_orders() -> None:
    """Back to no orders (as the superuser, past row-level security): orders, capacity counters, audit rows."""
    pgdb.pg_admin("DELETE FROM meal_orders", "DELETE FROM offer_occurrences",
                  "DELETE FROM audit_events WHERE field = 'meal_price'", dbname=PG_DB)
    _vacuum("meal_orders", "offer_occurrences", "audit_events")


def raw_insert(app, cid: int, rows: list[dict]) -> float:
    """Seconds of one Core bulk INSERT of `rows` into meal_orders (same table, indexes, keys and row-level
    security as the job's), in a transaction that is then rolled back."""
    from app.core.extensions import db
    from app.meals.models import MealOrder
    from tenants.context import tenant_context

    table = MealOrder.__table__
    with app.app_context(), tenant_context(cid):
        db.session.connection()  # begin, tenant set: not timed
        t0 = time.perf_counter()
        db.session.execute(table.insert(), rows)
        seconds = time.perf_counter() - t0
        db.session.rollback()
        db.session.remove()
    return seconds


def run_generation(app, cid: int, start: date, days: int, profile: bool = False) -> dict:
    """The nightly job's path: run_job → tenant context → generate_orders → commit. Timed, with its SQL
    statements counted, its parts stopwatched and the process's peak RSS."""
    from app.core.extensions import db
    from app.meals import services as meals
    from app.offers import services as offers
    from app.residents import services as residents
    from jobs.runner import run_job

    watch = Stopwatch()
    watch.wrap(meals, "generate_orders", "generate_orders (call)")
    watch.wrap(residents, "eligibility_of", "residents.eligibility_of")
    watch.wrap(meals, "_take_places", "_take_places (places)")
    watch.wrap(offers, "reserve", "offers.reserve")
    watch.wrap(meals, "insert_ignoring_duplicates", "insert_ignoring_duplicates (orders)")
    profiler = None
    with app.app_context():
        counter = StatementCounter(db.engine)
        counter.recording = True  # per statement kind
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
            made = run_job(cid, "app.meals.services.generate_orders", start=start, days=days)
            wall = time.perf_counter() - t0
        finally:
            if profiler:
                profiler.disable()
            sampler.stopped.set()
            sampler.join()
            watch.restore()
            counter.close()
        peak_mb = max(sampler.peak_kb, status_kb("VmHWM") if hwm_reset else 0) / 1024
        db.session.remove()
    return {"made": made, "wall_s": wall, "statements": counter.count, "db_s": counter.seconds,
            "parts_s": dict(watch.seconds), "calls": dict(watch.calls), "by_table": dict(counter.by_table),
            "base_rss_mb": base_rss,
            "peak_rss_mb": peak_mb, "hwm_reset": hwm_reset, "profiler": profiler}


def check_orders(app, cid: int, start: date, end: date) -> dict:
    """Orders by status in [start, end], and the capacity counters of those days that disagree with the ordered
    meals they hold or exceed the canteen's places."""
    from sqlalchemy import text

    from app.core.extensions import db
    from tenants.context import tenant_context

    with app.app_context(), tenant_context(cid):
        conn = db.session.connection()
        by_status = dict(conn.execute(text(
            "SELECT status, count(*) FROM meal_orders WHERE day BETWEEN :a AND :b GROUP BY status"),
            {"a": start, "b": end}).all())
        keys = {"ka": start.isoformat(), "kb": (end + timedelta(days=1)).isoformat()}  # keys are 'YYYY-MM-DD:slot'
        wrong = conn.execute(text(
            "SELECT count(*) FROM offer_occurrences o LEFT JOIN (SELECT offer_id, to_char(day, 'YYYY-MM-DD') || ':' "
            "|| slot AS key, count(*) AS n FROM meal_orders WHERE status = 'ordered' GROUP BY 1, 2) m "
            "ON m.offer_id = o.offer_id AND m.key = o.key WHERE o.booked <> coalesce(m.n, 0) "
            "AND o.key >= :ka AND o.key < :kb"), keys).scalar_one()
        over = conn.execute(text(
            "SELECT count(*) FROM offer_occurrences o JOIN offers f ON f.id = o.offer_id "
            "WHERE o.booked > f.capacity AND o.key >= :ka AND o.key < :kb"), keys).scalar_one()
        db.session.rollback()
        db.session.remove()
    return {"by_status": by_status, "counter_mismatches": wrong, "over_capacity": over}


def mark_month(app, cid: int, before: date) -> dict:
    """The month as it looks once past: most meals delivered, some missed, some skipped (cancelled)."""
    from sqlalchemy import text

    from app.core.extensions import db
    from tenants.context import tenant_context

    with app.app_context(), tenant_context(cid):
        db.session.execute(text(
            "UPDATE meal_orders SET status = CASE WHEN id % 29 = 0 THEN 'cancelled' WHEN id % 41 = 0 THEN 'missed' "
            "ELSE 'delivered' END, note = CASE WHEN id % 29 = 0 THEN 'cancelled' ELSE '' END "
            "WHERE status = 'ordered' AND day < :d"), {"d": before})
        db.session.commit()
        db.session.remove()
    _vacuum("meal_orders")
    return {}


def manifest_sql() -> str:
    """The statement of manifest() as plain SQL: every column of the order and of the resident, for the
    offer and day (the tenant criterion the app adds included; row-level security applies to both)."""
    from app.meals.models import MealOrder
    from app.residents.models import Resident

    cols = ", ".join([f"meal_orders.{c.name}" for c in MealOrder.__table__.columns]
                     + [f"residents.{c.name}" for c in Resident.__table__.columns])
    # An outer join, as manifest(): a one-off meal for a unit or a neighbour's resident has no resident here.
    return (f"SELECT {cols} FROM meal_orders LEFT JOIN residents ON residents.id = meal_orders.resident_id "
            "AND residents.community_id = %(c)s "
            "WHERE meal_orders.offer_id = %(o)s AND meal_orders.day = %(d)s "
            "AND meal_orders.status IN ('ordered', 'delivered', 'missed') "
            "AND meal_orders.community_id = %(c)s")


def statement_sql() -> str:
    """The statement of canteen_statement() as plain SQL: the month's orders of the offer, grouped."""
    return ("SELECT day, slot, status, price_cents, sum(quantity) FROM meal_orders "
            "WHERE offer_id = %(o)s AND day BETWEEN %(a)s AND %(b)s AND community_id = %(c)s "
            "GROUP BY day, slot, status, price_cents")


def compare(app, cid: int, offer_id: int, samples: int, warmup: int, call, sql: str, params_of, agree,
            rng) -> dict:
    """`call(offer)` against `sql` on the same connection in the same transaction, each sample in a fresh
    session as a request: the community and the offer are loaded first (untimed); which goes first alternates."""
    from app.core.extensions import db
    from app.meals import services as meals
    from tenants.context import tenant_context
    from tenants.models import Community

    app_ms, sql_ms, sizes, disagree = [], [], [], 0
    with app.app_context():
        for i in range(warmup + samples):
            arg = params_of(rng)
            with tenant_context(cid):
                community = db.session.get(Community, cid)
                offer = meals.get_canteen(offer_id)  # begins the transaction: the tenant setting is in place
                conn = db.session.connection()
                params = {"o": offer_id, "c": cid, **arg["sql"]}
                if i % 2:
                    a, result = _timed(call, offer, arg["app"])
                    s, rows = _timed(lambda: conn.exec_driver_sql(sql, params).fetchall())  # noqa: B023
                else:
                    s, rows = _timed(lambda: conn.exec_driver_sql(sql, params).fetchall())  # noqa: B023
                    a, result = _timed(call, offer, arg["app"])
                db.session.rollback()
            db.session.remove()
            del community
            disagree += not agree(result, rows)
            if i >= warmup:
                app_ms.append(a)
                sql_ms.append(s)
                sizes.append(len(rows))
    return {"app_ms": app_ms, "sql_ms": sql_ms, "rows": sizes, "last": result, "disagree": disagree}


def count_statements(app, cid: int, offer_id: int, call, arg) -> int:
    from app.core.extensions import db
    from app.meals import services as meals
    from tenants.context import tenant_context
    from tenants.models import Community

    with app.app_context(), tenant_context(cid):
        community = db.session.get(Community, cid)  # held, as in compare()
        offer = meals.get_canteen(offer_id)
        counter = StatementCounter(db.engine)
        try:
            call(offer, arg)
        finally:
            counter.close()
        db.session.rollback()
        db.session.remove()
    del community
    return counter.count


def set_capacity(app, cid: int, offer_id: int, capacity: int) -> None:
    from sqlalchemy import text

    from app.core.extensions import db
    from tenants.context import tenant_context

    with app.app_context(), tenant_context(cid):
        db.session.execute(text("UPDATE offers SET capacity = :n WHERE id = :o"), {"n": capacity, "o": offer_id})
        db.session.commit()
        db.session.remove()


def explain(app, cid: int, sql: str, params: dict) -> str:
    from app.core.extensions import db
    from tenants.context import tenant_context

    with app.app_context(), tenant_context(cid):
        plan = db.session.connection().exec_driver_sql("EXPLAIN " + sql, params).scalars().all()
        db.session.rollback()
        db.session.remove()
    return " / ".join(line.strip() for line in plan)


# --- main ----------------------------------------------------------------------------------------

def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--canteens", type=int, default=50, help="canteens (units with a meal offer; default 50)")
    p.add_argument("--residents", type=int, default=2600, help="residents (default 2600)")
    p.add_argument("--plans", type=int, default=2400, help="meal plans, one per resident (default 2400)")
    p.add_argument("--big-canteen-plans", type=int, default=150,
                   help="plans of the first canteen, the one measured: ~4/3 meals each a weekday (default 150)")
    p.add_argument("--capacity", type=int, default=200, help="places per meal of a canteen (default 200)")
    p.add_argument("--big-capacity", type=int, default=400, help="places per meal of the first canteen (400)")
    p.add_argument("--full-capacity", type=int, default=120,
                   help="places a meal of the first canteen in the last, over-subscribed week (default 120)")
    p.add_argument("--rounds", type=int, default=3, help="baseline + generation rounds (default 3)")
    p.add_argument("--samples", type=int, default=300, help="timed manifests and statements each (default 300)")
    p.add_argument("--warmup", type=int, default=20, help="untimed calls first (default 20)")
    p.add_argument("--seed", type=int, default=20261207, help="random seed (default 20261207)")
    p.add_argument("--profile", action="store_true", help="also print a cProfile of the last generation")
    p.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = p.parse_args(argv)
    if min(args.canteens, args.residents, args.plans, args.rounds, args.samples, args.capacity) < 1:
        p.error("counts must be at least 1")
    if args.plans > args.residents or args.big_canteen_plans > args.plans:
        p.error("--plans must not exceed --residents, nor --big-canteen-plans --plans")
    return args


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _parts(res: dict) -> str:
    return ", ".join(f"{label} {s:.2f} s ({res['calls'][label]}x)" for label, s in res["parts_s"].items())


def _statements(res: dict) -> str:
    return ", ".join(f"{label} {n:,} x {1000 * sec / max(n, 1):.2f} ms" for label, (n, sec) in
                     sorted(res["by_table"].items(), key=lambda item: -item[1][1]))


def main(argv=None) -> int:  # noqa: C901 (one straight story, as in the other benchmarks)
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)
    logging.disable(logging.INFO)
    started = time.monotonic()
    rng = random.Random(args.seed)
    pg_created = False
    result, problems = None, []
    try:
        pgdb.check_reachable()
        app_url, owner_url = pgdb.create_database(PG_DB)
        pg_created = True
        say(f"backend: PostgreSQL database {PG_DB} (tables owned by {OWNER_ROLE}, the app connects as {APP_ROLE}, "
            f"row-level security on)")
        t0 = time.monotonic()
        migrate(app_url, owner_url)
        say(f"migrated with `huzhu db upgrade` ({time.monotonic() - t0:.1f} s)")

        from app import create_app

        app = create_app(app_config(app_url, owner_url))
        logging.disable(logging.INFO)  # create_app configures logging again

        t0 = time.monotonic()
        cid, offer_ids, plans = seed(app, args, rng)
        _vacuum("")  # the whole database
        import psycopg

        big = offer_ids[0]
        # the plan ids, in insertion order (the seeder inserted without RETURNING)
        with psycopg.connect(pgdb.PG_ADMIN.replace("dbname=postgres", f"dbname={PG_DB}")) as conn:
            ids = [r[0] for r in conn.execute("SELECT id FROM meal_plans ORDER BY id")]
            closed = set(conn.execute("SELECT offer_id, day FROM offer_closures").fetchall())
        for plan, pid in zip(plans, ids, strict=True):
            plan["id"] = pid
        live = sum(p["status"] in ("active", "ended") for p in plans)
        week_end = WEEK_START + timedelta(days=6)
        rows = expected_rows(cid, plans, closed, WEEK_START, 7)
        say(f"data: 1 community, {args.canteens} canteens (lunch and dinner Mon-Sat, delivery, {args.capacity} "
            f"places a meal, the first {args.big_capacity}; price list via meals.save_settings), "
            f"{args.residents:,} residents, {len(plans):,} meal plans ({live:,} live; {args.big_canteen_plans} at "
            f"the first canteen), one canteen closed on {WEEK_START + timedelta(2)} "
            f"({time.monotonic() - t0:.1f} s, then VACUUM ANALYZE)")
        say(f"week {WEEK_START}..{week_end}: {len(rows):,} orders expected")
        busy = background_busy()
        say(f"machine before the measurements: {busy:.0f}% of one core busy ({os.cpu_count()} cores)")
        if busy > 50:
            say("WARNING: the machine is busy: absolute figures will be low and noisy; the ratios less so")

        # 1. Nightly generation, from empty, against the raw bulk insert; alternating, --rounds times.
        gens, reruns, raws = [], [], []
        for r in range(args.rounds):
            if r:
                clear_orders()
            raws.append(raw_insert(app, cid, rows))
            _vacuum("meal_orders")
            last = r == args.rounds - 1
            gen = run_generation(app, cid, WEEK_START, 7, profile=args.profile and last)
            rerun = run_generation(app, cid, WEEK_START, 7)
            gens.append(gen)
            reruns.append(rerun)
            say(f"  round {r + 1}: raw INSERT {raws[-1]:.2f} s; generate_orders {gen['wall_s']:.2f} s "
                f"({gen['made']:,} orders, {gen['statements']:,} SQL statements, {gen['db_s']:.2f} s in the "
                f"driver; peak RSS {gen['peak_rss_mb']:.0f} MB); re-run {rerun['wall_s']:.2f} s "
                f"({rerun['made']} new, {rerun['statements']} statements)")
            if gen["made"] != len(rows):
                problems.append(f"round {r + 1}: the job made {gen['made']} orders, {len(rows)} expected")
            if rerun["made"]:
                problems.append(f"round {r + 1}: the re-run made {rerun['made']} orders, none expected")
        gen_s = statistics.median(g["wall_s"] for g in gens)
        rerun_s = statistics.median(g["wall_s"] for g in reruns)
        raw_s = statistics.median(raws)
        gen_ratio = gen_s / raw_s if raw_s else float("inf")
        gen_rss = max(g["peak_rss_mb"] for g in gens)
        last_gen = gens[-1]
        say(f"generation of the week (median of {args.rounds}): {gen_s:.2f} s = {len(rows) / gen_s:,.0f} orders/s; "
            f"raw Core INSERT of the same {len(rows):,} rows {raw_s:.2f} s; ratio {gen_ratio:.1f}; idempotent "
            f"re-run {rerun_s:.2f} s")
        say(f"  parts (last round): {_parts(last_gen)}")
        say(f"  statements (last round; count x driver time each): {_statements(last_gen)}")
        say(f"  re-run parts: {_parts(reruns[-1])}")
        say(f"  memory: RSS {last_gen['base_rss_mb']:.0f} MB before, peak {gen_rss:.0f} MB during (VmHWM "
            f"{'reset just before' if last_gen['hwm_reset'] else 'not resettable'}, VmRSS sampled every 20 ms)")
        if last_gen["profiler"]:
            print_profile(last_gen["profiler"], "the generation")
        check = check_orders(app, cid, WEEK_START, week_end)
        say(f"  orders of the week by status: {check['by_status']}; capacity counters off: "
            f"{check['counter_mismatches']}, over capacity: {check['over_capacity']}")
        if check["counter_mismatches"] or check["over_capacity"]:
            problems.append(f"capacity counters disagree with the orders ({check})")
        if check["by_status"].get("unplaced"):
            problems.append(f"{check['by_status']['unplaced']} orders found no place (the data means them all "
                            f"to fit)")

        # 2. A month of orders, most of them marked.
        month_end = MONTH_END
        month = run_generation(app, cid, MONTH_START, (month_end - MONTH_START).days + 1)
        mark_month(app, cid, month_end + timedelta(days=1))
        mcheck = check_orders(app, cid, MONTH_START, month_end)
        month_orders = sum(mcheck["by_status"].values())
        say(f"month {MONTH}: the job with days={(month_end - MONTH_START).days + 1} made {month['made']:,} more "
            f"orders in {month['wall_s']:.2f} s ({month['statements']:,} statements, peak RSS "
            f"{month['peak_rss_mb']:.0f} MB); {month_orders:,} orders in the month, marked "
            f"{mcheck['by_status']}")

        # 3. Manifest of the big canteen on a weekday of the week.
        from app.meals import services as meals

        weekdays = [WEEK_START + timedelta(days=d) for d in range(5)]
        say(f"manifest SQL plan: {explain(app, cid, manifest_sql(), {'o': big, 'd': weekdays[2], 'c': cid})}")
        t0 = time.monotonic()
        man = compare(app, cid, big, args.samples, args.warmup, meals.manifest, manifest_sql(),
                      lambda g: (lambda d: {"app": d, "sql": {"d": d}})(g.choice(weekdays)),
                      lambda m, rows: len(m.rows) == m.total == len(rows), rng)
        m50, m95 = pct(man["app_ms"], 50), pct(man["app_ms"], 95)
        ms50, ms95 = pct(man["sql_ms"], 50), pct(man["sql_ms"], 95)
        man_ratio = m95 / ms95 if ms95 else float("inf")
        man_meals = statistics.mean(man["rows"])
        man_statements = count_statements(app, cid, big, meals.manifest, weekdays[2])
        say(f"manifest of the first canteen, a random weekday of the week: {man_meals:.0f} meals on average "
            f"({min(man['rows'])}-{max(man['rows'])}); {args.samples} samples after {args.warmup} untimed "
            f"({time.monotonic() - t0:.1f} s); {man_statements} SQL statements per manifest")
        say(f"  meals.manifest:  p50 {m50:6.2f} ms  p95 {m95:6.2f} ms  max {max(man['app_ms']):6.2f} ms")
        say(f"  raw SQL (join):  p50 {ms50:6.2f} ms  p95 {ms95:6.2f} ms  max {max(man['sql_ms']):6.2f} ms")
        if man["disagree"]:
            problems.append(f"{man['disagree']} manifests did not list the meals the raw SQL found")

        # 4. Canteen statement of the month.
        say(f"statement SQL plan: "
            f"{explain(app, cid, statement_sql(), {'o': big, 'a': MONTH_START, 'b': month_end, 'c': cid})}")
        t0 = time.monotonic()
        st = compare(app, cid, big, args.samples, args.warmup, meals.canteen_statement, statement_sql(),
                     lambda g: {"app": MONTH, "sql": {"a": MONTH_START, "b": month_end}},
                     lambda s, rows: sum(s.counts.values()) == sum(r[-1] for r in rows), rng)
        s50, s95 = pct(st["app_ms"], 50), pct(st["app_ms"], 95)
        ss50, ss95 = pct(st["sql_ms"], 50), pct(st["sql_ms"], 95)
        st_ratio = s95 / ss95 if ss95 else float("inf")
        stmt = st["last"]
        st_orders = sum(stmt.counts.values())
        st_statements = count_statements(app, cid, big, meals.canteen_statement, MONTH)
        say(f"canteen statement of the first canteen for {MONTH}: {st_orders:,} orders, {len(stmt.days)} day-meal "
            f"lines, {st['rows'][-1]} groups; {args.samples} samples after {args.warmup} untimed "
            f"({time.monotonic() - t0:.1f} s); {st_statements} SQL statements per statement")
        say(f"  meals.canteen_statement: p50 {s50:6.2f} ms  p95 {s95:6.2f} ms  max {max(st['app_ms']):6.2f} ms")
        say(f"  raw SQL (GROUP BY):      p50 {ss50:6.2f} ms  p95 {ss95:6.2f} ms  max {max(st['sql_ms']):6.2f} ms")
        if st["disagree"]:
            problems.append(f"{st['disagree']} statements did not add up to the raw SQL's counts")

        # 5. A week in which the first canteen is full: the job places what fits and leaves the rest unplaced.
        set_capacity(app, cid, big, args.full_capacity)
        full = run_generation(app, cid, FULL_WEEK_START, 7)
        fcheck = check_orders(app, cid, FULL_WEEK_START, FULL_WEEK_START + timedelta(days=6))
        set_capacity(app, cid, big, args.big_capacity)
        say(f"a week with the first canteen full ({FULL_WEEK_START}, {args.full_capacity} places a meal for "
            f"~{args.big_canteen_plans} lunches): {full['made']:,} orders in {full['wall_s']:.2f} s, "
            f"{full['statements']:,} SQL statements ({full['db_s']:.2f} s in the driver), against "
            f"{last_gen['statements']:,} and {gen_s:.2f} s for the week above; by status {fcheck['by_status']}")
        say(f"  parts: {_parts(full)}")
        say(f"  statements: {_statements(full)}")
        if fcheck["over_capacity"]:
            problems.append(f"{fcheck['over_capacity']} meals over capacity in the full week")

        aims = {
            f"week's generation <= {GENERATE_AIM_S:g} s ({gen_s:.1f} s; {gen_ratio:.1f}x the raw INSERT)":
                gen_s <= GENERATE_AIM_S,
            f"manifest p95 <= {MANIFEST_P95_AIM_MS:g} ms ({m95:.1f} ms)": m95 <= MANIFEST_P95_AIM_MS,
            f"manifest p95 <= {MANIFEST_RATIO_AIM:g}x raw SQL p95 ({man_ratio:.1f}x)": man_ratio <= MANIFEST_RATIO_AIM,
            f"statement p95 <= {STATEMENT_P95_AIM_MS:g} ms ({s95:.1f} ms; {st_ratio:.1f}x the raw SQL)":
                s95 <= STATEMENT_P95_AIM_MS,
            f"peak RSS during generation < {RSS_AIM_MB} MB ({gen_rss:.0f} MB)": gen_rss < RSS_AIM_MB,
        }
        for aim, met in aims.items():
            say(f"aim: {aim}: {'met' if met else 'MISSED'}")
        for problem in problems:
            say(f"PROBLEM: {problem}")
        result = {
            "bench": "meals",
            "canteens": args.canteens, "residents": args.residents, "plans": len(plans), "live_plans": live,
            "week_orders": len(rows), "generate_s": round(gen_s, 3), "orders_per_s": round(len(rows) / gen_s),
            "raw_insert_s": round(raw_s, 3), "generate_raw_ratio": round(gen_ratio, 2),
            "rerun_s": round(rerun_s, 3), "generate_statements": last_gen["statements"],
            "generate_db_s": round(last_gen["db_s"], 3), "rerun_statements": reruns[-1]["statements"],
            "generate_peak_rss_mb": round(gen_rss, 1), "rounds": args.rounds,
            "month_orders": month_orders, "month_generate_s": round(month["wall_s"], 3),
            "month_peak_rss_mb": round(month["peak_rss_mb"], 1),
            "manifest_meals": round(man_meals, 1), "manifest_p50_ms": round(m50, 3), "manifest_p95_ms": round(m95, 3),
            "manifest_sql_p50_ms": round(ms50, 3), "manifest_sql_p95_ms": round(ms95, 3),
            "manifest_sql_ratio_p95": round(man_ratio, 2), "manifest_statements": man_statements,
            "statement_orders": st_orders, "statement_p50_ms": round(s50, 3), "statement_p95_ms": round(s95, 3),
            "statement_sql_p50_ms": round(ss50, 3), "statement_sql_p95_ms": round(ss95, 3),
            "statement_sql_ratio_p95": round(st_ratio, 2), "statement_statements": st_statements,
            "full_week_orders": full["made"], "full_week_unplaced": fcheck["by_status"].get("unplaced", 0),
            "full_week_s": round(full["wall_s"], 3), "full_week_statements": full["statements"],
            "samples": args.samples, "background_cpu_pct": round(busy), "aims_met": all(aims.values()),
            "problems": problems, "run_s": round(time.monotonic() - started, 1),
        }
        if args.keep:
            say(f"kept database {PG_DB}")
    finally:
        if pg_created and not args.keep:
            try:
                pgdb.drop_database(PG_DB)
            except Exception as err:  # noqa: BLE001
                say(f"could not drop {PG_DB}: {err}")
    print(json.dumps(result), flush=True)  # last, after the clean-up
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
