"""Accounts: log-in by e-mail or mobile, server-side sessions (fixation, logout, idle timeout,
password change), safe `next` redirects, password rules, and API tokens."""
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from app.accounts import services
from app.accounts.models import ApiToken, User, UserSession, digest
from app.core.extensions import db
from app.core.validation import ValidationFailed
from tenants.clock import utcnow
from tests.factories import PASSWORD, Browser, CommunityFactory, UserFactory, member, token_for

COOKIE = "huzhu_session"


def cookie_value(client, name=COOKIE):
    cookie = client.get_cookie(name)
    return cookie.value if cookie is not None else None


def copy_cookie(source, target, name=COOKIE):
    target.set_cookie(name, cookie_value(source, name))


def logged_in(client) -> bool:
    """Whether the client's cookie opens the account page (a logged-out client is sent to /login)."""
    response = client.get("/account")
    if response.status_code == 302:
        assert "/login" in response.headers["Location"]
        return False
    assert response.status_code == 200
    return True


def live_sessions(user) -> list[UserSession]:
    db.session.expire_all()
    return list(db.session.execute(
        select(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))).scalars())


# --- log-in ---------------------------------------------------------------------------------------

def test_login_by_email(client):
    user = UserFactory(email="wang.fang@test.example")
    browser = Browser(client)
    response = browser.login("wang.fang@test.example")
    assert response.status_code == 302
    assert logged_in(client)
    assert len(live_sessions(user)) == 1


def test_login_by_email_ignores_case_and_spaces(client):
    UserFactory(email="li.na@test.example")
    browser = Browser(client)
    assert browser.login("  LI.NA@test.example ").status_code == 302
    assert logged_in(client)


def test_login_by_mobile_phone(client):
    user = UserFactory(email=None, phone="13912345678")
    browser = Browser(client)
    response = browser.login("13912345678")
    assert response.status_code == 302
    assert logged_in(client)
    assert len(live_sessions(user)) == 1


def test_wrong_password_is_401_with_field_message_and_no_session(client):
    user = UserFactory()
    client.set_cookie("huzhu_lang", "en")
    browser = Browser(client)
    response = browser.login(user, "wrong-password-1")
    assert response.status_code == 401
    html = response.get_data(as_text=True)
    errors = re.search(r'<ul class="field-errors" id="password-error">(.*?)</ul>', html, re.S)
    assert errors is not None, "the password field carries the message"
    assert "password is wrong" in errors.group(1)
    assert live_sessions(user) == []
    assert not logged_in(client)


def test_unknown_login_is_401_like_a_wrong_password(client):
    browser = Browser(client)
    response = browser.login("nobody@test.example")
    assert response.status_code == 401
    assert not logged_in(client)


def test_inactive_user_cannot_log_in(client):
    user = UserFactory(active=False)
    assert Browser(client).login(user).status_code == 401
    assert live_sessions(user) == []


def test_empty_login_form_is_422(client):
    browser = Browser(client)
    response = browser.post("/login", data={"login": "", "password": ""})
    assert response.status_code == 422
    assert not logged_in(client)


def test_login_gives_a_new_session_id_and_an_old_cookie_is_not_logged_in(app, client):
    user = UserFactory()
    browser = Browser(client)
    browser.get("/login")
    before = cookie_value(client)
    assert before, "the log-in page sets a (pre-login) session cookie for the CSRF token"
    response = client.post("/login", data={"login": user.email, "password": PASSWORD, "csrf_token": browser.csrf})
    assert response.status_code == 302
    after = cookie_value(client)
    assert after and after != before
    # A cookie planted before log-in (session fixation) stays anonymous.
    attacker = app.test_client()
    attacker.set_cookie(COOKIE, before)
    assert not logged_in(attacker)
    assert logged_in(client)


def test_two_logins_make_two_distinct_sessions(app, client):
    user = UserFactory()
    Browser(client).login(user)
    other = app.test_client()
    Browser(other).login(user)
    assert cookie_value(client) != cookie_value(other)
    assert len(live_sessions(user)) == 2


def test_session_table_stores_only_a_hash_of_the_cookie_secret(client):
    user = UserFactory()
    Browser(client).login(user)
    (record,) = live_sessions(user)
    assert len(record.id) == 64
    # The secret travels in the (signed, readable) cookie; the table holds its sha256 only.
    secret = _cookie_secret(client)
    assert secret != record.id
    assert digest(secret) == record.id


