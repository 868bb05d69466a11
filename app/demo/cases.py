"""Good cases (典型事例) and the public works the property company helped with (issue 12), as the source asks the
association to "sum up and spread" them: the canteen's hot meals for disabled elders, the secondary school's hall
lent for the disabled residents' rehabilitation training, the property company clearing the blind path — each
published with photos drawn here (Pillow, no downloads), one kept public per case.

Everything goes through the services; a case is found again by its title and a helper by its unit, so running the
demo again changes nothing."""
import logging
from datetime import timedelta

from sqlalchemy import select

from app.cases import services as cases
from app.cases.models import GoodCase
from app.core.extensions import db
from app.demo.activities import SCHOOL, picture
from app.demo.data import PROPERTY
from app.matching.models import Match
from app.offers.models import Offer
from app.publicworks import services as public_works
from app.publicworks.models import PublicWorksRequest
from app.units.models import Unit
from tenants import clock

logger = logging.getLogger(__name__)

# The requests of app/demo/data.py PUBLIC_WORKS the property company helped with, and what it did.
HELPED = [("清运银杏路沿线堆积的建筑垃圾", "派出保洁员清理盲道上的杂物，并借出一辆清运车"),
          ("修补柳荫街3号楼前破损路面", "施工期间安排保安疏导行人，协助围挡施工现场")]


def _unit_id(name: str) -> int | None:
    return db.session.execute(select(Unit.id).where(Unit.name == name)).scalar_one_or_none()


def _request(title: str) -> PublicWorksRequest | None:
    return db.session.execute(select(PublicWorksRequest).where(PublicWorksRequest.title == title)).scalars().first()


def _canteen_match(unit_id: int) -> int | None:
    """A meal the canteen delivered through the docking, the match behind the first story (if the demo has one)."""
    return db.session.execute(
        select(Match.id).join(Offer, Offer.id == Match.offer_id)
        .where(Offer.unit_id == unit_id, Offer.kind == "meal", Match.status.in_(("delivered", "rated")))
        .order_by(Match.id)).scalars().first()


def load(coordinator_id: int) -> None:
    property_id, school_id = _unit_id(PROPERTY[0]), _unit_id(SCHOOL)
    if property_id is None or school_id is None:
        return
    for title, what in HELPED:
        request = _request(title)
        if request is not None and not any(h.unit_id == property_id for h in request.helpers):
            public_works.add_helper(request, {"unit_id": property_id, "what": what}, actor_id=coordinator_id)
    cleared = _request(HELPED[0][0])
    today = clock.today()
    match_id = _canteen_match(property_id)
    stories = [
        ("京华物业食堂为残疾老人送上热饭",
         "京华物业管理有限公司的员工食堂承办了社区的养老助残餐桌。每天中午，食堂师傅按照老人们的口味和医嘱少盐少油，"
         "把热饭热菜装进保温饭盒，由物业员工送到行动不便的残疾老人家门口。\n"
         "一年来，食堂坚持风雨无阻，从不间断。老人们说：“吃上热乎饭，心里也暖和。”",
         [property_id], ("match", match_id) if match_id else (None, None), 40,
         [("食堂师傅把装好的保温饭盒递给送餐员", "desk"), ("送餐员在楼门口把午饭交给老人", "crowd")]),
        ("学校礼堂借给残疾人康复训练",
         "北京市第二百一十三中学在周六把学校礼堂借给社区，举办残疾人康复训练。学校安排老师提前打开无障碍通道，"
         "准备好座椅和垫子，康复师带着大家做肢体训练和平衡练习。\n"
         "学校还组织学生志愿者在门口引导，训练结束后帮助大家安全离开。",
         [school_id], (None, None), 25,
         [("康复师在学校礼堂里带领大家做平衡练习", "talk"), ("学生志愿者在礼堂门口引导", "crowd")]),
        ("物业员工清理银杏路盲道",
         "银杏路沿线堆积的建筑垃圾占了盲道，视障居民出行很不方便。社区向区城市管理委员会提出清运申请后，"
         "京华物业主动派出保洁员清理盲道上的杂物，并借出清运车，配合城管部门一起完成了清运。\n"
         "现在盲道畅通了，视障居民又能放心出门了。",
         [property_id], ("public_works", cleared.id) if cleared else (None, None), 18,
         [("物业保洁员清理盲道上的杂物", "crowd"), ("清理后畅通的盲道", "desk")]),
    ]
    known = set(db.session.execute(select(GoodCase.title)).scalars())
    for i, (title, story, unit_ids, (link_type, link_id), days_ago, shots) in enumerate(stories):
        if title in known:
            continue
        case = cases.create_case({"title": title, "story": story, "happened_on": today - timedelta(days=days_ago),
                                  "unit_ids": unit_ids, "link_type": link_type, "link_id": link_id},
                                 actor_id=coordinator_id)
        for j, (alt, scene) in enumerate(shots):
            cases.add_photos(case, [(f"case-{i}-{j}.jpg", picture(title, scene, seed=100 + i * 10 + j))], [alt],
                             consent=True, public=j == 0, actor_id=coordinator_id)
        cases.publish(case, actor_id=coordinator_id)
    db.session.flush()
