"""The council (理事会) and the resident representatives (民意代表): the admin appoints and ends terms, the
"council" and "representative" roles follow; the current council is read in community time; and the
association's public page tells visitors what it is, who leads it and how to join — never anyone's personal data."""
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from app.core.extensions import db
from app.council import services
from app.council.models import CouncilSeat
from app.notifications.models import OutboxEvent
from app.residents import services as residents
from app.units import services as units
from tenants.context import tenant_context
from tenants.models import Community
from tests.factories import CommunityFactory, UserFactory, browser_for, member, token_for

SLUG = "liuyin"
API = f"/api/v1/c/{SLUG}/council"
PAGES = f"/c/{SLUG}/council"


@pytest.fixture
def town(app, clock):
    clock(2026, 12, 1, 10)
    community = CommunityFactory(slug=SLUG, name="柳荫街社区")
    admin = member(community, "admin", "coordinator", name="陈晓燕")
    people = {name: member(community, *roles, name=name, phone=phone) for name, roles, phone in (
        ("王建国", ("unit",), "13800000001"), ("李秀英", ("resident",), "13800000002"),
        ("赵德明", ("unit", "resident"), "13800000003"), ("孙丽", ("council",), "13800000004"))}
    return {"community": community, "admin": admin, **people}


@pytest.fixture
def api(app, town):
    client = app.test_client()
    headers = token_for(client, town["admin"])

    def call(method, path="", **kw):
        return client.open(API + path, method=method, headers=headers, **kw)

    return call


def _roles(town, name) -> list[str]:
    with tenant_context(town["community"].id):
        roles = services.members.membership_of(town[name].id).role_names
        db.session.rollback()
    return roles


def _seat(town, name, position, start="2026-11-01", end=None):
    return {"user_id": str(town[name].id), "position": position, "term_start": start, "term_end": end}


def _error(response) -> dict:
    body = response.get_json()
    assert body is not None and "error" in body, response.get_data(as_text=True)
    return body["error"]


# --- appointing and ending ------------------------------------------------------------------------

def test_appointing_gives_the_council_role_and_ending_the_last_seat_takes_it(api, town):
    assert "council" not in _roles(town, "王建国")
    created = api("POST", json=_seat(town, "王建国", "chair", end="2029-10-31") | {"note": "会员大会选举"})
    assert created.status_code == 201, created.get_data(as_text=True)
    seat = created.get_json()
    assert (seat["name"], seat["position"], seat["position_label"]) == ("王建国", "chair", "理事长")
    assert seat["current"] is True
    assert seat["term_end"] == "2029-10-31" and "phone" not in seat and "email" not in seat
    assert _roles(town, "王建国") == ["council", "unit"]
    with tenant_context(town["community"].id):  # the members domain tells them, as with any change of roles
        events = db.session.execute(select(OutboxEvent.event).where(OutboxEvent.event == "membership.roles_changed")) \
            .scalars().all()
        assert events
        db.session.rollback()

    ended = api("POST", f"/{seat['id']}/end", json={"note": "本人辞职"})
    assert ended.status_code == 200
    assert ended.get_json()["ended_on"] == "2026-12-01" and ended.get_json()["current"] is False
    assert _roles(town, "王建国") == ["unit"]
    # The row stays: the history of the council.
    history = api("GET", query_string={"history": "true"}).get_json()["items"]
    assert [(s["name"], s["ended_on"]) for s in history] == [("王建国", "2026-12-01")]
    assert "本人辞职" in history[0]["note"]
    assert api("GET").get_json()["items"] == []
    again = api("POST", f"/{seat['id']}/end", json={})
    assert again.status_code == 409 and _error(again)["message"] == "这个任期已经结束。"


def test_a_person_whose_only_role_was_the_council_stays_a_member(api, town):
    seat = api("POST", json=_seat(town, "孙丽", "secretary")).get_json()
    assert _roles(town, "孙丽") == ["council"]
    api("POST", f"/{seat['id']}/end", json={})
    assert _roles(town, "孙丽") == ["resident"]


