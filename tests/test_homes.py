"""Each role lands on its own home after logging in: a resident (or the family acting for them) on big buttons and
their own requests, a unit on its proposals, tomorrow's manifest and its offers, a council member or representative
on what waits for them, the staff on the community's overview, the operator on the platform page. The API answers
the same items; another community's homes are 404; the statements a home sends do not grow with the community."""
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask_babel import force_locale, gettext

from app.announcements import services as announcements
from app.core.extensions import db
from app.matching import services as matching
from app.meals import services as meals
from app.meals.schemas import PlanIn
from app.needs import services as needs
from app.needs.schemas import NeedIn
from app.notifications import services as notifications
from app.residents import services as residents
from tenants.context import tenant_context
from tests.factories import PASSWORD, Browser, CommunityFactory, UserFactory, docking_world, member, token_for

TZ = ZoneInfo("Asia/Shanghai")


def zh(app, msgid: str, **params) -> str:
    """What a reader of the Chinese pages sees for an interface string."""
    with app.test_request_context(), force_locale("zh_CN"):
        return gettext(msgid, **params)


def land(app, user):
    """Log in through the form as a person does, follow where the site sends them; (path, page text)."""
    browser = Browser(app.test_client())
    browser.get("/login")
    response = browser.post("/login", data={"login": user.email or user.phone, "password": PASSWORD},
                            follow_redirects=True)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.request.path, response.get_data(as_text=True), browser


def ask(world, title: str, resident_id: int, day: str = "2026-12-01"):
    return needs.create_need(NeedIn().load({"kind": "meal", "title": title, "resident_id": str(resident_id),
                                            "day": day, "slot": "lunch"}),
                             actor_id=world["coordinator"].id, tz=TZ)


@pytest.fixture
def homes(app, clock):
    """The docking world on Monday morning 30 November: 王秀英 asked for lunch and a neighbour asked too; the
    canteen has her proposal to answer and her meal plan from tomorrow; a council member, a representative, and a
    daughter who acts for her mother 李桂兰."""
    clock(2026, 11, 30, 10)
    world = docking_world()
    community = world["community"]
    world["council"] = member(community, "council", name="理事赵国华")
    world["representative"] = member(community, "representative", name="代表钱文")
    world["daughter"] = member(community, "resident", name="李桂兰的女儿")
    with tenant_context(community.id):
        mother = residents.create_resident({"name": "李桂兰", "birth_date": date(1938, 5, 6)},
                                           actor_id=world["coordinator"].id, account_id=world["daughter"].id)
        neighbour = residents.create_resident({"name": "邻居孙大爷", "birth_date": date(1941, 1, 1)},
                                              actor_id=world["coordinator"].id)
        db.session.flush()
        mine = ask(world, "王秀英的午饭", world["resident"])
        ask(world, "孙大爷的午饭", neighbour.id)
        ask(world, "李桂兰的午饭", mother.id)
        world["match"] = matching.propose(mine, world["offer"], actor_id=world["coordinator"].id).id
        meals.request_plan(PlanIn().load({
            "resident_id": str(world["resident"]), "offer_id": str(world["offer"]), "weekdays": ["tue", "wed"],
            "slots": ["lunch"], "mode": "dine_in", "starts_on": "2026-12-01"}),
            actor_id=world["coordinator"].id, confirm=True)
        announcements.send(title="十二月议事会通知", body="周五下午开会。", sender_id=world["coordinator"].id)
        db.session.commit()
        world["need"] = mine.id
    return world


def test_a_resident_lands_on_big_buttons_and_their_own_requests(app, homes):
    path, text, _browser = land(app, homes["grandma"])
    assert path == "/c/dock/home/resident"
    assert zh(app, "Ask for a meal") in text and 'href="/c/dock/needs/new?kind=meal"' in text
    assert zh(app, "Ask for help") in text and 'href="/c/dock/needs/new"' in text
    assert zh(app, "My requests") in text and "王秀英的午饭" in text
    assert zh(app, "Proposed to a unit") in text  # the status of her request, in words
    assert "孙大爷的午饭" not in text and "李桂兰的午饭" not in text  # nobody else's
    assert zh(app, "My messages") in text and zh(app, "My coming meals") in text
    for figure in ("At a glance", "Member units", "Council members", "Resident representatives"):
        assert zh(app, figure) not in text, figure  # no association statistics for a resident
    assert zh(app, "Join an activity") in text and 'href="/c/dock/activities/"' in text


