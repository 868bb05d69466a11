"""The yearly report to the street office: the draft is the live year, a submission is a frozen numbered version,
a resubmission a new version with what changed; the deadline, its reminders (30, 7, 1 day before, each once) and
the status of a year; the exports (XLSX with formula-like text kept as text, PDF with the charts) — through the
services, the JSON API and the pages."""
import io
from datetime import date
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.applications.models import UnitApplication
from app.core.extensions import db
from app.notifications.models import OutboxEvent
from app.reports import services as reports
from app.reports import tasks
from app.reports.models import ReportVersion
from app.sections import digest_counts
from tenants.context import tenant_context
from tests.factories import browser_for, member, token_for
from tests.pdfs import text_of
from tests.yearworld import add_meal, at, build_year_world

API = "/api/v1/c/yb/reports"
PAGES = "/c/yb/reports"


@pytest.fixture
def year_world(app, clock):
    return build_year_world(clock)


def _figures(parts) -> dict:
    return {f["key"]: f["value"] for p in parts for f in p["figures"]}


def _events(community, name: str) -> list[SimpleNamespace]:
    """The outbox's events of that name (their payload and audience, read inside the community)."""
    with tenant_context(community.id):
        found = [SimpleNamespace(payload=e.payload, audience=e.audience) for e in db.session.execute(
            select(OutboxEvent).where(OutboxEvent.event == name).order_by(OutboxEvent.id)).scalars()]
    db.session.rollback()
    return found


def test_a_submission_is_frozen_and_a_resubmission_is_a_new_version_with_what_changed(year_world):
    community, staff = year_world["community"], year_world["staff"]
    with tenant_context(community.id):
        reports.save_narrative(2026, "上半年助餐稳步推进。", actor_id=staff.id)
        first = reports.submit(2026, actor_id=staff.id)
        db.session.commit()
        assert (first.number, first.narrative) == (1, "上半年助餐稳步推进。")
        frozen = _figures(first.parts)
        assert frozen["meals_served"] == 5
        add_meal(year_world["offer"], date(2026, 6, 1), "lunch", "dine_in", quantity=4)  # a correction
        db.session.commit()
        assert _figures(reports.get_version(2026, 1).parts) == frozen  # the data moved, version 1 did not
        assert _figures([p.as_dict() for p in reports.draft(2026).parts])["meals_served"] == 9
        second = reports.submit(2026, actor_id=staff.id, narrative_text="更正：补录六月堂食。")
        db.session.commit()
        assert second.number == 2 and reports.get_version(2026, 1).narrative == "上半年助餐稳步推进。"
        changes = reports.changes_of(second)
        assert {(c.key, c.old, c.new) for c in changes["changed"]} == {("meals_served", 5, 9),
                                                                       ("meals_dine_in", 3, 7)}
        assert changes["added"] == changes["removed"] == []
        assert reports.changes_of(first) is None
        assert [v.number for v in reports.versions(2026)] == [1, 2]
        with pytest.raises(Exception) as refused:
            reports.edit_version(first)
        assert getattr(refused.value, "code", "") == "report_frozen"
    assert [e.payload["version"] for e in _events(community, "report.submitted")] == [1, 2]
    assert _events(community, "report.submitted")[0].audience == {"roles": ["admin", "coordinator", "council"]}


def test_the_diff_tells_figures_added_and_removed():
    old = [{"figures": [{"key": "a", "label": "甲", "value": 1}, {"key": "b", "label": "乙", "value": 2}]}]
    new = [{"figures": [{"key": "a", "label": "甲", "value": 1}, {"key": "c", "label": "丙", "value": 3}]}]
    found = reports.diff(old, new)
    assert found["changed"] == []
    assert [(c.key, c.new) for c in found["added"]] == [("c", 3)]
    assert [(c.key, c.old) for c in found["removed"]] == [("b", 2)]


