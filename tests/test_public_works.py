"""Public works (市政对接): the community files requests with municipal departments, records the work done in
quantities, and the year's figures add up — through the services, the JSON API and the pages."""
import re
from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from app import history
from app.core.extensions import db
from app.needs import services as needs
from app.needs.schemas import NeedIn
from app.notifications.models import OutboxEvent
from app.publicworks import services
from app.publicworks.models import PublicWorksLine, PublicWorksRequest
from app.publicworks.schemas import PublicWorksRequestIn
from app.residents import services as residents
from tenants.context import tenant_context
from tests.factories import Browser, CommunityFactory, member, token_for

TZ = ZoneInfo("Asia/Shanghai")
API = "/api/v1/c/works/public-works"
PAGES = "/c/works/public-works"


def today() -> date:
    from datetime import datetime

    return datetime.now(TZ).date()


@pytest.fixture
def world(app):
    community = CommunityFactory(slug="works", name="柳荫社区")
    staff = member(community, "admin", "coordinator", name="陈晓燕")
    coordinator = member(community, "coordinator", name="李协调")
    council = member(community, "council", name="赵理事")
    grandpa = member(community, "resident", name="王建国")
    with tenant_context(community.id):
        resident = residents.create_resident({"name": "王建国", "address": "柳荫街3号楼"}, actor_id=staff.id,
                                             account_id=grandpa.id)
        db.session.flush()
        need = needs.create_need(NeedIn().load(
            {"kind": "public_works", "title": "3号楼前路面塌陷", "details": "雨天积水，老人易滑倒",
             "resident_id": str(resident.id), "window_start": "2026-12-01T08:00:00",
             "window_end": "2030-12-31T18:00:00"}), actor_id=grandpa.id, tz=TZ)
        db.session.commit()
        need_id = need.id
    return {"community": community, "staff": staff, "coordinator": coordinator, "council": council,
            "grandpa": grandpa, "need_id": need_id}


@pytest.fixture
def api(app, world):
    client = app.test_client()
    headers = token_for(client, world["staff"])

    def call(method, path="", **kw):
        return client.open(API + path, method=method, headers=headers, **kw)

    return call


ROAD = {"category": "road", "title": "修补3号楼前路面", "location": "柳荫街3号楼南侧",
        "department": "区市政市容管理委员会",
        "lines": [{"description": "破损路面修补", "measure": "m2", "planned": 120},
                  {"description": "路缘石更换", "measure": "m", "planned": "35.5"}]}


def _fields(response) -> dict:
    body = response.get_json()
    assert body is not None and "error" in body, response.get_data(as_text=True)
    return body["error"]["fields"]


def _lines(created) -> list[str]:
    return [line["id"] for line in created["lines"]]


def _count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


# --- lifecycle -------------------------------------------------------------------------------------

def test_a_request_goes_from_draft_to_done_and_every_step_is_recorded(api, world):
    created = api("POST", json=ROAD)
    assert created.status_code == 201, created.get_data(as_text=True)
    body = created.get_json()
    assert body["status"] == "draft" and body["filed_on"] is None
    assert [(line["description"], line["measure"], line["planned"], line["done"]) for line in body["lines"]] == [
        ("破损路面修补", "m2", 120.0, 0.0), ("路缘石更换", "m", 35.5, 0.0)]
    rid = body["id"]

    filed = api("POST", f"/{rid}/moves", json={"to": "filed"}).get_json()
    assert filed["status"] == "filed" and filed["filed_on"] == today().isoformat()

    # The first work recorded means the department has started.
    road, kerb = _lines(filed)
    started = api("POST", f"/{rid}/progress", json={"lines": [{"id": road, "done": 80}]})
    assert started.status_code == 200, started.get_data(as_text=True)
    assert started.get_json()["status"] == "in_progress"
    assert [line["percent"] for line in started.get_json()["lines"]] == [66, 0]

    api("POST", f"/{rid}/progress", json={"lines": [{"id": road, "done": 120}, {"id": kerb, "done": "35.5"}]})
    done = api("POST", f"/{rid}/moves", json={"to": "done", "note": "验收合格"}).get_json()
    assert done["status"] == "done" and done["done_on"] == today().isoformat()
    assert [line["percent"] for line in done["lines"]] == [100, 100]

    changes = api("GET", f"/{rid}/history").get_json()["items"]
    assert [(c["from_status"], c["to_status"]) for c in changes] == [
        ("draft", "draft"), ("draft", "filed"), ("filed", "in_progress"), ("in_progress", "done")]
    assert changes[-1]["note"] == "验收合格" and changes[-1]["actor_id"] == str(world["staff"].id)

    # Closed: no more moves, changes or progress.
    again = api("POST", f"/{rid}/moves", json={"to": "cancelled"})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "invalid_transition"
    assert api("PATCH", f"/{rid}", json={"title": "改"}).status_code == 409
    assert api("POST", f"/{rid}/progress", json={"lines": [{"id": road, "done": 1}]}).status_code == 409


