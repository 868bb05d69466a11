"""Security: CSRF on pages and on the cookie-authenticated API, log-in rate limits, security headers,
request size limits."""
import pytest
from sqlalchemy import select

from app.accounts.models import ApiToken, User
from app.core.extensions import db
from tests.factories import PASSWORD, Browser, CommunityFactory, UserFactory, member, token_for


def fresh(model, id_):
    db.session.expire_all()
    return db.session.get(model, id_)


# --- CSRF -------------------------------------------------------------------------------------

def test_page_post_without_csrf_token_is_400_and_changes_nothing(client):
    user = UserFactory(name="原名")
    browser = Browser(client)
    browser.login(user)
    client.set_cookie("huzhu_lang", "en")
    response = client.post("/account", data={"name": "改名", "locale": "zh_CN"})
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert "security token" in response.get_data(as_text=True)
    assert fresh(User, user.id).name == "原名"
    # The same form with its token goes through.
    response = browser.post("/account", data={"name": "改名", "locale": "zh_CN"})
    assert response.status_code == 302
    assert fresh(User, user.id).name == "改名"


def test_page_post_with_a_forged_csrf_token_is_400(client):
    user = UserFactory(name="原名")
    Browser(client).login(user)
    response = client.post("/account", data={"name": "改名", "locale": "zh_CN", "csrf_token": "forged.token.value"})
    assert response.status_code == 400
    assert fresh(User, user.id).name == "原名"


def test_csrf_token_of_another_browser_is_refused(app, client):
    victim = UserFactory(name="原名")
    Browser(client).login(victim)
    attacker = Browser(app.test_client())
    attacker.get("/login")
    response = client.post("/account", data={"name": "改名", "locale": "zh_CN", "csrf_token": attacker.csrf})
    assert response.status_code == 400
    assert fresh(User, victim.id).name == "原名"


