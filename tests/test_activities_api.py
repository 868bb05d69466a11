"""The activities API: a lecture proposed, approved, given a place, filled with a waiting list that passes a freed
place on, people checked in (safe to repeat), the organisers' view of accessibility needs (audited, hidden from
others), held, recorded with a photo and closed — all through /api/v1; bad input answered per field in Chinese."""
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.activities import services as activities
from app.core.extensions import db
from app.residents import services as residents
from app.residents.models import AuditEvent
from app.units import services as unit_services
from app.venues import services as venues
from tenants.context import tenant_context
from tests.factories import CommunityFactory, UnitFactory, image_bytes, member, token_for

TZ = ZoneInfo("Asia/Shanghai")
API = "/api/v1/c/grove"


@pytest.fixture
def grove(app, clock, tmp_path):
    app.config["UPLOAD_DIR"] = str(tmp_path)
    clock(2026, 11, 30, 10)  # Monday 30 November 2026, 10:00 in Shanghai
    community = CommunityFactory(slug="grove", name="柳荫社区")
    staff = member(community, "admin", "coordinator", name="陈晓燕")
    principal = member(community, "unit", name="校长")
    grandma = member(community, "resident", name="王秀英")
    son = member(community, "resident", name="李强")
    with tenant_context(community.id):
        school = UnitFactory(name="柳荫小学", type="school")
        db.session.flush()
        unit_services.add_representative(school, principal.id)
        hall = venues.create_venue(unit_id=school.id, name="学校礼堂", capacity=120, hours={},
                                   needs_confirmation=False, step_free=True)
        people = [residents.create_resident({"name": name, "phone": f"1390000{i:04d}"}, actor_id=staff.id,
                                            account_id=account)
                  for i, (name, account) in enumerate([("王秀英", grandma.id), ("李奶奶", son.id), ("张三丰", None)])]
        db.session.commit()
        yield {"community": community, "staff": staff, "principal": principal, "grandma": grandma, "son": son,
               "school": school.id, "hall": hall.id, "people": [p.id for p in people]}


def _caller(client, user):
    headers = token_for(client, user)

    def call(method, path, **kw):
        return client.open(API + path, method=method, headers={**headers, **kw.pop("headers", {})}, **kw)

    return call


LECTURE = {"kind": "training", "title": "健康讲座：冬季防跌倒", "starts_at": "2026-12-10T09:00:00",
           "ends_at": "2026-12-10T11:00:00", "capacity": 2, "audience": "residents", "guests": "社区卫生服务中心"}