def test_one_chairperson_at_a_time_and_one_seat_a_person(api, town):
    assert api("POST", json=_seat(town, "王建国", "chair", end="2027-10-31")).status_code == 201
    second = api("POST", json=_seat(town, "李秀英", "chair", start="2027-01-01"))
    assert second.status_code == 409
    assert _error(second)["code"] == "chair_taken"
    assert _error(second)["message"] == ("这一任期内理事会已有理事长：王建国。"
                                         "请先结束其任期，或把新任期安排在其任期之后。")
    # The next chairperson may be appointed for the term after.
    assert api("POST", json=_seat(town, "李秀英", "chair", start="2027-11-01")).status_code == 201
    # Vice-chairs and members are many.
    assert api("POST", json=_seat(town, "赵德明", "vice_chair")).status_code == 201
    twice = api("POST", json=_seat(town, "赵德明", "member"))
    assert twice.status_code == 409 and _error(twice)["code"] == "seat_held"
    assert _error(twice)["message"] == "赵德明 已在理事会任职（副理事长），请先结束该任期。"
    with tenant_context(town["community"].id):
        assert db.session.execute(select(func.count()).select_from(CouncilSeat)).scalar_one() == 3
        db.session.rollback()


def test_bad_input_is_told_field_by_field_and_nothing_is_saved(api, town):
    outsider = UserFactory(name="外人")
    wrong = api("POST", json={"user_id": str(outsider.id), "position": "king", "term_start": "2026-13-01",
                              "term_end": "昨天"})
    assert wrong.status_code == 422
    assert set(_error(wrong)["fields"]) == {"position", "term_start", "term_end"}
    assert _error(wrong)["fields"]["position"] == ["请选择职务。"]
    backwards = api("POST", json=_seat(town, "王建国", "member", start="2026-12-01", end="2026-11-30"))
    assert backwards.status_code == 422
    assert _error(backwards)["fields"] == {"term_end": ["任期结束日期须晚于开始日期。"]}
    same_day = api("POST", json=_seat(town, "王建国", "member", start="2026-12-01", end="2026-12-01"))
    assert _error(same_day)["fields"] == {"term_end": ["任期结束日期须晚于开始日期。"]}
    not_member = api("POST", json={"user_id": str(outsider.id), "position": "member", "term_start": "2026-12-01"})
    assert not_member.status_code == 422
    assert _error(not_member)["fields"] == {"user_id": ["此人不是本社区成员。"]}
    over = api("POST", json=_seat(town, "王建国", "member", start="2025-01-01", end="2026-11-30"))
    assert over.status_code == 422 and list(_error(over)["fields"]) == ["term_end"]
    missing = api("POST", json={})
    assert missing.status_code == 422
    assert set(_error(missing)["fields"]) == {"user_id", "position", "term_start"}
    assert api("POST", "/999999/end", json={}).status_code == 404
    assert api("GET").get_json()["items"] == []
    assert "council" not in _roles(town, "王建国")


def test_only_the_admin_appoints(app, town):
    client = app.test_client()
    headers = token_for(client, town["王建国"])
    assert client.get(API, headers=headers).status_code == 200  # every member sees the council
    assert client.post(API, json=_seat(town, "王建国", "chair"), headers=headers).status_code == 403
    assert client.post(f"{API}/representatives", json={"user_id": str(town["李秀英"].id)},
                       headers=headers).status_code == 403
    with tenant_context(town["community"].id):
        seat = services.appoint({"user_id": town["赵德明"].id, "position": "member", "term_start": date(2026, 11, 1),
                                 "term_end": None}, actor_id=town["admin"].id)
        db.session.commit()
        seat_id = seat.id
    assert client.post(f"{API}/{seat_id}/end", json={}, headers=headers).status_code == 403
    coordinator = member(town["community"], "coordinator")
    staff = token_for(client, coordinator)
    assert client.post(API, json=_seat(town, "李秀英", "member"), headers=staff).status_code == 403


# --- the current council, by date -----------------------------------------------------------------

def test_the_current_council_is_who_sits_today_in_community_time(app, town, clock):
    cid = town["community"].id
    with tenant_context(cid):
        for name, position, start, end in (("王建国", "member", date(2026, 1, 1), date(2026, 12, 31)),
                                           ("李秀英", "chair", date(2026, 1, 1), None),
                                           ("赵德明", "vice_chair", date(2027, 1, 1), None)):
            services.appoint({"user_id": town[name].id, "position": position, "term_start": start, "term_end": end},
                             actor_id=town["admin"].id)
        db.session.commit()
        assert [(s.name, s.position) for s in services.current_council()] == [("李秀英", "chair"), ("王建国", "member")]
        assert [s.name for s in services.coming_seats()] == ["赵德明"]
        db.session.rollback()
    # 31 December, 23:30 in Shanghai (15:30 UTC): still the old year's council.
    clock(2026, 12, 31, 23, 30)
    with tenant_context(cid):
        assert [s.name for s in services.current_council()] == ["李秀英", "王建国"]
        db.session.rollback()
    clock(2027, 1, 1, 0, 30)
    with tenant_context(cid):
        assert [(s.name, s.position) for s in services.current_council()] == [("李秀英", "chair"),
                                                                              ("赵德明", "vice_chair")]
        # The lapsed term ends (the day after its last), and takes its role with it; a second run finds nothing.
        assert services.close_lapsed_terms() == 1
        db.session.commit()
        assert services.close_lapsed_terms() == 0
        db.session.commit()
        lapsed = db.session.execute(select(CouncilSeat).where(CouncilSeat.user_id == town["王建国"].id)).scalar_one()
        assert lapsed.ended_on == date(2027, 1, 1)
        db.session.rollback()
    assert _roles(town, "王建国") == ["unit"]
    assert "council" in _roles(town, "赵德明") and "council" in _roles(town, "李秀英")


