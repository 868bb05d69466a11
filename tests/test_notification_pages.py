"""What people see of notifications: announcements and who has read them, the inbox, the unread count in
the header, preferences, undelivered messages, password reset pages; and the inbox/preferences API.

Pages are Chinese by default, so the assertions use the Chinese text of the catalogue
(app/translations/zh_CN/LC_MESSAGES/messages.po). Jobs run in-process after each request without Redis;
with REDIS_URL set they wait in Redis, so every step that needs them calls `drain()`.
"""
import html
import re

import pytest
from sqlalchemy import func, select, update

from app.accounts.models import User
from app.announcements.models import Announcement
from app.core.extensions import db
from app.notifications import services as notifications
from app.notifications.models import Delivery, InboxEntry, OutboxEvent
from tenants.clock import utcnow
from tenants.context import tenant_context
from tests.factories import PASSWORD, Browser, CommunityFactory, UserFactory, browser_for, member, token_for

# Exact Chinese texts (msgstr of the msgids named in the comments).
READ_OF = "{total}名成员中已有{read}名阅读。"  # "%(read)s of %(total)s members have read it."
WHO_HAS_READ = "阅读情况"  # "Who has read it"
NOT_YET = "未读"  # "Not yet"
REQUIRED = "此项为必填项。"  # "This field is required."
SENT_FLASH = "通知公告正在发送给全体成员。"  # "The announcement is on its way to every member."
SEND_BUTTON = "发送给全体成员"  # "Send to every member"
UNREAD_LABEL = "{n}条未读"  # "%(n)s unread"
SAVED = "已保存。"  # "Saved."
BETWEEN = "须在0至23之间。"  # "Must be between %(a)s and %(b)s."
WHOLE_NUMBER = "须为整数。"  # "Must be a whole number."
DISCARDED = "该消息已放弃发送。"  # "The message has been discarded."
ALL_DELIVERED = "所有消息均已送达。"  # "Every message has been delivered."
RESET_SENT = "如果该邮箱或手机号已注册账号，验证码正在发送中。"  # "If an account with this e-mail or mobile number..."
RESET_DONE = "密码已修改，请使用新密码登录。"  # "Your password has been changed. Log in with the new one."
BAD_CODE = "验证码无效或已过期，请重新获取。"  # "This code is not valid or has expired; ask for a new one."
NEW_PASSWORD = "a-Brand-new-pass-42"


@pytest.fixture
def app_config(smtp_config):
    return smtp_config


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def header_count(page: str) -> str | None:
    """The unread count shown next to Messages in the header, or None when there is none."""
    match = re.search(r'class="inbox-link">[^<]*<span class="count" aria-label="([^"]*)">(\d+)</span>', page)
    if match is None:
        return None
    assert match.group(1) == UNREAD_LABEL.format(n=match.group(2))
    return match.group(2)


def reader_rows(page: str) -> dict[str, str]:
    """{name: read time or 未读} from the staff's "who has read it" table."""
    return {name: when.strip() for name, when in
            re.findall(r'<tr><th scope="row">([^<]+)</th><td>([^<]*)</td></tr>', page)}


def forget_earlier_messages(community) -> None:
    """Members were told they joined; mark that read, so the counts below are about the announcement."""
    with tenant_context(community.id):
        db.session.execute(update(InboxEntry).values(read_at=utcnow()))
        db.session.commit()


@pytest.fixture
def world(app, drain, smtp):
    community = CommunityFactory(slug="lyj", name="柳荫街社区")
    admin = member(community, "admin", name="赵主任")
    coordinator = member(community, "coordinator", name="钱干事")
    alice = member(community, "resident", name="孙大妈")
    bob = member(community, "resident", name="李大爷")
    drain()
    forget_earlier_messages(community)
    smtp.messages.clear()  # and they were e-mailed about it
    return community, admin, coordinator, alice, bob


def post_announcement(browser, drain, slug="lyj", title="停水通知", body="周六上午九点至十二点停水检修。"):
    response = browser.post(f"/c/{slug}/announcements/", data={"title": title, "body": body})
    drain()  # with Redis the fan-out waits in the queue
    return response


# --- announcements through the pages ----------------------------------------------------------------