def test_moves_follow_the_lifecycle(api):
    rid = api("POST", json=ROAD).get_json()["id"]
    # A draft has not reached the department: it cannot be started, done or rejected.
    for to in ("in_progress", "done", "rejected"):
        response = api("POST", f"/{rid}/moves", json={"to": to, "note": "x"})
        assert response.status_code == 409, to
    api("POST", f"/{rid}/moves", json={"to": "filed"})
    rejected_without_reason = api("POST", f"/{rid}/moves", json={"to": "rejected"})
    assert rejected_without_reason.status_code == 422
    assert _fields(rejected_without_reason) == {"note": ["请说明主管部门不予受理的原因。"]}
    rejected = api("POST", f"/{rid}/moves", json={"to": "rejected", "note": "不属于本部门职责"}).get_json()
    assert rejected["status"] == "rejected"
    other = api("POST", json=ROAD).get_json()["id"]
    assert api("POST", f"/{other}/moves", json={"to": "cancelled"}).get_json()["status"] == "cancelled"


def test_filing_needs_a_department_and_work_and_a_past_or_present_day(api):
    bare = api("POST", json={"category": "rubbish", "title": "清运建筑垃圾"}).get_json()
    assert bare["status"] == "draft"  # a draft may be written before everything is known
    refused = api("POST", f"/{bare['id']}/moves", json={"to": "filed"})
    assert refused.status_code == 422
    assert _fields(refused) == {"department": ["请填写报送的主管部门。"], "lines": ["请至少添加一项工作及其计划数量。"]}
    assert api("GET", f"/{bare['id']}").get_json()["status"] == "draft"

    rid = api("POST", json=ROAD).get_json()["id"]
    tomorrow = (today() + timedelta(days=1)).isoformat()
    future = api("POST", f"/{rid}/moves", json={"to": "filed", "on": tomorrow})
    assert future.status_code == 422 and "on" in _fields(future)
    last_week = (today() - timedelta(days=7)).isoformat()
    assert api("POST", f"/{rid}/moves", json={"to": "filed", "on": last_week}).get_json()["filed_on"] == last_week
    # Done before it was filed: a clear message on the day.
    too_early = api("POST", f"/{rid}/moves", json={"to": "done", "on": (today() - timedelta(days=8)).isoformat()})
    assert too_early.status_code == 422
    assert _fields(too_early) == {"on": [f"完工日期不能早于报送日期（{last_week}）。"]}
    assert api("GET", f"/{rid}").get_json()["status"] == "filed"


