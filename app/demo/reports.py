"""The demo's yearly report of last year: version 1 submitted to the street office before its deadline, then a
corrected version 2 after a public works job of last year was recorded late (its page shows what changed)."""
import logging
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from app.core.extensions import db
from app.publicworks import services as public_works
from app.publicworks.models import PublicWorksRequest
from app.publicworks.schemas import PublicWorksProgressIn, PublicWorksRequestIn
from app.reports import services as reports
from tenants import clock

logger = logging.getLogger(__name__)

FIRST_SUMMARY = ("{year}年，社区互助会围绕助餐、助老和文化活动开展工作：会员单位积极参与需求对接，"
                 "养老助残餐桌每天按时供餐，文化活动点基本完成全年活动任务。存在的不足是稳定经费来源仍需落实，"
                 "个别单位参与度不高。下一年将继续扩大单位参与面，推动互助基金建设。")
CORRECTION = "更正：补录{year}年11月完成的柳荫街路灯维修（市政诉求），其余数据与第1版相同。"
LATE_WORKS = ("lighting", "柳荫街北段路灯维修（补录）", "柳荫街北段", "区城管委",
              [("更换损坏灯头", "pieces", "6")])


def _late_public_works(year: int, coordinator_id: int) -> None:
    """A job done in November of last year that nobody had recorded when version 1 went."""
    if db.session.execute(select(PublicWorksRequest.id).where(PublicWorksRequest.title == LATE_WORKS[1])).first():
        return
    category, title, location, department, lines = LATE_WORKS
    request = public_works.create_request(PublicWorksRequestIn().load({
        "category": category, "title": title, "location": location, "department": department,
        "lines": [{"description": d, "measure": m, "planned": p} for d, m, p in lines]}), actor_id=coordinator_id)
    public_works.move(request, "filed", actor_id=coordinator_id, on=date(year, 11, 3))
    public_works.record_progress(request, PublicWorksProgressIn().load({"lines": [
        {"id": str(line.id), "done": planned} for line, (_d, _m, planned) in zip(request.lines, lines, strict=True)]}),
        actor_id=coordinator_id)
    public_works.move(request, "done", actor_id=coordinator_id, on=date(year, 11, 20), note="验收合格")


def load(coordinator_id: int) -> None:
    """Last year's report, submitted twice (in the current community); nothing when it was submitted already."""
    year = clock.today().year - 1
    if reports.versions(year):
        return
    due = reports.due_on(year)
    with clock.at(datetime.combine(due - timedelta(days=5), time(16), clock.zone())):
        reports.submit(year, actor_id=coordinator_id, narrative_text=FIRST_SUMMARY.format(year=year))
        db.session.flush()
    _late_public_works(year, coordinator_id)
    with clock.at(datetime.combine(due + timedelta(days=12), time(10), clock.zone())):
        reports.submit(year, actor_id=coordinator_id,
                       narrative_text=FIRST_SUMMARY.format(year=year) + "\n\n" + CORRECTION.format(year=year))
    db.session.flush()
