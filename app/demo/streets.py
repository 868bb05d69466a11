"""T街道's office compares three communities: L社区 (the demo), 槐树社区 (its neighbour, given a year of its own
here) and 银杏社区 (a third, made here). Each gets fewer records than the demo — units, residents (a few with a
disability, under consent), needs met through matches, a canteen's meals, joint activities held — made through
the services, the past days replayed with the clock stopped at them. The street office's viewer logs in as
STREET_VIEWER. Loading again changes nothing: a community already filled is left as it is.
"""
import logging
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from app.activities import services as activities
from app.core.extensions import db
from app.demo import live
from app.demo.activities import picture
from app.demo.data import demo_people
from app.matching import services as matching
from app.meals import services as meals
from app.members import services as members
from app.needs import services as needs
from app.notifications import services as notifications
from app.offers import services as offers
from app.photos import services as photos
from app.residents import services as residents
from app.streets.models import StreetViewer
from app.units import services as units
from app.units.models import Unit
from tenants import clock
from tenants import services as tenants
from tenants.context import tenant_context
from tenants.models import Community

logger = logging.getLogger(__name__)

STREET = "T街道"
STREET_VIEWER = ("street@demo.example", "王立新")  # T街道办事处 社区建设科

# (name, type, address, what it offers)
HUAISHU_UNITS = [
    ("槐树社区卫生服务站", "clinic", "槐树胡同12号", "health", "慢病随访和上门测血压"),
    ("北京市槐树小学", "school", "槐树胡同40号", "volunteer", "少先队员陪伴空巢老人"),
    ("老槐树饺子馆", "shop", "槐树胡同18号", "meal", "饺子馆助老午餐"),
    ("槐荫物业服务有限公司", "property_company", "槐树胡同2号", None, ""),
    ("惠民便利店（槐树店）", "shop", "槐树胡同25号", None, ""),
    ("康宁药店", "shop", "槐树胡同27号", None, ""),
]
YINXING_UNITS = [
    ("银杏社区卫生服务站", "clinic", "银杏路8号", "health", "老年人健康体检"),
    ("区第五幼儿园", "school", "银杏路30号", "volunteer", "亲子志愿者探望老人"),
    ("银杏苑老年餐厅", "enterprise", "银杏路16号", "meal", "老年餐厅午餐"),
    ("金穗物业管理有限公司", "property_company", "银杏路1号", None, ""),
    ("好邻居超市", "shop", "银杏路22号", None, ""),
    ("顺心家电维修部", "shop", "银杏路24号", None, ""),
    ("银杏法律服务所", "enterprise", "银杏路26号", "legal", "免费法律咨询"),
    ("鼎盛科技有限公司", "enterprise", "银杏路88号", None, ""),
]
COMMUNITIES = [
    dict(slug=live.NEIGHBOUR_SLUG, name=live.NEIGHBOUR_NAME, staff=live.NEIGHBOUR_STAFF, units=HUAISHU_UNITS,
         residents=24, disabled=3, seed=101, plans=5, street_name="槐树胡同",
         activities=[("重阳节包饺子", "culture_sports", 40), ("防诈骗讲座", "training", 18)]),
    dict(slug="yinxing", name="银杏社区", staff=("coordinator@yinxing.demo.example", "马丽娟"), units=YINXING_UNITS,
         residents=36, disabled=7, seed=202, plans=8, street_name="银杏路",
         activities=[("银杏节游园会", "culture_sports", 60), ("老年人智能手机课堂", "training", 25),
                     ("冬季健康讲座", "training", 12)]),
]
NEED_TITLES = {"health": "上门量血压", "volunteer": "陪老人聊天、读报", "legal": "咨询赡养问题"}


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), clock.zone())


def load(make_user, password_hash: str, operator_id: int) -> None:
    for spec in COMMUNITIES:
        community = Community.by_slug(spec["slug"]) or tenants.create_community(
            slug=spec["slug"], name=spec["name"], street=STREET)
        with tenant_context(community.id):
            if db.session.execute(select(Unit.id).where(Unit.name == spec["units"][0][0])).first() is None:
                with notifications.muted():
                    _fill(spec, make_user, password_hash)
                db.session.commit()
    street_id = Community.by_slug("demo").street_id
    viewer = make_user(STREET_VIEWER[0], STREET_VIEWER[1], password_hash)
    if db.session.execute(select(StreetViewer.id).where(StreetViewer.street_id == street_id,
                                                        StreetViewer.user_id == viewer.id)).first() is None:
        db.session.add(StreetViewer(street_id=street_id, user_id=viewer.id, granted_by_id=operator_id))
    db.session.commit()


