"""Minimisation for units (SPEC, Privacy: "a canteen sees a name, address and diet, never a disability
grade"): a unit representative answering a match sees the need, diet notes for meals, and the
beneficiary's name, home and phone only while the match is accepted or confirmed — never disability,
低保, living alone, date of birth, household, the priority reason or the score; on the pages, in the API
and in the messages it is sent. The staff keep the whole view."""
import html
import json
from datetime import date
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.core.extensions import db
from app.matching import services as matching
from app.matching.models import Match
from app.needs import services as needs
from app.needs.schemas import NeedIn
from app.notifications.models import InboxEntry
from app.residents import services as residents
from tenants.context import tenant_context
from tests.factories import NEARBY, CommunityFactory, api, browser_for, canteen_lunch, member, token_for

TZ = ZoneInfo("Asia/Shanghai")
NAME, PHONE, ADDRESS, ROOM = "王秀英", "13955556666", "柳荫街9号", "302"
DIET = "少盐，不吃辣"
# What a unit must never read, in either language: date of birth, household, the sensitive attributes and
# their labels, the priority reason.
NEVER = ("1940-03-02", "1940年3月2日", "与老伴同住", "visual", "视力", "低保", "Minimum living allowance", "独居",
         "Living alone", "living_alone", "disability", "残疾", "优先服务对象", "priority", "grade", "score")
IDENTITY = (NAME, PHONE, ADDRESS)


@pytest.fixture
def app_config(smtp_config):
    return smtp_config


@pytest.fixture
def world(app, drain, smtp, clock):
    clock(2026, 12, 1, 9)  # Tuesday morning: the need is for today's lunch
    community = CommunityFactory(slug="dock", name="柳荫街社区")
    coordinator = member(community, "admin", "coordinator", name="钱干事")
    cook = member(community, "unit", name="食堂张师傅")
    with tenant_context(community.id):
        _canteen, lunch = canteen_lunch(cook, **NEARBY)
        resident = residents.create_resident({
            "name": NAME, "phone": PHONE, "building": "3", "entrance": "2", "room": ROOM, "address": ADDRESS,
            "birth_date": date(1940, 3, 2), "household": "与老伴同住", "diet_notes": DIET,
            "latitude": 39.9420, "longitude": 116.3810}, actor_id=coordinator.id)
        residents.record_consent(resident, given_by=NAME, method="in_person", actor_id=coordinator.id)
        residents.set_sensitive(resident, {"disability_category": "visual", "disability_grade": 2,
                                           "low_income": True, "living_alone": True}, actor_id=coordinator.id)
        need = needs.create_need(NeedIn().load({"kind": "meal", "title": "午饭送餐", "resident_id": str(resident.id),
                                                "day": "2026-12-01", "slot": "lunch"}), actor_id=coordinator.id, tz=TZ)
        match = matching.propose(need, lunch.id, actor_id=coordinator.id)
        assert {"code": "priority"} in match.reasons  # the engine used her grade and living alone
        # A reason worded with the grade, as a later engine might: it must stay with the staff too.
        match.reasons = [*match.reasons, {"code": "priority", "grade": 2, "living_alone": True}]
        db.session.commit()
        ids = {"match": match.id, "need": need.id, "resident": resident.id}
    drain()
    return {"community": community, "coordinator": coordinator, "cook": cook, **ids}


def assert_never(text: str, *also: str) -> None:
    for word in NEVER + also:
        assert word not in text, word


def read(response) -> str:
    assert response.status_code == 200, response.status_code
    return html.unescape(response.get_data(as_text=True))


# --- the API ---------------------------------------------------------------------------------------

def test_unit_api_shows_a_proposal_without_the_person_and_never_the_sensitive_facts(client, world):
    headers = token_for(client, world["cook"])
    one = client.get(api("dock", f"/matches/{world['match']}"), headers=headers)
    listed = client.get(api("dock", "/matches"), headers=headers)
    for text in (read(one), read(listed)):
        assert_never(text, *IDENTITY, ROOM)
    body = one.get_json()
    assert body["need"]["title"] == "午饭送餐" and body["need"]["kind"] == "meal" and body["quantity"] == 1
    assert body["beneficiary"] == {"diet_notes": DIET}  # what a canteen needs to say yes or no
    assert "score" not in body and {r["code"] for r in body["reasons"]} <= {"distance", "left", "rating"}
    assert set(body["need"]) <= {"kind", "title", "details", "slot", "quantity", "window_start", "window_end",
                                 "urgency", "requesting_unit"}
    assert listed.get_json()["items"] == [body]