def test_who_may_do_what(app, api, world):
    rid = api("POST", json=ROAD).get_json()["id"]
    line = _lines(api("GET", f"/{rid}").get_json())[0]

    def as_user(user):
        client = app.test_client()
        headers = token_for(client, user)
        return lambda method, path="", **kw: client.open(API + path, method=method, headers=headers, **kw)

    council = as_user(world["council"])
    assert council("GET").status_code == 200 and council("GET", f"/{rid}").status_code == 200
    assert council("GET", "/summary").status_code == 200 and council("GET", f"/{rid}/history").status_code == 200
    assert council("POST", json=ROAD).status_code == 403
    assert council("PATCH", f"/{rid}", json={"title": "改"}).status_code == 403
    assert council("POST", f"/{rid}/moves", json={"to": "filed"}).status_code == 403
    assert council("POST", f"/{rid}/progress", json={"lines": [{"id": line, "done": 1}]}).status_code == 403

    resident = as_user(world["grandpa"])
    for path in ("", f"/{rid}", "/summary", f"/{rid}/history"):
        assert resident("GET", path).status_code == 403, path
    assert resident("POST", json=ROAD).status_code == 403

    coordinator = as_user(world["coordinator"])  # the coordinator alone, without the admin role
    assert coordinator("POST", f"/{rid}/moves", json={"to": "filed"}).get_json()["status"] == "filed"
    assert coordinator("POST", f"/{rid}/progress", json={"lines": [{"id": line, "done": 10}]}).status_code == 200
    assert coordinator("POST", f"/{rid}/moves", json={"to": "done"}).get_json()["status"] == "done"


# --- quantities ------------------------------------------------------------------------------------

@pytest.mark.parametrize("line, field, message", [
    ({"description": "路面修补", "measure": "m2", "planned": -5}, "planned", "数量不能为负数。"),
    ({"description": "路面修补", "measure": "m2", "planned": 0}, "planned", "计划数量必须大于 0。"),
    ({"description": "路面修补", "measure": "m2", "planned": ""}, "planned", "请填写数量。"),
    ({"description": "路面修补", "measure": "m2", "planned": "很多"}, "planned", "请填写数字，例如 12.5。"),
    ({"description": "路面修补", "measure": "m2", "planned": "1.005"}, "planned", "最多两位小数。"),
    ({"description": "路面修补", "measure": "m2", "planned": "NaN"}, "planned", "请填写数字，例如 12.5。"),
    ({"description": "路面修补", "measure": "m2", "planned": True}, "planned", "请填写数字，例如 12.5。"),
    ({"description": "路面修补", "measure": "tonnes", "planned": 3}, "measure", "请选择计量单位：平方米、米、个或车。"),
    ({"description": "", "measure": "m2", "planned": 3}, "description", None),
])
def test_a_bad_line_is_a_field_error_and_nothing_is_saved(api, world, line, field, message):
    response = api("POST", json={**ROAD, "lines": [ROAD["lines"][0], line]})
    assert response.status_code == 422, response.get_data(as_text=True)
    fields = _fields(response)
    assert list(fields) == [f"lines.1.{field}"], fields
    if message:
        assert fields[f"lines.1.{field}"] == [message]
    with tenant_context(world["community"].id):
        assert _count(PublicWorksRequest) == 0 and _count(PublicWorksLine) == 0
    db.session.rollback()


