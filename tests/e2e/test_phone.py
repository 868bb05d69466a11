"""Journey: the admin on a phone (360×740, the narrowest common Android screen).

No page may scroll sideways, the community menu stays reachable, and each screen is saved under
test-artifacts/ for people to look at (test-artifacts/ is not in git).
"""
import re

import pytest
from playwright.sync_api import expect

from app.core.extensions import db
from tenants.context import tenant_context
from tenants.models import Community
from tests.e2e.conftest import ARTIFACTS, T, log_in, open_menu, settle
from tests.factories import UnitFactory, member

WIDTH, HEIGHT = 360, 740
PHONE = {"viewport": {"width": WIDTH, "height": HEIGHT}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True}


@pytest.fixture
def phone(new_context):
    return new_context(**PHONE).new_page()


@pytest.fixture
def registry(admin_world):
    """A registry with the long names and addresses real ones have."""
    community = db.session.get(Community, admin_world.community_id)
    with tenant_context(community.id):
        made = [
            UnitFactory(name="北京市西城区什刹海街道柳荫街社区卫生服务站（第二分站）", type="clinic",
                        address="北京市西城区什刹海街道柳荫街甲12号院3号楼1单元101室",
                        contact_name="欧阳建国", contact_phone="010-66180000-8021"),
            UnitFactory(name="Shichahai International Cultural Exchange Centre Co., Ltd.", type="enterprise",
                        address="No. 18 Liuyin Street, Xicheng District, Beijing",
                        contact_name="Alexandra Richardson-Montgomery", contact_phone="13800000001",
                        description="https://www.shichahai-international-cultural-exchange-centre.example/about"),
            UnitFactory(name="柳荫街便民超市", type="shop"),
            UnitFactory(name="前海小学", type="school"),
        ]
        ids = [u.id for u in made]
    member(community, "coordinator", name="钱协调", phone="13912345678", email=None)
    settle()
    return ids


def no_sideways_scroll(page, label: str) -> None:
    page.wait_for_load_state("load")
    width = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate("""(limit) => [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > limit + 0.5 && e.getClientRects().length)
        .filter(e => !e.closest('.visually-hidden, .skip-link'))
        .slice(0, 5)
        .map(e => `${e.tagName.toLowerCase()}.${e.className} → ${Math.round(e.getBoundingClientRect().right)}px`)
    """, WIDTH)
    assert width <= WIDTH, f"{label}: the page is {width}px wide on a {WIDTH}px screen; too wide: {wide}"


def shoot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"phone-{name}.png"), full_page=True)


def menu_reachable(page) -> None:
    open_menu(page)
    menu = page.get_by_role("navigation", name=T("Community menu"))
    for name in ("Home", "Units", "Members"):
        link = menu.get_by_role("link", name=T(name))
        expect(link).to_be_visible()
        box = link.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTH, f"menu item {name} is off screen: {box}"
        assert box["height"] >= 44, f"menu item {name} is {box['height']}px tall; fingers need 44px"


