"""Load the demo community; running it again changes nothing (every row is found by its natural key)."""
import logging
from datetime import datetime, time, timedelta

from sqlalchemy import select
from werkzeug.security import generate_password_hash

from app.accounts import services as accounts
from app.accounts.models import User
from app.core.extensions import db
from app.demo import activities, commendations, governance, live, reports, streets
from app.demo import cases as good_cases
from app.demo import fund as fund_year
from app.demo.data import PUBLIC_WORKS, demo_people, demo_residents, demo_units
from app.meals import services as meals
from app.members import services as members
from app.notifications import services as notifications
from app.offers import services as offers
from app.offers.models import Offer
from app.publicworks import services as public_works
from app.publicworks.models import PublicWorksRequest
from app.publicworks.schemas import PublicWorksProgressIn, PublicWorksRequestIn
from app.residents import services as residents
from app.residents.models import Resident
from app.units import services as units
from app.units.models import Unit
from jobs.queues import run_in_process_jobs
from tenants import clock
from tenants import services as tenants
from tenants.context import tenant_context
from tenants.models import Community

logger = logging.getLogger(__name__)

SLUG, NAME, STREET = "demo", "L社区", "T街道"
PASSWORD = "huzhu-demo-2026"
DOMAIN = "demo.example"

# (role shown, login, password) — printed by `huzhu demo` and `make demo`.
STAFF = [
    ("operator", "operator@huzhu.example", "平台运维", None),
    ("admin", f"admin@{DOMAIN}", "刘书记", ["admin", "council"]),
    ("coordinator", f"coordinator@{DOMAIN}", "陈晓燕", ["coordinator"]),
    ("council", f"council@{DOMAIN}", "赵国华", ["council"]),
    ("representative", f"representative@{DOMAIN}", "孙桂兰", ["representative", "resident"]),
]
# Units whose contact person gets an account as the unit's representative.
REPRESENTED_UNITS = ["京华物业管理有限公司", "聚福园饭店", "L公园", "区第二文化馆"]
COUNCIL_EXTRA, REPRESENTATIVES_EXTRA, RESIDENTS = 4, 7, 300


def _user(login: str, name: str, password_hash: str, *, phone: str | None = None, operator: bool = False) -> User:
    column = User.email if "@" in login else User.phone
    user = db.session.execute(select(User).where(column == login)).scalar_one_or_none()
    if user is None:
        user = User(name=name, email=login if "@" in login else None, phone=phone if "@" in login else login,
                    password_hash=password_hash, is_operator=operator, locale=None)
        db.session.add(user)
        db.session.flush()
    return user


def load_demo() -> str:
    # One scrypt hash for every demo account: hashing 300 times would take most of a minute.
    password_hash = generate_password_hash(PASSWORD, method="scrypt")
    community = Community.by_slug(SLUG) or tenants.create_community(slug=SLUG, name=NAME, street=STREET)
    with tenant_context(community.id), notifications.muted():
        for _role, login, name, roles in STAFF:
            user = _user(login, name, password_hash, operator=roles is None)
            if roles:
                members.add_member(user, roles)
        people = demo_people(COUNCIL_EXTRA + REPRESENTATIVES_EXTRA)
        for i, person in enumerate(people):
            role = ["council"] if i < COUNCIL_EXTRA else ["representative", "resident"]
            members.add_member(_user(person["phone"], person["name"], password_hash, phone=person["phone"]), role)

        existing = set(db.session.execute(select(Unit.name)).scalars())
        for row in demo_units():
            if row["name"] not in existing:
                units.create_unit(row)
        for unit_name in REPRESENTED_UNITS:
            unit = db.session.execute(select(Unit).where(Unit.name == unit_name)).scalar_one()
            user = _user(unit.contact_phone, unit.contact_name, password_hash, phone=unit.contact_phone)
            members.add_member(user, ["unit"])
            units.add_representative(unit, user.id)

        coordinator = _user(f"coordinator@{DOMAIN}", "", password_hash)
        held = set(db.session.execute(select(Resident.account_id)).scalars())
        for person in demo_residents(RESIDENTS):
            user = _user(person["phone"], person["name"], password_hash, phone=person["phone"])
            members.add_member(user, ["resident"])
            if user.id not in held:
                _resident_profile(person, user.id, coordinator.id)
        _public_works(coordinator.id)
        db.session.commit()
        council_ids, voter_ids = _governors(people)
        governance.founding_period(council_ids)
        db.session.commit()
    # The live day, with its notifications: what waits for people today.
    with tenant_context(community.id):
        live.local_offers()
        db.session.commit()
    neighbour = live.neighbour(_user, password_hash)
    with tenant_context(community.id):
        admin = _user(f"admin@{DOMAIN}", "", password_hash)
        mother = live.family(_user, password_hash, coordinator.id)
        _meal_table(coordinator.id, mother)
        meals.generate_orders()  # run again on a later day: the orders up to the new day, as the daily job does
        db.session.commit()
        live.escalated_need(coordinator.id)
        live.needs_of_the_day(coordinator.id, mother, neighbour.id)
        live.announcements_with_receipts(admin.id)
        governance.pending_applications(_user, password_hash, council_ids, voter_ids)
        db.session.commit()
        activities.load(_user, password_hash, coordinator.id, mother)
        good_cases.load(coordinator.id)
        fund_year.load(coordinator.id, admin.id)
        db.session.commit()
    with tenant_context(community.id):  # last year's commendation is in last year's report
        commendations.load(council_ids[0], coordinator.id)
        db.session.commit()
    with tenant_context(community.id), notifications.muted():  # last year's submissions told nobody today
        reports.load(coordinator.id)
        db.session.commit()
    # The street office compares three communities of T街道: the neighbour's year and a third community.
    streets.load(_user, password_hash, _user(STAFF[0][1], "", password_hash).id)
    run_in_process_jobs()  # without Redis, the notifications' fan-out and the street's follow-ups run now
    with tenant_context(community.id):
        counts = members.count_by_role()
        total_units = units.count_units()
        profiles = residents.count_residents()
        waiting = live.waiting()
    return (f"demo community '{SLUG}' ({NAME}, {STREET}): {total_units} units, {profiles} resident profiles, "
            + ", ".join(f"{n} {role}" for role, n in sorted(counts.items()))
            + f"; today: {waiting}; neighbour '{live.NEIGHBOUR_SLUG}' ({live.NEIGHBOUR_NAME}) in {STREET}")


