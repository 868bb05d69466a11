"""A resident's data export: asked for on a page or the API, prepared in the background, announced when
ready (inbox and e-mail), downloaded only by whoever asked or by staff, every download audited, the
sensitive attributes only in the resident's own file, expired files purged, erased residents' files gone."""
import html
import json
from datetime import date, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from app.core.extensions import db
from app.matching import services as matching
from app.needs import services as needs
from app.needs.schemas import NeedIn
from app.notifications.models import OutboxEvent
from app.residents import exports
from app.residents import services as residents
from app.residents.models import SENSITIVE_FIELDS, AuditEvent, DataExport
from tenants.clock import utcnow
from tenants.context import tenant_context
from tests.factories import CommunityFactory, api, browser_for, canteen_lunch, member, page, token_for

TZ = ZoneInfo("Asia/Shanghai")
SENSITIVE = {"disability_category": "visual", "disability_grade": 2, "low_income": True, "living_alone": True,
             "special_hardship": False}


@pytest.fixture
def app_config(smtp_config):
    return smtp_config


@pytest.fixture
def world(app, drain, smtp, clock):
    """王奶奶 holds her own account; she asked for lunch, the canteen delivered it and she rated it."""
    clock(2026, 12, 1, 9)  # that morning
    community = CommunityFactory(slug="lyj", name="柳荫街社区")
    coordinator = member(community, "admin", "coordinator", name="钱干事")
    grandma = member(community, "resident", name="王奶奶")
    cook = member(community, "unit", name="食堂张师傅")
    neighbour = member(community, "resident", name="邻居李大爷")
    with tenant_context(community.id):
        _canteen, lunch = canteen_lunch(cook)
        resident = residents.create_resident({"name": "王奶奶", "phone": "13911112222", "building": "3",
                                              "room": "302", "birth_date": date(1940, 6, 1), "diet_notes": "少盐"},
                                             actor_id=coordinator.id, account_id=grandma.id)
        residents.record_consent(resident, given_by="王奶奶", method="in_person", actor_id=coordinator.id)
        residents.set_sensitive(resident, SENSITIVE, actor_id=coordinator.id)
        need = needs.create_need(NeedIn().load(
            {"kind": "meal", "title": "工作日午饭送餐", "resident_id": str(resident.id),
             "day": "2026-12-01", "slot": "lunch"}), actor_id=grandma.id, tz=TZ)
        match = matching.propose(need, lunch.id, actor_id=coordinator.id)
        matching.accept(match, actor_id=cook.id)
        matching.confirm(match, actor_id=coordinator.id)
        matching.deliver(match, actor_id=cook.id)
        matching.rate(match, 5, "饭菜很软，谢谢", actor_id=grandma.id)
        db.session.commit()
        ids = {"resident": resident.id, "need": need.id}
    drain()
    smtp.messages.clear()
    return {"community": community, "coordinator": coordinator, "grandma": grandma, "cook": cook,
            "neighbour": neighbour, **ids}


def audits(world, action=None) -> list[SimpleNamespace]:
    db.session.rollback()
    with tenant_context(world["community"].id):
        rows = [SimpleNamespace(action=r.action, actor_id=r.actor_id, field=r.field) for r in db.session.execute(
            select(AuditEvent).where(AuditEvent.resident_id == world["resident"]).order_by(AuditEvent.id)).scalars()]
    db.session.rollback()
    return [r for r in rows if action is None or r.action == action]


def ask(client, world, user) -> tuple[dict, dict]:
    headers = token_for(client, user)
    response = client.post(api("lyj", f"/residents/{world['resident']}/exports"), headers=headers)
    assert response.status_code == 202, response.get_data(as_text=True)
    return response.get_json(), headers


# --- the resident's own file ---------------------------------------------------------------------

