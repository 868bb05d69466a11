"""The association's first period, as the source tells it: a council of six with positions, eight resident
representatives, 31 units that applied (28 admitted at the founding meeting, one rejected with its reason,
two pending — one under review, one in a ballot the demo's representatives can vote in) and last year's
review, finished. Dates are relative to the day the demo is loaded; running it again changes nothing."""
import logging
import random
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from app.applications import services as applications
from app.applications.models import UnitApplication
from app.ballots import services as ballots
from app.core.extensions import db
from app.core.fields import CREDIT_CODE_ALPHABET, credit_code_check
from app.council import services as council
from app.council.models import CouncilSeat
from app.demo.live import _local, years_before
from app.history import StatusChange
from app.reviews import services as reviews
from app.units.models import Unit
from tenants import clock

logger = logging.getLogger(__name__)

ADMITTED = 28
# The application the council turned down: the source's warning about a unit that would use the association
# for private gain.
REJECTED = {
    "unit_name": "鑫融理财咨询有限公司", "unit_type": "enterprise", "address": "T街道石桥街66号",
    "contact_name": "钱经理", "contact_mobile": "13900000030", "offers": ["training"],
    "motivation": "希望在社区举办理财讲座，为老年居民提供投资机会。",
    "reason": "理事会审查认为：申请单位意在以社区名义向老年居民推销理财产品，不符合联合会公益互助的宗旨。",
}
UNDER_REVIEW = {
    "unit_name": "兰姐便民理发店", "unit_type": "shop", "address": "L社区7号楼底商2号",
    "contact_name": "王小兰", "contact_mobile": "13900000031", "offers": ["volunteer"],
    "needs": "希望联合会帮助宣传上门理发服务。",
    "motivation": "每月可为行动不便的老人上门理发一次，不收费。",
}
IN_BALLOT = {
    "unit_name": "顺心家政服务有限公司", "unit_type": "enterprise", "address": "T街道银杏路12号",
    "contact_name": "周顺心", "contact_mobile": "13900000032", "offers": ["volunteer", "job"],
    "needs": "招聘社区内的家政服务员。",
    "motivation": "愿为空巢老人每周提供两小时免费保洁，并优先招聘本社区就业困难人员。",
}
POSITIONS = ["chair", "vice_chair", "secretary", "member", "member", "member"]


def credit_code(seed: int) -> str:
    """A well-formed 统一社会信用代码 (enterprise, Beijing district) with its check digit."""
    rng = random.Random(seed)
    body = "91110105" + "".join(rng.choice(CREDIT_CODE_ALPHABET[:10] + "ABCDEFGH") for _ in range(9))
    return body + credit_code_check(body)


def founding_period(council_ids: list[int]) -> None:
    """The council seated, the founding applications decided and last year's review done (`council_ids`: the
    six council members in the order of POSITIONS)."""
    today = clock.today()
    founded = years_before(today, 1) - timedelta(days=30)
    _seats(council_ids, founded)
    if db.session.execute(select(func.count()).select_from(UnitApplication)).scalar_one() == 0:
        _founding_applications(founded, council_ids[0])
        _rejected(founded, council_ids[2])
    _last_years_review(today.year - 1, council_ids[1])


def pending_applications(make_user, password_hash: str, council_ids: list[int], voter_ids: list[int]) -> None:
    """Two applications waiting today, their notifications sent: one under review, one in an open ballot in which
    `voter_ids` have voted (the demo's own representative is left to vote)."""
    if db.session.execute(select(UnitApplication.id).where(
            UnitApplication.contact_mobile == UNDER_REVIEW["contact_mobile"])).first() is None:
        _pending(make_user, password_hash, council_ids, voter_ids)


def _seats(council_ids: list[int], founded: date) -> None:
    if db.session.execute(select(func.count()).select_from(CouncilSeat)).scalar_one():
        return
    end = founded.replace(year=founded.year + 3) - timedelta(days=1)
    for user_id, position in zip(council_ids, POSITIONS):
        council.appoint({"user_id": user_id, "position": position, "term_start": founded, "term_end": end,
                         "note": "联合会成立大会选举产生"}, actor_id=council_ids[0])