def test_done_quantities_are_checked_and_a_refused_change_leaves_everything_as_it_was(api):
    created = api("POST", json=ROAD).get_json()
    rid, (road, kerb) = created["id"], _lines(created)
    # Nothing can be done before the request is filed.
    early = api("POST", f"/{rid}/progress", json={"lines": [{"id": road, "done": 5}]})
    assert early.status_code == 422
    assert _fields(early) == {"lines.0.done": ["请求报送主管部门之前不能登记完成量。"]}
    api("POST", f"/{rid}/moves", json={"to": "filed"})
    api("POST", f"/{rid}/progress", json={"lines": [{"id": road, "done": 50}]})

    # More than planned: a clear error, and the other line of the same form is not saved either.
    over = api("POST", f"/{rid}/progress", json={"lines": [{"id": kerb, "done": 10}, {"id": road, "done": 121}]})
    assert over.status_code == 422
    assert _fields(over) == {"lines.1.done": ["超过计划的 120；如主管部门实际做得更多，请先调高计划数量。"]}
    negative = api("POST", f"/{rid}/progress", json={"lines": [{"id": road, "done": -1}]})
    assert _fields(negative) == {"lines.0.done": ["数量不能为负数。"]}
    foreign = api("POST", f"/{rid}/progress", json={"lines": [{"id": "999999", "done": 1}]})
    assert _fields(foreign) == {"lines.0.id": ["本请求中没有这一项。"]}
    assert [(line["done"]) for line in api("GET", f"/{rid}").get_json()["lines"]] == [50.0, 0.0]

    # The plan cannot drop below what is done, and a line with work done cannot disappear.
    lower = api("PATCH", f"/{rid}", json={"lines": [{"id": road, "description": "破损路面修补", "measure": "m2",
                                                     "planned": 40}]})
    assert lower.status_code == 422
    assert _fields(lower) == {"lines.0.planned": ["已完成 50，计划数量不能更少。"]}
    dropped = api("PATCH", f"/{rid}", json={"lines": [{"id": kerb, "description": "路缘石更换", "measure": "m",
                                                       "planned": 35.5}]})
    assert _fields(dropped) == {"lines": ["“破损路面修补”已有完成量，不能删除。"]}
    # Raising the plan and adding a line keeps the work done.
    raised = api("PATCH", f"/{rid}", json={"lines": [
        {"id": road, "description": "破损路面修补", "measure": "m2", "planned": 150},
        {"description": "清运渣土", "measure": "truckloads", "planned": 4}]})
    assert raised.status_code == 200, raised.get_data(as_text=True)
    assert [(line["description"], line["planned"], line["done"]) for line in raised.get_json()["lines"]] == [
        ("破损路面修补", 150.0, 50.0), ("清运渣土", 4.0, 0.0)]


def test_bad_input_never_answers_500(api):
    rid = api("POST", json=ROAD).get_json()["id"]
    bodies = [("POST", "", {"category": "road", "title": "x", "lines": "不是列表"}),
              ("POST", "", {"category": "roads", "title": "x"}),
              ("POST", "", {"category": "road", "title": "   "}),
              ("POST", "", {"category": "road", "title": "x", "tenant_id": 2}),
              ("POST", "", {"category": "road", "title": "x", "need_id": "abc"}),
              ("POST", "", {"category": "road", "title": "x", "lines": [{"planned": 1e400}]}),
              ("POST", "", {"category": "road", "title": "x", "lines": [7]}),
              ("POST", "", {"category": "road", "title": "x", "due_on": "明天"}),
              ("PATCH", f"/{rid}", {"need_id": "1"}),
              ("PATCH", f"/{rid}", {"lines": [{"id": "1" * 13, "description": "x", "measure": "m", "planned": 1}]}),
              ("POST", f"/{rid}/moves", {"to": "finished"}),
              ("POST", f"/{rid}/moves", {"to": "filed", "on": "2026-02-30"}),
              ("POST", f"/{rid}/progress", {"lines": []}),
              ("POST", f"/{rid}/progress", {"lines": [{"id": "1", "done": "1e9999"}]})]
    for method, path, body in bodies:
        response = api(method, path, json=body)
        assert response.status_code == 422, (body, response.get_data(as_text=True))
        assert response.get_json()["error"]["fields"], body
    malformed = api("POST", data="{not json", content_type="application/json")
    assert malformed.status_code in (400, 422)
    assert api("GET", "?status=closed").status_code == 422
    assert api("GET", "/summary?year=abc").status_code == 422
    assert api("GET", "/99999999").status_code == 404


# --- the resident's need and who hears what ---------------------------------------------------------

