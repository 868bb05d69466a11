"""Venues and activities benchmark: a year's weekly request checked against a busy venue, a week view, sign-ups.

    .venv/bin/python bench/venues.py [--venues 1000] [--occurrences 100000] [--activities 5000]
                                     [--registrations 50000] [--busy 2500] [--samples 200] [--sqlite] [--keep]

The demo community has 10 venues, about 1,000 booking dates, 50 activities and 500 registrations; this is 100x
that in one community.

1. Makes a throwaway database: PostgreSQL `huzhu_bench_venues` (tables owned by huzhu_owner, the app connecting
   as huzhu_app under row-level security, as in production), or SQLite in a temp dir with --sqlite or when
   PostgreSQL does not answer on 127.0.0.1:5432; migrates.
2. Seeds one community with bulk Core inserts under its tenant context: 1,000 units each lending a venue; 100,000
   booking dates from a year ago to a year ahead in four daily slots (09–11, 12–14, 15–17, 19–21, community time;
   ~80% confirmed, the rest pending, declined or cancelled; never two confirmed at once), ten to a booking; one
   busy venue holds --busy of them. 10,000 residents; 5,000 activities (every status, a third in a venue) with
   co-organisers; 50,000 registrations (residents and units' people, registered, waiting, cancelled, checked in).
3. Conflict check: `venues.check(venue, dates)` of the busy venue for a weekly request of 52 dates (a year),
   starting on a random week, at a slot that meets its bookings (--samples times, the venue loaded first,
   untimed), against the raw SQL of the same overlap query (the 52 ranges joined to the venue's confirmed dates)
   on the same connection in the same transaction, alternating which goes first. p50/p95; statements counted.
4. Week view: `venues.week(venue, monday)` of the busy venue for a random Monday of the two years.
5. Sign-up: `activities.sign_up` of a resident for one of 100 open activities (some full: waiting list), inside
   the tenant context, each in its own transaction, commit included; statements per sign-up counted.
6. Drops the database (or the temp dir), whatever happened (--keep keeps it).

Human-readable lines first; the last line of stdout is one JSON object. See bench/README.md ("venues").
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
import secrets  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from datetime import UTC, date, datetime, timedelta  # noqa: E402
from zoneinfo import ZoneInfo  # noqa: E402

from bench import pgdb  # noqa: E402
from bench.matching import StatementCounter, pct, say  # noqa: E402

PG_DB = "huzhu_bench_venues"
SLUG = "bench-venues"
SECRET_KEY = "bench-secret-key-not-for-production"
TZ = ZoneInfo("Asia/Shanghai")
SLOTS = ((9, 11), (12, 14), (15, 17), (19, 21))  # community time
DAYS_BACK, DAYS_AHEAD = 365, 365
REQUEST_DATES = 52
CONFLICT_P95_AIM_MS, CONFLICT_RATIO_AIM, CONFLICT_STATEMENTS_AIM = 20.0, 3.0, 2
WEEK_P95_AIM_MS = 20.0
SIGNUP_P95_AIM_MS = 50.0
KINDS = ("training", "salon", "culture_sports", "service_day", "other")


def postgres_reachable() -> bool:
    try:
        pgdb.check_reachable()
        return True
    except RuntimeError:
        return False


def app_config(app_url: str, owner_url: str | None) -> dict:
    return {"HUZHU_ENV": "production", "SQLALCHEMY_DATABASE_URI": app_url, "DATABASE_OWNER_URL": owner_url,
            "SECRET_KEY": SECRET_KEY, "PUBLIC_BASE_URL": "http://bench.invalid", "REDIS_URL": None,
            "SMTP_HOST": None}


def slot_range(day: date, slot: int) -> tuple[datetime, datetime]:
    a, b = SLOTS[slot]
    return (datetime(day.year, day.month, day.day, a, tzinfo=TZ).astimezone(UTC),
            datetime(day.year, day.month, day.day, b, tzinfo=TZ).astimezone(UTC))


# --- data ----------------------------------------------------------------------------------------

class Seeder:
    """Bulk Core inserts through the app's own session, under the community's tenant context."""

    def __init__(self, rng: random.Random, cid: int, staff_id: int):
        from app.activities.models import Activity, ActivityUnit, Registration
        from app.core.extensions import db
        from app.residents.models import Resident
        from app.units.models import Unit
        from app.venues.models import Booking, BookingOccurrence, Venue

        self.db, self.rng, self.cid, self.staff_id = db, rng, cid, staff_id
        self.now = datetime.now(UTC)
        self.today = self.now.astimezone(TZ).date()
        self.t = {name: model.__table__ for name, model in (
            ("units", Unit), ("venues", Venue), ("bookings", Booking), ("occurrences", BookingOccurrence),
            ("residents", Resident), ("activities", Activity), ("activity_units", ActivityUnit),
            ("registrations", Registration))}

    def _ids(self, table: str, rows: list[dict]) -> list[int]:
        t, ids = self.t[table], []
        for k in range(0, len(rows), 5000):
            ids += self.db.session.execute(t.insert().returning(t.c.id, sort_by_parameter_order=True),
                                           rows[k:k + 5000]).scalars()
        return ids

    def _rows(self, table: str, rows: list[dict]) -> None:
        for k in range(0, len(rows), 5000):
            self.db.session.execute(self.t[table].insert(), rows[k:k + 5000])

    def venues(self, n: int) -> tuple[list[int], list[int]]:
        now, cid = self.now, self.cid
        unit_ids = self._ids("units", [{"community_id": cid, "name": f"单位{j:04d}", "name_sort": f"danwei{j:04d}",
                                        "type": ("enterprise", "school", "social_org", "property_company")[j % 4],
                                        "status": "active", "created_at": now, "updated_at": now}
                                       for j in range(n)])
        venue_ids = self._ids("venues", [{"community_id": cid, "unit_id": u, "name": f"活动室{j:04d}",
                                          "capacity": self.rng.choice([20, 40, 80, 200]), "hours": {},
                                          "needs_confirmation": True, "book_ahead_days": DAYS_AHEAD + 30,
                                          "status": "active", "created_at": now}
                                         for j, u in enumerate(unit_ids)])
        return unit_ids, venue_ids

    def occurrences(self, venue_ids: list[int], unit_ids: list[int], total: int, busy: int) -> int:
        """`busy` dates at the first venue, the rest spread over the others; ten dates to a booking."""
        rng, cid, now = self.rng, self.cid, self.now
        days = [self.today + timedelta(days=d) for d in range(-DAYS_BACK, DAYS_AHEAD)]
        slots = [(d, s) for d in days for s in range(len(SLOTS))]
        share = {venue_ids[0]: min(busy, len(slots))}
        rest = total - share[venue_ids[0]]
        others = venue_ids[1:]
        for k, v in enumerate(others):
            share[v] = rest // len(others) + (1 if k < rest % len(others) else 0)
        count = 0
        for v in venue_ids:
            chosen = sorted(rng.sample(slots, share[v]))
            groups = [chosen[k:k + 10] for k in range(0, len(chosen), 10)]
            booking_ids = self._ids("bookings", [{"community_id": cid, "venue_id": v, "unit_id": rng.choice(unit_ids),
                                                  "requested_by_id": self.staff_id, "purpose": "排练",
                                                  "recurrence": {}, "status": "active", "created_at": now}
                                                 for _ in groups])
            rows = []
            for booking_id, group in zip(booking_ids, groups, strict=True):
                for day, slot in group:
                    s, e = slot_range(day, slot)
                    roll = rng.random()
                    status = ("confirmed" if roll < 0.8 else "pending" if roll < 0.9
                              else "declined" if roll < 0.95 else "cancelled")
                    rows.append({"community_id": cid, "booking_id": booking_id, "venue_id": v, "starts_at": s,
                                 "ends_at": e, "status": status,
                                 "decided_by_id": self.staff_id if status != "pending" else None,
                                 "decided_at": now if status != "pending" else None})
            self._rows("occurrences", rows)
            count += len(rows)
            if v == venue_ids[0] or len(rows) and count % 20000 < len(rows):
                self.db.session.commit()
        self.db.session.commit()
        return count

    def residents(self, n: int) -> list[int]:
        now = self.now
        return self._ids("residents", [{"community_id": self.cid, "name": f"居民{i}", "name_sort": f"jumin{i:05d}",
                                        "phone": f"139{i:08d}", "building": str(i % 60 + 1), "entrance": "1",
                                        "room": "101", "address": "", "household": "", "diet_notes": "",
                                        "status": "active", "created_at": now, "updated_at": now}
                                       for i in range(n)])

    def activities(self, n: int, unit_ids: list[int], venue_ids: list[int], open_ids: int) -> list[int]:
        """n activities over the two years; the first `open_ids` in the weeks ahead, open for sign-ups."""
        rng, cid, now = self.rng, self.cid, self.now
        rows = []
        for i in range(n):
            if i < open_ids:
                start = now + timedelta(days=rng.randint(7, 60), hours=rng.randint(0, 10))
                status = "scheduled" if i % 2 else "approved"
            else:
                start = now + timedelta(days=rng.randint(-DAYS_BACK, DAYS_AHEAD), hours=rng.randint(0, 10))
                status = (rng.choice(("held", "recorded", "closed", "closed", "cancelled")) if start < now
                          else rng.choice(("proposed", "approved", "scheduled", "scheduled", "cancelled")))
            in_venue = rng.random() < 0.33
            rows.append({"community_id": cid, "kind": rng.choice(KINDS), "title": f"活动{i:05d}", "description": "",
                         "organiser_unit_id": rng.choice(unit_ids) if rng.random() < 0.7 else None, "guests": "",
                         "speakers": "", "audience": "both",
                         "capacity": rng.choice([None, 5, 10, 20, 30, 50]) if i >= open_ids else rng.choice([5, 30]),
                         "taken": 0, "starts_at": start, "ends_at": start + timedelta(hours=2),
                         "venue_id": rng.choice(venue_ids) if in_venue else None,
                         "place": "" if in_venue else "社区广场", "public": True, "status": status,
                         "proposed_by_id": self.staff_id, "record_text": "记录" if status in ("recorded", "closed")
                         else "", "walk_ins": 0, "cancel_reason": "", "created_at": now})
        ids = self._ids("activities", rows)
        self._rows("activity_units", [{"community_id": cid, "activity_id": a, "unit_id": u}
                                      for a in ids if rng.random() < 0.3
                                      for u in rng.sample(unit_ids, rng.randint(1, 3))])
        self.db.session.commit()
        return ids

    def registrations(self, n: int, activity_ids: list[int], resident_ids: list[int], unit_ids: list[int],
                      open_ids: int) -> None:
        """n registrations over the activities past the open ones (those stay nearly empty, for the sign-ups)."""
        from sqlalchemy import func, select, update

        from app.activities.models import Activity, Registration

        rng, cid, now = self.rng, self.cid, self.now
        rows = []
        pool = activity_ids[open_ids:]
        per = n // len(pool)
        for k, a in enumerate(pool):
            count = per + (1 if k < n % len(pool) else 0)
            people = rng.sample(resident_ids, count)
            for j, rid in enumerate(people):
                by_unit = rng.random() < 0.25
                roll = rng.random()
                status = "registered" if roll < 0.8 else "waiting" if roll < 0.9 else "cancelled"
                rows.append({"community_id": cid, "activity_id": a, "resident_id": None if by_unit else rid,
                             "unit_id": rng.choice(unit_ids) if by_unit else None, "name": f"参加者{j}",
                             "phone_tail": "0000", "status": status, "code": secrets.token_urlsafe(12),
                             "walk_in": False, "registered_by_id": self.staff_id, "registered_at": now,
                             "checked_in_at": now if status == "registered" and rng.random() < 0.6 else None})
        self._rows("registrations", rows)
        # The counter agrees with the rows (the one counter of the activities).
        held = (select(func.count(Registration.id)).where(Registration.activity_id == Activity.id,
                                                          Registration.status.in_(("registered", "offered")))
                .scalar_subquery())
        self.db.session.execute(update(Activity).values(taken=held).execution_options(synchronize_session=False))
        self.db.session.commit()


def seed(app, args, rng: random.Random) -> dict:
    from flask_migrate import upgrade
    from sqlalchemy import text

    from app.accounts.models import User
    from app.core.extensions import db
    from app.members.services import add_member
    from tenants.context import tenant_context
    from tenants.services import create_community

    with app.app_context():
        t0 = time.monotonic()
        upgrade()
        say(f"migrated ({time.monotonic() - t0:.1f} s)")
        community = create_community(slug=SLUG, name="压测场地社区", street="T街道")
        staff = User(name="协调员", email="staff@bench.example", password_hash="!")
        db.session.add(staff)
        db.session.flush()
        cid, staff_id = community.id, staff.id
        with tenant_context(cid):
            add_member(staff, ["admin", "coordinator"])
            db.session.commit()
            seeder = Seeder(rng, cid, staff_id)
            t0 = time.monotonic()
            unit_ids, venue_ids = seeder.venues(args.venues)
            occurrences = seeder.occurrences(venue_ids, unit_ids, args.occurrences, args.busy)
            say(f"data: {len(venue_ids)} venues, {occurrences} booking dates "
                f"({args.busy} at the busy venue) in {time.monotonic() - t0:.1f} s")
            t0 = time.monotonic()
            resident_ids = seeder.residents(args.residents)
            activity_ids = seeder.activities(args.activities, unit_ids, venue_ids, args.open_activities)
            seeder.registrations(args.registrations, activity_ids, resident_ids, unit_ids, args.open_activities)
            say(f"data: {len(resident_ids)} residents, {len(activity_ids)} activities, {args.registrations} "
                f"registrations in {time.monotonic() - t0:.1f} s")
            db.session.commit()
            if db.session.get_bind().dialect.name == "postgresql":  # the owner's statistics, as autovacuum keeps
                pgdb.pg_admin("ANALYZE", dbname=PG_DB)
            else:
                db.session.execute(text("ANALYZE"))
                db.session.commit()
        return {"community": cid, "staff": staff_id, "busy": venue_ids[0], "residents": resident_ids,
                "open": activity_ids[:args.open_activities], "today": seeder.today}


# --- measurements --------------------------------------------------------------------------------

def raw_overlap(dialect: str, venue_id: int, ranges) -> tuple[str, dict]:
    """The same overlap query as `venues.overlapping`, as hand-written SQL."""
    params = {"venue": venue_id}
    if dialect == "postgresql":
        params.update(i=list(range(len(ranges))), s=[s for s, _e in ranges], e=[e for _s, e in ranges])
        source = "unnest(CAST(:i AS integer[]), CAST(:s AS timestamptz[]), CAST(:e AS timestamptz[])) AS c(i, s, e)"
    else:
        values = []
        for k, (s, e) in enumerate(ranges):
            params[f"s{k}"] = s.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
            params[f"e{k}"] = e.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
            values.append(f"({k}, :s{k}, :e{k})")
        source = f"(SELECT column1 AS i, column2 AS s, column3 AS e FROM (VALUES {', '.join(values)})) AS c"
    sql = (f"SELECT c.i, o.id, o.booking_id, o.starts_at, o.ends_at, o.status FROM booking_occurrences o "
           f"JOIN {source} ON o.starts_at < c.e AND o.ends_at > c.s AND o.starts_at >= coalesce(("
           f"SELECT max(p.starts_at) FROM booking_occurrences p WHERE p.venue_id = :venue "
           f"AND p.status = 'confirmed' AND p.starts_at < c.s), c.s) "
           f"WHERE o.venue_id = :venue AND o.status = 'confirmed' ORDER BY c.i, o.starts_at")
    return sql, params


def conflict_phase(app, world: dict, samples: int, rng: random.Random) -> dict:
    from sqlalchemy import text

    from app.core.extensions import db
    from app.venues import services as venues
    from tenants.context import tenant_context

    app_s, raw_s, statements, overlaps = [], [], [], []
    with app.app_context(), tenant_context(world["community"]):
        dialect = db.session.get_bind().dialect.name
        counter = StatementCounter(db.engine)
        try:
            for k in range(samples + 10):
                db.session.commit()
                db.session.expunge_all()
                venue = venues.get_venue(world["busy"])
                first = world["today"] + timedelta(days=rng.randint(1, 7))
                slot = rng.randrange(len(SLOTS))
                s, e = slot_range(first, slot)
                s += timedelta(hours=1)
                e += timedelta(hours=1)  # an hour later than the slot: it meets the slot's booking and the next's
                ranges = venues.expand(s, e, frequency="weekly", count=REQUEST_DATES)
                sql, params = raw_overlap(dialect, venue.id, ranges)

                def run_app(venue=venue, ranges=ranges):
                    before = counter.count
                    t0 = time.perf_counter()
                    result = venues.check(venue, ranges)
                    spent = time.perf_counter() - t0
                    return spent, counter.count - before, sum(1 for c in result if c.overlaps)

                def run_raw(sql=sql, params=params):
                    t0 = time.perf_counter()
                    rows = db.session.execute(text(sql), params).all()
                    return time.perf_counter() - t0, len({r[0] for r in rows})

                if k % 2:
                    a, n, hits = run_app()
                    r, raw_hits = run_raw()
                else:
                    r, raw_hits = run_raw()
                    a, n, hits = run_app()
                if hits != raw_hits:
                    raise RuntimeError(f"the check found {hits} dates taken, the raw SQL {raw_hits}")
                if k >= 10:  # the first ones warm the caches up
                    app_s.append(a)
                    raw_s.append(r)
                    statements.append(n)
                    overlaps.append(hits)
        finally:
            counter.close()
        db.session.rollback()
    return {"app": app_s, "raw": raw_s, "statements": statements, "overlaps": overlaps}


def week_phase(app, world: dict, samples: int, rng: random.Random) -> dict:
    from app.core.extensions import db
    from app.venues import services as venues
    from tenants.context import tenant_context

    times, sizes = [], []
    with app.app_context(), tenant_context(world["community"]):
        for k in range(samples + 10):
            db.session.commit()
            db.session.expunge_all()
            venue = venues.get_venue(world["busy"])
            monday = venues.monday_of(world["today"] + timedelta(days=rng.randint(-DAYS_BACK, DAYS_AHEAD - 7)))
            t0 = time.perf_counter()
            rows = venues.week(venue, monday)
            spent = time.perf_counter() - t0
            if k >= 10:
                times.append(spent)
                sizes.append(len(rows))
        db.session.rollback()
    return {"times": times, "sizes": sizes}


def signup_phase(app, world: dict, samples: int, rng: random.Random) -> dict:
    from sqlalchemy import func, select

    from app.activities import services as activities
    from app.activities.models import Activity, Registration
    from app.core.extensions import db
    from app.residents import services as residents
    from tenants.context import tenant_context

    times, statements, outcomes = [], [], {"registered": 0, "waiting": 0}
    people = rng.sample(world["residents"], samples + 10)
    with app.app_context(), tenant_context(world["community"]):
        counter = StatementCounter(db.engine)
        try:
            for k, resident_id in enumerate(people):
                db.session.expunge_all()
                activity = activities.get_activity(rng.choice(world["open"]))
                resident = residents.get_resident(resident_id)
                before = counter.count
                t0 = time.perf_counter()
                registration = activities.sign_up(activity, actor_id=world["staff"], resident=resident)
                db.session.commit()
                spent = time.perf_counter() - t0
                if k >= 10:
                    times.append(spent)
                    statements.append(counter.count - before)
                    outcomes[registration.status] += 1
        finally:
            counter.close()
        # Places never over-taken: the counter equals the rows holding a place, and never above the capacity.
        held = dict(db.session.execute(select(Registration.activity_id, func.count()).where(
            Registration.activity_id.in_(world["open"]), Registration.status.in_(("registered", "offered")))
            .group_by(Registration.activity_id)).all())
        wrong = [a.id for a in db.session.execute(select(Activity).where(Activity.id.in_(world["open"]))).scalars()
                 if a.taken != held.get(a.id, 0) or (a.capacity is not None and a.taken > a.capacity)]
        db.session.commit()
    return {"times": times, "statements": statements, "outcomes": outcomes, "wrong": wrong}


# --- running ------------------------------------------------------------------------------------

def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--venues", type=int, default=1000)
    p.add_argument("--occurrences", type=int, default=100_000)
    p.add_argument("--busy", type=int, default=2500, help="booking dates at the busy venue (of 2,920 slots)")
    p.add_argument("--residents", type=int, default=10_000)
    p.add_argument("--activities", type=int, default=5000)
    p.add_argument("--open-activities", type=int, default=100, help="activities open for the timed sign-ups")
    p.add_argument("--registrations", type=int, default=50_000)
    p.add_argument("--samples", type=int, default=200)
    p.add_argument("--seed", type=int, default=11)
    p.add_argument("--sqlite", action="store_true")
    p.add_argument("--keep", action="store_true", help="keep the database and the temp dir")
    return p.parse_args(argv)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def main(argv=None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)
    logging.disable(logging.INFO)
    rng = random.Random(args.seed)
    tmp = tempfile.mkdtemp(prefix="huzhu-bench-venues-")
    backend = "sqlite" if args.sqlite else ("postgresql" if postgres_reachable() else "sqlite")
    if backend == "sqlite" and not args.sqlite:
        say("PostgreSQL does not answer on 127.0.0.1:5432: falling back to SQLite")
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
        world = seed(app, args, rng)

        conflict = conflict_phase(app, world, args.samples, rng)
        c_p50, c_p95 = pct(conflict["app"], 50), pct(conflict["app"], 95)
        r_p50, r_p95 = pct(conflict["raw"], 50), pct(conflict["raw"], 95)
        ratio = c_p95 / r_p95
        c_statements = max(conflict["statements"])
        say(f"conflict check ({REQUEST_DATES} weekly dates at the busy venue, {min(conflict['overlaps'])}–"
            f"{max(conflict['overlaps'])} of them taken): p50 {c_p50 * 1000:.2f} ms, p95 {c_p95 * 1000:.2f} ms "
            f"(aim <= {CONFLICT_P95_AIM_MS:.0f}); raw SQL p50 {r_p50 * 1000:.2f} ms, p95 {r_p95 * 1000:.2f} ms; "
            f"ratio {ratio:.2f} (aim <= {CONFLICT_RATIO_AIM}); {c_statements} statement(s) "
            f"(aim <= {CONFLICT_STATEMENTS_AIM})")
        if ratio > CONFLICT_RATIO_AIM:
            problems.append(f"conflict check {ratio:.1f}x the raw SQL")
        if c_statements > CONFLICT_STATEMENTS_AIM:
            problems.append(f"conflict check sends {c_statements} statements")

        week = week_phase(app, world, args.samples, rng)
        w_p50, w_p95 = pct(week["times"], 50), pct(week["times"], 95)
        say(f"week view (the busy venue, a random Monday, {min(week['sizes'])}–{max(week['sizes'])} dates): "
            f"p50 {w_p50 * 1000:.2f} ms, p95 {w_p95 * 1000:.2f} ms (aim <= {WEEK_P95_AIM_MS:.0f})")
        if w_p95 * 1000 > WEEK_P95_AIM_MS:
            problems.append(f"week view p95 {w_p95 * 1000:.1f} ms")

        signup = signup_phase(app, world, args.samples, rng)
        s_p50, s_p95 = pct(signup["times"], 50), pct(signup["times"], 95)
        per_signup = max(signup["statements"])
        say(f"sign-up ({len(signup['times'])}: {signup['outcomes']['registered']} registered, "
            f"{signup['outcomes']['waiting']} waiting; commit included): p50 {s_p50 * 1000:.2f} ms, "
            f"p95 {s_p95 * 1000:.2f} ms (aim <= {SIGNUP_P95_AIM_MS:.0f}); {min(signup['statements'])}–{per_signup} "
            f"statements each (the RLS setting went with the loading before)")
        if signup["wrong"]:
            problems.append(f"counters disagree with the rows for activities {signup['wrong'][:5]}")
        for problem in problems:
            say(f"PROBLEM: {problem}")
        print(json.dumps({
            "bench": "venues", "backend": backend, "venues": args.venues, "occurrences": args.occurrences,
            "busy_venue_occurrences": args.busy, "activities": args.activities, "registrations": args.registrations,
            "samples": args.samples, "conflict_check_p50_ms": ms(c_p50), "conflict_check_p95_ms": ms(c_p95),
            "conflict_raw_p95_ms": ms(r_p95), "conflict_raw_ratio": round(ratio, 2),
            "conflict_statements": c_statements, "week_view_p50_ms": ms(w_p50), "week_view_p95_ms": ms(w_p95),
            "signup_p50_ms": ms(s_p50), "signup_p95_ms": ms(s_p95), "statements_per_signup": per_signup,
            "problems": len(problems),
        }), flush=True)
        return 1 if problems else 0
    finally:
        if not args.keep:
            if pg_created:
                pgdb.drop_database(PG_DB)
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