def _governors(people: list[dict]) -> tuple[list[int], list[int]]:
    """The council's six (刘书记 chairs, 赵国华 is vice-chair, then the four others) and the members who have
    already voted in the open ballot: the demo's representative 孙桂兰 has not."""
    def user_id(login: str) -> int:
        return accounts.find_user(login).id

    council = [user_id(f"admin@{DOMAIN}"), user_id(f"council@{DOMAIN}")]
    council += [user_id(p["phone"]) for p in people[:COUNCIL_EXTRA]]
    voters = council[:3] + [user_id(p["phone"]) for p in people[COUNCIL_EXTRA:COUNCIL_EXTRA + 3]]
    return council, voters


def _resident_profile(person: dict, account_id: int, coordinator_id: int) -> None:
    """The resident's profile; sensitive attributes only with the consent the coordinator recorded."""
    resident = residents.create_resident({
        "name": person["name"], "phone": person["phone"], "building": str(person["building"]),
        "entrance": str(person["unit"]), "room": person["room"], "birth_date": person["birth_date"],
        "address": f"L社区{person['building']}号楼{person['unit']}单元{person['room']}",
    }, actor_id=coordinator_id, account_id=account_id)
    sensitive = {
        "disability_category": person["disability_category"], "disability_grade": person["disability_grade"],
        "low_income": person["low_income"], "living_alone": person["living_alone"], "special_hardship": False,
    }
    if person["disability_category"] or person["low_income"] or person["living_alone"]:
        residents.record_consent(resident, given_by=person["name"], method="in_person", actor_id=coordinator_id)
        residents.set_sensitive(resident, sensitive, actor_id=coordinator_id)


# Which weekdays the plans order: every day, the working week, or three days a week.
PLAN_DAYS = (list(live.EVERY_DAY), ["mon", "tue", "wed", "thu", "fri"], ["mon", "wed", "fri"])
DIETS = ["", "", "", "少盐", "软食", "糖尿病餐，少糖", "清真", "不吃辣", "流食"]


