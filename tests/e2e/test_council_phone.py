"""The council on a phone: the admin appoints a chairperson with the member picker and sees a refusal beside the
form; a visitor reads the association's public page at 360 px in large text and at 1280 px, nothing sideways."""
import re
from datetime import date

from playwright.sync_api import expect

from app.core.extensions import db
from app.council import services
from app.units import services as units
from tenants.context import tenant_context
from tests.e2e.conftest import ARTIFACTS, T, log_in, settle
from tests.factories import member

PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 1, "is_mobile": True, "has_touch": True}


def _fits(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_the_admin_appoints_the_chairperson_on_a_phone(new_context, admin_world):
    from tenants.models import Community

    community = db.session.get(Community, admin_world.community_id)
    member(community, "unit", name="王建国", phone="13800000001")
    member(community, "resident", name="李秀英")
    settle()
    page = new_context(**PHONE).new_page()
    log_in(page, admin_world.login)
    page.goto(f"/c/{admin_world.slug}/council/")
    box = page.get_by_role("combobox", name=T("Member"))
    box.fill("wjg")
    option = page.locator(f"#{box.get_attribute('aria-controls')}").get_by_role("option").first
    expect(option).to_contain_text("王建国")
    option.click()
    page.get_by_label(T("Position")).select_option("chair")
    page.get_by_role("button", name=T("Appoint")).click()
    expect(page.get_by_role("status")).to_contain_text("王建国")
    expect(page.locator(".council-seats")).to_contain_text("理事长")
    _fits(page, 360)

    box = page.get_by_role("combobox", name=T("Member"))
    box.fill("lxy")
    page.locator(f"#{box.get_attribute('aria-controls')}").get_by_role("option").first.click()
    page.get_by_label(T("Position")).select_option("chair")
    page.get_by_role("button", name=T("Appoint")).click()
    expect(page.get_by_role("alert").last).to_contain_text("已有理事长：王建国")
    _fits(page, 360)


def test_a_visitor_reads_the_public_page_on_a_phone_and_a_desktop(new_context, admin_world):
    from tenants.models import Community

    community = db.session.get(Community, admin_world.community_id)
    chair = member(community, "unit", name="王建国")
    with tenant_context(admin_world.community_id):
        services.appoint({"user_id": chair.id, "position": "chair", "term_start": date(2026, 1, 1),
                          "term_end": None}, actor_id=None)
        for name, kind in (("京华物业", "property_company"), ("柳荫小学", "school"), ("小王面馆", "shop")):
            units.create_unit({"name": name, "type": kind})
        db.session.commit()
    settle()
    ARTIFACTS.mkdir(exist_ok=True)
    phone = new_context(**PHONE).new_page()
    phone.goto("/login")
    phone.locator("button[name=size][value=large]").click()
    phone.goto(f"/c/{admin_world.slug}/about")
    expect(phone.get_by_role("heading", level=1)).to_have_text("柳荫社区共建互助联合会")
    expect(phone.get_by_role("main")).to_contain_text("王建国")
    join = phone.get_by_role("link", name=T("Apply to join"))
    expect(join).to_have_attribute("href", f"/c/{admin_world.slug}/join")
    assert phone.evaluate("document.documentElement.classList.contains('text-large')")
    _fits(phone, 360)
    top = phone.evaluate("Math.round(document.querySelector('main').getBoundingClientRect().top)")
    assert top < 740 * 0.4
    phone.screenshot(path=str(ARTIFACTS / "about-360.png"), full_page=True)
    desk = new_context().new_page()
    desk.goto(f"/c/{admin_world.slug}/about")
    expect(desk.get_by_role("link", name=re.compile("关于联合会"))).to_be_visible()
    _fits(desk, 1280)
    desk.screenshot(path=str(ARTIFACTS / "about-1280.png"), full_page=True)