def _cookie_secret(client) -> str:
    from flask import current_app
    from flask.sessions import SecureCookieSessionInterface

    serializer = SecureCookieSessionInterface().get_signing_serializer(current_app)
    return serializer.loads(cookie_value(client))["_user_id"]


# --- log-out, idle timeout, password change --------------------------------------------------

def test_logout_ends_the_session_for_every_copy_of_the_cookie(app, client):
    user = UserFactory()
    browser = Browser(client)
    browser.login(user)
    copy = app.test_client()
    copy_cookie(client, copy)
    assert logged_in(copy)

    response = browser.post("/logout")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    assert not logged_in(client)
    response = copy.get("/account")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert live_sessions(user) == []


def test_logout_needs_csrf_token(client):
    user = UserFactory()
    Browser(client).login(user)
    response = client.post("/logout")
    assert response.status_code == 400
    assert logged_in(client)


def test_idle_session_times_out(client):
    user = UserFactory()
    Browser(client).login(user)
    assert logged_in(client)
    (record,) = live_sessions(user)
    record.last_seen_at = utcnow() - timedelta(minutes=31)
    db.session.commit()
    assert not logged_in(client)
    db.session.expire_all()
    assert db.session.get(UserSession, record.id).ended_at is not None
    # Coming back later does not revive it.
    record = db.session.get(UserSession, record.id)
    record.last_seen_at = utcnow()
    db.session.commit()
    assert not logged_in(client)


def test_active_session_is_kept_alive_by_use(client):
    user = UserFactory()
    Browser(client).login(user)
    (record,) = live_sessions(user)
    record.last_seen_at = utcnow() - timedelta(minutes=29)
    db.session.commit()
    assert logged_in(client)
    db.session.expire_all()
    seen = services.aware(db.session.get(UserSession, record.id).last_seen_at)
    assert utcnow() - seen < timedelta(minutes=1), "a request touches the session"


@pytest.mark.parametrize("minutes, alive", [(5, True), (1, False)])
def test_idle_timeout_follows_config(app, client, minutes, alive):
    app.config["SESSION_IDLE_MINUTES"] = minutes
    user = UserFactory()
    Browser(client).login(user)
    (record,) = live_sessions(user)
    record.last_seen_at = utcnow() - timedelta(minutes=3)
    db.session.commit()
    assert logged_in(client) is alive


def test_change_password_logs_out_other_sessions_but_keeps_this_one(app, client):
    user = UserFactory()
    here = Browser(client)
    here.login(user)
    other_client = app.test_client()
    Browser(other_client).login(user)
    assert logged_in(other_client)
    before = cookie_value(client)

    here.get("/account")
    response = here.post("/account/password", data={"pw-current": PASSWORD, "pw-new": "a-new-secret-42"})
    assert response.status_code == 302

    assert not logged_in(other_client)
    assert logged_in(client)
    assert cookie_value(client) != before, "this device gets a fresh session id"
    assert len(live_sessions(user)) == 1
    db.session.expire_all()
    assert db.session.get(User, user.id).check_password("a-new-secret-42")
    # The new password works for a new log-in; the old one does not.
    assert Browser(app.test_client()).login(user, "a-new-secret-42").status_code == 302
    assert Browser(app.test_client()).login(user, PASSWORD).status_code == 401


def test_change_password_with_wrong_current_password_changes_nothing(app, client):
    user = UserFactory()
    here = Browser(client)
    here.login(user)
    other_client = app.test_client()
    Browser(other_client).login(user)
    here.get("/account")
    response = here.post("/account/password", data={"pw-current": "not-my-password", "pw-new": "a-new-secret-42"})
    assert response.status_code == 422
    assert logged_in(other_client)
    db.session.expire_all()
    assert db.session.get(User, user.id).check_password(PASSWORD)


def test_change_password_refuses_a_weak_new_password(client):
    user = UserFactory()
    here = Browser(client)
    here.login(user)
    client.set_cookie("huzhu_lang", "en")
    here.get("/account")
    response = here.post("/account/password", data={"pw-current": PASSWORD, "pw-new": "12345678"})
    assert response.status_code == 422
    assert 'id="pw-new-error"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, user.id).check_password(PASSWORD)