def test_login_form_needs_csrf_token(client):
    user = UserFactory()
    response = client.post("/login", data={"login": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/account").status_code == 302


def test_api_with_session_cookie_and_no_csrf_header_is_400_csrf_failed(client):
    user = UserFactory(name="原名")
    browser = Browser(client)
    browser.login(user)
    response = client.patch("/api/v1/me", json={"name": "改名"})
    assert response.status_code == 400
    body = response.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == "csrf_failed"
    assert body["error"]["message"]
    assert fresh(User, user.id).name == "原名"
    # With the page's token in the X-CSRFToken header the browser session may change things.
    response = client.patch("/api/v1/me", json={"name": "改名"}, headers={"X-CSRFToken": browser.csrf})
    assert response.status_code == 200
    assert fresh(User, user.id).name == "改名"


def test_api_delete_with_session_cookie_needs_csrf(client):
    user = UserFactory()
    browser = Browser(client)
    browser.login(user)
    token = client.post("/api/v1/auth/tokens", json={"email": user.email, "password": PASSWORD}).get_json()
    response = client.delete(f"/api/v1/auth/tokens/{token['id']}")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "csrf_failed"
    assert fresh(ApiToken, int(token["id"])).revoked_at is None
    response = client.delete(f"/api/v1/auth/tokens/{token['id']}", headers={"X-CSRFToken": browser.csrf})
    assert response.status_code == 204


def test_api_with_bearer_token_needs_no_csrf(client):
    user = UserFactory(name="原名")
    headers = token_for(client, user)
    response = client.patch("/api/v1/me", json={"name": "新名"}, headers=headers)
    assert response.status_code == 200
    assert response.get_json()["name"] == "新名"
    assert fresh(User, user.id).name == "新名"


def test_a_bogus_bearer_header_does_not_unlock_the_session_cookie(client):
    """Skipping CSRF for bearer requests must not let a cookie ride along on a fake token."""
    user = UserFactory(name="原名")
    Browser(client).login(user)
    response = client.patch("/api/v1/me", json={"name": "改名"}, headers={"Authorization": "Bearer junk"})
    assert response.status_code == 401
    assert fresh(User, user.id).name == "原名"


def test_token_endpoint_needs_no_csrf_and_reading_needs_none(client):
    user = UserFactory()
    Browser(client).login(user)
    assert client.post("/api/v1/auth/tokens", json={"email": user.email, "password": PASSWORD}).status_code == 201
    assert client.get("/api/v1/auth/tokens").status_code == 200


# --- rate limits ------------------------------------------------------------------------------

def _page_login(client, login, password, ip="10.1.1.1"):
    browser = Browser(client)
    browser.get("/login")
    return client.post("/login", data={"login": login, "password": password, "csrf_token": browser.csrf},
                       environ_base={"REMOTE_ADDR": ip})


def _api_login(client, login, password, ip="10.1.1.1"):
    return client.post("/api/v1/auth/tokens", json={"email": login, "password": password},
                       environ_base={"REMOTE_ADDR": ip})


def test_sixth_failed_login_for_one_account_within_a_minute_is_429(client):
    user = UserFactory()
    client.set_cookie("huzhu_lang", "en")
    for i in range(5):
        assert _page_login(client, user.email, f"wrong-{i}", ip=f"10.0.0.{i}").status_code == 401
    response = _page_login(client, user.email, "wrong-6", ip="10.0.0.9")
    assert response.status_code == 429
    assert response.mimetype == "text/html"
    assert "Too many attempts" in response.get_data(as_text=True)
    # Even the right password waits now; the account's name in another case is the same account.
    assert _page_login(client, user.email, PASSWORD, ip="10.0.0.10").status_code == 429
    assert _page_login(client, user.email.upper(), "wrong", ip="10.0.0.11").status_code == 429
    # Another account is not affected.
    other = UserFactory()
    assert _page_login(client, other.email, PASSWORD, ip="10.0.0.12").status_code == 302


def test_api_token_endpoint_is_limited_per_account(client):
    user = UserFactory()
    for i in range(5):
        response = _api_login(client, user.email, f"wrong-{i}", ip=f"10.0.1.{i}")
        assert response.status_code == 401
    response = _api_login(client, user.email, "wrong-6", ip="10.0.1.9")
    assert response.status_code == 429
    body = response.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == "too_many_requests"
    assert _api_login(client, user.email, PASSWORD, ip="10.0.1.10").status_code == 429


def test_page_and_api_failures_count_together_for_an_account(client):
    user = UserFactory()
    for i in range(3):
        assert _page_login(client, user.email, "wrong", ip=f"10.0.2.{i}").status_code == 401
    for i in range(2):
        assert _api_login(client, user.email, "wrong", ip=f"10.0.3.{i}").status_code == 401
    assert _api_login(client, user.email, "wrong", ip="10.0.3.9").status_code == 429


def test_correct_logins_are_not_counted(client):
    user = UserFactory()
    for i in range(4):
        assert _page_login(client, user.email, "wrong", ip=f"10.0.4.{i}").status_code == 401
    for i in range(6):  # many successful log-ins in a row: none of them counts
        assert _page_login(client, user.email, PASSWORD, ip=f"10.0.5.{i}").status_code == 302
        assert _api_login(client, user.email, PASSWORD, ip=f"10.0.6.{i}").status_code == 201
    assert _page_login(client, user.email, "wrong", ip="10.0.4.8").status_code == 401  # the 5th failure
    assert _page_login(client, user.email, "wrong", ip="10.0.4.9").status_code == 429  # the 6th


def test_per_ip_limit_across_many_accounts(app, client):
    app.config["LOGIN_RATE_LIMIT_IP"] = "8 per minute"
    for i in range(8):
        assert _page_login(client, f"nobody{i}@test.example", "wrong", ip="10.9.9.9").status_code == 401
    response = _page_login(client, "nobody-else@test.example", "wrong", ip="10.9.9.9")
    assert response.status_code == 429
    assert _api_login(client, "another@test.example", "wrong", ip="10.9.9.9").status_code == 429
    # Someone at another address is not held up.
    user = UserFactory()
    assert _page_login(client, user.email, PASSWORD, ip="10.9.9.10").status_code == 302


def test_default_per_ip_limit_is_twenty_failures_a_minute(client):
    for i in range(20):
        assert _api_login(client, f"nobody{i}@test.example", "wrong", ip="10.8.8.8").status_code == 401
    assert _api_login(client, "nobody-else@test.example", "wrong", ip="10.8.8.8").status_code == 429


def test_account_limit_follows_config(app, client):
    app.config["LOGIN_RATE_LIMIT_ACCOUNT"] = "2 per minute"
    user = UserFactory()
    assert _page_login(client, user.email, "wrong", ip="10.0.7.1").status_code == 401
    assert _page_login(client, user.email, "wrong", ip="10.0.7.2").status_code == 401
    assert _page_login(client, user.email, "wrong", ip="10.0.7.3").status_code == 429


def test_viewing_the_login_page_is_not_limited(client):
    for _ in range(30):
        assert client.get("/login", environ_base={"REMOTE_ADDR": "10.7.7.7"}).status_code == 200


# --- headers ---------------------------------------------------------------------------------

def _csp(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    directives = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = " ".join(words[1:])
    return directives


@pytest.mark.parametrize("path", ["/", "/login", "/healthz", "/api/v1/openapi.json", "/no-such-page",
                                  "/api/v1/no-such-thing"])
def test_security_headers_on_every_response(client, path):
    response = client.get(path)
    csp = _csp(response)
    script_src = csp.get("script-src", csp.get("default-src"))
    assert script_src is not None
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert csp["frame-ancestors"] == "'none'"
    assert csp.get("object-src") == "'none'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"]
    assert "Strict-Transport-Security" not in response.headers


def test_pages_have_no_inline_scripts(client):
    """The CSP forbids inline scripts, so the pages must not rely on them."""
    import re

    user = UserFactory()
    Browser(client).login(user)
    for path in ["/", "/login", "/account"]:
        html = client.get(path).get_data(as_text=True)
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag, (path, tag)
        assert not re.search(r"\son[a-z]+\s*=", html), path


def test_api_responses_are_not_cached(client):
    headers = token_for(client, UserFactory())
    assert client.get("/api/v1/me", headers=headers).headers["Cache-Control"] == "no-store"


def test_session_cookie_is_httponly_and_samesite(client):
    user = UserFactory()
    browser = Browser(client)
    browser.get("/login")
    response = client.post("/login", data={"login": user.email, "password": PASSWORD, "csrf_token": browser.csrf})
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("huzhu_session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain http in development and tests


@pytest.mark.parametrize("app_config", [{"HUZHU_ENV": "production", "SECRET_KEY": "x", "PUBLIC_BASE_URL": "https://huzhu.example.org"}])
def test_hsts_only_in_production(app, client):
    assert app.config["HUZHU_ENV"] == "production"
    for path in ("/login", "/api/v1/openapi.json", "/no-such-page"):
        hsts = client.get(path).headers.get("Strict-Transport-Security", "")
        assert "max-age=" in hsts, path
        assert int(hsts.split("max-age=")[1].split(";")[0]) >= 15552000


@pytest.mark.parametrize("app_config", [{"HUZHU_ENV": "production", "SECRET_KEY": "x", "PUBLIC_BASE_URL": "https://huzhu.example.org"}])
def test_production_given_as_an_override_has_secure_cookies(app, client):
    """The environment says testing (make test); the configuration handed to create_app says production."""
    assert app.config["SESSION_COOKIE_SECURE"] is True
    response = client.get("/login")
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("huzhu_session="))
    assert "Secure" in cookie


def test_an_override_of_the_environment_decides_the_cookie_flag_and_an_explicit_flag_wins(monkeypatch):
    from app.core import config

    monkeypatch.setenv("HUZHU_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a-production-secret")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://huzhu.example.org")
    assert config.load()["SESSION_COOKIE_SECURE"] is True
    assert config.load({"HUZHU_ENV": "testing"})["SESSION_COOKIE_SECURE"] is False
    assert config.load({"SESSION_COOKIE_SECURE": False})["SESSION_COOKIE_SECURE"] is False


def test_production_from_the_environment_has_secure_cookies_and_needs_a_secret(monkeypatch, database_url):
    from app import create_app

    monkeypatch.setenv("HUZHU_ENV", "production")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://huzhu.example.org")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    monkeypatch.setenv("SECRET_KEY", "a-production-secret")
    prod = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "REDIS_URL": None})
    assert prod.config["SESSION_COOKIE_SECURE"] is True
    with prod.app_context():
        response = prod.test_client().get("/login")
        cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("huzhu_session="))
        assert "Secure" in cookie and "HttpOnly" in cookie
        assert "Strict-Transport-Security" in response.headers
        from app.core.extensions import db as prod_db

        prod_db.session.remove()
        prod_db.engine.dispose()


