"""The commendation (评优) in the demo: last year's, finished — 优秀会员单位 (three awards) and 热心公益单位 (two),
scored on the frozen record of last year, nominated with citations by the council, voted by the council and the
resident representatives in December, announced with their certificates and on the honour roll — and this
year's 优秀会员单位, open and scored, waiting for the council's nominations.

Everything goes through the services, replayed on its own days with the clock stopped there; a campaign is found
again by its year and award, so running the demo again changes nothing.
"""
import logging
from datetime import datetime, time

from sqlalchemy import select

from app.ballots import services as ballots
from app.commendations import services as commendations
from app.commendations.models import Campaign
from app.core.extensions import db
from app.notifications import services as notifications
from tenants import clock

logger = logging.getLogger(__name__)

LAST_YEAR = (  # award, awards, choices per voter, weights, description
    ("优秀会员单位", 3, 3, {"matches": 3, "average_rating": 2, "meals": 0.05, "offers": 1, "venue_hours": 0.5,
                          "organised": 5, "co_organised": 3, "attended": 0.2},
     "表彰全年积极参与对接服务、联合活动，贡献突出的会员单位。"),
    ("热心公益单位", 2, 2, {"venue_hours": 1, "organised": 4, "co_organised": 4, "attended": 0.5, "meals": 0.05},
     "表彰热心出借场地、组织公益活动、服务社区居民的会员单位。"),
)


# The council's nominations of last year, with their citations (推荐理由), as they wrote them.
NOMINEES = {
    "优秀会员单位": [
        ("京华物业管理有限公司",
         "员工食堂全年为辖区高龄、独居老人提供助餐服务，风雨无阻送餐上门，老人们称之为“身边的饭桌”。"),
        ("区第二文化馆", "常年无偿开放多功能厅和书画室，承办联合会培训、会员沙龙和文化活动，是社区的文化活动点。"),
        ("聚福园饭店", "主动承担助餐点任务，按老人口味调整菜品，价格实惠，全年服务老人近千人次。"),
        ("L社区卫生服务站", "组织健康讲座和义诊，为居民建立健康档案，助力联合会对接服务。"),
        ("北京市第二百一十三中学", "周末开放学校礼堂和操场，支持社区合唱团排练和运动会。"),
    ],
    "热心公益单位": [
        ("L公园", "提供广场举办公园文化晚会和便民服务日，协助维护活动秩序。"),
        ("谢师傅家电维修部", "每月到社区为老人免费维修小家电，坚持三年从未间断。"),
        ("康宁大药房", "为社区老人免费测量血压血糖，配合卫生服务站开展用药咨询。"),
        ("北京市第二百一十三中学", "组织学生志愿者为独居老人打扫卫生、陪伴聊天。"),
    ],
}


def _citation(name: str, facts: dict) -> str:
    """推荐理由 from the unit's frozen record, as a council member would write it."""
    parts = []
    if facts.get("matches"):
        parts.append(f"全年完成对接服务{facts['matches']}次")
    if facts.get("meals"):
        parts.append(f"为老人供餐{facts['meals']}份")
    if facts.get("venue_hours"):
        parts.append(f"无偿出借场地{facts['venue_hours']:g}小时")
    if facts.get("organised") or facts.get("co_organised"):
        parts.append(f"主办、协办联合活动{(facts.get('organised') or 0) + (facts.get('co_organised') or 0)}场")
    said = "，".join(parts) if parts else "积极参与联合会各项工作"
    return f"{name}{said}，热心社区公益，群众评价良好。"


def _found(year: int, category: str) -> Campaign | None:
    return db.session.execute(select(Campaign).where(Campaign.year == year, Campaign.category == category)
                              ).scalar_one_or_none()


def _moment(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime.combine(datetime(year, month, day).date(), time(hour), clock.zone())


def _finished(year: int, category: str, awards: int, choices: int, weights: dict, description: str,
              actor_id: int) -> None:
    if _found(year, category) is not None:
        return
    with clock.at(_moment(year, 12, 1)):
        campaign = commendations.create(year=year, category=category, description=description, awards=awards,
                                        max_choices=choices, weights=weights, actor_id=actor_id)
        commendations.open_campaign(campaign, actor_id=actor_id)
    with clock.at(_moment(year, 12, 3)):
        commendations.score(campaign, actor_id=actor_id)
        rows = commendations.scores(campaign)
        by_name = {r["name"]: r for r in rows}
        chosen = [(by_name[name], citation) for name, citation in NOMINEES.get(category, ()) if name in by_name]
        if len(chosen) < 2:  # another community's demo: the best scores, with a citation from their record
            chosen = [(r, _citation(r["name"], r["facts"])) for r in rows[:awards + 2]]
        for row, citation in chosen:
            commendations.nominate(campaign, unit_id=row["unit_id"], citation=citation, actor_id=actor_id)
    with clock.at(_moment(year, 12, 8)):
        ballot = commendations.open_ballot(campaign, days=5, secret=True, actor_id=actor_id)
        keys = [n.option_key for n in commendations.nominations(campaign)]
        voters = [e["user_id"] for e in ballots.electors(ballot) if e["excluded_reason"] is None]
        for i, user_id in enumerate(voters):
            # Most follow the scores; some choose otherwise, as people do.
            picked = keys[:choices] if i % 4 else keys[1:choices + 1]
            ballots.vote(ballot, user_id, picked)
    with clock.at(_moment(year, 12, 13, 18)):
        ballots.close(ballot)
    with clock.at(_moment(year, 12, 15)):
        commendations.announce(campaign, actor_id=actor_id)
    db.session.flush()


def load(chair_id: int, coordinator_id: int) -> None:
    last = clock.today().year - 1
    with notifications.muted():  # last year's messages are long read
        for category, awards, choices, weights, description in LAST_YEAR:
            _finished(last, category, awards, choices, weights, description, coordinator_id)
    this = clock.today().year
    if _found(this, "优秀会员单位") is None:
        campaign = commendations.create(year=this, category="优秀会员单位", awards=3, max_choices=3,
                                        description="表彰本年度积极参与对接服务、联合活动，贡献突出的会员单位。",
                                        weights=dict(LAST_YEAR[0][3]), actor_id=chair_id)
        commendations.open_campaign(campaign, actor_id=chair_id)
        commendations.score(campaign, actor_id=chair_id)
    db.session.flush()