def test_a_residents_need_follows_the_request_and_the_resident_is_told(app, api, world, drain):
    need_id = str(world["need_id"])
    created = api("POST", json={**ROAD, "need_id": need_id})
    assert created.status_code == 201 and created.get_json()["need_id"] == need_id
    rid = created.get_json()["id"]
    # One live request per need.
    second = api("POST", json={**ROAD, "need_id": need_id})
    assert _fields(second) == {"need_id": ["该需求已有请求：修补3号楼前路面。"]}

    api("POST", f"/{rid}/moves", json={"to": "filed"})
    with tenant_context(world["community"].id):
        need = needs.get_need(world["need_id"])
        assert need.status == "in_service"
        assert history.history_of(need)[-1].note == "市政请求：修补3号楼前路面"
    db.session.rollback()
    road = _lines(created.get_json())[0]
    api("POST", f"/{rid}/progress", json={"lines": [{"id": road, "done": 120}]})
    api("POST", f"/{rid}/moves", json={"to": "done"})
    drain()

    with tenant_context(world["community"].id):
        assert needs.get_need(world["need_id"]).status == "done"
        events = db.session.execute(select(OutboxEvent.event, OutboxEvent.audience).order_by(OutboxEvent.id)).all()
    db.session.rollback()
    assert ("public_works.done", {"roles": ["admin", "coordinator"]}) in events
    told = [e for e in events if e.event == "public_works.need_update"]
    assert [e.audience for e in told] == [{"user_ids": [world["grandpa"].id]}] * 2  # filed, then done

    client = app.test_client()
    inbox = client.get("/api/v1/me/notifications", headers=token_for(client, world["grandpa"])).get_json()["items"]
    titles = [entry["title"] for entry in inbox]
    assert "已完成：3号楼前路面塌陷" in titles and "已转交：3号楼前路面塌陷" in titles
    done_entry = next(e for e in inbox if e["title"].startswith("已完成"))
    assert "区市政市容管理委员会" in done_entry["body"] and done_entry["link"].endswith(f"/needs/{need_id}")
    staff_inbox = client.get("/api/v1/me/notifications", headers=token_for(client, world["coordinator"])) \
        .get_json()["items"]
    assert any(e["title"] == "市政工程已完成：修补3号楼前路面" for e in staff_inbox)


def test_a_rejected_request_marks_the_need_unmet_and_tells_the_resident_why(app, api, world, drain):
    rid = api("POST", json={**ROAD, "need_id": str(world["need_id"])}).get_json()["id"]
    api("POST", f"/{rid}/moves", json={"to": "filed"})
    api("POST", f"/{rid}/moves", json={"to": "rejected", "note": "该路段属于小区内部道路，由物业负责"})
    drain()
    with tenant_context(world["community"].id):
        assert needs.get_need(world["need_id"]).status == "unmet"
    db.session.rollback()
    client = app.test_client()
    inbox = client.get("/api/v1/me/notifications", headers=token_for(client, world["grandpa"])).get_json()["items"]
    rejected = next(e for e in inbox if e["title"].startswith("未受理"))
    assert "该路段属于小区内部道路，由物业负责" in rejected["body"]
    # A new request may be written for the need once the refused one is closed; the need is no longer waiting.
    again = api("POST", json={**ROAD, "need_id": str(world["need_id"])})
    assert _fields(again) == {"need_id": ["该需求已不在等待中，不能转为请求。"]}


def test_only_a_public_works_need_can_become_a_request(api, world):
    with tenant_context(world["community"].id):
        other = needs.create_need(NeedIn().load(
            {"kind": "other", "title": "陪同就医", "window_start": "2030-12-02T08:00:00",
             "window_end": "2030-12-03T08:00:00"}), actor_id=world["staff"].id, tz=TZ)
        db.session.commit()
        other_id = other.id
    assert _fields(api("POST", json={**ROAD, "need_id": str(other_id)})) == {
        "need_id": ["只有市政类需求才能转为市政请求。"]}
    assert _fields(api("POST", json={**ROAD, "need_id": "424242"})) == {"need_id": ["本社区没有这条需求。"]}


# --- figures for reports ---------------------------------------------------------------------------

