"""The demo's live day: what waits for people on the day `huzhu demo` runs.

Every date is counted from the community clock's today (tenants/clock.py), so the coordinator's today
page has work on it whenever the demo is loaded: needs of several kinds to triage, proposals waiting for
units, a match to confirm, confirmed matches, meal orders for today and tomorrow (from plans started three
days ago), yesterday's missed delivery, a need escalated after waiting two days, two announcements with
read receipts, a neighbouring community of T街道 (槐树社区) that shares offers with the street and a
referral each way, and a family member who acts for an elderly mother.

Everything goes through the services (capacity booked, outbox events, status history); the days before
today are replayed with the clock stopped at them (`clock.at`). Each scene is found again by its natural
key (a need's title, an offer's title in its unit, an announcement's title, a log-in), so a second run
makes nothing new. Run again on a later day, the scenes stay as they were made (they are not dated
again); only the meal table's orders are brought up to the new day, as the daily job would.
"""
import logging
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from app.accounts.models import User
from app.announcements import services as announcements
from app.announcements.models import Announcement
from app.core.extensions import db
from app.core.validation import ValidationFailed
from app.matching import services as matching
from app.matching.models import Match
from app.meals import services as meals
from app.meals.models import MealOrder, MealPlan
from app.members import services as members
from app.needs import services as needs
from app.needs.models import Need
from app.needs.schemas import NeedIn
from app.notifications import services as notifications
from app.notifications.models import InboxEntry
from app.offers import services as offers
from app.offers.models import Offer
from app.referrals import services as referrals
from app.residents import services as residents
from app.residents.models import Resident
from app.units import services as units
from app.units.models import Unit
from tenants import clock
from tenants import services as tenants
from tenants.context import tenant_context
from tenants.models import Community

logger = logging.getLogger(__name__)

EVERY_DAY = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# The neighbouring community of the same street, its staff and its elderly-care station.
NEIGHBOUR_SLUG, NEIGHBOUR_NAME = "huaishu", "槐树社区"
NEIGHBOUR_STAFF = ("coordinator@huaishu.demo.example", "吴红梅")
NEIGHBOUR_UNIT = ("槐树颐养驿站", "enterprise", "T街道槐树胡同36号", "郑慧敏", "13400000002",
                  "社区嵌入式养老驿站，提供助餐、康复辅具租借和日间照料；与街道各社区共享服务。")
# The family member: a son who lives elsewhere and looks after his mother's meals and needs.
FAMILY = ("13400000001", "周建伟")
MOTHER = {"name": "周淑珍", "phone": "", "building": "7", "entrance": "2", "room": "101",
          "birth_date": date(1938, 3, 14), "address": "L社区7号楼2单元101", "account_relation": "child",
          "diet_notes": "软食，少盐", "household": "独居，儿子周建伟每周来看望"}

# (unit name or a LIKE pattern, kind, title, capacity, extra fields). Shared ones reach the street.
LOCAL_OFFERS = [
    ("L公园", "venue", "L公园活动广场", 300, {"description": "可用于晨练、义诊、义卖和庙会等社区活动。"}),
    ("区第二文化馆", "venue", "文化馆排练厅", 40,
     {"description": "排练厅可容纳四十人，备有钢琴和音响；街道各社区都可预约。", "shared_with_street": True}),
    ("L社区卫生服务站", "health", "老年人上门体检和慢病随访", 6,
     {"description": "医生上门量血压、测血糖，建立健康档案。", "eligibility": ["elderly", "disabled"]}),
    ("%律师事务所", "legal", "每月免费法律咨询", 4, {"description": "律师到社区或电话解答赡养、继承、租房等问题。"}),
    ("北京市第二百一十三中学", "volunteer", "中学生志愿者陪伴老人", 10,
     {"description": "学生志愿者陪老人聊天、读报、陪同就医。"}),
    ("区劳动保障所T街道分所", "job", "社区公益岗位（保洁、巡查）", 5,
     {"description": "面向本社区就业困难人员的公益性岗位。"}),
]
NEIGHBOUR_OFFERS = [
    ("rehab", "康复辅具租借（轮椅、助行器）", 8, {"description": "轮椅、助行器、拐杖免费租借，可送到家。"}),
    ("meal", "驿站助老午餐", 20, {"slots": ["lunch"], "eligibility": ["elderly"], "terms": "discounted",
                              "weekly": {d: [["11:00", "13:00"]] for d in EVERY_DAY}}),
]

