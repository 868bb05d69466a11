"""The association's joint activities and the venues its units lend (issue 11), as the source tells them.

The cultural centre (区第二文化馆) lends its 多功能厅 and 书画室, the secondary school its 学校礼堂 (weekday
evenings and Saturdays, each request confirmed by the school), the park its square (no confirmation). The
school hall has a weekly Saturday choir rehearsal confirmed for about three months ahead, a request waiting
in the school's approvals and one that was declined because it fell on a confirmed date.

The first period's 28 joint activities of the past months — trainings with the district's tax bureau, labour
bureau and market regulation as guests, law and IT trainings, member salons, a culture evening in the park, a
sports day at the school, service days — each replayed on its own days with the clock stopped there
(`clock.at`): proposed, approved, booked, signed up for, checked in (walk-ins, no-shows), and afterwards
recorded with a text and photos drawn here (Pillow, no downloads), most of them closed; two are still
"held" without a record. The cultural centre is a 文化活动点 with three of its four activities of the year
recorded. Upcoming: a full health lecture with a waiting list, a proposal waiting for approval, one put to a
ballot, one whose school-hall booking waits for the school.

Everything goes through the services; each scene is found again by its natural key (a venue's name, a
booking's purpose, an activity's title), so running the demo again changes nothing.
"""
import io
import logging
import random
from datetime import date, timedelta
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import select

from app.accounts import services as accounts
from app.activities import services as activities
from app.activities.models import Activity, CulturalPoint
from app.core.extensions import db
from app.core.validation import Conflict, ValidationFailed
from app.demo.data import demo_units
from app.demo.live import _local
from app.members import services as members
from app.notifications import services as notifications
from app.photos import services as photos
from app.residents.models import Resident
from app.units import services as units
from app.units.models import Unit, UnitRepresentative
from app.venues import services as venues
from app.venues.models import Booking, Venue
from tenants import clock

logger = logging.getLogger(__name__)

CENTRE, PARK, SCHOOL = "区第二文化馆", "L公园", "北京市第二百一十三中学"
RESIDENT_LOGIN = "15813388010"  # the elderly resident whose log-in `huzhu demo` prints
EVENINGS = [["18:00", "21:30"]]
SCHOOL_HOURS = {d: EVENINGS for d in ("mon", "tue", "wed", "thu", "fri")} | {"sat": [["08:00", "17:00"]]}
CENTRE_HOURS = {d: [["08:30", "21:00"]] for d in ("tue", "wed", "thu", "fri", "sat", "sun")}
CENTRE_HOURS["mon"] = [["13:00", "21:00"]]
# key, owner unit, name, capacity, hours, needs confirmation, accessibility (step-free, toilet, lift, loop), note
VENUES = [
    ("hall", CENTRE, "多功能厅", 80, CENTRE_HOURS, True, (True, True, True, True),
     "一层，正门有坡道；设无障碍卫生间，配助听环路。"),
    ("studio", CENTRE, "书画室", 24, CENTRE_HOURS, False, (False, False, True, False),
     "三层，可乘电梯；无障碍卫生间在一层。"),
    ("school", SCHOOL, "学校礼堂", 300, SCHOOL_HOURS, True, (True, True, False, False),
     "侧门有坡道可直达礼堂一层；无障碍卫生间在教学楼一层。工作日晚上和周六开放。"),
    ("square", PARK, "公园广场", 500, {}, False, (True, True, False, False),
     "平整广场，从东门进入无台阶；公园东门有无障碍卫生间。"),
]
CHOIR = "合唱队排练"