def test_unit_sees_name_home_and_phone_while_committed_and_no_longer_after_delivery(client, world):
    cook, staff = token_for(client, world["cook"]), token_for(client, world["coordinator"])
    accepted = client.post(api("dock", f"/matches/{world['match']}/accept"), headers=cook)
    assert accepted.status_code == 200
    body = accepted.get_json()
    assert body["beneficiary"] == {"name": NAME, "phone": PHONE, "building": "3", "entrance": "2", "room": ROOM,
                                   "address": ADDRESS, "diet_notes": DIET}
    assert_never(accepted.get_data(as_text=True))
    assert client.post(api("dock", f"/matches/{world['match']}/confirm"), headers=staff).status_code == 200
    confirmed = client.get(api("dock", f"/matches/{world['match']}"), headers=cook)
    assert confirmed.get_json()["beneficiary"]["name"] == NAME
    assert_never(read(confirmed))
    delivered = client.post(api("dock", f"/matches/{world['match']}/deliver"), headers=cook)
    assert delivered.status_code == 200 and delivered.get_json()["beneficiary"] == {"diet_notes": DIET}
    assert_never(delivered.get_data(as_text=True), *IDENTITY)


def test_staff_api_keeps_the_whole_view(client, world):
    body = client.get(api("dock", f"/matches/{world['match']}"),
                      headers=token_for(client, world["coordinator"])).get_json()
    assert body["score"] > 0
    assert {"code": "priority"} in body["reasons"] and "优先服务对象" in body["reasons_text"]
    assert body["beneficiary"]["name"] == NAME and body["beneficiary"]["phone"] == PHONE
    assert body["beneficiary"]["birth_date"] == "1940-03-02" and body["beneficiary"]["household"] == "与老伴同住"
    assert body["need"]["status"] == "matched" and body["need"]["resident_id"] == str(world["resident"])


def test_the_openapi_document_describes_the_minimised_match(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    assert {"name", "phone", "address", "diet_notes"} <= set(schemas["BeneficiaryOut"]["properties"])
    assert "beneficiary" in schemas["MatchOut"]["properties"]


# --- the pages -------------------------------------------------------------------------------------

def test_unit_pages_show_only_what_serving_needs(app, world):
    browser = browser_for(app, world["cook"])
    for url in ("/c/dock/matches", f"/c/dock/matches/{world['match']}"):
        page = read(browser.get(url))
        assert "午饭送餐" in page and DIET in page
        assert_never(page, *IDENTITY)
    assert browser.post(f"/c/dock/matches/{world['match']}/accept", data={"back": "detail"}).status_code == 302
    for url in ("/c/dock/matches", f"/c/dock/matches/{world['match']}"):
        page = read(browser.get(url))
        assert NAME in page and PHONE in page and ADDRESS in page and DIET in page
        assert_never(page)
    # The need's own page (history, proposals with their reasons) stays closed to the serving unit.
    assert browser.get(f"/c/dock/needs/{world['need']}").status_code == 403
    assert browser.get(f"/c/dock/residents/{world['resident']}").status_code == 403


def test_staff_pages_keep_the_whole_view(app, world):
    browser = browser_for(app, world["coordinator"])
    page = read(browser.get(f"/c/dock/matches/{world['match']}"))
    assert NAME in page and PHONE in page and "与老伴同住" in page and "优先服务对象" in page
    listing = read(browser.get("/c/dock/matches"))
    assert NAME in listing and "优先服务对象" in listing
    assert NAME in read(browser.get("/c/dock/today"))


# --- the messages ----------------------------------------------------------------------------------

def test_messages_to_the_unit_carry_a_link_and_no_personal_data(app, client, world, drain, smtp):
    cook, staff = token_for(client, world["cook"]), token_for(client, world["coordinator"])
    client.post(api("dock", f"/matches/{world['match']}/accept"), headers=cook)
    client.post(api("dock", f"/matches/{world['match']}/confirm"), headers=staff)
    drain()
    with tenant_context(world["community"].id):
        entries = db.session.execute(select(InboxEntry).where(InboxEntry.user_id == world["cook"].id)).scalars()
        told = [(e.title, e.body, e.link) for e in entries]
    db.session.rollback()
    assert len([t for t in told if t[2] and t[2].endswith(f"/matches/{world['match']}")]) == 2  # proposed, confirmed
    mails = [m for m in smtp.messages if m["to"] == world["cook"].email and "加入" not in m["subject"]]
    assert len(mails) == 2
    text = json.dumps(told, ensure_ascii=False) + "".join(
        m["message"].get_body(preferencelist=("plain",)).get_content() + m["subject"] for m in mails)
    assert "午饭送餐" in text
    assert_never(text, *IDENTITY)
    # The link in the message opens the match for the unit.
    assert read(browser_for(app, world["cook"]).get(f"/c/dock/matches/{world['match']}"))


def test_a_unit_never_sees_the_priority_reason_whatever_its_wording(app, world):
    from app.matching import disclosure

    with tenant_context(world["community"].id):
        match = db.session.execute(select(Match)).scalar_one()
        seen = disclosure.view_of(match, audience=disclosure.UNIT)
        assert all(r["code"] in disclosure.UNIT_REASONS for r in seen.reasons)
        assert "score" not in seen and set(seen.beneficiary) == {"diet_notes"}
        whole = disclosure.view_of(match, audience=disclosure.STAFF)
        assert {"code": "priority", "grade": 2, "living_alone": True} in whole.reasons
    db.session.rollback()
