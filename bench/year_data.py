"""A year of records for the year benchmark (bench/year.py): 100 communities in 10 streets, each about the demo
community's size, made with bulk Core inserts under each community's tenant context.

Per community: the demo's 135 units (app.demo.data.demo_units, a seed each), 20 offers (canteens with lunch and
dinner, venues, jobs, training, rehabilitation aids), 300 residents, 400 needs spread over the year in the
demo's kinds (70% matched: the match confirmed 0–20 days after the need, then delivered, half of them rated;
the rest open, cancelled or unmet), the dated status changes the figures read, 10 meal plans with a lunch every
weekday (about 2,500 meal orders, 90% delivered), 30 joint activities (kinds, organisers, co-organisers, records)
with 20 registrations each (70% checked in), 8 public-works requests with two lines each, 5 admissions.
"""
import random
import secrets
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")
NEED_KINDS = ("meal", "meal", "meal", "job", "training", "rehab", "health", "volunteer", "legal", "venue")
OFFER_KINDS = ("meal",) * 5 + ("venue",) * 4 + ("job",) * 4 + ("training",) * 3 + ("rehab", "health", "legal",
                                                                                    "volunteer")
ACTIVITY_KINDS = ("training", "salon", "culture_sports", "service_day", "other")
PW_CATEGORIES = ("road", "drains", "toilets", "rubbish", "trees", "lighting")
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=TZ).astimezone(UTC)