# Past activities: title, kind, organiser (a unit LIKE pattern, or None for the association), co-organisers,
# guests, audience, where (a venue key or a place), days before today (or "year": the cultural centre's, this
# year), start hour, hours long, what became of it (closed / recorded / held), public, a line of the record.
PAST = [
    ("个税专项附加扣除政策讲解", "training", "区税务局%", [], "区税务局", "both", "hall", 300, 14, 2, "closed", True,
     "税务所干部讲解了子女教育、赡养老人等专项附加扣除的申报方法，现场帮助居民在手机上填报。"),
    ("小微企业和个体户减税降费政策宣讲", "training", "区税务局%", ["%会计服务有限公司"], "区税务局", "units", "hall",
     285, 9, 2, "closed", False, "讲解了增值税小规模纳税人减免政策，会员单位提出的十余个问题当场得到解答。"),
    ("灵活就业人员社保政策讲座", "training", "区劳动保障所%", [], "区人社局", "both", "hall", 268, 14, 2, "closed",
     True, "人社局工作人员讲解了灵活就业人员参保缴费和待遇领取，发放政策明白纸一百份。"),
    ("社区招聘会暨职业指导", "service_day", "区劳动保障所%", ["京华物业管理有限公司", "%家政服务有限公司"],
     "区人社局", "both", "square", 250, 9, 3, "closed", True, "八家会员单位提供岗位四十余个，十二名居民达成就业意向。"),
    ("食品安全进社区", "training", "区市场监管局%", ["聚福园饭店", "%餐饮管理有限公司"], "区市场监管局", "both",
     "hall", 236, 14, 2, "closed", True, "市场监管所讲解了食品标签识别和过期食品的危害，餐饮单位分享了后厨管理经验。"),
    ("消费维权与防范保健品骗局", "training", "区市场监管局%", ["%大药房"], "区市场监管局", "residents", "hall",
     220, 9, 2, "closed", True, "通过真实案例讲解保健品推销的常见套路，提醒老人不轻信、不转账。"),
    ("老年人婚姻继承法律讲座", "training", "北京市%律师事务所", [], "", "residents", "hall", 205, 14, 2, "closed",
     True, "律师讲解了遗嘱的形式和法定继承顺序，会后为八位老人提供了一对一咨询。"),
    ("劳动合同与用工风险", "training", "北京市%律师事务所", ["%企业管理咨询有限公司"], "", "units", "studio", 190,
     14, 2, "closed", False, "面向会员单位讲解劳动合同订立、试用期和解除的常见风险。"),
    ("老年人智能手机培训", "training", "%科技有限公司", ["%手机维修店"], "", "residents", "studio", 176, 9, 2,
     "closed", True, "志愿者一对一教老人使用微信视频、健康码和网上挂号。"),
    ("防范电信网络诈骗", "training", "%网络科技有限公司", ["区公安分局%"], "", "residents", "hall", 160, 14, 2,
     "closed", True, "派出所民警讲解了冒充客服、冒充公检法等骗局，现场帮助居民安装反诈应用。"),
    ("会员沙龙：小店如何做好社区服务", "salon", None, ["%理发店", "%家常菜馆"], "", "units", "studio", 146, 19, 2,
     "closed", False, "两位店主分享了上门理发和送餐上门的做法，大家讨论了如何让更多老人知道这些服务。"),
    ("会员沙龙：企业社会责任与社区共建", "salon", "京华物业管理有限公司", ["%建筑装饰工程有限公司", "%物流有限公司"],
     "", "units", "hall", 132, 14, 2, "closed", False,
     "三家企业介绍了参与社区服务的经验，商定下半年联合开展适老化改造。"),
    ("会员沙龙：老字号的传承", "salon", "%副食店", ["%糕点铺"], "", "both", "studio", 118, 19, 2, "closed", True,
     "老字号店主讲述了几十年扎根社区的故事，居民品尝了京式糕点。"),
    ("仲夏夜社区文艺晚会", "culture_sports", "L公园", ["聚福园饭店", "%文化传媒有限公司"], "", "both", "square",
     104, 19, 2, "closed", True, "社区文艺队、中学生和会员单位共演出十二个节目，数百名居民在广场观看。"),
    ("社区趣味运动会", "culture_sports", SCHOOL, ["北京市柳荫街小学"], "", "both", "school", 90, 9, 3, "closed", True,
     "设置了夹球接力、套圈、踢毽子等项目，老少同场，学生志愿者全程服务。"),
    ("便民服务日（理发、修鞋、修家电）", "service_day", None, ["%理发店", "%修鞋铺", "%家电维修部", "%眼镜店"], "",
     "residents", "square", 76, 9, 3, "closed", True, "会员商户现场免费理发、修鞋、检修小家电和清洗眼镜。"),
    ("义诊和健康咨询", "service_day", "L社区卫生服务站", ["%健康管理有限公司", "%大药房"], "", "residents",
     "square", 62, 9, 3, "closed", True,
     "医生为居民测量血压血糖，药师讲解用药常识，发现三位血压偏高的老人已转介随访。"),
    ("消防和燃气安全培训", "training", "区公安分局%", ["市供电公司%"], "", "both", "hall", 55, 14, 2, "closed", True,
     "讲解了电动车充电、燃气使用的安全要点，现场演示灭火器的使用。"),
    ("垃圾分类知识培训", "training", "T街道环境卫生所", [], "", "residents", "hall", 48, 9, 2, "closed", True,
     "环卫所讲解了四类垃圾的投放要求，居民现场参与分类游戏。"),
    ("孤寡老人家庭线路义务检查", "service_day", "市供电公司%", ["市自来水集团%"], "", "residents", "L社区各楼院", 41,
     9, 4, "closed", False, "供电所和自来水营业所的师傅走访二十户独居老人，更换老化插座和水管接头。"),
    ("重阳节敬老午宴", "other", "聚福园饭店", ["%糕点铺"], "", "residents", "聚福园饭店", 34, 11, 2, "closed", True,
     "饭店为社区八十岁以上老人准备了寿面和长寿宴，学生志愿者表演了节目。"),
    ("适老化改造政策讲解", "training", "区房屋管理所%", ["%建筑装饰工程有限公司"], "", "residents", "hall", 27, 14,
     2, "closed", True, "房管站讲解了适老化改造补贴的申请条件，装饰公司展示了扶手、防滑地面等做法。"),
    ("便民服务日（修车、开锁、缝补）", "service_day", None, ["%自行车修理铺", "%开锁配钥匙店", "%裁缝铺"], "",
     "residents", "square", 20, 9, 3, "closed", True, "修车师傅为老人检修轮椅和助行器，裁缝为文艺队缝补演出服装。"),
    ("书法入门公益课", "culture_sports", CENTRE, [], "", "residents", "studio", ("year", 0.2), 14, 2, "closed",
     True, "文化馆老师讲解了握笔和基本笔画，二十位居民完成了第一幅作品。"),
    ("社区合唱团汇报演出", "culture_sports", CENTRE, [], "", "both", "hall", ("year", 0.55), 15, 2, "closed", True,
     "合唱团演唱了八首歌曲，文化馆的声乐老师点评并指导。"),
    ("非遗剪纸体验课", "culture_sports", CENTRE, [], "", "residents", "studio", ("year", 0.9), 14, 2, "recorded",
     True, "非遗传承人示范了窗花剪纸，居民的作品在文化馆展出一周。"),
    ("社区绿化认养活动", "service_day", "区园林绿化所%", ["%花店"], "", "residents", "square", 3, 9, 2, "held", True,
     ""),
    ("中学生志愿者结对老人见面会", "other", SCHOOL, [], "", "both", "hall", 5, 15, 2, "held", False, ""),
]
SCENES = [("主讲人在台前讲解，居民坐在台下认真听讲", "talk"), ("参加者在横幅前合影", "group"),
          ("工作人员在签到台为居民登记", "desk")]