def test_an_activity_runs_its_whole_course_through_the_api(client, grove, clock, count_sql):
    staff, principal = _caller(client, grove["staff"]), _caller(client, grove["principal"])
    grandma, son = _caller(client, grove["grandma"]), _caller(client, grove["son"])
    made = staff("POST", "/activities", json=LECTURE)
    assert made.status_code == 201, made.get_json()
    lecture = made.get_json()
    aid = lecture["id"]
    assert aid.isdigit() and lecture["status"] == "proposed" and lecture["starts_at"] == "2026-12-10T01:00:00+00:00"
    assert [a["id"] for a in staff("GET", "/activities?status=proposed").get_json()["items"]] == [aid]
    assert staff("GET", "/activities?status=approved").get_json()["items"] == []
    assert grandma("POST", f"/activities/{aid}/approve").status_code == 403
    assert principal("POST", f"/activities/{aid}/approve").status_code == 403
    assert staff("POST", f"/activities/{aid}/approve").get_json()["status"] == "approved"
    placed = staff("POST", f"/activities/{aid}/place", json={"place": "社区广场"})
    assert placed.get_json()["status"] == "scheduled" and placed.get_json()["place"] == "社区广场"
    changed = staff("PATCH", f"/activities/{aid}", json={"speakers": "李医生"})
    assert changed.status_code == 200 and changed.get_json()["speakers"] == "李医生"

    # Sign-ups: each for the residents they act for; a second one is 409; the third waits.
    p0, p1, p2 = (str(p) for p in grove["people"])
    mine = grandma("POST", f"/activities/{aid}/registrations", json={"resident_id": p0})
    assert mine.status_code == 201, mine.get_json()
    assert mine.get_json()["status"] == "registered" and mine.get_json()["code"]
    again = grandma("POST", f"/activities/{aid}/registrations", json={"resident_id": p0})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_registered"
    assert grandma("POST", f"/activities/{aid}/registrations", json={"resident_id": p2}).status_code == 403
    theirs = son("POST", f"/activities/{aid}/registrations",
                 json={"resident_id": p1, "needs": ["wheelchair"], "needs_note": "需要坡道", "needs_consent": True})
    assert theirs.status_code == 201, theirs.get_json()
    waiting = staff("POST", f"/activities/{aid}/registrations", json={"resident_id": p2})
    assert waiting.status_code == 201 and waiting.get_json()["status"] == "waiting"
    # A unit registers people by name only where units are welcome.
    refused = principal("POST", f"/activities/{aid}/registrations",
                        json={"name": "校医", "unit_id": str(grove["school"])})
    assert refused.status_code == 422 and refused.get_json()["error"]["fields"]["activity"] == ["此活动面向居民。"]
    # Who sees what: the organisers all, the others their own (the code only to its holder).
    assert len(staff("GET", f"/activities/{aid}/registrations").get_json()["items"]) == 3
    assert [r["id"] for r in grandma("GET", f"/activities/{aid}/registrations").get_json()["items"]] == [
        mine.get_json()["id"]]
    rid = mine.get_json()["id"]
    assert grandma("GET", f"/registrations/{rid}").get_json()["code"] == mine.get_json()["code"]
    assert staff("GET", f"/registrations/{rid}").get_json()["code"] is None
    assert son("GET", f"/registrations/{rid}").status_code == 403
    # Needs: hidden from a resident, shown to the organisers — and that reading is in the access log.
    assert grandma("GET", f"/activities/{aid}/needs").status_code == 403
    needs = staff("GET", f"/activities/{aid}/needs").get_json()["items"]
    assert [(n["name"], n["needs"], n["note"]) for n in needs] == [("李奶奶", ["wheelchair"], "需要坡道")]
    with tenant_context(grove["community"].id):
        logged = db.session.execute(select(AuditEvent.field).where(
            AuditEvent.resident_id == grove["people"][1], AuditEvent.actor_id == grove["staff"].id,
            AuditEvent.action == "read")).scalars().all()
        db.session.rollback()
    assert f"activity_needs:{aid}" in logged

    # Grandma gives her place up: it is offered to the one waiting, who takes it.
    assert grandma("POST", f"/registrations/{rid}/cancel").get_json()["status"] == "cancelled"
    assert grandma("POST", f"/registrations/{rid}/cancel").get_json()["status"] == "cancelled"  # again: no change
    wid = waiting.get_json()["id"]
    assert staff("GET", f"/registrations/{wid}").get_json()["status"] == "offered"
    taken = staff("POST", f"/registrations/{wid}/take")
    assert taken.status_code == 200 and taken.get_json()["status"] == "registered"

    # Check-in by the QR code, then by name; repeating changes nothing; a cancelled place is refused.
    code = theirs.get_json()["code"]
    first = staff("POST", f"/activities/{aid}/check-in", json={"code": code})
    assert first.status_code == 200 and first.get_json()["first_time"] is True
    assert first.get_json()["registration"]["checked_in_at"]
    repeat = staff("POST", f"/activities/{aid}/check-in", json={"code": code})
    assert repeat.get_json()["first_time"] is False
    assert repeat.get_json()["registration"]["checked_in_at"] == first.get_json()["registration"]["checked_in_at"]
    by_name = staff("POST", f"/activities/{aid}/check-in", json={"registration_id": wid})
    assert by_name.get_json()["first_time"] is True
    assert staff("POST", f"/activities/{aid}/check-in", json={"registration_id": rid}).status_code == 409
    assert grandma("POST", f"/activities/{aid}/check-in", json={"code": code}).status_code == 403
    walk = staff("POST", f"/activities/{aid}/walk-ins", json={"name": "路过的刘阿姨"})
    assert walk.status_code == 201 and walk.get_json()["walk_in"] is True

    # Held, recorded (a photo first), closed.
    assert staff("POST", f"/activities/{aid}/held").status_code == 409  # not started yet
    clock(2026, 12, 10, 11, 30)
    assert staff("POST", f"/activities/{aid}/held").get_json()["status"] == "held"
    no_photo = staff("POST", f"/activities/{aid}/record", json={"record_text": "三十位老人参加。", "walk_ins": 2})
    assert no_photo.status_code == 422
    assert no_photo.get_json()["error"]["fields"]["photos"] == ["活动记录至少需要一张照片。"]
    unlabelled = staff("POST", f"/activities/{aid}/photos", content_type="multipart/form-data",
                       data={"photos[]": [(io.BytesIO(image_bytes()), "a.png")], "alts[]": [""]})
    assert unlabelled.status_code == 422
    assert set(unlabelled.get_json()["error"]["fields"]) == {"alts.0", "consent"}
    uploaded = staff("POST", f"/activities/{aid}/photos", content_type="multipart/form-data",
                     data={"photos[]": [(io.BytesIO(image_bytes()), "a.png")], "alts[]": ["医生讲解防跌倒"],
                           "consent": "true", "public": "true"})
    assert uploaded.status_code == 201, uploaded.get_json()
    assert [(p["alt"], p["public"]) for p in uploaded.get_json()["items"]] == [("医生讲解防跌倒", True)]
    recorded = staff("POST", f"/activities/{aid}/record", json={"record_text": "三十位老人参加。", "walk_ins": 2})
    assert recorded.status_code == 200 and recorded.get_json()["status"] == "recorded"
    assert staff("POST", f"/activities/{aid}/close").get_json()["status"] == "closed"
    figures = staff("GET", f"/activities/{aid}/attendance").get_json()
    assert figures["present"] == 2 + 1 + 2 and figures["walk_ins"] == 1 + 2
    assert [p["alt"] for p in grandma("GET", f"/activities/{aid}/photos").get_json()["items"]] == ["医生讲解防跌倒"]
    with count_sql() as one_photo:
        grandma("GET", f"/activities/{aid}/photos")
    assert staff("POST", f"/activities/{aid}/cancel", json={"reason": "晚了"}).status_code == 409

    # A registrant sees the record's photos, public or not; asking who may see them costs the same for four.
    more = staff("POST", f"/activities/{aid}/photos", content_type="multipart/form-data",
                 data={"photos[]": [(io.BytesIO(image_bytes()), f"{i}.png") for i in range(3)],
                       "alts[]": ["签到", "合影", "讲座现场"], "consent": "true"})
    assert more.status_code == 201
    with count_sql() as four_photos:
        seen = grandma("GET", f"/activities/{aid}/photos").get_json()["items"]
    assert len(seen) == 4 and four_photos() == one_photo()


