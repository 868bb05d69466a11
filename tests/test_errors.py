"""Errors: pages in the user's language, the CONTRACT.md JSON format on the API, and never a 500
for bad input."""
import re

import pytest

from app.accounts.models import User
from app.core.extensions import db
from tenants.context import tenant_context
from tests.factories import CommunityFactory, UnitFactory, UserFactory, member, token_for

HUGE = "9" * 30


def assert_error(response, status, code=None):
    """The exact CONTRACT.md body: {"error": {"code": str, "message": str, "fields": {field: [str]}}}."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"code", "message", "fields"}
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["fields"], dict)
    for field, messages in error["fields"].items():
        assert isinstance(field, str)
        assert isinstance(messages, list) and messages and all(isinstance(m, str) and m for m in messages)
    if code is not None:
        assert error["code"] == code
    return error


def html_lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.get_data(as_text=True)).group(1)


@pytest.fixture
def user(app):
    return UserFactory(name="原名")


@pytest.fixture
def auth(client, user):
    return token_for(client, user)


# --- pages ------------------------------------------------------------------------------------

def test_404_page_is_chinese_by_default(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert html_lang(response) == "zh-CN"
    html = response.get_data(as_text=True)
    assert "未找到该页面或内容" in html
    assert "The page or object was not found" not in html


def test_404_page_in_english_with_the_language_cookie(client):
    client.set_cookie("huzhu_lang", "en")
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert html_lang(response) == "en"
    html = response.get_data(as_text=True)
    assert "The page or object was not found." in html
    assert "未找到该页面或内容" not in html


def test_404_page_follows_the_users_account_language(client, user):
    from tests.factories import Browser

    db.session.get(User, user.id).locale = "en"
    db.session.commit()
    Browser(client).login(user)
    response = client.get("/c/no-such-community/")
    assert response.status_code == 404
    assert html_lang(response) == "en"


def test_405_on_a_page_is_a_page(client):
    response = client.delete("/login")
    assert response.status_code in (400, 405)  # CSRF may speak first for a state-changing method
    assert response.mimetype == "text/html"
    response = client.put("/healthz")
    assert response.status_code in (400, 405)
    assert response.mimetype == "text/html"


# --- the API error format ------------------------------------------------------------------------

def test_api_404(client, auth):
    assert_error(client.get("/api/v1/no-such-thing"), 404, "not_found")
    assert_error(client.get("/api/v1/no-such-thing", headers=auth), 404, "not_found")
    assert_error(client.get("/api/v1/c/no-such-community/units", headers=auth), 404, "not_found")


def test_api_401(client):
    error = assert_error(client.get("/api/v1/me"), 401, "unauthorized")
    assert error["fields"] == {}
    assert_error(client.patch("/api/v1/me", json={"name": "x"}, headers={"Authorization": "Bearer nope"}), 401)


def test_api_405_names_the_allowed_methods(client, auth):
    response = client.put("/api/v1/me", json={"name": "x"}, headers=auth)
    assert_error(response, 405, "method_not_allowed")
    allowed = {m.strip() for m in response.headers["Allow"].split(",")}
    assert {"GET", "PATCH"} <= allowed


def test_api_422_names_the_field(client, auth, user):
    error = assert_error(client.patch("/api/v1/me", json={"locale": "fr"}, headers=auth), 422, "invalid")
    assert list(error["fields"]) == ["locale"]
    assert db.session.get(User, user.id).locale is None


def test_api_400_malformed_json(client, auth):
    for body in ['{"name": ', "{'name': 'x'}", "not json at all", '{"name": "x"} trailing', "\xff\xfe"]:
        response = client.patch("/api/v1/me", data=body, content_type="application/json", headers=auth)
        assert_error(response, 400)
    response = client.post("/api/v1/auth/tokens", data='{"email": ', content_type="application/json")
    assert_error(response, 400)


def test_api_unknown_field_is_422_naming_it(client, auth, user):
    error = assert_error(client.patch("/api/v1/me", json={"nmae": "新名"}, headers=auth), 422, "invalid")
    assert "nmae" in error["fields"]
    db.session.expire_all()
    assert db.session.get(User, user.id).name == "原名"
    error = assert_error(client.post("/api/v1/auth/tokens", json={"email": "a@b.cn", "password": "x", "is_admin": 1}),
                         422)
    assert "is_admin" in error["fields"]


@pytest.mark.parametrize("body, field", [
    ({"name": 123}, "name"), ({"name": None}, "name"), ({"name": ["a"]}, "name"), ({"name": {"a": 1}}, "name"),
    ({"large_text": "maybe"}, "large_text"), ({"large_text": [True]}, "large_text"), ({"locale": 1}, "locale"),
])
def test_api_wrong_type_is_422_naming_the_field(client, auth, user, body, field):
    error = assert_error(client.patch("/api/v1/me", json=body, headers=auth), 422, "invalid")
    assert field in error["fields"]
    db.session.expire_all()
    assert db.session.get(User, user.id).name == "原名"


def test_api_over_long_string_is_422(client, auth, user):
    error = assert_error(client.patch("/api/v1/me", json={"name": "长" * 101}, headers=auth), 422, "invalid")
    assert list(error["fields"]) == ["name"]
    assert client.patch("/api/v1/me", json={"name": "长" * 100}, headers=auth).status_code == 200
    error = assert_error(client.post("/api/v1/auth/tokens", json={"email": "a" * 300 + "@b.cn", "password": "x"}),
                         422)
    assert "email" in error["fields"]


def test_api_empty_string_is_422(client, auth):
    error = assert_error(client.patch("/api/v1/me", json={"name": ""}, headers=auth), 422)
    assert "name" in error["fields"]


def test_api_messages_follow_the_language(client, auth):
    zh = assert_error(client.patch("/api/v1/me", json={"nmae": 1}, headers={**auth, "Accept-Language": "zh-CN"}), 422)
    en = assert_error(client.patch("/api/v1/me", json={"nmae": 1}, headers={**auth, "Accept-Language": "en"}), 422)
    assert zh["fields"]["nmae"] != en["fields"]["nmae"]
    assert en["fields"]["nmae"] == ["Unknown field."]
    assert re.search(r"[\u4e00-\u9fff]", zh["fields"]["nmae"][0])


# --- nothing is a 500 --------------------------------------------------------------------------

@pytest.mark.parametrize("payload", [[], [1, 2], "a string", 42, None, True, [{"name": "x"}]])
def test_api_non_object_json_body_is_not_a_500(client, auth, payload):
    import json

    data = json.dumps(payload)
    for method, url, headers in [("PATCH", "/api/v1/me", auth), ("POST", "/api/v1/auth/tokens", {})]:
        response = client.open(url, method=method, data=data, content_type="application/json", headers=headers)
        assert response.status_code in (400, 422), (url, payload, response.get_data(as_text=True))
        assert_error(response, response.status_code)


def test_token_request_with_a_list_body_is_not_a_500(client):
    response = client.post("/api/v1/auth/tokens", json=[{"email": "a@b.cn", "password": "x"}])
    assert response.status_code in (400, 422)
    assert_error(response, response.status_code)


@pytest.mark.parametrize("url", [
    f"/api/v1/auth/tokens/{HUGE}", "/api/v1/auth/tokens/2147483648", "/api/v1/auth/tokens/9223372036854775808",
    "/api/v1/auth/tokens/-1", "/api/v1/auth/tokens/abc", "/api/v1/auth/tokens/1.5",
])
def test_api_huge_or_odd_id_in_url_is_404(client, auth, url):
    assert_error(client.delete(url, headers=auth), 404)


def test_api_huge_ids_on_community_routes_are_404(client):
    community = CommunityFactory()
    admin = member(community, "admin")
    headers = token_for(client, admin)
    base = f"/api/v1/c/{community.slug}"
    for url in [f"{base}/units/{HUGE}", f"{base}/units/2147483648", f"{base}/members/{HUGE}",
                f"{base}/units/imports/{HUGE}", f"{base}/units/{HUGE}/representatives/{HUGE}"]:
        method = "DELETE" if url.endswith(HUGE) and "representatives" in url else "GET"
        assert_error(client.open(url, method=method, headers=headers), 404)
    assert_error(client.patch(f"{base}/units/{HUGE}", json={"name": "x"}, headers=headers), 404)


def test_page_huge_id_in_url_is_404_page(client, user):
    from tests.factories import Browser

    browser = Browser(client)
    browser.login(user)
    browser.get("/account")
    response = browser.post(f"/account/tokens/{HUGE}/revoke")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    community = CommunityFactory()
    member(community, "admin", user=db.session.get(User, user.id))
    with tenant_context(community.id):
        UnitFactory()
    response = client.get(f"/c/{community.slug}/units/{HUGE}")
    assert response.status_code == 404


@pytest.mark.parametrize("junk", [
    "a\u0000b", "\ud800", "\U0001F4A9" * 50, "\u202e\u200b\ufeff", "Ω≈ç√∫˜µ≤≥÷", "<script>alert(1)</script>",
    "' OR 1=1 --", "${7*7}{{7*7}}",
])
def test_unicode_junk_never_gives_a_500(client, auth, junk):
    import json

    body = json.dumps({"name": junk}).encode()  # ensure_ascii keeps lone surrogates encodable
    response = client.patch("/api/v1/me", data=body, content_type="application/json", headers=auth)
    assert response.status_code in (200, 400, 422), response.get_data(as_text=True)
    if response.status_code != 200:
        assert_error(response, response.status_code)
    else:
        assert response.get_json()["name"] == junk.strip()
    response = client.post("/api/v1/auth/tokens", data=json.dumps({"email": junk, "password": junk}).encode(),
                           content_type="application/json")
    assert response.status_code in (400, 401, 422), response.get_data(as_text=True)
    assert_error(response, response.status_code)
    if junk != "\ud800":  # a lone surrogate cannot even be put into a URL
        assert client.get(f"/api/v1/c/{junk}/units", headers=auth).status_code in (400, 404)
        assert client.get(f"/c/{junk}/").status_code in (302, 400, 404)


def test_login_form_with_junk_is_not_a_500(client):
    from tests.factories import Browser

    browser = Browser(client)
    for junk in ["a\u0000b@test.example", "\U0001F4A9", "x" * 5000, "1" * 11, "13800000000\u0000"]:
        response = browser.post("/login", data={"login": junk, "password": junk})
        assert response.status_code in (400, 401, 422), (junk, response.status_code)


@pytest.mark.parametrize("query", ["limit=abc", "limit=0", "limit=100000", f"limit={HUGE}", "cursor=%%%",
                                   "cursor=" + "A" * 600, "cursor=W10", "cursor=bm90IGpzb24", "limit=-5",
                                   "cursor=WyJ4Il0"])
def test_bad_paging_parameters_are_not_a_500(client, query):
    community = CommunityFactory()
    admin = member(community, "admin")
    headers = token_for(client, admin)
    response = client.get(f"/api/v1/c/{community.slug}/units?{query}", headers=headers)
    assert response.status_code in (400, 422), response.get_data(as_text=True)
    assert_error(response, response.status_code)


def test_wrong_content_type_is_not_a_500(client, auth, user):
    for data, content_type in [("name=x", "application/x-www-form-urlencoded"),
                               (b"\x00\x01\x02", "application/octet-stream"), ("<name>x</name>", "text/xml")]:
        response = client.patch("/api/v1/me", data=data, content_type=content_type, headers=auth)
        assert response.status_code in (200, 400, 415, 422), response.get_data(as_text=True)
        if response.status_code != 200:
            assert_error(response, response.status_code)
    db.session.expire_all()
    assert db.session.get(User, user.id).name == "原名"


@pytest.mark.own_app  # it adds routes, which an app that has served requests refuses
def test_an_unexpected_error_is_a_friendly_500_not_a_traceback(app, client):
    @app.get("/api/v1/_boom")
    def _boom():
        raise RuntimeError("secret internals")

    @app.get("/_boom")
    def _page_boom():
        raise RuntimeError("secret internals")

    error = assert_error(client.get("/api/v1/_boom"), 500, "server_error")
    assert "secret internals" not in error["message"]
    response = client.get("/_boom")
    assert response.status_code == 500
    assert response.mimetype == "text/html"
    assert "secret internals" not in response.get_data(as_text=True)


def test_ids_typed_into_forms_that_are_no_ids_are_not_a_500_and_change_nothing(app, client, drain):
    """A superscript digit, a 30-digit number and an id past the database's range, where pages read ids."""
    from app.notifications import services as notifications
    from app.notifications.models import InboxEntry
    from tests.factories import Browser

    community = CommunityFactory()
    admin = member(community, "admin", "coordinator")
    with tenant_context(community.id):
        notifications.emit("announcement", audience=notifications.to_users(admin.id),
                           payload={"title": "停电通知", "body": "周六检修"})
        db.session.commit()
    drain()  # the announcement reaches the inbox (RQ with Redis, in-process without)

    def unread() -> int:
        with tenant_context(community.id):
            return len(db.session.execute(db.select(InboxEntry).where(InboxEntry.read_at.is_(None))).all())

    before = unread()
    assert before >= 1
    browser = Browser(client)
    browser.login(admin)
    for junk in ["²", "1" * 30, "9999999999"]:
        assert browser.post("/notifications/read", data={"id": junk}).status_code == 302
        assert unread() == before, junk  # an id that is no id marks nothing read
        page = browser.get(f"/c/{community.slug}/meals/plans/new?resident_id={junk}")
        assert page.status_code == 200, junk