def test_announcement_read_journey_through_the_pages(app, world, drain):
    community, admin, coordinator, alice, bob = world
    staff = browser_for(app, admin)
    page = text_of(staff.get("/c/lyj/announcements/"))
    assert SEND_BUTTON in page

    response = post_announcement(staff, drain)
    assert response.status_code == 302
    match = re.fullmatch(r"/c/lyj/announcements/(\d+)", response.headers["Location"])
    assert match, response.headers["Location"]
    detail_url = match.group(0)
    response = staff.get(detail_url)
    page = text_of(response)
    assert response.status_code == 200
    assert SENT_FLASH in page
    assert "停水通知" in page and "周六上午九点至十二点停水检修。" in page
    assert READ_OF.format(read=0, total=4) in page  # everyone, the admin included, got it
    assert reader_rows(page) == {name: NOT_YET for name in ("赵主任", "钱干事", "孙大妈", "李大爷")}

    # Alice sees the count in the header, opens Messages and the announcement.
    resident = browser_for(app, alice)
    page = text_of(resident.get("/c/lyj/", follow_redirects=True))  # her home
    assert header_count(page) == "1"
    inbox = text_of(resident.get("/notifications"))
    assert header_count(inbox) == "1"
    assert "停水通知" in inbox
    form = re.search(r'name="id" value="(\d+)">\s*<input type="hidden" name="go" value="([^"]+)">', inbox)
    assert form, inbox
    entry_id, go = form.groups()
    assert go == detail_url
    response = resident.post("/notifications/read", data={"id": entry_id, "go": go})
    assert response.status_code == 302 and response.headers["Location"] == detail_url
    response = resident.get(detail_url)
    page = text_of(response)
    assert response.status_code == 200
    assert "周六上午九点至十二点停水检修。" in page
    assert header_count(page) is None  # nothing unread any more
    assert WHO_HAS_READ not in page and "李大爷" not in page  # who has read it is for staff only

    # The admin sees one of four has read it, and when.
    page = text_of(staff.get(detail_url))
    assert READ_OF.format(read=1, total=4) in page
    rows = reader_rows(page)
    assert rows["孙大妈"] != NOT_YET and re.search(r"\d", rows["孙大妈"]), rows
    assert rows["李大爷"] == NOT_YET and rows["赵主任"] == NOT_YET
    names = list(rows)
    assert names.index("孙大妈") > names.index("李大爷")  # unread first: whom to chase

    # Bob marks everything read from his inbox without opening it.
    bob_browser = browser_for(app, bob)
    assert header_count(text_of(bob_browser.get("/notifications"))) == "1"
    response = bob_browser.post("/notifications/read")
    assert response.status_code == 302 and response.headers["Location"] == "/notifications"
    assert header_count(text_of(bob_browser.get("/notifications"))) is None
    page = text_of(staff.get(detail_url))
    assert READ_OF.format(read=2, total=4) in page
    assert reader_rows(page)["李大爷"] != NOT_YET


def test_open_ignores_an_outside_go_address_and_another_persons_entry(app, world, drain):
    community, admin, coordinator, alice, bob = world
    post_announcement(browser_for(app, admin), drain)
    with tenant_context(community.id):
        bob_entry = db.session.execute(select(InboxEntry.id).where(
            InboxEntry.user_id == bob.id, InboxEntry.category == "announcements")).scalar_one()
    db.session.rollback()
    resident = browser_for(app, alice)
    for go in ("//evil.example/x", "https://evil.example/"):
        response = resident.post("/notifications/read", data={"id": str(bob_entry), "go": go})
        assert response.status_code == 302 and response.headers["Location"] == "/notifications"
    with tenant_context(community.id):
        assert db.session.execute(select(InboxEntry.read_at).where(InboxEntry.id == bob_entry)).scalar_one() is None
    db.session.rollback()


def test_empty_announcement_is_refused_with_field_errors_and_nothing_is_sent(app, world, drain, smtp):
    community, admin, *_ = world
    staff = browser_for(app, admin)
    response = post_announcement(staff, drain, title="  ", body="")
    page = text_of(response)
    assert response.status_code == 422
    assert page.count(REQUIRED) == 2
    assert 'id="title" name="title"' in page and 'id="title-error"' in page and 'id="body-error"' in page
    assert page.count('aria-invalid="true"') == 2
    response = post_announcement(staff, drain, title="", body="正文保留")
    page = text_of(response)
    assert response.status_code == 422 and page.count(REQUIRED) == 1
    assert "正文保留</textarea>" in page  # what was typed is kept
    with tenant_context(community.id):
        assert db.session.execute(select(func.count()).select_from(Announcement)).scalar_one() == 0
        assert db.session.execute(select(func.count()).select_from(OutboxEvent)
                                  .where(OutboxEvent.event == "announcement")).scalar_one() == 0
    db.session.rollback()
    assert header_count(text_of(staff.get("/notifications"))) is None
    assert not [m for m in smtp.messages if "通知" in m["subject"]]