def test_a_resident_sees_what_she_signed_up_for_and_whats_coming_on_her_home(app, homes):
    from app.activities import services as activities

    with tenant_context(homes["community"].id):
        lecture = activities.propose(actor_id=homes["coordinator"].id, kind="training", title="健康讲座",
                                     audience="residents", starts_at=datetime(2026, 12, 10, 9, tzinfo=TZ),
                                     ends_at=datetime(2026, 12, 10, 11, tzinfo=TZ), place="社区广场")
        salon = activities.propose(actor_id=homes["coordinator"].id, kind="salon", title="书法沙龙",
                                   audience="both", starts_at=datetime(2026, 12, 12, 9, tzinfo=TZ),
                                   ends_at=datetime(2026, 12, 12, 11, tzinfo=TZ), place="文化中心")
        units_only = activities.propose(actor_id=homes["coordinator"].id, kind="training", title="会计培训",
                                        audience="units", starts_at=datetime(2026, 12, 11, 9, tzinfo=TZ),
                                        ends_at=datetime(2026, 12, 11, 11, tzinfo=TZ), place="会议室")
        for activity in (lecture, salon, units_only):
            activities.approve(activity, actor_id=homes["coordinator"].id)
        activities.sign_up(lecture, actor_id=homes["grandma"].id, resident=residents.get_resident(homes["resident"]))
        db.session.commit()
    _path, text, _browser = land(app, homes["grandma"])
    mine = text.split(zh(app, "I signed up for"))[1].split(zh(app, "Coming up"))[0]
    assert "健康讲座" in mine and zh(app, "Signed up") in mine
    coming = text.split(zh(app, "Coming up"))[1]
    assert "书法沙龙" in coming and "会计培训" not in coming  # only what residents may join


def test_a_family_member_lands_on_the_requests_of_whom_they_act_for(app, homes):
    path, text, _browser = land(app, homes["daughter"])
    assert path == "/c/dock/home/resident"
    assert "李桂兰的午饭" in text and "王秀英的午饭" not in text


def test_the_resident_home_counts_unread_messages(app, homes, drain):
    with tenant_context(homes["community"].id):
        notifications.emit("announcement", audience=notifications.to_users(homes["grandma"].id),
                           payload={"title": "送餐时间调整", "body": "明天起十一点半送到。", "announcement_id": 1,
                                    "link": "/announcements/1"})
        db.session.commit()
    drain()
    with tenant_context(homes["community"].id):
        unread = notifications.unread_count(homes["grandma"].id)
    assert unread >= 1
    _path, text, _browser = land(app, homes["grandma"])
    assert zh(app, "%(n)s unread", n=unread) in text and "送餐时间调整" in text


def test_a_unit_lands_on_its_proposals_tomorrows_manifest_and_its_offers(app, homes):
    path, text, _browser = land(app, homes["cook"])
    assert path == "/c/dock/home/unit"
    assert zh(app, "Proposals waiting for your answer") in text and "王秀英的午饭" in text
    assert f'action="/c/dock/matches/{homes["match"]}/accept"' in text  # one tap
    assert zh(app, "Tomorrow's manifest") in text and zh(app, "Meals: %(n)s", n=1) in text
    assert f'/c/dock/meals/canteens/{homes["offer"]}/manifest?day=2026-12-01' in text
    assert zh(app, "Our offers") in text and "助餐午饭" in text
    assert zh(app, "At a glance") not in text


def test_council_and_representatives_land_on_what_waits_for_them(app, homes):
    path, text, _browser = land(app, homes["council"])
    assert path == "/c/dock/home/council"
    assert "十二月议事会通知" in text  # the latest announcement
    assert zh(app, "Needs waiting for a unit") in text
    for name in ("王秀英", "孙大爷", "李桂兰"):
        assert name not in text  # counted, never named
    path, text, _browser = land(app, homes["representative"])
    assert path == "/c/dock/home/council" and "十二月议事会通知" in text
    assert zh(app, "Needs waiting for a unit") not in text  # the needs are the council's and the staff's


def test_staff_keep_the_overview_and_the_today_page(app, homes):
    path, text, _browser = land(app, homes["coordinator"])
    assert path == "/c/dock/"
    assert zh(app, "At a glance") in text and 'href="/c/dock/today"' in text


def test_the_overview_counts_open_needs_and_this_months_activities(app, homes):
    from app.activities import services as activities

    with tenant_context(homes["community"].id):
        def salon(title, *day):
            return activities.propose(actor_id=homes["coordinator"].id, kind="salon", title=title,
                                      starts_at=datetime(*day, tzinfo=TZ), ends_at=datetime(*day, tzinfo=TZ)
                                      + timedelta(hours=2))

        salon("会员沙龙", 2026, 11, 30, 14)  # two this month (November), one in December, one cancelled
        salon("读书沙龙", 2026, 11, 30, 19)
        salon("年终沙龙", 2026, 12, 20, 14)
        gone = salon("取消的沙龙", 2026, 11, 30, 16)
        activities.cancel(gone, actor_id=homes["coordinator"].id, reason="场地维修")
        db.session.commit()
    _path, text, _browser = land(app, homes["coordinator"])
    figures = dict(re.findall(r"<dt>([^<]+)</dt><dd>(?:<a [^>]+>)?(\d+)", text))
    assert figures[zh(app, "Open needs")] == "2"  # of three asked, hers has a proposal already
    assert figures[zh(app, "Activities this month")] == "2"