# The needs of the day. who: an index into the elderly residents without a meal plan, "mother", or a
# "young" index; by: who registered it; steps: how far it went. Windows are (days from today, from HH, to HH
# [, how many days more]); meals (days from today, slot).
NEEDS = [
    # waiting for triage, of several kinds
    dict(title="明天午饭送到家（女儿出差）", kind="meal", who=0, by="self", meal=(1, "lunch")),
    dict(title="上门量血压、测血糖", kind="health", who=1, window=(2, 9, 11)),
    dict(title="咨询房屋继承手续", kind="legal", who=2, window=(3, 14, 16)),
    dict(title="陪妈妈去医院复查", kind="volunteer", who="mother", by="family", window=(2, 8, 11), urgency="high",
         details="妈妈腿脚不便，需要有人陪同挂号、取药。"),
    dict(title="想找一份社区公益岗位", kind="job", who="young", window=(1, 9, 17, 29)),
    # proposed, waiting for the unit's answer
    dict(title="午饭送餐（腿脚不便）", kind="meal", who=3, meal=(1, "lunch"), steps="proposed",
         offer="京华物业养老助残餐桌"),
    dict(title="老年合唱队排练场地", kind="venue", who=4, window=(2, 9, 11), quantity=20, steps="proposed",
         offer="文化馆排练厅"),
    dict(title="帮忙整理房间、陪聊", kind="volunteer", who=5, window=(1, 14, 16), steps="proposed",
         offer="中学生志愿者陪伴老人"),
    # accepted by the unit, waiting for the coordinator
    dict(title="晚饭送餐（老伴住院）", kind="meal", who=6, meal=(1, "dinner"), steps="accepted",
         offer="京华物业养老助残餐桌"),
    # confirmed: places booked
    dict(title="太极拳晨练场地", kind="venue", who=7, window=(1, 7, 9), quantity=15, steps="confirmed",
         offer="L公园活动广场"),
    dict(title="明早早餐送餐", kind="meal", who=8, meal=(1, "breakfast"), steps="confirmed",
         offer="京华物业养老助残餐桌"),
    dict(title="老年人体检预约", kind="health", who=9, window=(1, 9, 10), steps="confirmed",
         offer="老年人上门体检和慢病随访"),
    # referred to the neighbour's shared offer, and taken there
    dict(title="康复训练用助行器", kind="rehab", who=11, window=(1, 10, 17, 6), steps="referred",
         offer="康复辅具租借（轮椅、助行器）"),
]
# Registered two days ago, triaged, no unit here offers it: the escalation hands it to the street.
ESCALATED = dict(title="术后借用轮椅", kind="rehab", who=10, window=(1, 9, 17, 14), urgency="high",
                 details="髋关节手术后出院，需要轮椅约两周。")
# The neighbour's need, referred to our shared rehearsal hall.
NEIGHBOUR_NEED = dict(title="重阳敬老演出借用排练场地", kind="venue", window=(3, 14, 16), quantity=30)

ANNOUNCEMENTS = [
    # (title, body, sent days ago, share of members who have read it)
    ("冬季用电用气安全提醒", "天气转冷，请大家注意用电用气安全：不私拉电线，燃气用后关阀，"
     "独居老人家中请安装烟雾报警器。需要上门检查线路的，请联系社区办公室。", 2, 0.6),
    ("社区卫生服务站开展老年人免费体检", "社区卫生服务站本月为六十岁以上老人免费体检（血压、血糖、心电图），"
     "行动不便的可预约上门。报名请到社区办公室或在“需求”里登记。", 0, 0.15),
]


