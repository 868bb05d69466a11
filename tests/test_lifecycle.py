"""The request lifecycle (app/lifecycle.py): one commit for a success, a rollback for a refusal or an error,
field messages beside their inputs on pages and the JSON error body on the API."""
import re

import pytest
from flask import flash
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.core.extensions import db
from app.core.validation import Conflict, ValidationFailed
from app.units import services as units
from app.units.models import Unit
from app.units.services import sort_key
from tenants.context import tenant_context
from tests.factories import Browser, CommunityFactory, member, token_for

FORM = {"name": "阿姨家政", "type": "shop", "address": "新街口12号", "contact_name": "王阿姨",
        "contact_phone": "13800000000", "description": "上门保洁", "joined_on": "2024-03-01"}


@pytest.fixture
def community(app):
    return CommunityFactory(slug="lc", name="柳荫街社区")


@pytest.fixture
def admin(community):
    return member(community, "admin")


@pytest.fixture
def browser(app, admin):
    browser = Browser(app.test_client())
    assert browser.login(admin).status_code == 302
    return browser


def unit_count(community) -> int:
    db.session.expire_all()
    with tenant_context(community.id):
        return db.session.execute(select(func.count(Unit.id))).scalar_one()


def flush_then(error):
    """A service that writes two rows (flushed, not committed) and then refuses."""

    def service(data, **kwargs):
        for name in ("先写的单位", "又一个单位"):
            db.session.add(Unit(name=name, name_sort=sort_key(name), type="shop"))
        db.session.flush()
        raise error

    return service


@pytest.fixture
def commits(app):
    """The commits of the requests' sessions (the test's own session is left out)."""
    seen = []
    mine = db.session()

    def on_commit(session):
        if session is not mine:
            seen.append(session)

    event.listen(Session, "after_commit", on_commit)
    yield seen
    event.remove(Session, "after_commit", on_commit)


def test_a_page_refused_by_its_service_shows_the_message_beside_the_field_and_keeps_nothing(
        browser, community, monkeypatch):
    monkeypatch.setattr(units, "create_unit", flush_then(ValidationFailed({"name": ["这个名称不能用"]})))
    response = browser.post("/c/lc/units/new", data=FORM)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert re.search(r'<input id="name"[^>]*aria-invalid="true"', body)
    assert re.search(r'<ul class="field-errors" id="name-error">\s*<li>这个名称不能用</li>', body)
    assert 'value="新街口12号"' in body  # what was typed is shown again
    assert unit_count(community) == 0  # the rows the service had flushed were rolled back


def test_a_form_the_schema_refuses_never_reaches_the_service(browser, community, monkeypatch):
    called = []
    monkeypatch.setattr(units, "create_unit", lambda data: called.append(data))
    response = browser.post("/c/lc/units/new", data={**FORM, "joined_on": "2024-02-30"})
    assert response.status_code == 422
    assert 'id="joined_on-error"' in response.get_data(as_text=True)
    assert called == []


def test_a_refusal_on_an_action_is_flashed_and_redirects_without_the_success_message(
        browser, community, admin, monkeypatch):
    with tenant_context(community.id):
        unit = units.create_unit({"name": "张记包子铺", "type": "shop"})
        db.session.commit()
        unit_id = unit.id

    def refuse(unit, user_id):
        db.session.add(Unit(name="先写的单位", name_sort="x", type="shop"))
        db.session.flush()
        flash("已经说了成功", "success")  # said before the refusal: it goes with the rollback
        raise ValidationFailed({"user_id": ["此人不能代表本单位"]})

    monkeypatch.setattr(units, "add_representative", refuse)
    response = browser.post(f"/c/lc/units/{unit_id}/representatives", data={"user_id": str(admin.id)})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/units/{unit_id}")
    page = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert re.search(r'<p class="flash flash-error">此人不能代表本单位', page)
    assert "flash-success" not in page and "已经说了成功" not in page
    assert unit_count(community) == 1


def test_an_api_conflict_answers_409_and_keeps_nothing(client, community, admin, monkeypatch):
    headers = token_for(client, admin)
    monkeypatch.setattr(units, "create_unit", flush_then(Conflict("已被他人修改", "stale")))
    response = client.post("/api/v1/c/lc/units", json={"name": "阿姨家政", "type": "shop"}, headers=headers)
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "stale"
    assert response.get_json()["error"]["message"] == "已被他人修改"
    assert unit_count(community) == 0


def test_an_api_refusal_answers_422_with_the_fields_and_keeps_nothing(client, community, admin, monkeypatch):
    headers = token_for(client, admin)
    monkeypatch.setattr(units, "create_unit", flush_then(ValidationFailed({"name": ["这个名称不能用"]})))
    response = client.post("/api/v1/c/lc/units", json={"name": "阿姨家政", "type": "shop"}, headers=headers)
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"name": ["这个名称不能用"]}
    assert unit_count(community) == 0


def test_an_unexpected_error_answers_500_and_keeps_nothing(client, community, admin, monkeypatch):
    headers = token_for(client, admin)
    monkeypatch.setattr(units, "create_unit", flush_then(RuntimeError("boom")))
    response = client.post("/api/v1/c/lc/units", json={"name": "阿姨家政", "type": "shop"}, headers=headers)
    assert response.status_code == 500
    assert unit_count(community) == 0


def test_a_successful_write_is_committed_once(browser, client, community, admin, commits):
    response = browser.post("/c/lc/units/new", data=FORM)
    assert response.status_code == 302
    assert len(commits) == 1
    assert unit_count(community) == 1

    headers = token_for(client, admin)
    client.get("/api/v1/me", headers=headers)  # the token's first use is recorded (its own commit)
    commits.clear()
    created = client.post("/api/v1/c/lc/units", json={"name": "北京饭店", "type": "enterprise"}, headers=headers)
    assert created.status_code == 201
    assert len(commits) == 1
    assert unit_count(community) == 2


def test_a_booking_view_runs_again_when_sqlite_reports_a_lock(client, community, admin, monkeypatch):
    """Views marked retry_when_locked run their whole unit of work again; others answer the error."""
    from app import lifecycle

    calls = []

    @lifecycle.retry_when_locked
    def flaky():
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("UPDATE offer_occurrences", {}, Exception("database is locked"))
        return "ok"

    ran = lifecycle.unit_of_work(flaky)
    with client.application.test_request_context("/"):
        assert ran().get_data(as_text=True) == "ok"
    assert len(calls) == 2

    unmarked_calls = []

    def unmarked():
        unmarked_calls.append(1)
        raise OperationalError("UPDATE offer_occurrences", {}, Exception("database is locked"))

    with client.application.test_request_context("/"), pytest.raises(OperationalError):
        lifecycle.unit_of_work(unmarked)()
    assert len(unmarked_calls) == 1  # not run again: the error is answered