def test_the_resident_asks_is_told_when_ready_and_downloads_everything(app, client, world, drain, smtp):
    grandma = world["grandma"]
    body, headers = ask(client, world, grandma)
    assert body["status"] == "pending" and body["expires_at"] is None
    export_id = body["id"]
    drain()
    status = client.get(api("lyj", f"/residents/exports/{export_id}"), headers=headers).get_json()
    assert status["status"] == "ready" and status["sensitive_included"] is True and status["expires_at"]
    inbox = client.get("/api/v1/me/notifications", headers=headers).get_json()["items"]
    [told] = [item for item in inbox if item["link"] and item["link"].endswith(f"/{world['resident']}/exports")]
    assert "下载" in told["title"]
    [mail] = [m for m in smtp.messages if m["to"] == grandma.email]
    text = mail["message"].get_body(preferencelist=("plain",)).get_content()
    assert f"/c/lyj/residents/{world['resident']}/exports" in text
    assert "13911112222" not in text and "视力" not in text  # the e-mail carries a link, not the data

    response = client.get(api("lyj", f"/residents/exports/{export_id}/download"), headers=headers)
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    assert "王奶奶" in response.get_data(as_text=True)  # readable Chinese, not \\u escapes
    data = response.get_json()
    assert data["resident"]["name"] == "王奶奶" and data["resident"]["phone"] == "13911112222"
    assert data["resident"]["birth_date"] == "1940-06-01" and data["resident"]["diet_notes"] == "少盐"
    assert data["sensitive_included"] is True and data["sensitive"] == SENSITIVE
    assert [(c["given_by"], c["method"]) for c in data["consents"]] == [("王奶奶", "in_person")]
    [need] = data["needs"]
    assert need["title"] == "工作日午饭送餐" and need["status"] == "done"
    assert [(h["from"], h["to"]) for h in need["history"]] == [
        (None, "submitted"), ("submitted", "matched"), ("matched", "in_service"), ("in_service", "done")]
    assert need["matches"] == [{"offer": "助餐午饭", "unit": "京华物业食堂", "status": "rated", "quantity": 1,
                                "rating": 5, "comment": "饭菜很软，谢谢",
                                "created_at": need["matches"][0]["created_at"]}]
    assert data["access_log"][-1]["action"] == "export"

    # Preparing the file read the sensitive fields for her, and each download is recorded.
    assert [e.actor_id for e in audits(world, "export")] == [grandma.id]
    assert [e.actor_id for e in audits(world, "download")] == [grandma.id]
    reads = [e for e in audits(world, "read") if e.actor_id == grandma.id]
    assert sorted(e.field for e in reads) == sorted(SENSITIVE_FIELDS * 2)  # once preparing, once downloading
    client.get(api("lyj", f"/residents/exports/{export_id}/download"), headers=headers)
    assert len(audits(world, "download")) == 2


def test_a_file_still_being_prepared_answers_409_not_ready(app, client, world):
    with tenant_context(world["community"].id):
        waiting = DataExport(resident_id=world["resident"], requested_by_id=world["grandma"].id)
        db.session.add(waiting)  # as the job has not run yet (no job is queued for this row)
        db.session.commit()
        export_id = waiting.id
    headers = token_for(client, world["grandma"])
    response = client.get(api("lyj", f"/residents/exports/{export_id}/download"), headers=headers)
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "not_ready" and response.get_json()["error"]["message"]
    assert audits(world, "download") == []
    browser = browser_for(app, world["grandma"])
    listing = html.unescape(browser.get(page("lyj", f"/residents/{world['resident']}/exports")).get_data(as_text=True))
    assert "准备中" in listing and page("lyj", f"/residents/exports/{export_id}.json") not in listing
    response = browser.get(page("lyj", f"/residents/exports/{export_id}.json"))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/{world['resident']}/exports")


def pending_export(world, **fields) -> int:
    """A file asked for whose job has not run (the API would have run it in-process already)."""
    with tenant_context(world["community"].id):
        waiting = DataExport(resident_id=world["resident"], requested_by_id=world["grandma"].id, **fields)
        db.session.add(waiting)
        db.session.commit()
        return waiting.id


def ready_events(world) -> list[OutboxEvent]:
    return list(db.session.execute(select(OutboxEvent).where(OutboxEvent.event == "resident.export_ready"))
                .scalars())


def test_the_ready_notification_is_written_with_the_file(app, world):
    export_id = pending_export(world)
    with tenant_context(world["community"].id):
        assert exports.build(export_id) == "ready"
        assert len(ready_events(world)) == 1 and db.session.get(DataExport, export_id).status == "ready"
        db.session.rollback()  # the job failing at its commit leaves neither a ready file nor a message
        assert db.session.get(DataExport, export_id).status == "pending" and ready_events(world) == []
        exports.build(export_id)
        db.session.commit()
        [event] = ready_events(world)
        assert event.audience == {"user_ids": [world["grandma"].id]}
        assert "13911112222" not in json.dumps(event.payload)
        assert exports.build(export_id) == "skipped"  # a repeated job changes nothing
        db.session.commit()
        assert len(ready_events(world)) == 1
    db.session.rollback()