class YearSeeder:
    """Bulk inserts through the app's session; call inside the community's tenant context."""

    def __init__(self, rng: random.Random, year: int):
        from app.activities.models import Activity, ActivityUnit, Registration
        from app.applications.models import UnitApplication
        from app.core.extensions import db
        from app.history import StatusChange
        from app.matching.models import Match
        from app.meals.models import MealOrder, MealPlan
        from app.needs.models import Need
        from app.offers.models import Offer
        from app.publicworks.models import PublicWorksLine, PublicWorksRequest
        from app.residents.models import Resident
        from app.units.models import Unit

        self.db, self.rng, self.year = db, rng, year
        self.first, self.last = date(year, 1, 1), date(year, 12, 31)
        self.days = [self.first + timedelta(days=d) for d in range((self.last - self.first).days + 1)]
        self.t = {m.__tablename__: m.__table__ for m in (
            Unit, Offer, Resident, Need, Match, StatusChange, MealPlan, MealOrder, Activity, ActivityUnit,
            Registration, PublicWorksRequest, PublicWorksLine, UnitApplication)}

    def _ids(self, table: str, rows: list[dict]) -> list[int]:
        t, ids = self.t[table], []
        for k in range(0, len(rows), 5000):
            ids += self.db.session.execute(t.insert().returning(t.c.id, sort_by_parameter_order=True),
                                           rows[k:k + 5000]).scalars()
        return ids

    def _rows(self, table: str, rows: list[dict]) -> None:
        for k in range(0, len(rows), 5000):
            self.db.session.execute(self.t[table].insert(), rows[k:k + 5000])

    def community(self, cid: int, staff_id: int, seed: int, sort_keys: dict) -> dict:
        from app.demo.data import demo_units
        from app.units.services import sort_key

        rng = self.rng
        units = []
        for unit in demo_units(seed=seed):
            name = unit["name"]
            if name not in sort_keys:
                sort_keys[name] = sort_key(name)
            units.append({"community_id": cid, "name": name, "name_sort": sort_keys[name], "type": unit["type"],
                          "address": unit["address"], "contact_name": unit["contact_name"],
                          "contact_phone": unit["contact_phone"], "description": unit["description"],
                          "joined_on": unit["joined_on"], "status": "active"})
        unit_ids = self._ids("units", units)
        offers = [{"community_id": cid, "unit_id": unit_ids[k * 6], "kind": kind, "title": f"{kind}服务{k}",
                   "capacity": 30, "slots": ["lunch", "dinner"] if kind == "meal" else [],
                   "delivery": kind == "meal", "status": "active", "created_at": at(self.first)}
                  for k, kind in enumerate(OFFER_KINDS)]
        offer_ids = self._ids("offers", offers)
        by_kind: dict[str, list[int]] = {}
        for offer, offer_id in zip(offers, offer_ids, strict=True):
            by_kind.setdefault(offer["kind"], []).append(offer_id)
        resident_ids = self._ids("residents", [
            {"community_id": cid, "name": f"居民{i:03d}", "name_sort": f"jumin{i:03d}",
             "phone": f"139{seed:04d}{i:04d}", "building": str(i % 30 + 1), "status": "active",
             "created_at": at(self.first)} for i in range(300)])

        needs, outcomes = [], []
        for i in range(400):
            kind = rng.choice(NEED_KINDS)
            day = rng.choice(self.days[:-20])
            roll = rng.random()
            outcome = ("matched" if roll < .7 else "open" if roll < .85 else "cancelled" if roll < .93 else "unmet")
            status = {"matched": "done", "open": "submitted", "cancelled": "cancelled", "unmet": "unmet"}[outcome]
            needs.append({"community_id": cid, "kind": kind, "title": f"{kind}需求{i}",
                          "resident_id": rng.choice(resident_ids), "submitted_by_id": staff_id,
                          "window_start": at(day, 8), "window_end": at(day + timedelta(days=30), 18),
                          "slot": "lunch" if kind == "meal" else None, "status": status, "created_at": at(day, 9)})
            outcomes.append((outcome, day))
        need_ids = self._ids("needs", needs)
        matches, changes = [], []
        for need_id, need, (outcome, day) in zip(need_ids, needs, outcomes, strict=True):
            changes.append({"community_id": cid, "object_type": "need", "object_id": need_id, "from_status": None,
                            "to_status": "submitted", "actor_id": staff_id, "at": need["created_at"]})
            if outcome in ("cancelled", "unmet"):
                changes.append({"community_id": cid, "object_type": "need", "object_id": need_id,
                                "from_status": "submitted", "to_status": outcome, "actor_id": staff_id,
                                "at": at(min(day + timedelta(days=15), self.last))})
            if outcome != "matched":
                continue
            offer_id = rng.choice(by_kind.get(need["kind"]) or offer_ids)
            rated = rng.random() < .5
            matches.append({"community_id": cid, "need_id": need_id, "offer_id": offer_id,
                            "occurrence": day.isoformat(), "status": "rated" if rated else "delivered",
                            "rating": rng.randint(3, 5) if rated else None, "proposed_by_id": staff_id,
                            "created_at": at(day, 11)})
        match_ids = self._ids("matches", matches)
        for match_id, match in zip(match_ids, matches, strict=True):
            day = match["created_at"].astimezone(TZ).date()
            confirmed = min(day + timedelta(days=rng.randint(0, 20)), self.last)
            delivered = min(confirmed + timedelta(days=rng.randint(0, 5)), self.last)
            for frm, to, when in ((None, "proposed", day), ("proposed", "confirmed", confirmed),
                                  ("confirmed", "delivered", delivered)):
                changes.append({"community_id": cid, "object_type": "match", "object_id": match_id,
                                "from_status": frm, "to_status": to, "actor_id": staff_id, "at": at(when, 12)})
            changes.append({"community_id": cid, "object_type": "need", "object_id": match["need_id"],
                            "from_status": "submitted", "to_status": "matched", "actor_id": staff_id,
                            "at": at(confirmed, 12)})
        self._rows("status_changes", changes)

        canteens = by_kind["meal"]
        plans = [{"community_id": cid, "resident_id": resident_ids[i], "offer_id": canteens[i % len(canteens)],
                  "weekdays": ["mon", "tue", "wed", "thu", "fri"], "slots": ["lunch"],
                  "mode": "delivery" if i % 3 == 0 else "dine_in", "starts_on": self.first, "status": "active",
                  "created_by_id": staff_id, "created_at": at(self.first)} for i in range(10)]
        plan_ids = self._ids("meal_plans", plans)
        orders = []
        for plan_id, plan in zip(plan_ids, plans, strict=True):
            for day in self.days:
                if day.weekday() < 5:
                    orders.append({"community_id": cid, "plan_id": plan_id, "resident_id": plan["resident_id"],
                                   "offer_id": plan["offer_id"], "day": day, "slot": "lunch", "mode": plan["mode"],
                                   "price_cents": 1200, "status": "delivered" if rng.random() < .9 else "cancelled",
                                   "created_at": at(day, 1)})
        self._rows("meal_orders", orders)

        activities = []
        for i in range(30):
            day = rng.choice(self.days)
            activities.append({"community_id": cid, "kind": rng.choice(ACTIVITY_KINDS), "title": f"联合活动{i}",
                               "organiser_unit_id": rng.choice(unit_ids) if i % 3 else None, "audience": "both",
                               "capacity": 30, "taken": 20, "starts_at": at(day, 9), "ends_at": at(day, 11),
                               "place": "社区广场", "public": True, "status": "closed", "proposed_by_id": staff_id,
                               "record_text": "活动记录", "walk_ins": rng.randint(0, 5), "created_at": at(day, 8)})
        activity_ids = self._ids("activities", activities)
        self._rows("activity_units", [{"community_id": cid, "activity_id": a, "unit_id": u}
                                      for a in activity_ids for u in rng.sample(unit_ids, 2)])
        registrations = []
        for a, activity in zip(activity_ids, activities, strict=True):
            for r in rng.sample(resident_ids, 20):
                came = rng.random() < .7
                registrations.append({"community_id": cid, "activity_id": a, "resident_id": r, "name": f"居民{r}",
                                      "status": "checked_in" if came else "registered",
                                      "code": "".join(secrets.choice(CODE_ALPHABET) for _ in range(10)),
                                      "registered_at": activity["created_at"],
                                      "checked_in_at": activity["starts_at"] if came else None})
        self._rows("registrations", registrations)

        works = [{"community_id": cid, "category": PW_CATEGORIES[i % len(PW_CATEGORIES)], "title": f"公共维修{i}",
                  "department": "市政管理处", "status": "done" if i % 2 else "in_progress",
                  "filed_on": self.days[i * 30], "done_on": self.days[i * 30 + 20] if i % 2 else None,
                  "created_by_id": staff_id, "created_at": at(self.days[i * 30])} for i in range(8)]
        work_ids = self._ids("public_works_requests", works)
        self._rows("public_works_lines", [
            {"community_id": cid, "request_id": w, "position": p, "description": "路面修补" if p else "清运垃圾",
             "measure": "m2" if p else "truckloads", "planned": Decimal(120 if p else 6),
             "done": Decimal(80 if p else 6)} for w in work_ids for p in range(2)])
        self._rows("unit_applications", [
            {"community_id": cid, "unit_name": f"新单位{i}", "unit_type": "enterprise", "credit_code": f"91{i:016d}",
             "address": "槐树路1号", "contact_name": "联系人", "contact_mobile": "13900000000",
             "consent_at": at(self.days[i * 50]), "status": "approved", "unit_id": unit_ids[i],
             "submitted_at": at(self.days[i * 50]), "decided_at": at(self.days[i * 50 + 10])} for i in range(5)])
        self.db.session.commit()
        return {"units": len(unit_ids), "needs": len(need_ids), "matches": len(match_ids), "meal_orders": len(orders),
                "activities": len(activity_ids), "registrations": len(registrations), "unit_ids": unit_ids,
                "resident_ids": resident_ids, "activity_ids": activity_ids}