UNIT_PEOPLE = ["王磊", "李娜", "张伟", "刘静", "陈杰", "杨丽", "赵强", "黄婷"]


def load(make_user, password_hash: str, coordinator_id: int, mother: Resident) -> None:
    """The venues, the school hall's bookings, the past activities and the cultural point, then the upcoming
    activities (these with their notifications: they wait for people today)."""
    _units.clear()  # ids of this load's session (a test loads the demo into a fresh database)
    school_rep = _school_representative(make_user, password_hash)
    today = clock.today()
    with notifications.muted():
        places = _venues(today)
        if not db.session.execute(select(Activity.id).where(Activity.title == PAST[0][0])).first():
            _past(places, coordinator_id, today)
        if not db.session.execute(select(CulturalPoint.id)).first():
            with clock.at(_local(today - timedelta(days=330), 10)):
                activities.designate_point(name="区第二文化馆文化活动点", unit_id=_unit(CENTRE).id)
        db.session.commit()
    if not db.session.execute(select(Booking.id).where(Booking.purpose == CHOIR)).first():
        _school_hall(places, school_rep, coordinator_id, today)
        db.session.commit()
    if not db.session.execute(select(Activity.id).where(Activity.title == LECTURE)).first():
        _upcoming(places, coordinator_id, mother, today)
        db.session.commit()


