"""Journey: the coordinator opens the year's report from the menu, reviews the draft (figures, tables, charts with
their figures), writes the summary, submits it to the street office and reads the frozen version 1; then, on a
phone in large text, the version page does not scroll sideways."""
import re

from playwright.sync_api import expect

from app.accounts.models import User
from app.core.extensions import db
from tests.e2e.conftest import T, log_in, open_menu, settle
from tests.e2e.test_phone import PHONE, no_sideways_scroll, shoot
from tests.yearworld import build_year_world


def test_the_coordinator_reviews_the_draft_and_submits_the_report(new_context, app, clock):
    staff = build_year_world(clock)["staff"]
    login, staff_id = staff.email, staff.id
    settle()
    page = new_context().new_page()
    log_in(page, login)
    open_menu(page)
    page.get_by_role("navigation", name=T("Community menu")).get_by_role("link", name=T("Yearly reports")).click()
    page.get_by_role("link", name=T("Report %(year)s", year="2026")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(T("Report %(year)s", year="2026", exact=False))
    needs = page.get_by_role("region", name=T("Needs and matches"))
    expect(needs.get_by_text(T("Needs met"))).to_be_visible()
    expect(needs.get_by_role("img", name=T("Needs met by month"))).to_be_visible()
    needs.get_by_text(T("Figures of the chart")).first.click()  # the chart's numbers, as a table
    expect(needs.get_by_role("table", name=T("Needs met by month"))).to_be_visible()
    shoot(page, "report-draft-desktop")

    page.get_by_label(T("Summary")).fill("今年助餐服务稳步推进，文化活动点还需加油。")
    page.get_by_role("button", name=T("Save the summary")).click()
    expect(page.get_by_text(T("The summary is saved."))).to_be_visible()
    page.get_by_role("button", name=T("Submit the report")).click()
    expect(page.get_by_text(T("The %(year)s report was submitted to the street office as version %(number)s.",
                              year="2026", number="1"))).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        T("Report %(year)s, version %(n)s", year="2026", n="1", exact=False))
    expect(page.get_by_text("今年助餐服务稳步推进，文化活动点还需加油。")).to_be_visible()
    version_url = page.url

    db.session.get(User, staff_id).large_text = True  # the coordinator reads large text on the phone
    settle()
    phone = new_context(**PHONE).new_page()
    log_in(phone, login)
    phone.goto(version_url)
    expect(phone.locator("html")).to_have_class(re.compile("text-large"))
    expect(phone.get_by_role("heading", level=1)).to_be_visible()
    no_sideways_scroll(phone, "report version in large text")
    shoot(phone, "report-version")
