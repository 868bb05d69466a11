"""Journey: the cultural centre asks for the school hall every Saturday morning for four weeks on an office screen;
the check shows a closed Saturday, which it leaves out. Another unit asked for one of those Saturdays already. The
school's representative, on a phone, opens the waiting requests, is told that confirming the series declines the
other request, confirms, and the other request's page shows its date declined — no page scrolls sideways."""
from datetime import date, datetime
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from app.core.extensions import db
from app.units import services as units
from app.venues import services as venues
from tenants.context import tenant_context
from tests.e2e.conftest import T, log_in, settle
from tests.e2e.test_phone import PHONE, no_sideways_scroll, shoot
from tests.factories import CommunityFactory, UnitFactory, member

DESK = {"viewport": {"width": 1280, "height": 900}}
TZ = ZoneInfo("Asia/Shanghai")


def test_the_school_confirms_a_recurring_booking_and_the_overlapping_request_is_declined(app, new_context, clock):
    clock(2026, 11, 30, 10)  # Monday; the Saturdays asked for are 5, 12, 19 and 26 December
    community = CommunityFactory(slug="liuyin", name="柳荫社区")
    principal = member(community, "unit", name="郭校长", email="school@liuyin.example")
    centre_rep = member(community, "unit", name="文化中心刘老师", email="centre@liuyin.example")
    dancer = member(community, "unit", name="舞蹈队王老师")
    with tenant_context(community.id):
        school = UnitFactory(name="柳荫小学", type="school")
        centre = UnitFactory(name="社区文化中心", type="ngo")
        troupe = UnitFactory(name="夕阳红舞蹈队", type="ngo")
        db.session.flush()
        units.add_representative(school, principal.id)
        units.add_representative(centre, centre_rep.id)
        units.add_representative(troupe, dancer.id)
        hall = venues.create_venue(unit_id=school.id, name="学校礼堂", capacity=200,
                                   hours={"sat": [["08:00", "12:00"]]}, book_ahead_days=90,
                                   closures=[{"starts_on": date(2026, 12, 26), "ends_on": date(2026, 12, 26),
                                              "reason": "期末大扫除"}])
        other = venues.request_booking(hall, starts_at=datetime(2026, 12, 12, 10, tzinfo=TZ),
                                       ends_at=datetime(2026, 12, 12, 12, tzinfo=TZ), purpose="舞蹈队彩排",
                                       requested_by_id=dancer.id, unit_id=troupe.id)
        db.session.commit()
        hall_id, other_id = hall.id, other.id
    settle()

    desk = new_context(**DESK).new_page()
    log_in(desk, "centre@liuyin.example")
    desk.goto(f"/c/liuyin/venues/{hall_id}/book")
    desk.get_by_label(T("What for")).fill("合唱队排练")
    desk.get_by_label(T("Starts")).fill("2026-12-05T09:00")
    desk.get_by_label(T("Ends")).fill("2026-12-05T11:00")
    desk.get_by_label(T("Repeats")).select_option("weekly")
    desk.get_by_label(T("Number of times")).fill("4")
    desk.get_by_role("button", name=T("Check the dates")).click()
    preview = desk.locator(".venue-preview")
    expect(preview.locator("li")).to_have_count(4)
    closed = preview.locator("li.conflict")
    expect(closed).to_have_count(1)  # the pending request does not block asking; the closed Saturday does
    expect(closed).to_contain_text("期末大扫除")
    expect(closed.get_by_role("checkbox")).to_be_checked()  # left out by default
    shoot(desk, "booking-preview-desk")
    with desk.expect_navigation():
        desk.get_by_role("button", name=T("Send the request")).click()
    expect(desk.locator(".venue-dates li")).to_have_count(3)

    phone = new_context(**PHONE).new_page()
    log_in(phone, "school@liuyin.example")
    phone.goto("/c/liuyin/venues/approvals")
    expect(phone.get_by_role("link", name="合唱队排练").first).to_be_visible()
    expect(phone.get_by_role("link", name="舞蹈队彩排")).to_be_visible()
    no_sideways_scroll(phone, "approvals")
    phone.get_by_role("link", name="合唱队排练").first.click()
    expect(phone.get_by_text(T("Confirming declines %(n)s overlapping date(s) of other requests.", n="1"))) \
        .to_be_visible()
    no_sideways_scroll(phone, "the series to confirm")
    shoot(phone, "booking-confirm-phone")
    with phone.expect_navigation():
        phone.get_by_role("button", name=T("Confirm the waiting dates")).click()
    expect(phone.locator(".venue-dates li", has_text=T("Confirmed", exact=False))).to_have_count(3)

    phone.goto(f"/c/liuyin/venues/bookings/{other_id}")
    expect(phone.locator(".venue-dates li").first).to_contain_text(T("Declined", exact=False))
    no_sideways_scroll(phone, "the declined request")
    phone.goto("/c/liuyin/venues/approvals")
    expect(phone.get_by_text(T("Nothing waits for your decision."))).to_be_visible()