def years_before(day: date, years: int) -> date:
    """The same day `years` earlier (29 February becomes the 28th in a common year)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), clock.zone())


def _offer_named(title: str, *, unit_name: str | None = None) -> Offer | None:
    stmt = select(Offer).where(Offer.title == title)
    if unit_name:
        stmt = stmt.join(Unit, Unit.id == Offer.unit_id).where(Unit.name.like(unit_name))
    return db.session.execute(stmt.order_by(Offer.id)).scalars().first()


def _unit_named(pattern: str) -> Unit:
    return db.session.execute(select(Unit).where(Unit.name.like(pattern)).order_by(Unit.id)).scalars().first()


def local_offers() -> None:
    """The units' everyday offers (venues, health, legal aid, volunteers, jobs); the hall is shared."""
    for pattern, kind, title, capacity, extra in LOCAL_OFFERS:
        unit = _unit_named(pattern)
        if _offer_named(title, unit_name=unit.name) is None:
            offers.create_offer({"unit_id": str(unit.id), "kind": kind, "title": title, "capacity": capacity,
                                 "terms": "free", **extra})


def neighbour(make_user, password_hash: str) -> Community:
    """槐树社区 of T街道: its coordinator, its elderly-care station sharing two offers with the street, and
    a need of the station referred to our rehearsal hall."""
    community = Community.by_slug(NEIGHBOUR_SLUG) or tenants.create_community(
        slug=NEIGHBOUR_SLUG, name=NEIGHBOUR_NAME, street="T街道")
    with tenant_context(community.id):
        with notifications.muted():
            staff = make_user(NEIGHBOUR_STAFF[0], NEIGHBOUR_STAFF[1], password_hash)
            members.add_member(staff, ["admin", "coordinator"])
            name, typ, address, contact, phone, description = NEIGHBOUR_UNIT
            unit = db.session.execute(select(Unit).where(Unit.name == name)).scalar_one_or_none()
            if unit is None:
                unit = units.create_unit({"name": name, "type": typ, "address": address, "contact_name": contact,
                                          "contact_phone": phone, "description": description,
                                          "joined_on": clock.today() - timedelta(days=400)})
            rep = make_user(phone, contact, password_hash, phone=phone)
            members.add_member(rep, ["unit"])
            units.add_representative(unit, rep.id)
        for kind, title, capacity, extra in NEIGHBOUR_OFFERS:
            if _offer_named(title) is None:
                offers.create_offer({"unit_id": str(unit.id), "kind": kind, "title": title, "capacity": capacity,
                                     "shared_with_street": True, "terms": "free", **extra})
        if not _titles() & {NEIGHBOUR_NEED["title"]}:
            spec = NEIGHBOUR_NEED
            need = _create_need(spec, resident=None, unit_id=unit.id, actor_id=staff.id)
            hall = next((c for c in referrals.street_candidates(
                needs.facts(need, actor_id=staff.id, tz=clock.zone()), limit=50) if c.title == "文化馆排练厅"), None)
            needs.move(need, "triaged", actor_id=staff.id)
            if hall is not None:
                referrals.refer(need, hall.offer_id, actor_id=staff.id)
        db.session.commit()
    return community


def family(make_user, password_hash: str, coordinator_id: int) -> Resident:
    """A son with his own log-in who acts for his mother (she has no phone of her own)."""
    son = make_user(FAMILY[0], FAMILY[1], password_hash, phone=FAMILY[0])
    with notifications.muted():
        members.add_member(son, ["resident"])
    mother = db.session.execute(select(Resident).where(Resident.account_id == son.id,
                                                       Resident.name == MOTHER["name"])).scalar_one_or_none()
    if mother is None:
        mother = residents.create_resident(dict(MOTHER), actor_id=coordinator_id, account_id=son.id)
    return mother


def _titles() -> set[str]:
    return set(db.session.execute(select(Need.title)).scalars())