def test_a_unit_proposes_for_its_own_unit_and_books_its_venue(client, grove):
    principal = _caller(client, grove["principal"])
    staff = _caller(client, grove["staff"])
    with tenant_context(grove["community"].id):
        other = UnitFactory(name="别的单位", type="shop")
        db.session.commit()
        other_id = other.id
    foreign = principal("POST", "/activities", json={**LECTURE, "organiser_unit_id": str(other_id)})
    assert foreign.status_code == 403
    made = principal("POST", "/activities", json={**LECTURE, "audience": "both",
                                                  "organiser_unit_id": str(grove["school"])})
    assert made.status_code == 201
    aid = made.get_json()["id"]
    assert staff("POST", f"/activities/{aid}/approve").status_code == 200
    missing = principal("POST", f"/activities/{aid}/venue", json={"venue_id": "999999"})
    assert missing.status_code == 422 and "venue_id" in missing.get_json()["error"]["fields"]
    booked = principal("POST", f"/activities/{aid}/venue", json={"venue_id": str(grove["hall"])})
    assert booked.status_code == 200, booked.get_json()
    assert booked.get_json()["status"] == "scheduled" and booked.get_json()["venue_id"] == str(grove["hall"])
    people = principal("POST", f"/activities/{aid}/registrations",
                       json={"name": "校医", "unit_id": str(grove["school"])})
    assert people.status_code == 201 and people.get_json()["name"] == "校医"
    nameless = principal("POST", f"/activities/{aid}/registrations", json={"name": "校医"})
    assert nameless.status_code == 422 and "unit_id" in nameless.get_json()["error"]["fields"]
    assert [a["id"] for a in staff("GET", f"/activities?unit_id={grove['school']}").get_json()["items"]] == [aid]
    assert staff("GET", f"/activities?unit_id={other_id}").get_json()["items"] == []