_units: dict[str, Unit] = {}


def _unit(pattern: str) -> Unit | None:
    """The first unit (by id) whose name matches a LIKE pattern (`%` for any text), looked up once per load."""
    if pattern not in _units:
        _units[pattern] = db.session.execute(select(Unit).where(Unit.name.like(pattern))
                                             .order_by(Unit.id)).scalars().first()
    return _units[pattern]


def _rep(unit: Unit | None) -> int | None:
    if unit is None:
        return None
    return db.session.execute(select(UnitRepresentative.user_id).where(UnitRepresentative.unit_id == unit.id)
                              .order_by(UnitRepresentative.id)).scalars().first()


def _school_representative(make_user, password_hash: str) -> int:
    """The school's contact person, with a log-in: she confirms the school hall's bookings."""
    unit = _unit(SCHOOL)
    user = make_user(unit.contact_phone, unit.contact_name, password_hash, phone=unit.contact_phone)
    with notifications.muted():
        members.add_member(user, ["unit"])
        units.add_representative(unit, user.id)
    return user.id


def school_login() -> str:
    """The school's representative's log-in (her mobile number), for the printout."""
    return next(u["contact_phone"] for u in demo_units() if u["name"] == SCHOOL)


def _venues(today: date) -> dict[str, Venue]:
    found = {v.name: v for v in db.session.execute(select(Venue)).scalars()}
    places = {}
    for key, owner, name, capacity, hours, confirm, (step, toilet, lift, loop), note in VENUES:
        if name not in found:
            with clock.at(_local(today - timedelta(days=340), 10)):
                found[name] = venues.create_venue(
                    unit_id=_unit(owner).id, name=name, capacity=capacity, hours=hours, needs_confirmation=confirm,
                    book_ahead_days=180, step_free=step, accessible_toilet=toilet, lift=lift, hearing_loop=loop,
                    accessibility_note=note, description=f"{owner}的{name}，可容纳{capacity}人。")
        places[key] = found[name]
    return places


def _booked(activity: Activity, venue: Venue, actor_id: int | None) -> None:
    """Book the venue for the activity; where the owner confirms, its representative does so at once."""
    try:
        activities.book_venue(activity, venue, actor_id=actor_id)
    except (ValidationFailed, Conflict):
        logger.debug("demo: %s is held outside the venues", activity.title)
        activities.set_place(activity, venue.name, actor_id=actor_id)
        return
    booking = venues.get_booking(activity.booking_id)
    if any(o.status == "pending" for o in booking.occurrences):
        venues.confirm(booking, venue, actor_id=_rep(units.get_unit(venue.unit_id)))


def _residents() -> list[Resident]:
    return list(db.session.execute(select(Resident).where(Resident.account_id.is_not(None),
                                                          Resident.account_relation == "self")
                                   .order_by(Resident.id).limit(120)).scalars())


def _start_day(spec_days, where: str, today: date) -> date:
    if isinstance(spec_days, tuple):  # the cultural centre's: this year, a share of the days gone by
        first = date(today.year, 1, 1)
        day = first + timedelta(days=int((today - first).days * spec_days[1]))
        return min(day, today - timedelta(days=1))
    day = today - timedelta(days=spec_days)
    if where == "school":  # the school hall lends on Saturdays
        day -= timedelta(days=(day.weekday() - 5) % 7)
    return day