def test_reading_the_council_takes_the_same_statements_however_large_it_is(app, town, count_sql):
    cid = town["community"].id

    def seat_many(n):
        with tenant_context(cid):
            for i in range(n):
                user = member(town["community"], "resident", name=f"理事{len(services.seat_history()) + i}")
                services.appoint({"user_id": user.id, "position": "member", "term_start": date(2026, 11, 1),
                                  "term_end": None}, actor_id=None)
            db.session.commit()

    def statements():
        with tenant_context(cid):
            with count_sql() as n:
                services.current_council()
                services.representatives()
                services.member_units()
            db.session.rollback()
        return n()

    seat_many(2)
    few = statements()
    seat_many(10)
    assert statements() == few


# --- representatives ------------------------------------------------------------------------------

def test_representatives_are_appointed_and_removed_through_the_roles(api, town):
    added = api("POST", "/representatives", json={"user_id": str(town["李秀英"].id)})
    assert added.status_code == 201 and added.get_json() == {"id": str(town["李秀英"].id), "name": "李秀英"}
    assert _roles(town, "李秀英") == ["representative", "resident"]
    again = api("POST", "/representatives", json={"user_id": str(town["李秀英"].id)})
    assert again.status_code == 409
    assert api("GET").get_json()["representatives"] == [{"id": str(town["李秀英"].id), "name": "李秀英"}]
    assert api("POST", "/representatives", json={"user_id": "abc"}).status_code == 422
    assert api("DELETE", f"/representatives/{town['王建国'].id}").status_code == 404  # not one
    assert api("DELETE", f"/representatives/{town['李秀英'].id}").status_code == 204
    assert _roles(town, "李秀英") == ["resident"]
    assert api("GET").get_json()["representatives"] == []


# --- pages ----------------------------------------------------------------------------------------

def test_the_admin_appoints_on_the_page_and_mistakes_show_beside_their_fields(app, town):
    browser = browser_for(app, town["admin"])
    page = browser.get(f"{PAGES}/?user_id_q=wjg").get_data(as_text=True)  # the picker without script
    assert "王建国" in page and 'name="user_id"' in page
    wrong = browser.post(f"{PAGES}/", data={"user_id": str(town["王建国"].id), "position": "chair",
                                            "term_start": "2026-12-01", "term_end": "2026-11-01"})
    assert wrong.status_code == 422
    text = wrong.get_data(as_text=True)
    assert re.search(r'id="term_end-error"[^>]*>\s*<li>任期结束日期须晚于开始日期。', text)
    ok = browser.post(f"{PAGES}/", data={"user_id": str(town["王建国"].id), "position": "chair",
                                         "term_start": "2026-12-01", "term_end": ""}, follow_redirects=True)
    assert ok.status_code == 200 and "已任命 王建国 为理事长。" in ok.get_data(as_text=True)
    taken = browser.post(f"{PAGES}/", data={"user_id": str(town["李秀英"].id), "position": "chair",
                                            "term_start": "2026-12-01"})
    assert taken.status_code == 422 and "已有理事长：王建国" in taken.get_data(as_text=True)
    page = browser.get(f"{PAGES}/").get_data(as_text=True)
    assert "理事长" in page and "结束任期" in page
    seat_id = re.search(r'/council/(\d+)/end', page).group(1)
    assert browser.post(f"{PAGES}/{seat_id}/end", data={}).status_code == 302
    again = browser.post(f"{PAGES}/{seat_id}/end", data={}, follow_redirects=True)
    assert "这个任期已经结束。" in again.get_data(as_text=True)
    assert "council" not in _roles(town, "王建国")