def test_bad_input_is_answered_per_field_in_chinese(client, grove):
    staff = _caller(client, grove["staff"])
    bad = staff("POST", "/activities", json={**LECTURE, "kind": "party", "title": "  ", "capacity": 0})
    assert bad.status_code == 422
    fields = bad.get_json()["error"]["fields"]
    assert set(fields) >= {"kind", "title", "capacity"}
    assert fields["kind"] == ["请选择活动类型。"]
    backwards = staff("POST", "/activities", json={**LECTURE, "ends_at": "2026-12-10T08:00:00"},
                      headers={"Accept-Language": "zh-CN"})
    assert backwards.status_code == 422
    assert backwards.get_json()["error"]["fields"] == {"ends_at": ["活动的结束时间必须晚于开始时间。"]}
    past = staff("POST", "/activities", json={**LECTURE, "starts_at": "2026-11-01T09:00:00",
                                              "ends_at": "2026-11-01T10:00:00"})
    assert past.status_code == 422 and "starts_at" in past.get_json()["error"]["fields"]
    aid = staff("POST", "/activities", json=LECTURE).get_json()["id"]
    assert staff("POST", f"/activities/{aid}/reject", json={"reason": ""}).status_code == 422
    assert staff("GET", "/activities?status=nonsense").status_code == 422
    assert staff("GET", "/activities/999999").status_code == 404
    assert staff("POST", "/registrations/999999/cancel").status_code == 404
    # A code of another activity is not a place at this one.
    staff("POST", f"/activities/{aid}/approve")
    other = staff("POST", "/activities", json={**LECTURE, "title": "书法班"}).get_json()["id"]
    staff("POST", f"/activities/{other}/approve")
    signed = staff("POST", f"/activities/{other}/registrations", json={"resident_id": str(grove["people"][2])})
    wrong = staff("POST", f"/activities/{aid}/check-in", json={"code": signed.get_json()["code"]})
    assert wrong.status_code == 422
    assert wrong.get_json()["error"]["fields"]["code"] == ["本活动没有使用此签到码的名额。"]
    wrong_id = staff("POST", f"/activities/{aid}/check-in", json={"registration_id": signed.get_json()["id"]})
    assert wrong_id.status_code == 422
    assert staff("POST", f"/activities/{aid}/check-in", json={}).status_code == 422
    rejected = staff("POST", f"/activities/{aid}/reject", json={"reason": "时间不合适"})
    assert rejected.status_code == 409  # approved already: no longer a proposal


def test_every_activities_endpoint_is_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    base = "/api/v1/c/{slug}"
    expected = {
        "/activities": {"get", "post"}, "/activities/{activity_id}": {"get", "patch"},
        **{f"/activities/{{activity_id}}/{action}": {"post"} for action in
           ("approve", "reject", "cancel", "place", "venue", "held", "record", "close", "check-in", "walk-ins")},
        "/activities/{activity_id}/registrations": {"get", "post"},
        "/activities/{activity_id}/attendance": {"get"}, "/activities/{activity_id}/needs": {"get"},
        "/activities/{activity_id}/photos": {"get", "post"},
        "/registrations/{registration_id}": {"get"}, "/registrations/{registration_id}/cancel": {"post"},
        "/registrations/{registration_id}/take": {"post"},
    }
    for path, methods in expected.items():
        assert methods <= set(paths[base + path]), path
    upload = paths[base + "/activities/{activity_id}/photos"]["post"]["requestBody"]["content"]
    assert "photos[]" in upload["multipart/form-data"]["schema"]["properties"]
    assert "$ref" in str(paths[base + "/activities"]["post"]["requestBody"])
    check_in = paths[base + "/activities/{activity_id}/check-in"]["post"]["responses"]["200"]
    assert "CheckInOut" in str(check_in)