def test_a_resident_reads_announcements_but_cannot_send_one(app, world, drain, client):
    community, admin, coordinator, alice, bob = world
    response = post_announcement(browser_for(app, admin), drain)
    detail_url = response.headers["Location"]
    resident = browser_for(app, alice)
    response = resident.get("/c/lyj/announcements/")
    page = text_of(response)
    assert response.status_code == 200
    assert "停水通知" in page and SEND_BUTTON not in page and 'name="title"' not in page
    response = resident.post("/c/lyj/announcements/", data={"title": "我也发", "body": "不行"})
    assert response.status_code == 403
    assert resident.get(detail_url).status_code == 200
    response = client.post("/api/v1/c/lyj/announcements", json={"title": "我也发", "body": "不行"},
                           headers=token_for(client, alice))
    assert response.status_code == 403
    with tenant_context(community.id):
        assert db.session.execute(select(func.count()).select_from(Announcement)).scalar_one() == 1
    db.session.rollback()
    # The coordinator may send; someone from another community does not even see the community.
    assert post_announcement(browser_for(app, coordinator), drain, title="协调员通知").status_code == 302
    other = CommunityFactory(slug="other")
    outsider = member(other, "admin")
    assert browser_for(app, outsider).get(detail_url).status_code == 404


# --- preferences ------------------------------------------------------------------------------------

def checked(page: str, name: str) -> bool:
    tag = re.search(rf'<input type="checkbox" name="{re.escape(name)}"[^>]*>', page)
    assert tag, name
    return " checked" in tag.group(0)


def selected_hour(page: str, name: str) -> str:
    select_html = re.search(rf'<select id="{name}" name="{name}">(.*?)</select>', page, re.S).group(1)
    return re.search(r'<option value="(\d+)" selected>', select_html).group(1)


def test_preferences_page_saves_channels_and_quiet_hours_and_mail_follows_them(app, world, drain, smtp):
    community, admin, coordinator, alice, bob = world
    resident = browser_for(app, alice)
    page = text_of(resident.get("/account/notifications"))
    assert checked(page, "announcements.email") and not checked(page, "announcements.sms")  # the defaults

    # Announcements not by e-mail; membership by e-mail and SMS; quiet from 23:00 to 06:00.
    response = resident.post("/account/notifications", data={
        "membership.email": "on", "membership.sms": "on", "quiet": "on", "quiet_start": "23", "quiet_end": "6"})
    assert response.status_code == 302 and response.headers["Location"] == "/account/notifications"
    page = text_of(resident.get("/account/notifications"))
    assert SAVED in page
    assert not checked(page, "announcements.email")
    assert checked(page, "membership.email") and checked(page, "membership.sms")
    assert checked(page, "quiet")
    assert selected_hour(page, "quiet_start") == "23" and selected_hour(page, "quiet_end") == "6"
    db.session.expire_all()
    user = db.session.get(User, alice.id)
    assert (user.quiet_start, user.quiet_end) == (23, 6)
    db.session.rollback()

    # Wrong hours are refused and nothing changes.
    for start, message in (("25", BETWEEN), ("x", WHOLE_NUMBER)):
        response = resident.post("/account/notifications", data={
            "announcements.email": "on", "quiet": "on", "quiet_start": start, "quiet_end": "6"})
        assert response.status_code == 422 and message in text_of(response)
    assert not checked(text_of(resident.get("/account/notifications")), "announcements.email")

    # Quiet hours off again (so the mail below is not merely held until morning).
    response = resident.post("/account/notifications", data={"membership.email": "on"})
    assert response.status_code == 302
    page = text_of(resident.get("/account/notifications"))
    assert not checked(page, "quiet") and not checked(page, "membership.sms")
    db.session.expire_all()
    user = db.session.get(User, alice.id)
    assert (user.quiet_start, user.quiet_end) == (None, None)
    db.session.rollback()

    post_announcement(browser_for(app, admin), drain)
    recipients = {m["to"] for m in smtp.messages}
    assert bob.email in recipients and admin.email in recipients  # the others got it by e-mail
    assert alice.email not in recipients  # she turned announcements e-mail off
    assert "停水通知" in text_of(resident.get("/notifications"))  # still in her inbox
    # A category she left on still reaches her by e-mail.
    member(community, "representative", user=alice)
    drain()
    assert alice.email in {m["to"] for m in smtp.messages}


# --- undelivered messages ---------------------------------------------------------------------------

