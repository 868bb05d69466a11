"""Journey basics for keyboard and screen-reader users: skip link, labels, and form errors."""
import re

from playwright.sync_api import expect

from tests.e2e.conftest import T, log_in

UNLABELLED_CONTROLS = """() => [...document.querySelectorAll('input, select, textarea')]
    .filter(e => e.type !== 'hidden')
    .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby'))
    .map(e => e.outerHTML.slice(0, 120))"""


def test_skip_link_is_the_first_tab_stop_and_moves_focus_to_main(page, admin_world):
    log_in(page, admin_world.login)
    page.goto(admin_world.home)
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name=T("Skip to main content"))
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box is not None and box["x"] >= 0 and box["y"] >= 0, f"the focused skip link is off screen: {box}"
    page.keyboard.press("Enter")
    expect(page.get_by_role("main")).to_be_focused()
    # The next Tab continues inside the main content, not back in the header.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null"), "Tab after the skip link left main"


def test_unit_form_labels_and_errors(page, admin_world):
    log_in(page, admin_world.login)
    page.goto(f"/c/{admin_world.slug}/units/new")
    expect(page.get_by_role("heading", level=1)).to_have_text(T("Register a unit"))
    assert page.evaluate(UNLABELLED_CONTROLS) == [], "form controls without a label"
    expect(page.get_by_label(T("Unit name", "单位名称"))).to_be_editable()

    # Submitted empty: the error summary gets focus and the field says it is invalid.
    page.get_by_role("button", name=T("Save")).click()
    summary = page.get_by_role("alert").filter(has_text=T("Please correct the marked fields.", exact=False))
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    name = page.get_by_label(T("Unit name", "单位名称"))
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(name).to_have_attribute("aria-describedby", re.compile(r"\bname-error\b"))
    assert page.locator("#name-error").inner_text().strip(), "the name error explains nothing"
    assert page.evaluate(UNLABELLED_CONTROLS) == [], "form controls without a label after the errors"

    # Correcting it works from the keyboard alone.
    name.fill("柳荫街便民超市")
    name.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("柳荫街便民超市")


def test_every_control_has_a_label_on_the_admin_pages(page, admin_world):
    log_in(page, admin_world.login)
    for path in ("/login", admin_world.home, admin_world.units, f"/c/{admin_world.slug}/units/import",
                 f"/c/{admin_world.slug}/members/", "/account"):
        page.goto(path)
        assert page.evaluate(UNLABELLED_CONTROLS) == [], f"{path}: form controls without a label"


def test_wrong_password_moves_focus_to_the_error(page, admin_world):
    page.goto("/login")
    page.get_by_label(T("E-mail or mobile number")).fill(admin_world.login)
    page.get_by_label(T("Password")).fill("not-the-password")
    page.get_by_role("button", name=T("Log in")).click()
    summary = page.get_by_role("alert")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(page.get_by_label(T("Password"))).to_have_attribute("aria-invalid", "true")
