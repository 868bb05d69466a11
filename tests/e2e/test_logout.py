"""Journey: logging out on a shared office PC; Back and reload do not bring the community back."""
import re

from playwright.sync_api import expect

from tests.e2e.conftest import T, log_in


def test_logout_then_back_and_reload_asks_to_log_in(page, admin_world):
    log_in(page, admin_world.login)
    page.goto(admin_world.units)
    expect(page.get_by_role("heading", level=1)).to_have_text(T("Member units", exact=False))

    page.get_by_role("button", name=T("Log out")).click()
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.get_by_role("status")).to_contain_text(T("You have logged out.", exact=False))
    expect(page.get_by_role("button", name=T("Log out"))).to_have_count(0)

    page.go_back()
    # Back must not show the registry again (a shared office PC); the browser asks the server anew.
    expect(page.get_by_role("table", name=T("Member units"))).to_have_count(0)
    page.reload()
    expect(page).to_have_url(re.compile(r"/login\?next=.*units"))
    expect(page.get_by_role("button", name=T("Log in"))).to_be_visible()
    expect(page.get_by_role("navigation", name=T("Community menu"))).to_have_count(0)

    page.goto(admin_world.units)
    expect(page).to_have_url(re.compile(r"/login\?next=.*units"))

    # Logging in again returns to the page asked for.
    page.get_by_label(T("E-mail or mobile number")).fill(admin_world.login)
    page.get_by_label(T("Password")).fill(admin_world.password)
    page.get_by_role("button", name=T("Log in")).click()
    expect(page).to_have_url(re.compile(rf"/c/{admin_world.slug}/units/$"))
