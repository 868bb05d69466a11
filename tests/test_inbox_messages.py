"""A message read in two places: e-mail, away from the site, links to the site's public address
(PUBLIC_BASE_URL, whatever host a job runs on) and ends with the footer on choosing channels; the in-app
inbox, inside the site, shows a short text of its own with relative links only, inside the community's
layout (its menu kept)."""
import html
import re

import pytest
from sqlalchemy import select

from app.core import config
from app.core.extensions import db
from app.notifications import services as notifications
from app.notifications.events import EVENTS
from app.notifications.models import InboxEntry
from tenants.context import tenant_context
from tests.factories import CommunityFactory, browser_for, member

PUBLIC = "https://huzhu.liuyin.example"
URL = re.compile(r"https?://[^\s<>\"']+")
FOOTER = "You can choose which messages reach you by e-mail or SMS on your account page."
FOOTER_ZH = "您可以在账号页面设置哪些消息通过邮件或短信通知您。"  # its translation
COMMUNITY_MENU = 'aria-label="社区导航"'  # "Community menu"


@pytest.fixture
def app_config(smtp_config):
    return smtp_config | {"PUBLIC_BASE_URL": PUBLIC + "/"}  # a trailing slash is forgiven


@pytest.fixture
def world(app, drain, smtp):
    community = CommunityFactory(slug="lyj", name="柳荫街社区")
    admin = member(community, "admin", name="赵主任")
    unit = member(community, "unit", name="王经理")
    drain()
    smtp.messages.clear()
    return community, admin, unit


def _emit(community, event, audience, payload):
    with tenant_context(community.id):
        notifications.emit(event, audience=audience, payload=payload)
        db.session.commit()


def _text_and_html(message):
    return (message.get_body(preferencelist=("plain",)).get_content(),
            message.get_body(preferencelist=("html",)).get_content())


def test_email_links_start_with_the_public_base_url(app, world, drain, smtp):
    community, admin, unit = world
    _emit(community, "match.proposed", notifications.to_users(unit.id),
          {"title": "为孙大妈送午餐", "link": "/matches/7"})
    drain()
    mails = [m["message"] for m in smtp.messages if m["message"]["To"] == unit.email]
    assert len(mails) == 1
    text, body = _text_and_html(mails[0])
    for part in (text, body):
        links = URL.findall(html.unescape(part))
        assert f"{PUBLIC}/c/lyj/matches/7" in links, part
        assert f"{PUBLIC}/account/notifications" in links  # the footer's link too
        assert all(link.startswith(PUBLIC + "/") for link in links), links
        assert "127.0.0.1" not in part


def test_the_inbox_entry_is_a_short_text_with_no_footer_and_no_whole_address(app, world, drain):
    community, admin, unit = world
    _emit(community, "match.proposed", notifications.to_users(unit.id),
          {"title": "为孙大妈送午餐", "link": "/matches/7"})
    drain()
    with tenant_context(community.id):
        entry = db.session.execute(select(InboxEntry).where(InboxEntry.user_id == unit.id)
                                   .order_by(InboxEntry.id.desc())).scalars().first()
    assert "为孙大妈送午餐" in entry.body
    assert FOOTER_ZH not in entry.body and "--" not in entry.body
    assert not URL.search(entry.body), entry.body
    assert entry.link == "/matches/7"  # the inbox's Open button leads there, inside the site

    page = browser_for(app, unit).get("/c/lyj/notifications/").get_data(as_text=True)
    assert "为孙大妈送午餐" in page and 'value="/c/lyj/matches/7"' in page
    assert FOOTER_ZH not in page and "127.0.0.1" not in page and PUBLIC not in page


@pytest.mark.parametrize("event", sorted(EVENTS))
def test_every_event_has_its_own_in_app_text_without_footer_or_whole_links(app, world, event):
    community, admin, unit = world
    payload = {"title": "为孙大妈送午餐", "body": "周六停水。", "link": "/needs/3", "code": "ABC123", "minutes": 30,
               "community": "安华社区", "name": "孙大妈", "canteen": "柳荫食堂", "day": "2026-12-02",
               "starts_on": "2026-12-02", "meals": 12, "note": "", "days": 7, "roles": ["resident"],
               "unit_name": "柳荫超市", "status": "active", "department": "区市政管理委员会", "outcome": "done",
               "new_units": 1, "new_members": 2, "failed_deliveries": 0}
    with tenant_context(community.id):
        row = notifications.emit(event, audience=notifications.to_users(unit.id), payload=payload)
        message = notifications.Renderer(row)("zh_CN")
        db.session.rollback()
    assert message["inbox"], event
    assert message["inbox"] != message["text"]
    for footer in (FOOTER, FOOTER_ZH):
        assert footer not in message["inbox"], event
    assert not URL.search(message["inbox"]), (event, message["inbox"])
    assert all(link.startswith(PUBLIC + "/") for link in URL.findall(message["text"])), event


def test_the_inbox_in_a_community_keeps_its_menu(app, world, drain):
    community, admin, unit = world
    _emit(community, "announcement", notifications.ALL_MEMBERS, {"title": "停水通知", "body": "周六停水。",
                                                                 "announcement_id": 1, "link": "/announcements/1"})
    drain()
    browser = browser_for(app, unit)
    home = browser.get("/c/lyj/", follow_redirects=True).get_data(as_text=True)  # the unit's home
    assert re.search(r'<a href="/c/lyj/notifications/"[^>]*class="inbox-link"', home), "Messages leads out"
    response = browser.get("/c/lyj/notifications/")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert COMMUNITY_MENU in page and 'href="/c/lyj/units/"' in page
    assert "停水通知" in page and "周六停水。" in page
    assert 'aria-current="page" class="inbox-link"' in page
    # Marking read comes back to the community's inbox, not to the one outside it.
    entry_id = re.search(r'name="id" value="(\d+)"', page).group(1)
    back = browser.post("/notifications/read", data={"id": entry_id, "go": "/c/lyj/notifications/"})
    assert back.headers["Location"] == "/c/lyj/notifications/"
    everything = browser.post("/notifications/read", data={"go": "/c/lyj/notifications/"})
    assert everything.headers["Location"] == "/c/lyj/notifications/"
    assert 'name="go" value="/c/lyj/notifications/"' in page  # "Mark all as read" says where to come back
    # Someone outside the community does not find it.
    stranger = browser_for(app, member(CommunityFactory(slug="qh"), "resident"))
    assert stranger.get("/c/lyj/notifications/").status_code == 404


def test_production_needs_the_public_base_url(monkeypatch):
    monkeypatch.setenv("HUZHU_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a-production-secret")
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    with pytest.raises(RuntimeError, match="PUBLIC_BASE_URL"):
        config.load()
    monkeypatch.setenv("PUBLIC_BASE_URL", "huzhu.example.org")
    with pytest.raises(RuntimeError, match="http"):
        config.load()
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://huzhu.example.org/")
    assert config.load()["PUBLIC_BASE_URL"] == "https://huzhu.example.org"
    assert config.load({"HUZHU_ENV": "development", "PUBLIC_BASE_URL": None})["PUBLIC_BASE_URL"] == \
        "http://127.0.0.1:5000"