def _create_need(spec: dict, *, resident: Resident | None, actor_id: int, unit_id: int | None = None,
                 own: dict | None = None, today: date | None = None) -> Need:
    """`today`: the day windows count from (the real today, also when the clock replays an earlier day)."""
    today = today or clock.today()
    data = {"kind": spec["kind"], "title": spec["title"], "details": spec.get("details", ""),
            "resident_id": str(resident.id) if resident else None, "unit_id": str(unit_id) if unit_id else None,
            "urgency": spec.get("urgency", "normal"), "quantity": spec.get("quantity", 1)}
    if "meal" in spec:
        days, slot = spec["meal"]
        data |= {"day": (today + timedelta(days=days)).isoformat(), "slot": slot}
    else:
        days, start, end, *span = spec["window"]  # span: how many more days it lasts
        day = today + timedelta(days=days)
        data |= {"window_start": _local(day, start).isoformat(),
                 "window_end": _local(day + timedelta(days=span[0] if span else 0), end).isoformat()}
    return needs.create_need(NeedIn().load(data), actor_id=actor_id, tz=clock.zone(), **(own or {}))


def _people(mother: Resident | None = None) -> dict:
    """Who the needs are for: elderly residents without a meal plan (by id), the mother, a younger one."""
    today = clock.today()
    planned = select(MealPlan.resident_id)
    elderly = list(db.session.execute(select(Resident).where(
        Resident.birth_date <= years_before(today, 70), Resident.id.not_in(planned),
        Resident.account_id.is_not(None), Resident.account_relation == "self")
        .order_by(Resident.id).limit(20)).scalars())
    young = db.session.execute(select(Resident).where(Resident.birth_date > years_before(today, 45),
                                                      Resident.account_id.is_not(None))
                               .order_by(Resident.id)).scalars().first()
    return {"elderly": elderly, "mother": mother, "young": young}


def _who(spec: dict, people: dict) -> Resident:
    if spec["who"] in ("mother", "young"):
        return people[spec["who"]]
    return people["elderly"][spec["who"]]


def needs_of_the_day(coordinator_id: int, mother: Resident, neighbour_id: int) -> None:
    """Needs at every step of the docking, each through the services a person would use."""
    made = _titles()
    people = _people(mother)
    for spec in NEEDS:
        if spec["title"] in made:
            continue
        resident = _who(spec, people)
        by = spec.get("by")
        if by in ("self", "family"):  # asked for themselves (or by the son for his mother)
            actor = resident.account_id
            need = _create_need(spec, resident=resident, actor_id=actor,
                                own=needs.own_scope(actor, everyone=False))
        else:  # phoned in: the coordinator registers it
            need = _create_need(spec, resident=resident, actor_id=coordinator_id)
        steps = spec.get("steps")
        if not steps:
            continue
        needs.move(need, "triaged", actor_id=coordinator_id)
        if steps == "referred":
            fact = needs.facts(need, actor_id=coordinator_id, tz=clock.zone())
            chosen = next((c for c in referrals.street_candidates(fact, limit=50) if c.title == spec["offer"]), None)
            if chosen is None:  # a demo loaded by an earlier version: the need waits here
                continue
            referral = referrals.refer(need, chosen.offer_id, actor_id=coordinator_id)
            db.session.commit()
            with tenant_context(neighbour_id):  # the neighbour's coordinator takes it over
                staff = db.session.execute(select(User).where(User.email == NEIGHBOUR_STAFF[0])).scalar_one()
                referrals.take(referrals.get_referral(referral.id), actor_id=staff.id)
                db.session.commit()
            continue
        offer = _offer_named(spec["offer"])
        try:
            match = matching.propose(need, offer.id, actor_id=coordinator_id)
        except ValidationFailed:  # the offer cannot serve it (a demo loaded by an earlier version): it waits
            logger.info("demo: %s waits for a match", spec["title"])
            continue
        if steps in ("accepted", "confirmed"):
            unit = units.get_unit(offer.unit_id)
            answerer = unit.representatives[0].user_id if unit.representatives else coordinator_id
            matching.accept(match, actor_id=answerer)
        if steps == "confirmed":
            matching.confirm(match, actor_id=coordinator_id)
    db.session.commit()