def _past(places: dict[str, Venue], coordinator_id: int, today: date) -> None:
    people = _residents()
    rng = random.Random(11)
    for i, (title, kind, organiser, co, guests, audience, where, days, hour, hours, end_state, public,
            line) in enumerate(PAST):
        day = _start_day(days, where, today)
        starts = _local(day, hour)
        ends = starts + timedelta(hours=hours)
        unit = _unit(organiser) if organiser else None
        co_units = [u for u in (_unit(p) for p in co) if u is not None]
        proposer = _rep(unit) or coordinator_id
        venue = places.get(where)
        with clock.at(starts - timedelta(days=20, hours=hour - 10)):
            activity = activities.propose(
                actor_id=proposer, co_organiser_ids=[u.id for u in co_units], kind=kind, title=title,
                description=line.split("，")[0] + "。" if line else "", organiser_unit_id=unit.id if unit else None,
                guests=guests, speakers="、".join(u.contact_name for u in co_units) if kind == "salon" else "",
                audience=audience, capacity=min(40, venue.capacity) if venue and kind == "training" else None,
                starts_at=starts, ends_at=ends, public=public,
                place="" if venue else where)
        with clock.at(starts - timedelta(days=18, hours=hour - 15)):
            activities.approve(activity, actor_id=coordinator_id)
            if venue is not None:
                _booked(activity, venue, coordinator_id)
        # Sign-ups over the days before: residents, and units' people by name.
        unit_ids = [u.id for u in ([unit] if unit else []) + co_units] or [None]
        registrations = []
        count = 3 + i % 3
        for k in range(count):
            with clock.at(starts - timedelta(days=10 - k, hours=hour - 9)):
                if audience == "units" or (audience == "both" and k % 3 == 2):
                    registrations.append(activities.sign_up(
                        activity, actor_id=proposer, name=UNIT_PEOPLE[(i + k) % len(UNIT_PEOPLE)],
                        unit_id=unit_ids[k % len(unit_ids)] or _unit(CENTRE).id))
                else:
                    resident = people[(i * 7 + k) % len(people)]
                    registrations.append(activities.sign_up(activity, actor_id=resident.account_id,
                                                            resident=resident))
        # On the day: most come (one or two do not), some walk in.
        with clock.at(starts + timedelta(minutes=5)):
            activities.mark_held(activity, actor_id=coordinator_id)
            absent = {count - 1} | ({1} if count == 5 else set())
            for k, registration in enumerate(registrations):
                if k not in absent:
                    activities.check_in(registration, actor_id=coordinator_id)
            if audience != "units" and i % 2 == 0:
                walk_in = people[(i * 7 + count + 3) % len(people)]
                activities.add_walk_in(activity, actor_id=coordinator_id, resident=walk_in)
        if end_state == "held":
            continue
        with clock.at(ends + timedelta(hours=20)):
            n = 1 + (i % 4 == 0) + (i % 8 == 0)  # one to three
            files, alts = [], []
            for s in range(n):
                scene, shape = SCENES[s]
                files.append((f"{s}.jpg", picture(title, shape, seed=rng.randrange(10**6))))
                alts.append(f"{title}：{scene}")
            photos.add_photos(activities.PHOTO_OWNER, activity.id, files=files, alts=alts, consent=True,
                              actor_id=coordinator_id, public=public)
            crowd = (150 if kind == "culture_sports" else 25) if where == "square" else (2 if i % 2 else 0)
            present = activities.attendance(activity)["present"] + crowd
            text = (f"{day.month}月{day.day}日，{title}在{activities.place_of(activity)}举行，共{present}人参加。"
                    f"{line}")
            activities.record(activity, text=text, walk_ins=crowd, actor_id=coordinator_id)
        if end_state == "closed":
            with clock.at(ends + timedelta(days=2)):
                activities.close(activity, actor_id=coordinator_id)
        db.session.flush()


# --- the school hall ------------------------------------------------------------------------------

def _next(today: date, weekday: int, at_least: int = 1) -> date:
    day = today + timedelta(days=at_least)
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def _school_hall(places: dict[str, Venue], school_rep: int, coordinator_id: int, today: date) -> None:
    """The choir's weekly Saturday rehearsal, confirmed for about three months; a request that fell on its
    first date (declined when the school confirmed the choir) and one still waiting for the school."""
    hall = places["school"]
    centre = _unit(CENTRE)
    centre_rep = _rep(centre)
    first = _next(today, 5, at_least=2)
    with clock.at(clock.now() - timedelta(days=3)):
        clash = venues.request_booking(hall, starts_at=_local(first, 9), ends_at=_local(first, 11),
                                       purpose="亲子运动会彩排", requested_by_id=coordinator_id,
                                       unit_id=_unit("北京市柳荫街小学").id)
        choir = venues.request_booking(hall, starts_at=_local(first, 9, 30), ends_at=_local(first, 11, 30),
                                       purpose=CHOIR, requested_by_id=centre_rep, unit_id=centre.id,
                                       frequency="weekly", until=first + timedelta(weeks=12))
    with clock.at(clock.now() - timedelta(days=2)):
        venues.confirm(choir, hall, actor_id=school_rep)
    logger.debug("demo: %s declined (%s)", clash.purpose, [o.status for o in clash.occurrences])
    evening = _next(today, 2, at_least=4)  # a Wednesday evening
    with clock.at(clock.now() - timedelta(hours=5)):
        venues.request_booking(hall, starts_at=_local(evening, 18, 30), ends_at=_local(evening, 20, 30),
                               purpose="社区舞蹈队汇演彩排", requested_by_id=coordinator_id,
                               unit_id=_unit("%文化传媒有限公司").id)


