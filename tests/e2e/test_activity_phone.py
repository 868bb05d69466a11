"""Activities on a 360-px phone in large text: the staff's proposal form tells every mistake beside its field,
a resident reads the list and an activity (when, where and how accessible, places left) without sideways scroll."""
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from app.activities import services as activities
from app.core.extensions import db
from app.venues import services as venues
from tenants.context import tenant_context
from tests.e2e.conftest import T, log_in, settle
from tests.e2e.test_phone import PHONE, no_sideways_scroll, shoot
from tests.factories import CommunityFactory, UnitFactory, member

TZ = ZoneInfo("Asia/Shanghai")


def test_activities_on_a_phone_in_large_text(new_context, app):
    community = CommunityFactory(slug="liuyin", name="柳荫社区")
    staff = member(community, "admin", "coordinator", name="陈协调", email="staff@liuyin.example")
    member(community, "resident", name="王秀英", email="wang@liuyin.example")
    day = datetime.now(TZ).date() + timedelta(days=10)
    with tenant_context(community.id):
        school = UnitFactory(name="柳荫小学", type="school")
        db.session.flush()
        hall = venues.create_venue(unit_id=school.id, name="学校礼堂（东楼一层多功能厅）", capacity=120, hours={},
                                   step_free=True, lift=True)
        hall.needs_confirmation = False
        lecture = activities.propose(actor_id=staff.id, kind="training", title="冬季防跌倒健康讲座：居家安全与康复锻炼",
                                     starts_at=datetime.combine(day, time(9), tzinfo=TZ),
                                     ends_at=datetime.combine(day, time(11), tzinfo=TZ), capacity=30,
                                     guests="区税务局、社区卫生服务中心", speakers="李医生",
                                     organiser_unit_id=school.id)
        activities.approve(lecture, actor_id=staff.id)
        activities.book_venue(lecture, hall, actor_id=staff.id)
        db.session.commit()
        url = f"/c/liuyin/activities/{lecture.id}"
    settle()

    phone = new_context(**PHONE).new_page()
    log_in(phone, "staff@liuyin.example")
    phone.evaluate("document.documentElement.classList.add('text-large')")
    phone.goto("/c/liuyin/activities/new")
    phone.get_by_label(T("Title")).fill(" ")
    phone.get_by_role("button", name=T("Send the proposal")).click()
    expect(phone.locator("#title-error")).to_be_visible()
    expect(phone.locator("#starts_at-error")).to_be_visible()
    expect(phone.locator("#ends_at-error")).to_be_visible()
    no_sideways_scroll(phone, "activity form with errors")
    shoot(phone, "activity-form-errors")
    phone.goto(url)
    expect(phone.get_by_role("link", name=T("Cancel the activity"))).to_be_visible()
    no_sideways_scroll(phone, "activity page for staff")
    shoot(phone, "activity-staff")

    resident = new_context(**PHONE).new_page()
    log_in(resident, "wang@liuyin.example")
    resident.evaluate("document.documentElement.classList.add('text-large')")
    resident.goto("/c/liuyin/activities/")
    expect(resident.get_by_role("link", name="冬季防跌倒健康讲座：居家安全与康复锻炼")).to_be_visible()
    no_sideways_scroll(resident, "activity list")
    shoot(resident, "activity-list")
    resident.goto(url)
    expect(resident.get_by_text("学校礼堂（东楼一层多功能厅）").first).to_be_visible()
    no_sideways_scroll(resident, "activity page")
    shoot(resident, "activity-detail")