def test_the_operator_lands_on_the_platform_page(app):
    operator = UserFactory(is_operator=True)
    db.session.commit()
    path, _text, _browser = land(app, operator)
    assert path == "/platform/"


def test_several_roles_land_on_the_most_capable_home_and_the_menu_offers_the_others(app, homes):
    both = member(homes["community"], "resident", user=homes["cook"])
    path, text, browser = land(app, both)
    assert path == "/c/dock/home/unit"
    assert re.search(rf'<li><a href="/c/dock/home/resident"\s*>{zh(app, "For residents")}</a>', text)
    mine = browser.get("/c/dock/home/resident")
    assert mine.status_code == 200 and zh(app, "Ask for a meal") in mine.get_data(as_text=True)


def test_a_home_is_for_its_roles_only(app, homes):
    _path, _text, resident = land(app, homes["grandma"])
    assert resident.get("/c/dock/home/unit").status_code == 403
    assert resident.get("/c/dock/home/council").status_code == 403
    _path, _text, cook = land(app, homes["cook"])
    assert cook.get("/c/dock/home/resident").status_code == 403


def test_another_communitys_homes_are_404(app, client, homes):
    other = CommunityFactory(slug="elsewhere")
    member(other, "admin")
    _path, _text, resident = land(app, homes["grandma"])
    for url in ("/c/elsewhere/", "/c/elsewhere/home/resident", "/c/elsewhere/home/unit"):
        assert resident.get(url).status_code == 404, url
    headers = token_for(client, homes["grandma"])
    assert client.get("/api/v1/c/elsewhere/home", headers=headers).status_code == 404


def test_the_api_answers_the_same_items(app, client, homes):
    headers = token_for(client, homes["grandma"])
    body = client.get("/api/v1/c/dock/home", headers=headers).get_json()
    assert body["home"] == "resident" and body["homes"] == ["resident"]
    parts = {s["name"]: s for s in body["sections"]}
    assert parts["ask_meal"]["url"] == "/c/dock/needs/new?kind=meal"
    titles = [item["title"] for item in parts["requests"]["items"]]
    assert titles == ["王秀英的午饭"] and parts["requests"]["items"][0]["status"] == "matched"
    assert parts["requests"]["count"] == 1 and "messages" in parts
    assert client.get("/api/v1/c/dock/home?home=unit", headers=headers).status_code == 403

    cook = client.get("/api/v1/c/dock/home", headers=token_for(client, homes["cook"])).get_json()
    parts = {s["name"]: s for s in cook["sections"]}
    assert cook["home"] == "unit" and [i["title"] for i in parts["proposals"]["items"]] == ["王秀英的午饭"]
    assert parts["manifest"]["count"] == 1 and [i["title"] for i in parts["offers"]["items"]] == ["助餐午饭"]

    staff = client.get("/api/v1/c/dock/home", headers=token_for(client, homes["coordinator"])).get_json()
    assert staff["home"] == "staff" and staff["sections"][0]["name"] == "figures"
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "/api/v1/c/{slug}/home" in paths


def _grow(world, n: int) -> None:
    """n more requests of 王秀英's, each proposed to the canteen, and n messages for her."""
    with tenant_context(world["community"].id):
        for i in range(n):
            need = ask(world, f"午饭{i}", world["resident"])
            matching.propose(need, world["offer"], actor_id=None)
        notifications.emit("announcement", audience=notifications.to_users(world["grandma"].id),
                           payload={"title": "通知", "body": "内容"})
        db.session.commit()


@pytest.mark.parametrize("who, url", [("grandma", "/c/dock/home/resident"), ("cook", "/c/dock/home/unit"),
                                      ("council", "/c/dock/home/council")])
def test_a_home_sends_as_many_statements_whatever_the_size(app, count_sql, homes, who, url):
    _path, _text, browser = land(app, homes[who])
    counts = []
    for more in (0, 12):
        _grow(homes, more)
        assert browser.get(url).status_code == 200
        with count_sql() as n:
            assert browser.get(url).status_code == 200
        counts.append(n())
    assert counts[0] == counts[1], counts