def test_change_password_revokes_the_accounts_api_tokens(app, client):
    user = UserFactory()
    headers = token_for(app.test_client(), user)
    assert app.test_client().get("/api/v1/me/communities", headers=headers).status_code == 200
    here = Browser(client)
    here.login(user)
    here.get("/account")
    assert here.post("/account/password", data={"pw-current": PASSWORD, "pw-new": "a-new-secret-42"}).status_code == 302
    assert app.test_client().get("/api/v1/me/communities", headers=headers).status_code == 401
    assert logged_in(client)  # this device keeps its fresh session


def test_password_reset_revokes_the_accounts_api_tokens(app, client):
    from app.accounts.models import PasswordReset

    user = UserFactory()
    headers = token_for(app.test_client(), user)
    db.session.add(PasswordReset(user_id=user.id, token_hash=digest("known-reset-code"),
                                 expires_at=utcnow() + timedelta(minutes=30)))
    db.session.commit()
    response = client.post("/api/v1/auth/password-reset/confirm",
                           json={"code": "known-reset-code", "password": "a-new-secret-42"})
    assert response.status_code == 204
    assert app.test_client().get("/api/v1/me/communities", headers=headers).status_code == 401
    assert token_for(app.test_client(), user, "a-new-secret-42")  # a new log-in gets a working token


# --- next redirect ---------------------------------------------------------------------------

def _login_with_next(client, user, target):
    browser = Browser(client)
    browser.get("/login")
    return client.post("/login", query_string={"next": target},
                       data={"login": user.email, "password": PASSWORD, "csrf_token": browser.csrf})


def test_next_redirects_to_a_same_site_path(client):
    user = UserFactory()
    response = _login_with_next(client, user, "/account?tab=tokens")
    assert response.status_code == 302
    assert response.headers["Location"] == "/account?tab=tokens"


@pytest.mark.parametrize("target", [
    "//evil.example", "//evil.example/c/x", "https://evil.example/", "http:evil.example", "/\\evil.example",
    "\\\\evil.example", "javascript:alert(1)", "evil.example", " //evil.example", "/%2F%2Fevil.example",
    "\t//evil.example",
])
def test_next_never_leaves_the_site(client, target):
    user = UserFactory()
    response = _login_with_next(client, user, target)
    assert response.status_code == 302
    location = response.headers["Location"]
    # A browser would read "//host" and "/\\host" as another site; only plain local paths are fine.
    assert location.startswith("/") and not location.startswith(("//", "/\\")), location
    assert urlsplit(location).netloc == "" and urlsplit(location).scheme == ""
    if target in ("//evil.example", "https://evil.example/", "javascript:alert(1)"):
        assert location == "/"


def test_login_required_page_sends_next_and_comes_back(client):
    user = UserFactory()
    response = client.get("/account")
    assert response.status_code == 302
    assert "/login?next=/account" in response.headers["Location"].replace("%2F", "/")
    browser = Browser(client)
    browser.get("/login")
    response = client.post("/login?next=/account",
                           data={"login": user.email, "password": PASSWORD, "csrf_token": browser.csrf})
    assert response.headers["Location"] == "/account"


# --- password rules --------------------------------------------------------------------------

@pytest.mark.parametrize("weak", ["", "short7", "12345678", "password", "aaaaaaaa", "abababab", "1234567890123",
                                  "PASSWORD1"])
def test_password_rules_refuse_weak_passwords(app, weak):
    assert services.password_problems(weak)
    with pytest.raises(ValidationFailed) as err:
        services.create_user(name="王芳", email="wang@test.example", password=weak)
    assert "password" in err.value.fields
    db.session.rollback()
    assert db.session.execute(select(User).where(User.email == "wang@test.example")).first() is None


@pytest.mark.parametrize("good", ["correct-horse-7", "liuyin-jie-2026", "长城很长很长的密码"])
def test_password_rules_accept_reasonable_passwords(app, good):
    assert services.password_problems(good) == []
    user = services.create_user(name="王芳", email="wang@test.example", password=good)
    db.session.commit()
    assert services.authenticate("wang@test.example", good).id == user.id


def test_user_create_cli_refuses_a_weak_password(runner):
    result = runner.invoke(args=["user", "create", "weak@test.example", "--name", "王芳", "--password", "12345678"])
    assert result.exit_code != 0
    assert "password" in result.output
    assert services.find_user("weak@test.example") is None


