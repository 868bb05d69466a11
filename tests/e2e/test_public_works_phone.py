"""Journey: the coordinator on a phone writes a public works request with its lines of work, files it, records
the work done and closes it — no page scrolls sideways, errors are read next to their field."""
import re

from playwright.sync_api import expect

from tests.e2e.conftest import T, log_in, open_menu
from tests.e2e.test_phone import PHONE, no_sideways_scroll, shoot


def test_coordinator_follows_a_public_works_request_on_a_phone(new_context, admin_world):
    phone = new_context(**PHONE).new_page()
    log_in(phone, admin_world.login)
    open_menu(phone)
    phone.get_by_role("navigation", name=T("Community menu")).get_by_role("link", name=T("Public works")).tap()
    expect(phone).to_have_url(re.compile(r"/public-works/$"))
    no_sideways_scroll(phone, "public works list (empty)")

    phone.get_by_role("link", name=T("New request")).tap()
    phone.get_by_label(T("What it is about")).select_option("drains")
    phone.get_by_label(T("In a few words")).fill("疏通槐树胡同排水管道（8号至20号院门前）")
    phone.get_by_label(T("Municipal department")).fill("区水务局")
    first, second = phone.locator("fieldset.pw-line-row").nth(0), phone.locator("fieldset.pw-line-row").nth(1)
    first.get_by_label(T("Work")).fill("排水管道疏通")
    first.get_by_label(T("Unit of measure")).select_option("m")
    first.get_by_label(T("Planned quantity")).fill("-320")
    second.get_by_label(T("Work")).fill("检查井盖更换")
    second.get_by_label(T("Unit of measure")).select_option("pieces")
    second.get_by_label(T("Planned quantity")).fill("6")
    phone.get_by_role("button", name=T("Save")).tap()
    expect(phone.locator(".error-summary")).to_be_visible()
    expect(first.get_by_label(T("Planned quantity"))).to_have_attribute("aria-invalid", "true")
    expect(phone.locator("#line-0-planned-error")).to_have_text(T("A quantity cannot be negative."))
    no_sideways_scroll(phone, "public works form with errors")
    shoot(phone, "public-works-form-errors")

    first.get_by_label(T("Planned quantity")).fill("320")
    phone.get_by_role("button", name=T("Save")).tap()
    expect(phone.get_by_role("heading", level=1)).to_contain_text("疏通槐树胡同排水管道")
    phone.get_by_role("button", name=T("File with the department")).tap()
    expect(phone.get_by_role("heading", level=1)).to_contain_text(T("Filed with the department", exact=False))

    phone.get_by_label(T("Done so far (%(measure)s)", measure=re.compile("(?:米|m)"))).fill("120")
    phone.get_by_role("button", name=T("Save progress")).tap()
    expect(phone.get_by_role("heading", level=1)).to_contain_text(T("Work in progress", exact=False))
    expect(phone.locator("progress").first).to_have_attribute("value", "37")
    no_sideways_scroll(phone, "public works request in progress")
    shoot(phone, "public-works-detail")

    phone.goto("/c/liuyin/public-works/")
    expect(phone.get_by_role("link", name=re.compile("疏通槐树胡同"))).to_be_visible()
    no_sideways_scroll(phone, "public works list with figures")
    shoot(phone, "public-works-list")