def test_listing_activities_costs_the_same_however_many_there_are(client, grove, count_sql):
    staff = _caller(client, grove["staff"])
    counts = []
    for extra in (1, 6):
        with tenant_context(grove["community"].id):
            for i in range(extra):
                activities.propose(actor_id=grove["staff"].id, kind="salon", title=f"沙龙{i}",
                                   starts_at=datetime(2026, 12, 12, 9 + i, tzinfo=TZ),
                                   ends_at=datetime(2026, 12, 12, 10 + i, tzinfo=TZ),
                                   organiser_unit_id=grove["school"])
            db.session.commit()
        staff("GET", "/activities")
        with count_sql() as listed:
            response = staff("GET", "/activities")
        assert response.status_code == 200
        counts.append(listed())
    assert len(staff("GET", "/activities").get_json()["items"]) == 7
    assert counts[0] == counts[1], counts


def test_the_list_pages_by_start_with_a_cursor(client, grove):
    staff = _caller(client, grove["staff"])
    with tenant_context(grove["community"].id):
        for i in range(5):  # two at the same hour: the id breaks the tie
            activities.propose(actor_id=grove["staff"].id, kind="salon", title=f"沙龙{i}",
                               starts_at=datetime(2026, 12, 12, 9 + min(i, 3), tzinfo=TZ),
                               ends_at=datetime(2026, 12, 12, 13, tzinfo=TZ))
        db.session.commit()
    seen, cursor = [], None
    while True:
        body = staff("GET", "/activities?limit=2" + (f"&cursor={cursor}" if cursor else "")).get_json()
        seen += [item["title"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"沙龙{i}" for i in range(5)]
    bad = staff("GET", "/activities?cursor=bm90LWEtY3Vyc29y")
    assert bad.status_code == 422 and "cursor" in bad.get_json()["error"]["fields"]


def test_a_time_at_the_edge_of_the_calendar_is_a_field_error_not_a_crash(client, grove):
    """The first day of year 1 in Shanghai has no UTC time: told beside the field, like any wrong time."""
    staff = _caller(client, grove["staff"])
    aid = staff("POST", "/activities", json=LECTURE).get_json()["id"]
    for key in ("starts_at", "ends_at", "registration_opens_at"):
        proposed = staff("POST", "/activities", json={**LECTURE, key: "0001-01-01T00:00:00"})
        assert proposed.status_code == 422, proposed.get_data(as_text=True)
        assert proposed.get_json()["error"]["fields"][key] == ["须为日期和时间。"]
        patched = staff("PATCH", f"/activities/{aid}", json={key: "0001-01-01T00:00:00"})
        assert patched.status_code == 422 and key in patched.get_json()["error"]["fields"]


def test_a_cursor_naming_an_id_past_the_database_range_is_refused(client, grove):
    import base64
    import json
    staff = _caller(client, grove["staff"])
    for last_id in (2**70, 2**31, 0, -3):
        cursor = base64.urlsafe_b64encode(json.dumps(["2026-12-01T00:00:00+00:00", last_id]).encode()).decode()
        bad = staff("GET", f"/activities?cursor={cursor}")
        assert bad.status_code == 422, bad.get_data(as_text=True)
        assert "cursor" in bad.get_json()["error"]["fields"]


def test_a_proposal_is_its_organisers_and_the_staffs_on_the_api_as_on_the_pages(client, grove):
    staff, grandma = _caller(client, grove["staff"]), _caller(client, grove["grandma"])
    principal = _caller(client, grove["principal"])
    proposal = principal("POST", "/activities", json={**LECTURE, "organiser_unit_id": str(grove["school"])})
    assert proposal.status_code == 201, proposal.get_data(as_text=True)
    pid = proposal.get_json()["id"]
    approved = staff("POST", "/activities", json={**LECTURE, "title": "书法班"}).get_json()["id"]
    staff("POST", f"/activities/{approved}/approve")
    assert grandma("GET", f"/activities/{pid}").status_code == 404
    assert [a["id"] for a in grandma("GET", "/activities").get_json()["items"]] == [approved]
    assert principal("GET", f"/activities/{pid}").status_code == 200
    assert pid in [a["id"] for a in principal("GET", "/activities").get_json()["items"]]
    assert {pid, approved} <= {a["id"] for a in staff("GET", "/activities").get_json()["items"]}