def escalated_need(coordinator_id: int) -> None:
    """Registered two days ago, triaged, left unmatched: today's escalation flags it and offers it to the
    street (the neighbour shares an offer of its kind)."""
    if ESCALATED["title"] in _titles():
        return
    today = clock.today()
    resident = _people()["elderly"][ESCALATED["who"]]
    with clock.at(_local(today - timedelta(days=2), 9, 30)):
        need = _create_need(ESCALATED, resident=resident, actor_id=coordinator_id, today=today)
    with clock.at(_local(today - timedelta(days=2), 10, 15)):
        needs.move(need, "triaged", actor_id=coordinator_id, note="本社区暂无轮椅租借，先问问辖区单位")
    db.session.flush()
    matching.escalate_overdue()
    db.session.commit()


def deliveries(offer: Offer) -> None:
    """The canteen's rounds of the two days before today: all delivered, but for one meal yesterday that
    no one opened the door for."""
    today = clock.today()
    canteen_people = [r.user_id for r in units.get_unit(offer.unit_id).representatives]
    actor = canteen_people[0] if canteen_people else None
    meals.mark_rest_delivered(offer, today - timedelta(days=2), actor_id=actor)
    day = today - timedelta(days=1)
    yesterday = meals.list_orders(offer_id=offer.id, day_from=day, day_to=day, status="ordered")
    yesterday = [o for o in yesterday if o.mode == "delivery"] or yesterday
    if yesterday:
        meals.mark_delivery(yesterday[0], "missed", actor_id=actor, note="敲门无人应答，电话未接通")
    meals.mark_rest_delivered(offer, today - timedelta(days=1), actor_id=actor)


def announcements_with_receipts(admin_id: int) -> None:
    """Two announcements, fanned out to every member's inbox; some members have read them since."""
    sent = set(db.session.execute(select(Announcement.title)).scalars())
    today = clock.today()
    for title, body, days_ago, share in ANNOUNCEMENTS:
        if title in sent:
            continue
        moment = _local(today - timedelta(days=days_ago), 9) if days_ago else clock.now()
        with clock.at(moment):
            announcement = announcements.send(title=title, body=body, sender_id=admin_id)
            db.session.commit()
            notifications.fan_out(announcement.event_id)  # at once, so the receipts below have entries
        entries = list(db.session.execute(select(InboxEntry.id, InboxEntry.user_id).where(
            InboxEntry.event_id == announcement.event_id).order_by(InboxEntry.user_id)).all())
        for i, (entry_id, user_id) in enumerate(entries):
            if int((i + 1) * share) > int(i * share):  # an even spread of readers, the same every time
                read_at = min(moment + timedelta(minutes=7 * (i + 1)), clock.utcnow())
                with clock.at(read_at):
                    notifications.mark_read(user_id, [entry_id])
        db.session.commit()


def waiting() -> str:
    """What the coordinator's today page holds, in words for the printout."""
    today = clock.today()
    count = lambda stmt: db.session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()  # noqa: E731
    orders = {day: count(select(MealOrder.id).where(MealOrder.day == day, MealOrder.status == "ordered"))
              for day in (today, today + timedelta(days=1))}
    return (f"{count(select(Need.id).where(Need.status == 'submitted'))} needs to triage, "
            f"{count(select(Match.id).where(Match.status == 'proposed'))} proposals waiting for units, "
            f"{count(select(Need.id).where(Need.escalated_at.is_not(None)))} escalated, "
            f"{orders[today]} meals ordered for today and {orders[today + timedelta(days=1)]} for tomorrow, "
            f"{count(select(MealOrder.id).where(MealOrder.status == 'missed'))} missed")
