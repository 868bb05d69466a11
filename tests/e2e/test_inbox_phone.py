"""Journey: a message with a long link, read on a 360-px phone in large text — in the inbox, which keeps the
community menu, and opened; neither scrolls sideways."""
import re

from playwright.sync_api import expect

from tests.e2e.conftest import T, log_in
from tests.e2e.test_phone import PHONE, menu_reachable, no_sideways_scroll, shoot

LONG_LINK = "https://www.example.org/liuyin/notices/2026/12/elevator-maintenance-building-3-entrance-2-schedule.html"


def test_a_long_message_in_large_text_on_a_phone(new_context, admin_world, drain):
    phone = new_context(**PHONE).new_page()
    log_in(phone, admin_world.login)
    phone.get_by_role("button", name=T("Large text")).tap()
    expect(phone.locator("html")).to_have_class(re.compile(r"\btext-large\b"))

    phone.goto(f"/c/{admin_world.slug}/announcements/")
    phone.get_by_label(T("Title")).fill("电梯检修")
    phone.get_by_label(T("Text")).fill(f"3号楼电梯下周二上午检修，详情请看 {LONG_LINK} 谢谢配合。")
    phone.get_by_role("button", name=T("Send to every member")).tap()
    expect(phone).to_have_url(re.compile(r"/announcements/\d+$"))  # sent and committed before the jobs run
    drain()

    phone.get_by_role("link", name=re.compile(f"^{T('Messages', exact=False).pattern}")).first.tap()
    expect(phone).to_have_url(re.compile(rf"/c/{admin_world.slug}/notifications/$"))
    expect(phone.get_by_text(LONG_LINK, exact=False)).to_be_visible()
    menu_reachable(phone)  # the community's menu is still there
    no_sideways_scroll(phone, "inbox in large text")
    shoot(phone, "inbox-large")

    phone.get_by_role("button", name=T("Open")).first.tap()
    expect(phone).to_have_url(re.compile(r"/announcements/\d+$"))
    no_sideways_scroll(phone, "message in large text")
    shoot(phone, "message-large")