def test_the_status_of_a_year_in_each_case(year_world, clock):
    community, staff = year_world["community"], year_world["staff"]
    with tenant_context(community.id):
        clock(2026, 11, 10, 23)  # the deadline day itself: still on time
        assert reports.status_of(2026) == {"status": "draft", "version": None, "submitted_at": None,
                                           "due_on": date(2026, 11, 10)}
        clock(2026, 11, 11, 8)
        assert reports.status_of(2026)["status"] == "late"
        clock(2027, 1, 2, 8)
        assert reports.status_of(2026)["status"] == "missing"
        assert reports.status_of(2027)["status"] == "draft"
        version = reports.submit(2026, actor_id=staff.id)  # late, but submitted
        db.session.commit()
        found = reports.status_of(2026)
        assert (found["status"], found["version"]) == ("submitted", 1)
        assert found["submitted_at"] == version.submitted_at
        reports.set_deadline(due_month=3, due_day=31, actor_id=staff.id)
        db.session.commit()
        assert reports.status_of(2027)["due_on"] == date(2027, 3, 31)


def test_a_deadline_that_is_not_every_years_day_is_refused(year_world):
    with tenant_context(year_world["community"].id):
        for month, day in ((2, 29), (4, 31)):
            with pytest.raises(Exception) as refused:
                reports.set_deadline(due_month=month, due_day=day, actor_id=None)
            assert "due_day" in refused.value.fields
        db.session.rollback()


def test_reminders_go_30_7_and_1_day_before_each_once_and_none_after_a_submission(year_world, clock):
    community = year_world["community"]
    sent = []
    for day in ((10, 10), (10, 11), (10, 11), (10, 12), (11, 3), (11, 3), (11, 5), (11, 9), (11, 10), (11, 11)):
        clock(2026, *day, 8)
        with tenant_context(community.id):
            sent.append(tasks.remind_report_due())
            db.session.commit()
    assert sent == [0, 1, 0, 0, 1, 0, 0, 1, 0, 0]
    events = _events(community, "report.due")
    assert [e.payload["days"] for e in events] == [30, 7, 1]
    assert events[0].audience == {"roles": ["admin", "coordinator"]}


def test_a_missed_run_sends_the_nearest_reminder_once_and_a_submitted_report_none(year_world, clock):
    community, staff = year_world["community"], year_world["staff"]
    clock(2026, 11, 5, 8)  # the runs of 11 October and 3 November were missed
    with tenant_context(community.id):
        assert tasks.remind_report_due() == 1
        db.session.commit()
        clock(2026, 11, 6, 8)
        assert tasks.remind_report_due() == 0
        reports.submit(2026, actor_id=staff.id)
        db.session.commit()
        clock(2026, 11, 9, 8)
        assert tasks.remind_report_due() == 0
    assert [e.payload["days"] for e in _events(community, "report.due")] == [5]


def _admit_formula_unit(community):
    with tenant_context(community.id):
        db.session.add(UnitApplication(unit_name='=HYPERLINK("http://evil.example","点我")', unit_type="shop",
                                       credit_code="91110000000000002X", address="柳荫街4号", contact_name="赵",
                                       contact_mobile="13900000003", consent_at=at(2026, 4, 1, 9),
                                       status="admitted", decided_at=at(2026, 4, 9, 9)))
        db.session.commit()


def test_the_xlsx_keeps_a_formula_like_unit_name_as_text(app, year_world):
    community = year_world["community"]
    _admit_formula_unit(community)
    browser = browser_for(app, year_world["staff"])
    response = browser.get(f"{PAGES}/2026/report.xlsx")
    assert response.status_code == 200 and "spreadsheetml" in response.content_type
    book = load_workbook(io.BytesIO(response.get_data()))
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row
             if isinstance(c.value, str) and c.value.startswith("=HYPERLINK")]
    assert cells and all(c.data_type == "s" and c.quotePrefix for c in cells)
    figures = {row[4]: row[2] for row in book.worksheets[0].iter_rows(min_row=5, values_only=True) if row[4]}
    assert figures["meals_served"] == 5 and figures["units_admitted"] == 2