def test_the_years_figures_add_up_per_unit_of_measure(api, world):
    year = today().year

    def request(category, lines, *moves, filed_on=None):
        rid = api("POST", json={"category": category, "title": f"{category} 工程", "department": "区水务局",
                                "lines": [{"description": d, "measure": m, "planned": p} for d, m, p, _done in lines]}
                  ).get_json()["id"]
        for to in moves:
            body = {"to": to, "note": "原因"}
            if to == "filed" and filed_on:
                body["on"] = filed_on
            assert api("POST", f"/{rid}/moves", json=body).status_code == 200, to
            if to == "filed" and any(done for *_rest, done in lines):
                ids = _lines(api("GET", f"/{rid}").get_json())
                api("POST", f"/{rid}/progress",
                    json={"lines": [{"id": i, "done": line[3]} for i, line in zip(ids, lines)]})
        return rid

    request("road", [("路面", "m2", 120, 120), ("路缘石", "m", 30, 10)], "filed", "done")
    request("drains", [("管道疏通", "m", "200.5", "50.25")], "filed")
    request("toilets", [("蹲位改造", "pieces", 6, 0)], "filed")
    request("road", [("路面", "m2", 1000, 0)], "filed", "rejected")  # rejected: not counted as work
    request("rubbish", [("垃圾", "truckloads", 9, 0)])  # a draft: counted, no quantities
    request("trees", [("修剪", "pieces", 40, 40)], "filed", "done", filed_on=f"{year - 1}-12-30")  # last year

    figures = api("GET", "/summary").get_json()
    assert figures["year"] == year and figures["total"] == 5
    assert figures["by_status"] == {"done": 1, "in_progress": 1, "filed": 1, "rejected": 1, "draft": 1}
    assert figures["by_category"] == {"road": 2, "drains": 1, "toilets": 1, "rubbish": 1}
    assert figures["quantities"] == [
        {"measure": "m2", "planned": 120.0, "done": 120.0},
        {"measure": "m", "planned": 230.5, "done": 60.25},
        {"measure": "pieces", "planned": 6.0, "done": 0.0}]
    assert {"category": "drains", "measure": "m", "planned": 200.5, "done": 50.25} in figures[
        "quantities_by_category"]

    last = api("GET", f"/summary?year={year - 1}").get_json()
    assert last["total"] == 1 and last["by_status"] == {"done": 1}
    assert last["quantities"] == [{"measure": "pieces", "planned": 40.0, "done": 40.0}]
    # The service gives reports the same figures, as exact decimals.
    with tenant_context(world["community"].id):
        assert services.summary(year)["quantities"][1] == {"measure": "m", "planned": Decimal("230.50"),
                                                           "done": Decimal("60.25")}
    db.session.rollback()


def test_overdue_requests_are_counted_and_shown(app, api, world):
    rid = api("POST", json={**ROAD, "due_on": (today() - timedelta(days=1)).isoformat()}).get_json()["id"]
    api("POST", f"/{rid}/moves", json={"to": "filed", "on": (today() - timedelta(days=3)).isoformat()})
    assert api("GET", "/summary").get_json()["overdue"] == 1
    browser = Browser(app.test_client())
    browser.login(world["council"])
    page = browser.get(PAGES + "/").get_data(as_text=True)
    assert "已逾期" in page and "修补3号楼前路面" in page


# --- pages -----------------------------------------------------------------------------------------

def _form(rows, **fields):
    data = {"category": "drains", "title": "疏通槐树胡同排水管", "location": "槐树胡同12号", "department": "区水务局",
            "due_on": "", "description": "", "line_count": str(len(rows))}
    data.update(fields)
    for i, (description, measure, planned) in enumerate(rows):
        data |= {f"line-{i}-id": "", f"line-{i}-description": description, f"line-{i}-measure": measure,
                 f"line-{i}-planned": planned}
    return data