# --- request size ----------------------------------------------------------------------------

def test_too_large_api_body_is_413_json(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    headers = token_for(client, UserFactory(name="原名"))
    response = client.patch("/api/v1/me", json={"name": "x" * 20_000}, headers=headers)
    assert response.status_code == 413
    body = response.get_json()
    assert set(body) == {"error"} and body["error"]["code"] == "too_large"
    assert set(body["error"]) == {"code", "message", "fields"}


def test_too_large_token_request_is_413_json(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    response = client.post("/api/v1/auth/tokens", json={"email": "a@test.example", "password": "p" * 20_000})
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"


def test_too_large_page_post_is_413_page(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    user = UserFactory(name="原名")
    browser = Browser(client)
    browser.login(user)
    response = browser.post("/account", data={"name": "x" * 20_000, "locale": "zh_CN"})
    assert response.status_code == 413
    assert response.mimetype == "text/html"
    assert "<html" in response.get_data(as_text=True)
    assert fresh(User, user.id).name == "原名"


def test_default_limit_is_five_megabytes(app, client):
    assert app.config["MAX_CONTENT_LENGTH"] == 5 * 1024 * 1024
    headers = token_for(client, UserFactory())
    big = b'{"name": "' + b"x" * (5 * 1024 * 1024) + b'"}'
    response = client.patch("/api/v1/me", data=big, content_type="application/json", headers=headers)
    assert response.status_code == 413


def test_membership_api_in_suspended_or_unknown_community_never_leaks(client):
    """A bearer request to a community one does not belong to is a 404, not a 403 that confirms it exists."""
    community = CommunityFactory()
    stranger = UserFactory()
    headers = token_for(client, stranger)
    assert db.session.execute(select(User).where(User.id == stranger.id)).scalar_one()
    member(community, "resident")
    for slug in (community.slug, "no-such-community"):
        response = client.get(f"/api/v1/c/{slug}/units", headers=headers)
        assert response.status_code == 404
        assert response.get_json()["error"]["code"] == "not_found"