def test_asking_again_while_preparing_gives_the_same_file_and_requeues_a_lost_job(app, client, world, drain):
    waiting = pending_export(world)
    headers = token_for(client, world["grandma"])
    again = client.post(api("lyj", f"/residents/{world['resident']}/exports"), headers=headers).get_json()
    assert again["id"] == str(waiting) and again["status"] == "pending"
    drain()
    assert client.get(api("lyj", f"/residents/exports/{waiting}"), headers=headers).get_json()["status"] == "pending"
    # Still pending minutes later: its job was lost (Redis down at the commit); asking again queues it again.
    with tenant_context(world["community"].id):
        db.session.execute(update(DataExport).values(created_at=utcnow() - timedelta(minutes=10)))
        db.session.commit()
    assert client.post(api("lyj", f"/residents/{world['resident']}/exports"),
                       headers=headers).get_json()["id"] == str(waiting)
    drain()
    assert client.get(api("lyj", f"/residents/exports/{waiting}"), headers=headers).get_json()["status"] == "ready"


def test_after_withdrawal_the_file_has_no_sensitive_values(app, client, world, drain):
    with tenant_context(world["community"].id):
        residents.withdraw_consent(residents.get_resident(world["resident"]), actor_id=world["grandma"].id)
        db.session.commit()
    body, headers = ask(client, world, world["grandma"])
    drain()
    data = client.get(api("lyj", f"/residents/exports/{body['id']}/download"), headers=headers).get_json()
    assert data["sensitive"] is None and data["consents"][0]["withdrawn_at"]
    assert "visual" not in json.dumps(data)


# --- staff, and everyone else ----------------------------------------------------------------------

def test_a_file_staff_prepare_leaves_the_sensitive_attributes_out(app, client, world, drain):
    coordinator = world["coordinator"]
    body, headers = ask(client, world, coordinator)
    drain()
    assert client.get(api("lyj", f"/residents/exports/{body['id']}"),
                      headers=headers).get_json()["sensitive_included"] is False
    response = client.get(api("lyj", f"/residents/exports/{body['id']}/download"), headers=headers)
    data = response.get_json()
    assert data["sensitive_included"] is False and data["sensitive"] is None
    assert "visual" not in response.get_data(as_text=True)
    assert data["resident"]["name"] == "王奶奶" and data["needs"][0]["matches"][0]["rating"] == 5
    # Nothing sensitive was read for the file (the earlier reads are the matching's, when proposing, and the
    # meal's price, when the match was confirmed).
    assert not [e for e in audits(world, "read") if e.actor_id == coordinator.id
                and e.field not in ("matching", "meal_price")]
    assert [e.actor_id for e in audits(world, "download")] == [coordinator.id]


def test_only_the_person_who_asked_or_staff_download(app, client, world, drain):
    own, grandma_headers = ask(client, world, world["grandma"])
    staff_file, staff_headers = ask(client, world, world["coordinator"])
    drain()
    # The resident's own file: the staff may fetch it for her (and reading its sensitive part is audited).
    assert client.get(api("lyj", f"/residents/exports/{own['id']}/download"), headers=staff_headers).status_code == 200
    staff_reads = [e.field for e in audits(world, "read")
                   if e.actor_id == world["coordinator"].id and e.field not in ("matching", "meal_price")]
    assert sorted(staff_reads) == sorted(SENSITIVE_FIELDS)
    # The resident did not ask for the staff's file; the unit and a neighbour asked for neither.
    assert client.get(api("lyj", f"/residents/exports/{staff_file['id']}/download"),
                      headers=grandma_headers).status_code == 403
    for outsider in (world["cook"], world["neighbour"]):
        headers = token_for(client, outsider)
        for export_id in (own["id"], staff_file["id"]):
            for path in (f"/exports/{export_id}", f"/exports/{export_id}/download"):
                response = client.get(api("lyj", "/residents" + path), headers=headers)
                assert response.status_code == 403, (outsider.name, path)
                assert "王奶奶" not in response.get_data(as_text=True)
        assert client.post(api("lyj", f"/residents/{world['resident']}/exports"), headers=headers).status_code == 403
        assert client.get(api("lyj", f"/residents/{world['resident']}/exports"), headers=headers).status_code == 403
    # Lists: the resident sees her own files, the staff every file of the resident.
    mine = client.get(api("lyj", f"/residents/{world['resident']}/exports"),
                      headers=grandma_headers).get_json()["items"]
    assert [e["id"] for e in mine] == [own["id"]]
    every = client.get(api("lyj", f"/residents/{world['resident']}/exports"), headers=staff_headers).get_json()["items"]
    assert [e["id"] for e in every] == [staff_file["id"], own["id"]]
    assert {e.actor_id for e in audits(world, "download")} == {world["coordinator"].id}