def test_coordinator_files_and_follows_a_request_through_the_pages(app, world):
    browser = Browser(app.test_client())
    browser.login(world["coordinator"])
    home = browser.get("/c/works/").get_data(as_text=True)
    assert 'href="/c/works/public-works/"' in home and "市政对接" in home
    form = browser.get(PAGES + "/new")
    assert form.status_code == 200 and "平方米" in form.get_data(as_text=True)

    # Field errors in Chinese next to the line they concern; nothing half-saved.
    bad = browser.post(PAGES + "/new",
                       data=_form([("管道疏通", "m", "-3"), ("", "m2", ""), ("井盖更换", "tonnes", "2")]))
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert re.search(r'id="line-0-planned-error">\s*<li>数量不能为负数。', text)
    assert re.search(r'id="line-2-measure-error">\s*<li>请选择计量单位：平方米、米、个或车。', text)
    assert 'value="井盖更换"' in text and "请修改标出的内容。" in text
    with tenant_context(world["community"].id):
        assert _count(PublicWorksRequest) == 0
    db.session.rollback()

    created = browser.post(PAGES + "/new", data=_form([("管道疏通", "m", "200"), ("", "m2", ""),
                                                       ("井盖更换", "pieces", "3")]))
    assert created.status_code == 302, created.get_data(as_text=True)
    rid = int(re.search(r"/public-works/(\d+)$", created.headers["Location"]).group(1))
    page = browser.get(f"{PAGES}/{rid}").get_data(as_text=True)
    assert "草稿" in page and "管道疏通" in page and "0 / 200 米" not in page and "已完成 0，共 200 米" in page

    assert browser.post(f"{PAGES}/{rid}/moves", data={"to": "filed", "on": ""}).status_code == 302
    with tenant_context(world["community"].id):
        line_ids = [line.id for line in services.get_request(rid).lines]
    db.session.rollback()
    over = browser.post(f"{PAGES}/{rid}/progress", data={f"done-{line_ids[0]}": "250", f"done-{line_ids[1]}": "1",
                                                          "action": "save"})
    assert over.status_code == 422
    assert "超过计划的 200；如主管部门实际做得更多，请先调高计划数量。" in over.get_data(as_text=True)
    saved = browser.post(f"{PAGES}/{rid}/progress", data={f"done-{line_ids[0]}": "150", f"done-{line_ids[1]}": "3",
                                                           "action": "save"})
    assert saved.status_code == 302
    page = browser.get(f"{PAGES}/{rid}").get_data(as_text=True)
    assert "施工中" in page and 'value="75"' in page and "已完成 150，共 200 米" in page

    done = browser.post(f"{PAGES}/{rid}/progress", data={f"done-{line_ids[0]}": "200", f"done-{line_ids[1]}": "3",
                                                          "action": "complete", "on": ""})
    assert done.status_code == 302
    page = browser.get(f"{PAGES}/{rid}").get_data(as_text=True)
    assert "已完成" in page and 'value="100"' in page
    assert page.count('<time datetime=') == 4  # draft, filed, in progress, done
    assert "保存进度" not in page and "编辑" not in page  # closed: nothing more to change

    listing = browser.get(PAGES + "/?status=done").get_data(as_text=True)
    assert "疏通槐树胡同排水管" in listing and "200/200 米" in listing
    assert "疏通槐树胡同排水管" not in browser.get(PAGES + "/?category=road").get_data(as_text=True)


def test_edit_page_keeps_done_work_and_removes_an_emptied_line(app, api, world):
    created = api("POST", json=ROAD).get_json()
    rid, (road, kerb) = created["id"], _lines(created)
    api("POST", f"/{rid}/moves", json={"to": "filed"})
    api("POST", f"/{rid}/progress", json={"lines": [{"id": road, "done": 60}]})
    browser = Browser(app.test_client())
    browser.login(world["staff"])
    form = browser.get(f"{PAGES}/{rid}/edit").get_data(as_text=True)
    assert "已完成 60" in form and 'value="120"' in form
    data = _form([("破损路面修补", "m2", "130"), ("", "m", "")], category="road", title="修补3号楼前路面（扩大）",
                 department="区市政市容管理委员会")
    data |= {"line-0-id": road, "line-1-id": kerb}
    assert browser.post(f"{PAGES}/{rid}/edit", data=data).status_code == 302
    after = api("GET", f"/{rid}").get_json()
    assert after["title"] == "修补3号楼前路面（扩大）"
    assert [(line["id"], line["planned"], line["done"]) for line in after["lines"]] == [(road, 130.0, 60.0)]
    # Emptying the line with work done is refused on the form, next to the lines.
    data |= {"line-0-description": "", "line-0-planned": ""}
    refused = browser.post(f"{PAGES}/{rid}/edit", data=data)
    assert refused.status_code == 422 and "“破损路面修补”已有完成量，不能删除。" in refused.get_data(as_text=True)