def _fill(spec: dict, make_user, password_hash: str) -> None:
    staff = make_user(spec["staff"][0], spec["staff"][1], password_hash)
    members.add_member(staff, ["admin", "coordinator"])
    today = clock.today()
    joined = today - timedelta(days=300)
    made = {}
    for name, typ, address, kind, title in spec["units"]:
        unit = units.create_unit({"name": name, "type": typ, "address": f"{STREET}{address}", "joined_on": joined})
        if kind:
            extra = ({"slots": ["lunch"], "terms": "discounted", "capacity": 20, "delivery": True,
                      "weekly": {d: [["11:00", "13:00"]] for d in live.EVERY_DAY}} if kind == "meal"
                     else {"capacity": 5, "terms": "free"})
            made[kind] = offers.create_offer({"unit_id": str(unit.id), "kind": kind, "title": title, **extra})
    people = []
    for i, person in enumerate(demo_people(spec["residents"], seed=spec["seed"])):
        resident = residents.create_resident({
            "name": person["name"], "birth_date": person["birth_date"], "building": str(1 + i % 6),
            "entrance": str(1 + i % 3), "room": f"{1 + i % 5}0{1 + i % 4}",
            "address": f"{spec['name']}{1 + i % 6}号楼"}, actor_id=staff.id)
        if i < spec["disabled"]:
            residents.record_consent(resident, given_by=person["name"], method="in_person", actor_id=staff.id)
            residents.set_sensitive(resident, {"disability_category": ("physical", "visual", "hearing")[i % 3],
                                               "disability_grade": 3}, actor_id=staff.id)
        people.append(resident)
    _needs_met(made, people, staff.id, today)
    _meals(made["meal"], people[:spec["plans"]], staff.id, today)
    _activities(spec["activities"], people, staff.id, today)


def _needs_met(made: dict, people: list, actor_id: int, today: date) -> None:
    """Needs of the weeks before, each matched to a unit's offer, served and rated."""
    kinds = [k for k in ("health", "volunteer", "legal") if k in made]
    for i, resident in enumerate(people[:len(kinds) * 3]):
        kind = kinds[i % len(kinds)]
        day = today - timedelta(days=4 + 3 * i)
        with clock.at(_at(day - timedelta(days=2), 9)):
            need = live._create_need({"kind": kind, "title": NEED_TITLES[kind], "window": (0, 9, 11)},
                                     resident=resident, actor_id=actor_id, today=day)
            needs.move(need, "triaged", actor_id=actor_id)
            match = matching.propose(need, made[kind].id, actor_id=actor_id)
            matching.accept(match, actor_id=actor_id)
            matching.confirm(match, actor_id=actor_id)
        with clock.at(_at(day, 12)):
            matching.deliver(match, actor_id=actor_id)
            matching.rate(match, 5 - i % 2, "", actor_id=actor_id)


def _meals(offer, people: list, actor_id: int, today: date) -> None:
    """The canteen's lunches of the last ten days for a few residents, all delivered."""
    begun = today - timedelta(days=11)
    with clock.at(_at(begun, 10)):
        meals.save_settings(offer, {"cutoff": "17:00", "prices": {"lunch": {"anyone": 800}}})
        start = meals.first_open_day(meals.settings_of(offer))
        plans = [meals.request_plan({
            "resident_id": str(r.id), "offer_id": str(offer.id), "weekdays": list(live.EVERY_DAY), "slots": ["lunch"],
            "mode": "delivery" if i % 2 else "dine_in", "diet_notes": "", "starts_on": start, "ends_on": None},
            actor_id=actor_id, confirm=True) for i, r in enumerate(people)]
        meals.generate_orders(plans=plans, start=start, days=(today - start).days)
    day = start
    while day < today:
        with clock.at(_at(day, 14)):
            meals.mark_rest_delivered(offer, day, actor_id=actor_id)
        day += timedelta(days=1)


def _activities(specs: list, people: list, actor_id: int, today: date) -> None:
    """Joint activities of the autumn, held, with their sign-ups and a record."""
    for i, (title, kind, crowd) in enumerate(specs):
        day = today - timedelta(days=20 + 15 * i)
        starts = _at(day, 9)
        with clock.at(starts - timedelta(days=14)):
            activity = activities.propose(actor_id=actor_id, kind=kind, title=title, description=f"{title}。",
                                          starts_at=starts, ends_at=starts + timedelta(hours=2), place="社区广场",
                                          public=True, audience="residents")
            activities.approve(activity, actor_id=actor_id)
            signed = [activities.sign_up(activity, actor_id=actor_id, resident=r)
                      for r in people[i * 4:i * 4 + 4]]
        with clock.at(starts + timedelta(minutes=5)):
            activities.mark_held(activity, actor_id=actor_id)
            for registration in signed[:-1]:
                activities.check_in(registration, actor_id=actor_id)
        with clock.at(starts + timedelta(hours=20)):
            photos.add_photos(activities.PHOTO_OWNER, activity.id, alts=[f"{title}：参加者在横幅前合影"], consent=True,
                              files=[("1.jpg", picture(title, "group", seed=31 + i))], actor_id=actor_id,
                              public=True)
            activities.record(activity, text=f"{day.month}月{day.day}日，{title}在社区广场举行，居民踊跃参加。",
                              walk_ins=crowd, actor_id=actor_id)
        db.session.flush()


def logins() -> list[tuple[str, str]]:
    """(who, login) for the printout."""
    return [(f"street viewer ({STREET})", STREET_VIEWER[0]),
            (f"coordinator, 银杏社区 ({COMMUNITIES[1]['slug']})", COMMUNITIES[1]["staff"][0])]