def _meal_table(coordinator_id: int, mother: Resident) -> None:
    """The property company's staff canteen serves the 养老助残餐桌: its offer, price list, and the
    meal plans of some elderly residents, made three days ago (so today and yesterday have orders), and
    the rounds of the two days before today."""

    unit = db.session.execute(select(Unit).where(Unit.name == REPRESENTED_UNITS[0])).scalar_one()
    offer = db.session.execute(select(Offer).where(Offer.unit_id == unit.id, Offer.kind == "meal")).scalar_one_or_none()
    if offer is not None:
        return
    today = clock.today()
    with clock.at(datetime.combine(today - timedelta(days=3), time(10), clock.zone())):
        offer = offers.create_offer({
            "unit_id": str(unit.id), "kind": "meal", "title": "京华物业养老助残餐桌", "terms": "discounted",
            "description": "员工食堂为社区老年人、残疾人供应三餐，可堂食，1 公里内送餐上门。", "capacity": 40,
            "slots": ["breakfast", "lunch", "dinner"], "delivery": True, "eligibility": ["elderly", "disabled"],
            "radius_m": 1000, "weekly": {d: [["06:30", "19:00"]] for d in live.EVERY_DAY}})
        meals.save_settings(offer, {"cutoff": "17:00", "prices": {
            "breakfast": {"elderly": 300, "disabled": 200},
            "lunch": {"elderly": 800, "disabled": 500, "low_income": 400},
            "dinner": {"elderly": 700, "disabled": 500}}})
        start = meals.first_open_day(meals.settings_of(offer))
        elderly = db.session.execute(select(Resident).where(Resident.birth_date <= live.years_before(start, 75),
                                                            Resident.id != mother.id)
                                     .order_by(Resident.id).limit(24)).scalars().all()
        for i, person in enumerate(elderly):
            meals.request_plan({
                "resident_id": str(person.id), "offer_id": str(offer.id), "weekdays": PLAN_DAYS[i % 3],
                "slots": ["lunch"] if i % 4 else ["lunch", "dinner"], "mode": "delivery" if i % 2 else "dine_in",
                "diet_notes": DIETS[i % len(DIETS)], "starts_on": start, "ends_on": None},
                actor_id=coordinator_id, confirm=i % 8 != 0)  # a few wait for the coordinator's confirmation
        # The son asks for his mother's lunches; the coordinator confirms them.
        plan = meals.request_plan({
            "resident_id": str(mother.id), "offer_id": str(offer.id), "weekdays": list(live.EVERY_DAY),
            "slots": ["lunch"], "mode": "delivery", "diet_notes": "", "starts_on": start, "ends_on": None},
            actor_id=mother.account_id, confirm=False)
        meals.confirm_plan(plan, actor_id=coordinator_id)
    live.deliveries(offer)


def _public_works(coordinator_id: int) -> None:
    """The community's requests to municipal departments, dated back from today, at each step of their way."""
    existing = set(db.session.execute(select(PublicWorksRequest.title)).scalars())
    today = public_works.today()
    for category, title, location, department, lines, status, filed_ago, done_ago, due_in in PUBLIC_WORKS:
        if title in existing:
            continue
        request = public_works.create_request(PublicWorksRequestIn().load({
            "category": category, "title": title, "location": location, "department": department,
            "due_on": (today + timedelta(days=due_in)).isoformat() if due_in is not None else None,
            "lines": [{"description": d, "measure": m, "planned": p} for d, m, p, _done in lines],
        }), actor_id=coordinator_id)
        if status == "draft":
            continue
        public_works.move(request, "filed", actor_id=coordinator_id, on=today - timedelta(days=filed_ago))
        if any(done for *_rest, done in lines):
            public_works.record_progress(request, PublicWorksProgressIn().load({"lines": [
                {"id": str(line.id), "done": done} for line, (*_rest, done) in zip(request.lines, lines)]}),
                actor_id=coordinator_id)
        if status == "done":
            public_works.move(request, "done", actor_id=coordinator_id, on=today - timedelta(days=done_ago),
                              note="验收合格")


def demo_logins() -> list[tuple[str, str, str]]:
    """(who, login, password) for each role, as `make demo` prints them."""
    logins = [(role, login, PASSWORD) for role, login, _name, _roles in STAFF]
    canteen = next(u for u in demo_units() if u["name"] == REPRESENTED_UNITS[0])
    logins.append(("unit (京华物业 canteen)", canteen["contact_phone"], PASSWORD))
    resident = next(r for r in demo_residents(RESIDENTS) if r["elderly"])
    logins.append(("resident (elderly)", resident["phone"], PASSWORD))
    logins.append((f"family member ({live.MOTHER['name']}'s son)", live.FAMILY[0], PASSWORD))
    logins.append((f"applicant ({governance.UNDER_REVIEW['unit_name']})", governance.UNDER_REVIEW["contact_mobile"],
                   PASSWORD))
    logins.append(("unit (school hall)", activities.school_login(), PASSWORD))
    logins.append((f"coordinator, {live.NEIGHBOUR_NAME} ({live.NEIGHBOUR_SLUG})", live.NEIGHBOUR_STAFF[0], PASSWORD))
    logins.append((f"unit, {live.NEIGHBOUR_NAME} ({live.NEIGHBOUR_UNIT[0]})", live.NEIGHBOUR_UNIT[4], PASSWORD))
    logins += [(who, login, PASSWORD) for who, login in streets.logins()]
    return logins