def test_community_home_and_units_on_a_phone(phone, admin_world, registry):
    phone.goto("/login")
    no_sideways_scroll(phone, "log-in page")
    shoot(phone, "login")
    log_in(phone, admin_world.login)

    expect(phone).to_have_url(re.compile(rf"/c/{admin_world.slug}/$"))
    no_sideways_scroll(phone, "community home")
    menu_reachable(phone)
    shoot(phone, "home")

    # The menu is used by tapping, as on a phone.
    open_menu(phone)
    phone.get_by_role("navigation", name=T("Community menu")).get_by_role("link", name=T("Units")).tap()
    expect(phone).to_have_url(re.compile(r"/units/$"))
    expect(phone.get_by_role("table", name=T("Member units")).locator("tbody tr")).to_have_count(4)
    no_sideways_scroll(phone, "units list")
    menu_reachable(phone)
    shoot(phone, "units")

    phone.get_by_role("link", name=re.compile("卫生服务站")).tap()
    expect(phone.get_by_role("heading", level=1)).to_contain_text("第二分站")
    no_sideways_scroll(phone, "unit page")
    shoot(phone, "unit")

    phone.get_by_role("link", name=T("Edit")).tap()
    expect(phone).to_have_url(re.compile(r"/edit$"))
    no_sideways_scroll(phone, "unit form")
    phone.get_by_label(T("Unit name")).fill("")
    phone.get_by_role("button", name=T("Save")).tap()
    expect(phone.locator(".error-summary")).to_be_visible()
    no_sideways_scroll(phone, "unit form with errors")
    shoot(phone, "unit-form-errors")

    phone.goto(admin_world.units)
    phone.get_by_role("link", name=re.compile("International")).tap()
    expect(phone.get_by_role("heading", level=1)).to_contain_text("International")
    no_sideways_scroll(phone, "unit page with long English words")

    open_menu(phone)
    phone.get_by_role("navigation", name=T("Community menu")).get_by_role("link", name=T("Members")).tap()
    expect(phone).to_have_url(re.compile(r"/members/$"))
    no_sideways_scroll(phone, "members page")
    shoot(phone, "members")

    phone.goto(f"/c/{admin_world.slug}/units/import")
    no_sideways_scroll(phone, "import page")
    shoot(phone, "import")


def test_large_text_on_a_phone(phone, admin_world, registry):
    log_in(phone, admin_world.login)
    phone.get_by_role("button", name=T("Large text")).tap()
    expect(phone.locator("html")).to_have_class(re.compile(r"\btext-large\b"))
    no_sideways_scroll(phone, "community home, large text")
    menu_reachable(phone)
    shoot(phone, "home-large-text")
    phone.goto(admin_world.units)
    no_sideways_scroll(phone, "units list, large text")
    shoot(phone, "units-large-text")
    phone.goto(f"/c/{admin_world.slug}/members/")
    no_sideways_scroll(phone, "members page, large text")


def content_top(page) -> float:
    return page.evaluate("document.querySelector('main').getBoundingClientRect().top + window.scrollY")


def test_the_menu_folds_on_a_phone_and_opens_without_javascript(new_context, admin_world, registry):
    """In large text the header and a 13-item menu took 340 of 740 px: folded, the page's content comes first."""
    phone = new_context(**PHONE, java_script_enabled=False).new_page()
    log_in(phone, admin_world.login)
    phone.get_by_role("button", name=T("Large text")).tap()
    expect(phone.locator("html")).to_have_class(re.compile(r"\btext-large\b"))
    menu = phone.get_by_role("navigation", name=T("Community menu"))
    expect(menu).to_have_count(0)  # folded, and the wide one is not displayed
    expect(phone.locator("summary", has_text=T("Menu", exact=False))).to_be_visible()
    assert content_top(phone) <= HEIGHT * 0.4, f"the content starts at {content_top(phone)}px of {HEIGHT}"
    shoot(phone, "menu-folded-large-text")

    # By keyboard: the disclosure is reached with Tab and opened with Enter, as a screen reader announces it.
    for _ in range(12):
        phone.keyboard.press("Tab")
        if phone.evaluate("document.activeElement.tagName") == "SUMMARY":
            break
    expect(phone.locator("summary:focus")).to_have_text(T("Menu"))
    phone.keyboard.press("Enter")
    expect(menu).to_have_count(1)  # one menu for a screen reader
    expect(menu.get_by_role("link", name=T("Units"))).to_be_visible()
    menu_reachable(phone)
    shoot(phone, "menu-open-large-text")
    menu.get_by_role("link", name=T("Units")).tap()
    expect(phone).to_have_url(re.compile(r"/units/$"))
    expect(menu).to_have_count(0)  # folded again on the next page


def test_the_menu_is_whole_on_a_wide_screen(page, admin_world):
    log_in(page, admin_world.login)
    expect(page.locator("details.phone-menu")).to_be_hidden()
    menu = page.get_by_role("navigation", name=T("Community menu"))
    expect(menu).to_have_count(1)
    expect(menu.get_by_role("link", name=T("Members"))).to_be_visible()