def test_create_user_rejects_duplicates_and_bad_addresses(app):
    UserFactory(email="taken@test.example", phone="13900001111")
    for kwargs, field in [({"email": "TAKEN@test.example"}, "email"), ({"email": "not-an-address"}, "email"),
                          ({"phone": "13900001111"}, "phone"), ({"phone": "12345"}, "phone"), ({}, "email")]:
        with pytest.raises(ValidationFailed) as err:
            services.create_user(name="王芳", password="correct-horse-7", **kwargs)
        assert field in err.value.fields, kwargs
        db.session.rollback()


# --- API tokens -------------------------------------------------------------------------------

def _create_token(client, user, **extra):
    return client.post("/api/v1/auth/tokens", json={"email": user.email, "password": PASSWORD, **extra})


def test_create_token_shows_it_once_and_stores_only_its_hash(client):
    user = UserFactory()
    response = _create_token(client, user, name="my script")
    assert response.status_code == 201
    body = response.get_json()
    secret = body["token"]
    assert isinstance(secret, str) and len(secret) >= 32
    assert isinstance(body["id"], str)
    assert body["name"] == "my script"
    assert secret.startswith(body["prefix"])

    db.session.expire_all()
    row = db.session.get(ApiToken, int(body["id"]))
    assert row.user_id == user.id
    assert row.token_hash != secret and secret not in row.token_hash
    assert row.token_hash == digest(secret)
    assert row.prefix == secret[:len(row.prefix)] and len(row.prefix) < len(secret) // 2
    # Shown once: listing never repeats it.
    listing = client.get("/api/v1/auth/tokens", headers={"Authorization": f"Bearer {secret}"})
    assert listing.status_code == 200
    assert secret not in listing.get_data(as_text=True)


def test_token_expires_after_configured_days(app, client):
    user = UserFactory()
    body = _create_token(client, user).get_json()
    row = db.session.get(ApiToken, int(body["id"]))
    expected = utcnow() + timedelta(days=app.config["API_TOKEN_DAYS"])
    assert abs(services.aware(row.expires_at) - expected) < timedelta(minutes=1)


def test_token_login_by_mobile_phone(client):
    user = UserFactory(email=None, phone="13812345678")
    headers = token_for(client, user)
    me = client.get("/api/v1/me", headers=headers)
    assert me.status_code == 200
    assert me.get_json()["phone"] == "13812345678"


def test_token_authenticates_api_requests(client):
    user = UserFactory(name="赵国华")
    headers = token_for(client, user)
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 200
    assert response.get_json()["id"] == str(user.id)
    assert response.get_json()["name"] == "赵国华"