def test_failed_page_lists_a_refused_delivery_and_discard_removes_it(app, world, drain, smtp):
    community, admin, coordinator, alice, bob = world
    smtp.handler.refuse.add(bob.email)
    post_announcement(browser_for(app, admin), drain)
    staff = browser_for(app, coordinator)
    page = text_of(staff.get("/c/lyj/notifications/failed"))
    rows = re.findall(r'<th scope="row" data-label="[^"]*">([^<]+)</th>', page)
    assert rows == ["李大爷"], rows
    assert "550" in page
    with tenant_context(community.id):
        failed_id = db.session.execute(select(Delivery.id).where(Delivery.status == "failed")).scalar_one()
    db.session.rollback()
    api_list = app.test_client().get("/api/v1/c/lyj/deliveries/failed",
                                     headers=token_for(app.test_client(), coordinator)).get_json()
    assert [item["id"] for item in api_list["items"]] == [str(failed_id)]

    # A resident may not see or touch it.
    resident = browser_for(app, alice)
    assert resident.get("/c/lyj/notifications/failed").status_code == 403
    assert resident.post(f"/c/lyj/notifications/failed/{failed_id}/discard").status_code == 403

    assert staff.post(f"/c/lyj/notifications/failed/{failed_id}/nonsense").status_code == 404
    response = staff.post(f"/c/lyj/notifications/failed/{failed_id}/discard")
    assert response.status_code == 302 and response.headers["Location"] == "/c/lyj/notifications/failed"
    page = text_of(staff.get("/c/lyj/notifications/failed"))
    assert DISCARDED in page and ALL_DELIVERED in page and "李大爷" not in page
    assert staff.post(f"/c/lyj/notifications/failed/{failed_id}/discard").status_code == 404  # once
    drain()
    assert bob.email not in {m["to"] for m in smtp.messages}  # discarded is not sent
    assert app.test_client().get("/readyz").get_json()["failed_deliveries"] == 0


# --- password reset ---------------------------------------------------------------------------------

def reset_code(smtp, email: str) -> str:
    mails = [m for m in smtp.messages if m["to"] == email]
    assert len(mails) == 1, [m["subject"] for m in smtp.messages]
    assert "密码" in mails[0]["subject"]
    text = mails[0]["message"].get_body(preferencelist=("plain",)).get_content()
    return re.search(r"/password/reset/([\w-]+)", text).group(1)


