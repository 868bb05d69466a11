"""Journey: switching to English and to large text from the header; both choices stick."""
import re

from playwright.sync_api import expect

from tests.e2e.conftest import T, chinese_active, log_in, zh_catalog


def root_font_px(page) -> float:
    """The root font size once the page, stylesheet included, has loaded (the class on <html> comes first)."""
    page.wait_for_load_state("load")
    return page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")


def test_language_and_large_text_stick(page, admin_world):
    log_in(page, admin_world.login)
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "zh-CN")
    logout = page.get_by_role("button", name=T("Log out"))
    if chinese_active():
        expect(logout).to_have_text(zh_catalog()["Log out"])

    page.get_by_role("button", name="English").click()
    expect(html).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(rf"/c/{admin_world.slug}/"))  # stays on the same page
    expect(page.get_by_role("button", name="Log out", exact=True)).to_be_visible()
    expect(page.get_by_role("navigation", name="Community menu").get_by_role("link", name="Units")).to_be_visible()
    expect(page.get_by_role("button", name="中文")).to_have_attribute("lang", "zh-CN")

    normal = root_font_px(page)
    page.get_by_role("button", name="Large text").click()
    expect(html).to_have_class(re.compile(r"\btext-large\b"))
    large = root_font_px(page)
    assert large >= normal * 1.2, f"large text is {large}px, normal {normal}px"
    page.wait_for_load_state("load")
    body_text = page.evaluate(
        "parseFloat(getComputedStyle(document.querySelector('main p, main dt, main li')).fontSize)")
    assert body_text >= large * 0.9, "the main text does not grow with the root font size"

    # Both stick: after a reload, and on another page.
    page.reload()
    expect(html).to_have_attribute("lang", "en")
    expect(html).to_have_class(re.compile(r"\btext-large\b"))
    assert root_font_px(page) == large
    page.goto(admin_world.units)
    expect(html).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="Normal text")).to_be_visible()

    # And back.
    page.get_by_role("button", name="Normal text").click()
    expect(html).not_to_have_class(re.compile(r"\btext-large\b"))
    assert root_font_px(page) == normal
    page.get_by_role("button", name="中文").click()
    expect(html).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_role("button", name="English")).to_be_visible()


def test_visitor_choices_stick_without_an_account(page):
    page.goto("/login")
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "zh-CN")
    page.get_by_role("button", name="English").click()
    expect(page).to_have_url(re.compile(r"/login"))
    expect(html).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    page.get_by_role("button", name="Large text").click()
    expect(html).to_have_class(re.compile(r"\btext-large\b"))
    page.reload()
    expect(html).to_have_attribute("lang", "en")
    expect(html).to_have_class(re.compile(r"\btext-large\b"))