def test_an_account_that_no_longer_acts_for_the_resident_cannot_download(app, client, world, drain):
    body, headers = ask(client, world, world["grandma"])
    drain()
    with tenant_context(world["community"].id):
        residents.get_resident(world["resident"]).account_id = world["neighbour"].id
        db.session.commit()
    assert client.get(api("lyj", f"/residents/exports/{body['id']}/download"), headers=headers).status_code == 403


# --- expiry, purge, erasure ------------------------------------------------------------------------

def test_expired_files_are_gone_and_the_retention_purge_deletes_them(app, client, world, drain):
    body, headers = ask(client, world, world["grandma"])
    drain()
    pending_export(world, created_at=utcnow() - timedelta(days=2))  # its job never ran
    fresh = pending_export(world)  # asked for a moment ago: kept
    with tenant_context(world["community"].id):
        db.session.execute(update(DataExport).where(DataExport.id == int(body["id"]))
                           .values(expires_at=utcnow() - timedelta(minutes=1)))
        db.session.commit()
    assert client.get(api("lyj", f"/residents/exports/{body['id']}/download"), headers=headers).status_code == 404
    listed = client.get(api("lyj", f"/residents/{world['resident']}/exports"), headers=headers).get_json()["items"]
    assert body["id"] not in [e["id"] for e in listed]
    with tenant_context(world["community"].id):
        assert exports.purge_expired() == 2
        db.session.commit()
        assert db.session.execute(select(DataExport.id)).scalars().all() == [fresh]
    db.session.rollback()


def test_erasing_the_resident_deletes_the_prepared_files(app, client, world, drain):
    body, headers = ask(client, world, world["grandma"])
    drain()
    admin_headers = token_for(client, world["coordinator"])
    assert client.post(api("lyj", f"/residents/{world['resident']}/erase"), headers=admin_headers).status_code == 200
    with tenant_context(world["community"].id):
        assert db.session.execute(select(DataExport)).all() == []
    db.session.rollback()
    assert client.get(api("lyj", f"/residents/exports/{body['id']}/download"), headers=admin_headers).status_code == 404


# --- pages -----------------------------------------------------------------------------------------

def test_the_resident_prepares_and_downloads_the_file_on_the_pages(app, world, drain):
    browser = browser_for(app, world["grandma"])
    detail = html.unescape(browser.get(page("lyj", f"/residents/{world['resident']}")).get_data(as_text=True))
    assert page("lyj", f"/residents/{world['resident']}/exports") in detail
    listing = html.unescape(browser.get(page("lyj", f"/residents/{world['resident']}/exports")).get_data(as_text=True))
    assert "下载" in listing and "JSON" in listing
    response = browser.post(page("lyj", f"/residents/{world['resident']}/exports"))
    assert response.status_code == 302
    waiting = html.unescape(browser.get(page("lyj", f"/residents/{world['resident']}/exports")).get_data(as_text=True))
    assert "正在准备文件" in waiting  # the flash; without Redis the job has already run, with it not yet
    drain()
    ready = browser.get(page("lyj", f"/residents/{world['resident']}/exports")).get_data(as_text=True)
    with tenant_context(world["community"].id):
        export_id = db.session.execute(select(DataExport.id)).scalar_one()
    db.session.rollback()
    link = page("lyj", f"/residents/exports/{export_id}.json")
    assert link in ready
    response = browser.get(link)
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["sensitive"] == SENSITIVE and data["needs"][0]["matches"][0]["unit"] == "京华物业食堂"
    assert [e.actor_id for e in audits(world, "download")] == [world["grandma"].id]
    # A neighbour cannot open her page of files nor the file.
    neighbour = browser_for(app, world["neighbour"])
    assert neighbour.get(page("lyj", f"/residents/{world['resident']}/exports")).status_code == 403
    assert neighbour.get(link).status_code == 403