# --- upcoming -------------------------------------------------------------------------------------

LECTURE = "健康讲座：老年人高血压的预防与用药"
BALLOT_ACTIVITY = "迎新春社区联欢会"
PROPOSED = "社区读书会：共读一本好书"
PENDING_HALL = "家长课堂：青少年网络安全"


def _upcoming(places: dict[str, Venue], coordinator_id: int, mother: Resident, today: date) -> None:
    now = clock.now()
    clinic = _unit("L社区卫生服务站")
    account = accounts.find_user(RESIDENT_LOGIN)
    resident = db.session.execute(select(Resident).where(Resident.account_id == account.id)).scalars().first() \
        if account else None
    people = [r for r in _residents() if resident is None or r.id != resident.id]
    # The health lecture in three days, full, with a waiting list.
    day = today + timedelta(days=3)
    with clock.at(now - timedelta(days=6)):
        lecture = activities.propose(
            actor_id=coordinator_id, co_organiser_ids=[_unit(CENTRE).id], kind="training", title=LECTURE,
            description="社区卫生服务站的医生讲解高血压的预防、自测和规范用药，现场免费量血压。",
            organiser_unit_id=clinic.id, speakers="社区卫生服务站医生", audience="residents", capacity=20,
            starts_at=_local(day, 14, 30), ends_at=_local(day, 16))
        activities.approve(lecture, actor_id=coordinator_id)
        _booked(lecture, places["hall"], coordinator_id)
    signers = ([(resident, resident.account_id, {})] if resident else []) + [
        (mother, mother.account_id, {}),
        (people[40], coordinator_id, {"needs": ["wheelchair"], "needs_note": "坐轮椅，需要靠过道的位置",
                                       "needs_consent": True})]
    signers += [(p, p.account_id, {}) for p in people[41:41 + 24 - len(signers)]]
    for k, (person, actor, extra) in enumerate(signers):
        with clock.at(now - timedelta(days=5, hours=-k)):
            activities.sign_up(lecture, actor_id=actor, resident=person, **extra)
    # One gives up her place: the first on the waiting list is offered it.
    giving_up = activities.registrations_of(lecture, statuses=["registered"])[-1]
    with clock.at(now - timedelta(hours=2)):
        activities.cancel_registration(giving_up, actor_id=giving_up.registered_by_id)

    # A reading club proposed by the cultural centre, waiting for the staff.
    club = today + timedelta(days=12)
    with clock.at(now - timedelta(days=1)):
        activities.propose(actor_id=_rep(_unit(CENTRE)), co_organiser_ids=[_unit(CENTRE).id], kind="other",
                           title=PROPOSED, description="每月一次，共读一本书并交流心得。",
                           organiser_unit_id=_unit("%书店").id, audience="residents", capacity=20,
                           starts_at=_local(club, 14), ends_at=_local(club, 16))
    # The community puts culture and sports activities to a ballot: the spring festival party is in one.
    activities.set_rules(ballot_kinds=["culture_sports"], ballot_days=5, promotion_hours=24, actor_id=coordinator_id)
    with clock.at(now - timedelta(days=1, hours=-2)):
        party = activities.propose(
            actor_id=_rep(_unit("聚福园饭店")), co_organiser_ids=[_unit(PARK).id], kind="culture_sports",
            title=BALLOT_ACTIVITY, description="春节前在公园广场举办联欢会，会员单位和居民共同出节目。",
            organiser_unit_id=_unit("聚福园饭店").id, audience="both",
            starts_at=_local(today + timedelta(days=40), 14), ends_at=_local(today + timedelta(days=40), 17))
        activities.approve(party, actor_id=coordinator_id)
    # Approved; its school-hall evening waits for the school's confirmation.
    evening = _next(today, 3, at_least=6)  # a Thursday evening
    with clock.at(now - timedelta(hours=3)):
        talk = activities.propose(
            actor_id=coordinator_id, co_organiser_ids=[_unit(SCHOOL).id], kind="training", title=PENDING_HALL,
            description="派出所民警和学校老师讲解青少年网络安全和防沉迷，欢迎家长参加。",
            organiser_unit_id=_unit("区公安分局%").id, audience="both", capacity=200,
            starts_at=_local(evening, 18, 30), ends_at=_local(evening, 20))
        activities.approve(talk, actor_id=coordinator_id)
        activities.book_venue(talk, places["school"], actor_id=coordinator_id)