def test_password_reset_through_the_pages(app, world, drain, smtp):
    community, admin, coordinator, alice, bob = world
    old_session = browser_for(app, alice)
    assert old_session.get("/account").status_code == 200

    visitor = Browser(app.test_client())
    assert visitor.get("/password/forgot").status_code == 200
    answers = []
    for login in (alice.email, "nobody@nowhere.example"):
        response = visitor.post("/password/forgot", data={"login": login})
        assert response.status_code == 302 and response.headers["Location"] == "/password/reset"
        answers.append(text_of(visitor.get("/password/reset")))
    assert all(RESET_SENT in page for page in answers)  # the same answer: nobody learns who has an account
    drain()
    assert [m["to"] for m in smtp.messages] == [alice.email]
    code = reset_code(smtp, alice.email)

    page = text_of(visitor.get(f"/password/reset/{code}"))
    assert f'value="{code}"' in page  # the link fills in the code
    response = visitor.post(f"/password/reset/{code}", data={"code": code, "password": "1234"})
    assert response.status_code == 422 and 'id="password-error"' in text_of(response)  # the code is kept
    response = visitor.post(f"/password/reset/{code}", data={"code": code, "password": NEW_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert RESET_DONE in text_of(visitor.get("/login"))

    # The session from before the reset has ended.
    response = old_session.client.get("/account")
    assert response.status_code == 302 and "/login" in response.headers["Location"]

    for code_given in (code, "wrong-code-123"):  # used once already; never issued
        response = Browser(app.test_client()).post("/password/reset", data={"code": code_given,
                                                                           "password": "another-Pass-99"})
        page = text_of(response)
        assert response.status_code == 422
        assert BAD_CODE in page and 'id="code-error"' in page

    assert Browser(app.test_client()).login(alice, PASSWORD).status_code == 401
    fresh = Browser(app.test_client())
    assert fresh.login(alice, NEW_PASSWORD).status_code == 302
    assert fresh.client.get("/account").status_code == 200


# --- the inbox and preferences API ------------------------------------------------------------------

def test_inbox_api_pages_filters_and_marks_read(app, client, drain):
    community = CommunityFactory(slug="api")
    resident = member(community, "resident")
    other = member(community, "resident")
    drain()
    with tenant_context(community.id):
        for i in range(65):
            notifications.emit("announcement", audience=notifications.to_users(resident.id),
                               payload={"title": f"第{i}条", "body": "内容", "announcement_id": i,
                                        "link": f"/announcements/{i}"})
        db.session.commit()
    drain()
    headers = token_for(client, resident)
    total = 66  # and the message that she joined

    def fetch(**params):
        response = client.get("/api/v1/me/notifications", query_string=params, headers=headers)
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    first = fetch()
    assert len(first["items"]) == 50 and first["next_cursor"]
    second = fetch(cursor=first["next_cursor"])
    assert len(second["items"]) == total - 50 and second["next_cursor"] is None
    ids = [int(item["id"]) for item in first["items"] + second["items"]]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == total  # newest first, none twice, none lost
    assert first["items"][0]["link"] == "/c/api/announcements/64"
    pages, cursor = [], None
    while True:
        page = fetch(limit=20, **({"cursor": cursor} if cursor else {}))
        pages.append(len(page["items"]))
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert pages == [20, 20, 20, 6]
    for bad in ({"cursor": "abc"}, {"limit": 0}, {"limit": 201}):
        assert client.get("/api/v1/me/notifications", query_string=bad, headers=headers).status_code == 422

    unread = lambda: client.get("/api/v1/me/notifications/unread-count", headers=headers).get_json()["unread"]  # noqa: E731
    assert unread() == total
    response = client.post("/api/v1/me/notifications/read", json={"ids": [str(i) for i in ids[:3]]}, headers=headers)
    assert response.status_code == 200 and response.get_json() == {"marked": 3, "unread": total - 3}
    only_unread = fetch(unread="true", limit=200)["items"]
    assert len(only_unread) == total - 3 and all(item["read_at"] is None for item in only_unread)
    assert not {int(item["id"]) for item in only_unread} & set(ids[:3])

    # Someone else's entries cannot be marked (nor seen).
    other_headers = token_for(client, other)
    assert client.post("/api/v1/me/notifications/read", json={"ids": [str(ids[5])]},
                       headers=other_headers).get_json()["marked"] == 0
    assert unread() == total - 3
    assert all(int(item["id"]) not in ids for item in
               client.get("/api/v1/me/notifications", headers=other_headers).get_json()["items"])

    response = client.post("/api/v1/me/notifications/read", json={}, headers=headers)
    assert response.status_code == 200 and response.get_json() == {"marked": total - 3, "unread": 0}
    assert unread() == 0 and fetch(unread="true")["items"] == []
    assert client.get("/api/v1/me/notifications/unread-count").status_code == 401


def test_preferences_api_validates_and_saves(app, client):
    user = UserFactory()
    headers = token_for(client, user)
    got = client.get("/api/v1/me/notification-preferences", headers=headers).get_json()
    assert got["channels"]["announcements"] == {"email": True, "sms": False}
    assert {"announcements", "membership", "units", "account", "work"} <= set(got["channels"])
    for body in ({"channels": {"gossip": {"email": True}}}, {"channels": {"announcements": {"pigeon": True}}},
                 {"quiet_start": 25, "quiet_end": 6}, {"quiet_start": 22, "quiet_end": -1},
                 {"channels": {"announcements": {"email": "maybe"}}}):
        response = client.put("/api/v1/me/notification-preferences", json=body, headers=headers)
        assert response.status_code == 422, body
        assert response.get_json()["error"]["fields"], body
    assert client.get("/api/v1/me/notification-preferences", headers=headers).get_json() == got  # nothing changed

    response = client.put("/api/v1/me/notification-preferences", headers=headers, json={
        "channels": {"announcements": {"email": False, "sms": True}}, "quiet_start": 22, "quiet_end": 7})
    assert response.status_code == 200
    saved = response.get_json()
    assert saved["channels"]["announcements"] == {"email": False, "sms": True}
    assert saved["channels"]["membership"] == got["channels"]["membership"]
    assert (saved["quiet_start"], saved["quiet_end"]) == (22, 7)
    assert client.get("/api/v1/me/notification-preferences", headers=headers).get_json() == saved
    # Changing channels only leaves the quiet hours alone; both null removes them.
    response = client.put("/api/v1/me/notification-preferences", headers=headers,
                          json={"channels": {"units": {"email": False}}})
    assert (response.get_json()["quiet_start"], response.get_json()["quiet_end"]) == (22, 7)
    response = client.put("/api/v1/me/notification-preferences", headers=headers,
                          json={"quiet_start": None, "quiet_end": None})
    assert (response.get_json()["quiet_start"], response.get_json()["quiet_end"]) == (None, None)
    assert response.get_json()["channels"]["announcements"] == {"email": False, "sms": True}
