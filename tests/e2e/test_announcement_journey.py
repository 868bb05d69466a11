"""Journey: the community admin publishes an announcement to all members and sees who has read it
(JOURNEYS.md, admin step 3), with a resident reading it in a second browser.

Without Redis the announcement's jobs run in the server right after the request; with REDIS_URL set
(the PostgreSQL run) they wait in Redis, and the test runs them with the `drain` fixture between steps.
"""
import re

import pytest
from playwright.sync_api import expect

from app.core.extensions import db
from tenants.models import Community
from tests.conftest import REDIS_URL
from tests.e2e.conftest import T, log_in, settle
from tests.factories import member

TITLE = "停水通知"
BODY = "本周六上午九点至十二点停水检修，请提前储水。"


@pytest.fixture
def resident(app, admin_world, drain):
    """A resident of the admin's community, who has been told (in Messages) that they joined."""
    community = db.session.get(Community, admin_world.community_id)
    member(community, "resident", name="孙大妈", email="sun@liuyin.example")
    drain()
    settle()
    return "sun@liuyin.example"


def community_menu(page):
    return page.get_by_role("navigation", name=T("Community menu"))


def unread_badge(page):
    return page.get_by_role("banner").locator(".inbox-link .count")


def test_admin_announces_and_sees_who_has_read_it(page, admin_world, resident, new_context, drain):
    def jobs_run():
        """With Redis, run the queued jobs now; without it they already ran after the request."""
        if REDIS_URL:
            drain()
            settle()

    # The admin opens 通知公告 from the menu and sends an announcement to every member.
    log_in(page, admin_world.login)
    expect(page).to_have_url(re.compile(rf"/c/{admin_world.slug}/$"))
    community_menu(page).get_by_role("link", name=T("Announcements")).click()
    expect(page).to_have_url(re.compile(rf"/c/{admin_world.slug}/announcements/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(T("Announcements"))
    expect(page.get_by_text(T("No announcements yet."))).to_be_visible()
    page.get_by_label(T("Title")).fill(TITLE)
    page.get_by_label(T("Text")).fill(BODY)
    page.get_by_role("button", name=T("Send to every member")).click()

    # Its page: sent, nobody has read it yet.
    expect(page).to_have_url(re.compile(rf"/c/{admin_world.slug}/announcements/\d+$"))
    detail_url = page.url
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.get_by_text(T("The announcement is on its way to every member."))).to_be_visible()
    expect(page.get_by_text(BODY)).to_be_visible()
    read_status = page.get_by_role("status").filter(has_text=T("%(read)s of %(total)s members have read it.",
                                                                exact=False, read=0))
    expect(read_status).to_be_visible()
    jobs_run()
    page.reload()
    expect(page.get_by_text(T("%(read)s of %(total)s members have read it.", read=0, total=2))).to_be_visible()
    readers = page.get_by_role("table", name=T("Who has read it"))
    expect(readers.get_by_role("row").filter(has_text="孙大妈")).to_contain_text(T("Not yet", exact=False))

    # The resident, in a browser of their own, sees two unread messages: the welcome and the announcement.
    their_page = new_context().new_page()
    log_in(their_page, resident)
    expect(unread_badge(their_page)).to_have_text("2")
    expect(unread_badge(their_page)).to_have_attribute("aria-label", T("%(n)s unread", n=2))
    their_page.get_by_role("banner").get_by_role("link", name=T("Messages", exact=False)).click()
    expect(their_page).to_have_url(re.compile(r"/c/liuyin/notifications/$"))  # inside the community, its menu kept
    expect(their_page.get_by_role("heading", level=1)).to_have_text(T("Messages"))
    entry = their_page.locator("ul.inbox > li").filter(has_text=TITLE)
    expect(entry).to_have_class(re.compile(r"\bunread\b"))
    entry.get_by_role("button", name=T("Open")).click()

    # The announcement itself; one message is left unread; who has read it is not theirs to see.
    expect(their_page).to_have_url(detail_url)
    expect(their_page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(their_page.get_by_text(BODY)).to_be_visible()
    expect(unread_badge(their_page)).to_have_text("1")
    expect(their_page.get_by_role("heading", name=T("Who has read it"))).to_have_count(0)

    # The admin reloads: one of two has read it, and when.
    jobs_run()
    page.reload()
    expect(page.get_by_text(T("%(read)s of %(total)s members have read it.", read=1, total=2))).to_be_visible()
    readers = page.get_by_role("table", name=T("Who has read it"))
    resident_row = readers.get_by_role("row").filter(has_text="孙大妈")
    expect(resident_row).not_to_contain_text(T("Not yet", exact=False))
    expect(resident_row.get_by_role("cell")).to_have_text(re.compile(r"\d"))
    expect(readers.get_by_role("row").filter(has_text="赵主任")).to_contain_text(T("Not yet", exact=False))