def _history(application: UnitApplication, steps: list[tuple[str | None, str, datetime, int | None, str]]) -> None:
    for from_status, to_status, at, actor_id, note in steps:
        db.session.add(StatusChange(object_type="unitapplication", object_id=application.id,
                                    from_status=from_status, to_status=to_status, actor_id=actor_id, note=note,
                                    at=at))


def _founding_applications(founded: date, chair_id: int) -> None:
    """28 of the registered units came in by application before the founding meeting, which admitted them."""
    units = db.session.execute(select(Unit).where(Unit.status == "active").order_by(Unit.id)
                               .limit(ADMITTED)).scalars().all()
    meeting = _local(founded, 9, 30)
    for i, unit in enumerate(units):
        submitted = _local(founded - timedelta(days=40 - i), 10)
        application = UnitApplication(
            unit_name=unit.name, unit_type=unit.type, credit_code=credit_code(i), address=unit.address or "—",
            contact_name=unit.contact_name or "—", contact_mobile=unit.contact_phone or "",
            offers=[], motivation="愿意加入联合会，参与社区共建。", consent_at=submitted, status="admitted",
            submitted_at=submitted, decided_at=meeting, unit_id=unit.id, reviewer_id=chair_id)
        db.session.add(application)
        db.session.flush()
        _history(application, [(None, "submitted", submitted, None, ""),
                               ("submitted", "under_review", submitted + timedelta(days=2), chair_id, ""),
                               ("under_review", "admitted", meeting, chair_id, "联合会成立大会通过")])
        if unit.joined_on is None or unit.joined_on > founded:
            unit.joined_on = founded


def _rejected(founded: date, secretary_id: int) -> None:
    data = dict(REJECTED)
    reason = data.pop("reason")
    submitted = _local(founded - timedelta(days=20), 15)
    decided = _local(founded - timedelta(days=5), 16)
    application = UnitApplication(**data, credit_code=credit_code(100), consent_at=submitted, status="rejected",
                                  submitted_at=submitted, decided_at=decided, decision_reason=reason,
                                  reviewer_id=secretary_id)
    db.session.add(application)
    db.session.flush()
    _history(application, [(None, "submitted", submitted, None, ""),
                           ("submitted", "under_review", submitted + timedelta(days=1), secretary_id, ""),
                           ("under_review", "rejected", decided, secretary_id, reason)])


def _apply(make_user, password_hash: str, spec: dict, seed: int) -> UnitApplication:
    user = make_user(spec["contact_mobile"], spec["contact_name"], password_hash, phone=spec["contact_mobile"])
    return applications.apply({**spec, "credit_code": credit_code(seed), "consent": True}, user=user)


def _pending(make_user, password_hash: str, council_ids: list[int], voter_ids: list[int]) -> None:
    vice_chair, secretary = council_ids[1], council_ids[2]
    waiting = _apply(make_user, password_hash, UNDER_REVIEW, 101)
    applications.take(waiting, actor_id=vice_chair)
    voting = _apply(make_user, password_hash, IN_BALLOT, 102)
    applications.take(voting, actor_id=secretary)
    ballot = applications.open_ballot(voting, actor_id=secretary)
    for user_id in voter_ids:
        ballots.vote(ballot, user_id, ["yes"])


def _last_years_review(year: int, actor_id: int) -> None:
    """Last year's review, done: every unit kept but one warned (its offers stood unused all year)."""
    if reviews.review_of_year(year) is not None:
        return
    review = reviews.open_review(year, actor_id=actor_id)
    reviews.keep_unflagged(review, actor_id=actor_id)
    warned = False
    for entry in review.entries:
        if entry.decision is not None:
            continue
        if not warned and entry.unit_type == "shop":
            reviews.decide(review, entry, "warn", "全年未参与联合会的对接与活动，请在下一年度至少参与一次。",
                           actor_id=actor_id)
            warned = True
        else:
            reviews.decide(review, entry, "keep", "联合会成立第一年，继续保留。", actor_id=actor_id)
    reviews.close_review(review, actor_id=actor_id)
    closed = _local(date(year, 12, 28), 10)
    review.opened_at, review.closed_at = _local(date(year, 12, 15), 9), closed
    for entry in review.entries:
        entry.decided_at = closed