def test_the_pdf_of_a_version_says_the_community_and_its_figures(app, year_world):
    community, staff = year_world["community"], year_world["staff"]
    with tenant_context(community.id):
        reports.save_narrative(2026, "社区互助成效显著。", actor_id=staff.id)
        reports.submit(2026, actor_id=staff.id)
        db.session.commit()
    browser = browser_for(app, staff)
    response = browser.get(f"{PAGES}/2026/versions/1/report.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = text_of(response.get_data())
    for words in ("柳荫街社区", "2026年度报表", "第1版", "社区互助成效显著", "已满足的需求", "供餐", "每月供餐"):
        assert words in text.replace(" ", "").replace("\n", ""), words
    draft = text_of(browser.get(f"{PAGES}/2026/report.pdf").get_data())
    assert "草稿" in draft


def test_the_api_answers_the_draft_submits_versions_and_refuses_an_edit(app, client, year_world):
    staff = year_world["staff"]
    headers = token_for(client, staff)
    draft = client.get(f"{API}/2026", headers=headers)
    assert draft.status_code == 200
    body = draft.get_json()
    assert body["status"]["status"] == "draft" and body["status"]["due_on"] == "2026-11-10"
    assert _figures(body["parts"])["needs_met"] == 3
    assert client.put(f"{API}/2026/narrative", json={"narrative": "总结"}, headers=headers).status_code == 200
    created = client.post(f"{API}/2026/versions", json={}, headers=headers)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["number"] == 1 and created.get_json()["narrative"] == "总结"
    assert created.get_json()["changes"] is None
    again = client.post(f"{API}/2026/versions", json={"narrative": "总结（更正）"}, headers=headers).get_json()
    assert again["number"] == 2 and again["changes"] == {"changed": [], "added": [], "removed": []}
    listed = client.get(f"{API}/2026/versions", headers=headers).get_json()
    assert [v["number"] for v in listed["items"]] == [1, 2] and listed["next_cursor"] is None
    one = client.get(f"{API}/2026/versions/1", headers=headers).get_json()
    assert one["narrative"] == "总结" and one["submitted_at"].endswith("+00:00")
    for method in ("put", "patch", "delete"):
        refused = getattr(client, method)(f"{API}/2026/versions/1", json={}, headers=headers)
        assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "report_frozen"
    pdf = client.get(f"{API}/2026/versions/2?format=pdf", headers=headers)
    assert pdf.mimetype == "application/pdf"
    assert "spreadsheetml" in client.get(f"{API}/2026?format=xlsx", headers=headers).content_type
    assert client.get(f"{API}/2026?format=doc", headers=headers).status_code == 422
    assert client.get(f"{API}/2026/versions/3", headers=headers).status_code == 404
    assert client.get(f"{API}/1999", headers=headers).status_code == 404
    assert client.get(f"{API}/2027", headers=headers).status_code == 404  # a year that has not begun
    too_long = client.put(f"{API}/2026/narrative", json={"narrative": "长" * 5001}, headers=headers)
    assert too_long.status_code == 422 and "narrative" in too_long.get_json()["error"]["fields"]
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/c/{slug}/reports/{year}/versions/{number}" in spec["paths"]


def test_a_unit_representative_may_not_read_or_submit_the_report(app, client, year_world):
    shopkeeper = member(year_world["community"], "unit", name="店主")
    headers = token_for(client, shopkeeper)
    assert client.get(f"{API}/2026", headers=headers).status_code == 403
    assert client.post(f"{API}/2026/versions", json={}, headers=headers).status_code == 403
    council = member(year_world["community"], "council", name="赵理事")
    headers = token_for(client, council)
    assert client.get(f"{API}/2026", headers=headers).status_code == 200
    assert client.post(f"{API}/2026/versions", json={}, headers=headers).status_code == 403


def test_the_coordinator_reviews_the_draft_writes_the_summary_and_submits_on_the_pages(app, year_world):
    browser = browser_for(app, year_world["staff"])
    listed = browser.get(f"{PAGES}/").get_data(as_text=True)
    assert "2026年度报表" in listed and "草稿" in listed
    page = browser.get(f"{PAGES}/2026").get_data(as_text=True)
    for words in ("在册会员单位", "已满足的需求", "每月供餐", "<svg", "图表数据", "柳荫小学文化角"):
        assert words in page, words
    saved = browser.post(f"{PAGES}/2026", data={"narrative": "今年助餐和文化活动都有进步。"})
    assert saved.status_code == 302
    submitted = browser.post(f"{PAGES}/2026/submit")
    assert submitted.status_code == 302 and submitted.headers["Location"].endswith("/reports/2026/versions/1")
    version = browser.get(f"{PAGES}/2026/versions/1").get_data(as_text=True)
    assert "今年助餐和文化活动都有进步。" in version and "第1版" in version
    with tenant_context(year_world["community"].id):
        add_meal(year_world["offer"], date(2026, 6, 2), "lunch", "delivery")
        db.session.commit()
    browser.post(f"{PAGES}/2026/submit")
    second = browser.get(f"{PAGES}/2026/versions/2").get_data(as_text=True)
    assert "与第1版相比的变化" in second and "<del>5</del>" in second and "<ins>6</ins>" in second
    assert browser.post(f"{PAGES}/2026/versions/1").status_code == 409
    with tenant_context(year_world["community"].id):
        assert db.session.execute(select(ReportVersion.number)).scalars().all() == [1, 2]
    db.session.rollback()


def test_the_deadline_setting_page(app, year_world):
    browser = browser_for(app, year_world["staff"])
    refused = browser.post(f"{PAGES}/settings", data={"due_month": "2", "due_day": "30"})
    assert refused.status_code == 422 and "该月没有这一天" in refused.get_data(as_text=True)
    assert browser.post(f"{PAGES}/settings", data={"due_month": "10", "due_day": "31"}).status_code == 302
    assert "10月31日" in browser.get(f"{PAGES}/").get_data(as_text=True)


def test_the_today_page_and_the_digest_tell_a_report_due_soon_or_late(app, year_world, clock):
    community = year_world["community"]
    browser = browser_for(app, year_world["staff"])
    assert "年度报表还有" not in browser.get("/c/yb/today").get_data(as_text=True)  # June: far away
    with tenant_context(community.id):
        assert "report_days_left" not in digest_counts()
    clock(2026, 11, 3, 9)
    browser = browser_for(app, year_world["staff"])  # months later: a new session
    assert "2026年度报表还有7天截止" in browser.get("/c/yb/today").get_data(as_text=True)
    with tenant_context(community.id):
        assert digest_counts()["report_days_left"] == 7
    clock(2026, 11, 12, 9)
    browser = browser_for(app, year_world["staff"])
    assert "2026年度报表应于2026年11月10日报送，至今尚未报送" in browser.get("/c/yb/today").get_data(as_text=True)
    with tenant_context(community.id):
        assert digest_counts()["report_late"] == 1
    db.session.rollback()


def test_the_staff_overview_and_the_council_home_show_the_year_in_charts_with_their_tables(app, year_world, clock):
    clock(2026, 6, 15, 10)
    staff = browser_for(app, year_world["staff"]).get("/c/yb/").get_data(as_text=True)
    for words in ("2026年图表", "每月满足的需求", "每月供餐", "各类活动", "<table"):
        assert words in staff, words
    council = member(year_world["community"], "council", name="赵理事")
    home = browser_for(app, council).get("/c/yb/home/council").get_data(as_text=True)
    assert "每月满足的需求" in home and 'role="img"' in home


def test_two_coordinators_submitting_at_once_make_distinct_versions_or_one_is_told(app, year_world):
    from tests.concurrency import in_threads

    community, staff = year_world["community"], year_world["staff"]
    db.session.commit()
    results = in_threads(app, community.id, lambda _: reports.submit(2026, actor_id=staff.id).number, [1, 2])
    assert sorted(str(r) for r in results) in (["1", "2"], ["1", "report_submitted"]), results
    with tenant_context(community.id):
        numbers = [v.number for v in reports.versions(2026)]
        reminders = reports._claim(2026, 30), reports._claim(2026, 30)
    db.session.rollback()
    assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) == sum(str(r) != "report_submitted"
                                                                                for r in results)
    assert reminders == (True, False)