# --- the photos -----------------------------------------------------------------------------------

FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "/System/Library/Fonts", "/Library/Fonts",
             "C:/Windows/Fonts")
FONT_NAMES = ("NotoSansCJK", "NotoSerifCJK", "SourceHanSans", "wqy-microhei", "wqy-zenhei", "DroidSansFallback",
              "PingFang", "msyh", "simhei")
_font_cache: dict[int, object] = {}


def _font(size: int):
    """A font with Chinese glyphs if one is installed (None: the banner carries shapes only)."""
    if size not in _font_cache:
        found = None
        for folder in FONT_DIRS:
            root = Path(folder)
            if not root.is_dir():
                continue
            for path in sorted(root.rglob("*")):
                if path.suffix.lower() in (".ttc", ".ttf", ".otf") and any(n.lower() in path.name.lower()
                                                                            for n in FONT_NAMES):
                    try:
                        found = ImageFont.truetype(str(path), size)
                        break
                    except OSError:
                        continue
            if found is not None:
                break
        _font_cache[size] = found
    return _font_cache[size]


PALETTE = [(196, 43, 43), (230, 126, 34), (39, 120, 176), (46, 139, 87), (142, 68, 173), (52, 73, 94)]


def picture(title: str, scene: str, *, seed: int, size=(640, 480)) -> bytes:
    """A simple drawn scene (a red banner with the title, a stage or a desk, people as round heads and
    bodies), as a small JPEG."""
    rng = random.Random(seed)
    width, height = size
    image = Image.new("RGB", size, (236, 230, 218))
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, height * 0.62, width, height], fill=(190, 170, 140))  # the floor
    draw.rectangle([40, 30, width - 40, 120], fill=(196, 30, 40))  # the banner
    font = _font(26)
    if font is not None:
        draw.text((width / 2, 75), title[:21], font=font, fill=(255, 230, 120), anchor="mm")
    else:
        for x in range(70, width - 70, 48):
            draw.rectangle([x, 62, x + 30, 88], fill=(255, 230, 120))
    if scene == "talk":
        draw.rectangle([width * 0.35, height * 0.30, width * 0.65, height * 0.55], fill=(250, 250, 250),
                       outline=(80, 80, 80), width=3)  # the screen
        _person(draw, width * 0.75, height * 0.45, 1.3, PALETTE[2])
        rows = [(height * 0.72, 0.9), (height * 0.86, 1.0)]
    elif scene == "desk":
        draw.rectangle([width * 0.15, height * 0.55, width * 0.55, height * 0.66], fill=(150, 100, 60))
        _person(draw, width * 0.3, height * 0.45, 1.1, PALETTE[3])
        _person(draw, width * 0.45, height * 0.45, 1.1, PALETTE[1])
        rows = [(height * 0.75, 1.1)]
    else:
        rows = [(height * 0.55, 1.0), (height * 0.72, 1.1)]
    for y, scale in rows:
        for x in range(90, width - 60, 90):
            _person(draw, x + rng.randint(-15, 15), y + rng.randint(-8, 8), scale, rng.choice(PALETTE))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=70)
    return out.getvalue()


def _person(draw: ImageDraw.ImageDraw, x: float, y: float, scale: float, colour) -> None:
    r = 16 * scale
    draw.ellipse([x - r, y - r, x + r, y + r], fill=(240, 200, 160))
    draw.ellipse([x - r * 0.9, y - r * 1.05, x + r * 0.9, y - r * 0.2], fill=(40, 30, 30))
    draw.rounded_rectangle([x - r * 1.5, y + r, x + r * 1.5, y + r * 4], radius=int(r * 0.6), fill=colour)