def test_list_tokens_shows_prefix_not_secret(client):
    user = UserFactory()
    first = _create_token(client, user, name="one").get_json()
    second = _create_token(client, user, name="two").get_json()
    other = _create_token(client, UserFactory(), name="someone else's").get_json()
    response = client.get("/api/v1/auth/tokens", headers={"Authorization": f"Bearer {first['token']}"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["next_cursor"] is None
    assert {t["id"] for t in body["items"]} == {first["id"], second["id"]}
    text = response.get_data(as_text=True)
    for item in body["items"]:
        assert "token" not in item and "token_hash" not in item
        assert item["prefix"] in (first["prefix"], second["prefix"])
    assert first["token"] not in text and second["token"] not in text
    assert other["id"] not in {t["id"] for t in body["items"]}  # only the caller's own tokens


def test_revoke_token_then_it_gets_401(client):
    user = UserFactory()
    keep = token_for(client, user)
    doomed = _create_token(client, user).get_json()
    doomed_headers = {"Authorization": f"Bearer {doomed['token']}"}
    assert client.get("/api/v1/me", headers=doomed_headers).status_code == 200

    response = client.delete(f"/api/v1/auth/tokens/{doomed['id']}", headers=keep)
    assert response.status_code == 204
    assert response.get_data() == b""

    response = client.get("/api/v1/me", headers=doomed_headers)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
    assert client.get("/api/v1/me", headers=keep).status_code == 200
    listing = client.get("/api/v1/auth/tokens", headers=keep).get_json()["items"]
    assert next(t for t in listing if t["id"] == doomed["id"])["revoked_at"] is not None


def test_a_token_can_revoke_itself(client):
    user = UserFactory()
    headers = token_for(client, user)
    token_id = client.get("/api/v1/auth/tokens", headers=headers).get_json()["items"][0]["id"]
    assert client.delete(f"/api/v1/auth/tokens/{token_id}", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_expired_token_is_401(client):
    user = UserFactory()
    body = _create_token(client, user).get_json()
    headers = {"Authorization": f"Bearer {body['token']}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    row = db.session.get(ApiToken, int(body["id"]))
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert set(response.get_json()["error"]) == {"code", "message", "fields"}


@pytest.mark.parametrize("header", ["Bearer hz_not-a-real-token", "Bearer ", "Bearer", "Basic dXNlcjpwYXNz",
                                    "bearer hz_x y z"])
def test_bad_authorization_header_is_401(client, header):
    response = client.get("/api/v1/me", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_token_of_an_inactive_user_stops_working(client):
    user = UserFactory()
    headers = token_for(client, user)
    db.session.get(User, user.id).active = False
    db.session.commit()
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_wrong_password_for_token_is_401_json_with_code(client):
    user = UserFactory()
    response = client.post("/api/v1/auth/tokens", json={"email": user.email, "password": "nope-nope-1"})
    assert response.status_code == 401
    body = response.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == "invalid_credentials"
    assert body["error"]["message"]
    db.session.expire_all()
    assert db.session.execute(select(ApiToken).where(ApiToken.user_id == user.id)).first() is None


def test_token_request_missing_fields_is_422(client):
    response = client.post("/api/v1/auth/tokens", json={"email": "x@test.example"})
    assert response.status_code == 422
    assert "password" in response.get_json()["error"]["fields"]


def test_user_cannot_revoke_another_users_token(client):
    alice, bob = UserFactory(), UserFactory()
    alice_headers = token_for(client, alice)
    bob_token = _create_token(client, bob).get_json()
    response = client.delete(f"/api/v1/auth/tokens/{bob_token['id']}", headers=alice_headers)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
    # Bob's token still works.
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {bob_token['token']}"}).status_code == 200
    db.session.expire_all()
    assert db.session.get(ApiToken, int(bob_token["id"])).revoked_at is None


def test_revoke_unknown_token_is_404(client):
    headers = token_for(client, UserFactory())
    assert client.delete("/api/v1/auth/tokens/999999", headers=headers).status_code == 404


def test_token_list_needs_authentication(client):
    response = client.get("/api/v1/auth/tokens")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_token_made_on_the_account_page_works_and_can_be_revoked_there(client, community):
    user = member(community, "coordinator")
    browser = Browser(client)
    browser.login(user)
    browser.get("/account")
    response = browser.post("/account/tokens", data={"tk-name": "laptop"})
    assert response.status_code == 200
    secret = re.search(r'<code class="secret" id="token">([^<]+)</code>', response.get_data(as_text=True)).group(1)
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    row = db.session.execute(select(ApiToken).where(ApiToken.user_id == user.id)).scalar_one()
    assert row.token_hash == digest(secret)
    # The account page lists it without the secret.
    page = browser.get("/account").get_data(as_text=True)
    assert secret not in page and row.prefix in page
    response = browser.post(f"/account/tokens/{row.id}/revoke")
    assert response.status_code == 302
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_token_page_revoke_of_someone_elses_token_is_404(app, client, community):
    owner = UserFactory()
    token = _create_token(app.test_client(), owner).get_json()
    browser = Browser(client)
    browser.login(member(community, "admin"))
    browser.get("/account")
    assert browser.post(f"/account/tokens/{token['id']}/revoke").status_code == 404
    db.session.expire_all()
    assert db.session.get(ApiToken, int(token["id"])).revoked_at is None


@pytest.mark.parametrize("roles", [("resident",), ("council", "representative")])
def test_a_resident_sees_no_api_tokens_and_the_token_pages_refuse_them(app, client, community, roles):
    """Tokens are for the programs of staff and units; a resident (or the family account acting for one)
    has no use for them, and a token left from before is not theirs to manage on the page either."""
    user = member(community, *roles)
    token = _create_token(app.test_client(), user).get_json()  # the API's log-in still answers them
    browser = Browser(client)
    browser.login(user)
    page = browser.get("/account").get_data(as_text=True)
    assert "API" not in page and 'name="tk-name"' not in page
    assert browser.post("/account/tokens", data={"tk-name": "laptop"}).status_code == 403
    assert browser.post(f"/account/tokens/{token['id']}/revoke").status_code == 403
    rows = db.session.execute(select(ApiToken).where(ApiToken.user_id == user.id)).scalars().all()
    assert [row.revoked_at for row in rows] == [None]  # none made, none revoked


@pytest.mark.parametrize("roles", [("unit",), ("coordinator",), ("resident", "admin")])
def test_staff_and_units_see_their_api_tokens(client, community, roles):
    browser = Browser(client)
    browser.login(member(community, *roles))
    page = browser.get("/account").get_data(as_text=True)
    assert 'name="tk-name"' in page


def test_session_cookie_works_on_the_api_for_reading(client):
    community = CommunityFactory()
    user = member(community, "resident")
    Browser(client).login(user)
    response = client.get("/api/v1/me/communities")
    assert response.status_code == 200
    assert [c["slug"] for c in response.get_json()["items"]] == [community.slug]


# --- the same rules where the request names a community (the one-query look-up) ---------------------

def _expire_token(headers) -> None:
    row = db.session.execute(select(ApiToken).where(
        ApiToken.token_hash == digest(headers["Authorization"].split()[1]))).scalar_one()
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()


def _revoke_token(headers) -> None:
    row = db.session.execute(select(ApiToken).where(
        ApiToken.token_hash == digest(headers["Authorization"].split()[1]))).scalar_one()
    row.revoked_at = utcnow()
    db.session.commit()


def _deactivate(headers) -> None:
    token = db.session.execute(select(ApiToken).where(
        ApiToken.token_hash == digest(headers["Authorization"].split()[1]))).scalar_one()
    db.session.get(User, token.user_id).active = False
    db.session.commit()


@pytest.mark.parametrize("spoil", [_expire_token, _revoke_token, _deactivate])
def test_a_spoilt_token_is_401_on_a_community_route_too(client, spoil):
    community = CommunityFactory()
    admin = member(community, "admin")
    headers = token_for(client, admin)
    url = f"/api/v1/c/{community.slug}/units"
    assert client.get(url, headers=headers).status_code == 200
    spoil(headers)
    response = client.get(url, headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_a_member_of_one_community_is_404_in_another_by_token_and_by_session(client):
    mine, other = CommunityFactory(), CommunityFactory()
    user = member(mine, "admin")
    member(other, "resident")
    headers = token_for(client, user)
    assert client.get(f"/api/v1/c/{mine.slug}/units", headers=headers).status_code == 200
    assert client.get(f"/api/v1/c/{other.slug}/units", headers=headers).status_code == 404
    assert client.get("/api/v1/c/no-such-place/units", headers=headers).status_code == 404
    Browser(client).login(user)
    assert client.get(f"/c/{mine.slug}/units/").status_code == 200
    assert client.get(f"/c/{other.slug}/units/").status_code == 404


def test_an_idle_session_is_signed_out_on_a_community_page(client):
    community = CommunityFactory()
    user = member(community, "admin")
    Browser(client).login(user)
    assert client.get(f"/c/{community.slug}/units/").status_code == 200
    (record,) = live_sessions(user)
    record.last_seen_at = utcnow() - timedelta(minutes=31)
    db.session.commit()
    response = client.get(f"/c/{community.slug}/units/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    db.session.expire_all()
    assert db.session.get(UserSession, record.id).ended_at is not None


def test_a_session_touched_on_a_community_page_keeps_its_roles(client):
    """The touch commits (once a minute): what the look-up found is read again, not lost."""
    community = CommunityFactory()
    user = member(community, "admin")
    Browser(client).login(user)
    (record,) = live_sessions(user)
    record.last_seen_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    response = client.get(f"/c/{community.slug}/units/new")  # staff only
    assert response.status_code == 200
    db.session.expire_all()
    assert utcnow() - services.aware(db.session.get(UserSession, record.id).last_seen_at) < timedelta(minutes=1)


def test_a_password_set_on_the_reset_page_is_kept_as_typed(app, client):
    """Spaces around a new password are part of it: the log-in page does not strip them either."""
    from app.accounts.models import PasswordReset

    user = UserFactory()
    db.session.add(PasswordReset(user_id=user.id, token_hash=digest("page-reset-code"),
                                 expires_at=utcnow() + timedelta(minutes=30)))
    db.session.commit()
    page = Browser(client)
    page.get("/password/reset/page-reset-code")
    response = page.post("/password/reset/page-reset-code",
                         data={"code": "page-reset-code", "password": "  spaced secret 42 "})
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, user.id).check_password("  spaced secret 42 ")