def test_staff_turn_a_residents_need_into_a_request_from_the_need_page(app, world):
    browser = Browser(app.test_client())
    browser.login(world["staff"])
    need_page = browser.get(f"/c/works/needs/{world['need_id']}").get_data(as_text=True)
    link = f"/c/works/public-works/new?need_id={world['need_id']}"
    assert link in need_page
    form = browser.get(link).get_data(as_text=True)
    assert 'value="3号楼前路面塌陷"' in form and "雨天积水，老人易滑倒" in form
    created = browser.post(link, data=_form([("路面修补", "m2", "40")], category="road", title="3号楼前路面塌陷",
                                            need_id=str(world["need_id"])))
    assert created.status_code == 302
    need_page = browser.get(f"/c/works/needs/{world['need_id']}").get_data(as_text=True)
    assert "/c/works/public-works/" in need_page and link not in need_page  # one live request per need


def test_council_sees_the_pages_but_no_buttons_and_residents_see_nothing(app, api, world):
    rid = api("POST", json=ROAD).get_json()["id"]
    council = Browser(app.test_client())
    council.login(world["council"])
    page = council.get(f"{PAGES}/{rid}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "修补3号楼前路面" in text and "报送主管部门" not in text and "编辑" not in text
    assert council.get(PAGES + "/new").status_code == 403
    assert council.post(f"{PAGES}/{rid}/moves", data={"to": "filed"}).status_code == 403
    resident = Browser(app.test_client())
    resident.login(world["grandpa"])
    assert resident.get(PAGES + "/").status_code == 403
    assert "市政对接" not in resident.get("/c/works/").get_data(as_text=True)


def test_the_openapi_document_describes_the_endpoints(app):
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    paths = spec["paths"]
    for path in ("/api/v1/c/{slug}/public-works", "/api/v1/c/{slug}/public-works/summary",
                 "/api/v1/c/{slug}/public-works/{public_works_id}/moves",
                 "/api/v1/c/{slug}/public-works/{public_works_id}/progress"):
        assert path in paths, path
    line = spec["components"]["schemas"]["PublicWorksLineIn"]["properties"]
    assert line["planned"]["type"] == "number" and line["measure"]["enum"] == ["m2", "m", "pieces", "truckloads"]


# --- no N+1 ----------------------------------------------------------------------------------------

def _many(world, n):
    with tenant_context(world["community"].id):
        for i in range(n):
            services.create_request(PublicWorksRequestIn().load(
                {"category": "road", "title": f"工程{i}", "department": "区水务局",
                 "lines": [{"description": "路面", "measure": "m2", "planned": 10},
                           {"description": "路缘石", "measure": "m", "planned": 5}]}), actor_id=world["staff"].id)
        db.session.commit()


@pytest.mark.parametrize("kind", ["page", "api"])
def test_the_list_sends_the_same_queries_for_3_and_40_requests(app, world, count_sql, kind):
    browser = Browser(app.test_client())
    browser.login(world["staff"])
    client = app.test_client()
    headers = token_for(client, world["staff"])

    def get(url):
        return browser.get(url) if kind == "page" else client.get(url, headers=headers)

    url = PAGES + "/" if kind == "page" else API
    counts = {}
    for size, total in ((3, 3), (40, 43)):
        _many(world, size)
        get(url)
        with count_sql() as n:
            response = get(url)
        assert response.status_code == 200
        counts[size] = n()
        if kind == "api":
            items = response.get_json()["items"]
            assert len(items) == total and all(len(item["lines"]) == 2 for item in items)
        else:
            assert response.get_data(as_text=True).count("路缘石: 0/5 米") == total
    assert counts[3] == counts[40], counts