def test_members_see_the_council_and_the_representatives_by_name_only(app, town):
    with tenant_context(town["community"].id):
        services.appoint({"user_id": town["王建国"].id, "position": "chair", "term_start": date(2026, 11, 1),
                          "term_end": date(2029, 10, 31)}, actor_id=town["admin"].id)
        services.appoint_representative(town["李秀英"].id)
        db.session.commit()
    browser = browser_for(app, town["赵德明"])
    page = browser.get(f"{PAGES}/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "王建国" in text and "理事长" in text and "李秀英" in text and "2029" in text
    assert "13800000001" not in text and "13800000002" not in text
    assert "任命理事会成员" not in text and "结束任期" not in text  # no admin forms
    assert browser.get(f"{PAGES}/representatives").status_code == 403
    admin = browser_for(app, town["admin"])
    reps = admin.get(f"{PAGES}/representatives?user_id_q=zdm").get_data(as_text=True)
    assert "李秀英" in reps and "赵德明" in reps
    assert admin.post(f"{PAGES}/representatives", data={"user_id": str(town["赵德明"].id)}).status_code == 302
    assert admin.post(f"{PAGES}/representatives", data={}).status_code == 422
    assert admin.post(f"{PAGES}/representatives/{town['李秀英'].id}/remove").status_code == 302
    assert _roles(town, "赵德明") == ["representative", "resident", "unit"]
    assert _roles(town, "李秀英") == ["resident"]


# --- the public page ------------------------------------------------------------------------------

def test_the_public_page_tells_what_the_association_is_without_a_log_in(app, town):
    cid = town["community"].id
    with tenant_context(cid):
        services.appoint({"user_id": town["王建国"].id, "position": "chair", "term_start": date(2026, 11, 1),
                          "term_end": None}, actor_id=town["admin"].id)
        services.appoint({"user_id": town["赵德明"].id, "position": "secretary", "term_start": date(2026, 11, 1),
                          "term_end": None}, actor_id=town["admin"].id)
        services.appoint_representative(town["李秀英"].id)
        for name, kind in (("京华物业", "property_company"), ("柳荫小学", "school"), ("小王面馆", "shop"),
                           ("老李理发", "shop"), ("已退会商店", "shop")):
            unit = units.create_unit({"name": name, "type": kind, "contact_name": "联系人甲",
                                      "contact_phone": "13911112222"})
        unit.status = "withdrawn"
        residents.create_resident({"name": "周阿婆", "address": "柳荫街5号", "phone": "13700001234"},
                                  actor_id=town["admin"].id)
        db.session.commit()
    visitor = app.test_client()
    response = visitor.get(f"/c/{SLUG}/about")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "柳荫街社区共建互助联合会" in text
    assert "理事长" in text and "王建国" in text and "秘书长" in text and "赵德明" in text
    assert "在册会员单位：4 家" in text
    assert "个体门店 · 2" in text and "学校 · 1" in text
    assert f'href="/c/{SLUG}/join"' in text and "申请入会" in text
    assert "柳荫街社区居委会" in text
    # Nobody's personal data: no phone, no e-mail, no representative, no resident, no unit contact.
    for secret in ("13800000001", "13800000003", "13911112222", "13700001234", "周阿婆", "柳荫街5号",
                   "李秀英", "联系人甲", "@test.example", "陈晓燕"):
        assert secret not in text, secret
    # The menu of members is not shown; the visitor's header leads to this page.
    assert "aria-label=\"社区菜单\"" not in text and "关于联合会" in text


def test_the_public_page_shows_none_of_the_worlds_residents(app, clock):
    from tests.test_tenancy import _world

    clock(2026, 11, 30, 10)
    made = _world("alpha", "ALPHA")
    text = app.test_client().get("/c/alpha/about").get_data(as_text=True)
    assert "ALPHA 理事长" in text  # the council's officers are named
    with tenant_context(made["community"].id):
        people = residents.list_residents(limit=200)[0]
        names = [p.name for p in people] + ["ALPHA 居民", "ALPHA 民意代表", "ALPHA 管理员"]
        phones = [p.phone for p in people if p.phone] + [p.address for p in people if p.address]
        db.session.rollback()
    for secret in names + phones:
        assert secret not in text, secret


def test_a_suspended_or_unknown_community_has_no_public_page(app, town):
    visitor = app.test_client()
    assert visitor.get("/c/no-such-place/about").status_code == 404
    community = db.session.get(Community, town["community"].id)
    community.status = "suspended"
    db.session.commit()
    assert visitor.get(f"/c/{SLUG}/about").status_code == 404
    assert browser_for(app, town["admin"]).get(f"/c/{SLUG}/about").status_code == 404


def test_the_api_is_documented(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    paths = spec["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/c/{slug}/council"])
    assert "post" in paths["/api/v1/c/{slug}/council/{seat_id}/end"]
    assert "post" in paths["/api/v1/c/{slug}/council/representatives"]
