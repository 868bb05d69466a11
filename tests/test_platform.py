"""The platform operator: create communities with their first admin (page and API), suspend and
restore them; everyone else does not even see that the platform pages exist."""
import re

import pytest
from sqlalchemy import select

from app.accounts import services as accounts
from app.core.extensions import db
from tenants.context import tenant_context
from tenants.models import Community, Membership
from tests.factories import PASSWORD, Browser, CommunityFactory, UserFactory, member, token_for

ONE_TIME = re.compile(r"hz-[A-Za-z0-9_-]{8,}")


@pytest.fixture
def operator(app):
    return UserFactory(is_operator=True, name="平台运维")


@pytest.fixture
def operator_browser(client, operator):
    client.set_cookie("huzhu_lang", "en")
    browser = Browser(client)
    browser.login(operator)
    return browser


@pytest.fixture
def operator_auth(client, operator):
    return token_for(client, operator)


def community(slug) -> Community | None:
    db.session.expire_all()
    return Community.by_slug(slug)


def roles_of(slug, user_id) -> list[str]:
    c = community(slug)
    with tenant_context(c.id):
        m = db.session.execute(select(Membership).where(Membership.user_id == user_id)).scalar_one_or_none()
        return sorted(m.role_names) if m else []


def assert_error(response, status, code=None):
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}
    if code:
        assert body["error"]["code"] == code
    return body["error"]


# --- creating communities ------------------------------------------------------------------------

def test_operator_sees_the_platform_page(operator_browser):
    CommunityFactory(slug="liuyin", name="柳荫社区")
    response = operator_browser.get("/platform/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "柳荫社区" in html and "liuyin" in html


def test_operator_creates_a_community_with_a_new_admin_on_the_page(app, client, operator_browser):
    response = operator_browser.post("/platform/communities", data={
        "slug": "liuyin", "name": "柳荫社区", "street": "T街道", "admin_login": "liu@test.example",
        "admin_name": "刘书记"})
    assert response.status_code == 302
    created = community("liuyin")
    assert created.name == "柳荫社区" and created.street.name == "T街道" and created.status == "active"
    admin = accounts.find_user("liu@test.example")
    assert admin.name == "刘书记"
    assert roles_of("liuyin", admin.id) == ["admin"]

    # The one-time password is shown once, on the page after the redirect.
    page = operator_browser.get("/platform/").get_data(as_text=True)
    password = ONE_TIME.search(page).group(0)
    assert ONE_TIME.search(operator_browser.get("/platform/").get_data(as_text=True)) is None

    # The new admin logs in with it and manages the community.
    admin_client = app.test_client()
    assert Browser(admin_client).login("liu@test.example", password).status_code == 302
    assert admin_client.get("/c/liuyin/").status_code == 200
    assert admin_client.get("/c/liuyin/members/").status_code == 200


def test_operator_makes_an_existing_user_admin_without_a_new_password(operator_browser):
    existing = UserFactory(email="zhao@test.example")
    response = operator_browser.post("/platform/communities", data={
        "slug": "qianhai", "name": "前海社区", "admin_login": "zhao@test.example"})
    assert response.status_code == 302
    assert roles_of("qianhai", existing.id) == ["admin"]
    assert ONE_TIME.search(operator_browser.get("/platform/").get_data(as_text=True)) is None
    assert accounts.authenticate("zhao@test.example", PASSWORD).id == existing.id


def test_admin_by_mobile_number(operator_browser):
    response = operator_browser.post("/platform/communities", data={
        "slug": "qianhai", "name": "前海社区", "admin_login": "13912340000", "admin_name": "孙桂兰"})
    assert response.status_code == 302
    admin = accounts.find_user("13912340000")
    assert admin.email is None and admin.phone == "13912340000"
    assert roles_of("qianhai", admin.id) == ["admin"]


def test_duplicate_slug_on_the_page_is_422_with_a_field_message(operator_browser):
    CommunityFactory(slug="liuyin", name="柳荫社区")
    response = operator_browser.post("/platform/communities", data={
        "slug": "liuyin", "name": "另一个社区", "admin_login": "x@test.example", "admin_name": "某人"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    errors = re.search(r'<ul class="field-errors" id="slug-error">(.*?)</ul>', html, re.S)
    assert errors is not None and "already taken" in errors.group(1)
    assert 'value="另一个社区"' in html  # what was typed is kept
    assert community("liuyin").name == "柳荫社区"
    assert accounts.find_user("x@test.example") is None  # nothing half-made


def test_missing_fields_on_the_page_are_422_per_field(operator_browser):
    response = operator_browser.post("/platform/communities", data={"slug": "", "name": "", "admin_login": ""})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    for field in ("slug", "name", "admin_login"):
        assert f'id="{field}-error"' in html, field
    assert db.session.execute(select(Community)).first() is None


def test_new_admin_without_a_name_is_422(operator_browser):
    response = operator_browser.post("/platform/communities", data={
        "slug": "liuyin", "name": "柳荫社区", "admin_login": "nobody@test.example"})
    assert response.status_code == 422
    assert 'id="admin_name-error"' in response.get_data(as_text=True)
    assert community("liuyin") is None


def test_operator_creates_a_community_through_the_api(client, operator_auth):
    response = client.post("/api/v1/platform/communities", headers=operator_auth, json={
        "slug": "liuyin", "name": "柳荫社区", "street": "T街道", "admin_login": "liu@test.example",
        "admin_name": "刘书记"})
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["slug"] == "liuyin" and body["name"] == "柳荫社区" and body["street"] == "T街道"
    assert body["status"] == "active" and isinstance(body["id"], str)
    password = body["admin_initial_password"]
    assert password and accounts.authenticate("liu@test.example", password) is not None
    admin = accounts.find_user("liu@test.example")
    assert roles_of("liuyin", admin.id) == ["admin"]
    # The admin can use the API in the new community.
    admin_headers = {"Authorization": "Bearer " + client.post(
        "/api/v1/auth/tokens", json={"email": "liu@test.example", "password": password}).get_json()["token"]}
    assert client.get("/api/v1/c/liuyin/units", headers=admin_headers).status_code == 200

    listing = client.get("/api/v1/platform/communities", headers=operator_auth)
    assert listing.status_code == 200
    items = listing.get_json()["items"]
    assert [c["slug"] for c in items] == ["liuyin"]
    assert "admin_initial_password" not in items[0] or items[0]["admin_initial_password"] is None


def test_api_existing_admin_gets_no_password(client, operator_auth):
    UserFactory(email="zhao@test.example")
    response = client.post("/api/v1/platform/communities", headers=operator_auth, json={
        "slug": "qianhai", "name": "前海社区", "admin_login": "zhao@test.example"})
    assert response.status_code == 201
    assert response.get_json()["admin_initial_password"] is None


def test_api_duplicate_slug_is_422_with_a_field_message(client, operator_auth):
    CommunityFactory(slug="liuyin")
    response = client.post("/api/v1/platform/communities", headers=operator_auth, json={
        "slug": "liuyin", "name": "另一个", "admin_login": "x@test.example", "admin_name": "某人"})
    error = assert_error(response, 422, "invalid")
    assert list(error["fields"]) == ["slug"] and error["fields"]["slug"][0]
    assert accounts.find_user("x@test.example") is None


@pytest.mark.parametrize("body, field", [
    ({"slug": "Bad Slug", "name": "x", "admin_login": "a@test.example", "admin_name": "a"}, "slug"),
    ({"slug": "api", "name": "x", "admin_login": "a@test.example", "admin_name": "a"}, "slug"),
    ({"name": "x", "admin_login": "a@test.example"}, "slug"),
    ({"slug": "ok", "admin_login": "a@test.example"}, "name"),
    ({"slug": "ok", "name": "x"}, "admin_login"),
    ({"slug": "ok", "name": "x", "admin_login": "not-an-address", "admin_name": "a"}, "admin_login"),
    ({"slug": "ok", "name": "x", "admin_login": "a@test.example", "admin_name": "a", "plan": "gold"}, "plan"),
])
def test_api_invalid_community_is_422_naming_the_field(client, operator_auth, body, field):
    error = assert_error(client.post("/api/v1/platform/communities", headers=operator_auth, json=body), 422)
    assert field in error["fields"]
    assert db.session.execute(select(Community)).first() is None


# --- only operators ------------------------------------------------------------------------------

def test_non_operator_gets_404_everywhere_on_the_platform(app, client):
    c = CommunityFactory(slug="liuyin")
    admin = member(c, "admin", "coordinator", "council")
    browser = Browser(client)
    browser.login(admin)
    assert client.get("/platform/").status_code == 404
    assert client.get("/platform/health").status_code == 404
    browser.get("/account")
    assert browser.post("/platform/communities", data={"slug": "x", "name": "x", "admin_login": "a@b.cn"}
                        ).status_code == 404
    assert browser.post("/platform/communities/liuyin/status", data={"status": "suspended"}).status_code == 404
    assert community("liuyin").status == "active"

    headers = token_for(app.test_client(), admin)
    assert_error(client.get("/api/v1/platform/communities", headers=headers), 404, "not_found")
    assert_error(client.post("/api/v1/platform/communities", headers=headers, json={
        "slug": "x", "name": "x", "admin_login": "a@test.example", "admin_name": "a"}), 404)
    assert_error(client.post("/api/v1/platform/communities/liuyin/status", headers=headers,
                             json={"status": "suspended"}), 404)
    assert community("liuyin").status == "active"
    assert community("x") is None


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get("/platform/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert_error(client.get("/api/v1/platform/communities"), 401)


# --- suspend and restore -------------------------------------------------------------------------

@pytest.fixture
def liuyin(app):
    c = CommunityFactory(slug="liuyin", name="柳荫社区")
    return {"community": c, "resident": member(c, "resident"), "admin": member(c, "admin"),
            "stranger": UserFactory()}


def _browser(app, user):
    client = app.test_client()
    client.set_cookie("huzhu_lang", "en")
    Browser(client).login(user)
    return client


def test_suspend_and_restore_on_the_page(app, operator_browser, liuyin):
    resident, stranger = _browser(app, liuyin["resident"]), _browser(app, liuyin["stranger"])
    assert resident.get("/c/liuyin/", follow_redirects=True).status_code == 200  # the resident's home
    assert stranger.get("/c/liuyin/").status_code == 404

    operator_browser.get("/platform/")
    response = operator_browser.post("/platform/communities/liuyin/status",
                                     data={"status": "suspended", "confirm": "liuyin"})
    assert response.status_code == 302
    assert community("liuyin").status == "suspended"

    page = resident.get("/c/liuyin/")
    assert page.status_code == 403
    assert "suspended" in page.get_data(as_text=True)  # the member is told why
    assert resident.get("/c/liuyin/units/").status_code == 403
    assert stranger.get("/c/liuyin/").status_code == 404  # others learn nothing
    # The platform page offers to restore it.
    assert "Restore" in operator_browser.get("/platform/").get_data(as_text=True)

    response = operator_browser.post("/platform/communities/liuyin/status", data={"status": "active"})
    assert response.status_code == 302
    assert community("liuyin").status == "active"
    assert resident.get("/c/liuyin/", follow_redirects=True).status_code == 200  # the resident's home
    assert stranger.get("/c/liuyin/").status_code == 404


def test_suspending_a_community_asks_for_its_short_name_first(app, operator_browser, liuyin):
    """The list's Suspend is a link to a page that says what happens; only the typed short name suspends."""
    listing = operator_browser.get("/platform/").get_data(as_text=True)
    confirm_url = "/platform/communities/liuyin/status?status=suspended"
    assert f'href="{confirm_url}"' in listing
    assert 'name="status" value="suspended"' not in listing  # no one-click suspension on the list
    page = operator_browser.get(confirm_url)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "All 2 members" in text and 'name="confirm"' in text  # both members lose access; the name is typed

    for typed in (None, "", "LIUYIN ", "qianhai"):
        data = {"status": "suspended"} | ({} if typed is None else {"confirm": typed})
        refused = operator_browser.post("/platform/communities/liuyin/status", data=data)
        assert refused.status_code == 422
        assert "Type the short name “liuyin” to confirm." in refused.get_data(as_text=True)
        assert community("liuyin").status == "active"

    done = operator_browser.post("/platform/communities/liuyin/status", data={"status": "suspended",
                                                                              "confirm": "liuyin"})
    assert done.status_code == 302 and community("liuyin").status == "suspended"
    # Restoring also passes through its page (nothing to type: it gives access back).
    listing = operator_browser.get("/platform/").get_data(as_text=True)
    assert 'href="/platform/communities/liuyin/status?status=active"' in listing
    assert "Restore the community" in operator_browser.get(
        "/platform/communities/liuyin/status?status=active").get_data(as_text=True)
    assert operator_browser.get("/platform/communities/liuyin/status?status=deleted").status_code == 404
    # Without ?status= the page offers the one change there is: restoring a suspended community.
    assert "Restore the community" in operator_browser.get("/platform/communities/liuyin/status").get_data(as_text=True)
    assert operator_browser.get("/platform/communities/nowhere/status?status=suspended").status_code == 404


def test_suspended_community_on_the_api(app, client, operator_auth, liuyin):
    resident = token_for(app.test_client(), liuyin["resident"])
    stranger = token_for(app.test_client(), liuyin["stranger"])
    response = client.post("/api/v1/platform/communities/liuyin/status", headers=operator_auth,
                           json={"status": "suspended"})
    assert response.status_code == 200
    assert response.get_json()["status"] == "suspended"

    error = assert_error(client.get("/api/v1/c/liuyin/units", headers=resident), 403, "community_suspended")
    assert error["message"]
    assert_error(client.get("/api/v1/c/liuyin/units", headers=stranger), 404, "not_found")
    # Writing is refused too, and nothing is made.
    admin = token_for(app.test_client(), liuyin["admin"])
    assert_error(client.post("/api/v1/c/liuyin/units", headers=admin,
                             json={"name": "新单位", "type": "shop", "address": "柳荫街1号"}), 403)

    response = client.post("/api/v1/platform/communities/liuyin/status", headers=operator_auth,
                           json={"status": "active"})
    assert response.status_code == 200 and response.get_json()["status"] == "active"
    assert client.get("/api/v1/c/liuyin/units", headers=resident).status_code == 200


def test_status_of_unknown_community_or_bad_status(client, operator_auth, liuyin):
    assert_error(client.post("/api/v1/platform/communities/nowhere/status", headers=operator_auth,
                             json={"status": "suspended"}), 404)
    error = assert_error(client.post("/api/v1/platform/communities/liuyin/status", headers=operator_auth,
                                     json={"status": "deleted"}), 422)
    assert "status" in error["fields"]
    assert community("liuyin").status == "active"


def test_member_still_sees_their_suspended_community_marked_as_such(app, client, liuyin):
    CommunityFactory(slug="qianhai")
    headers = token_for(client, liuyin["resident"])
    db.session.get(Community, liuyin["community"].id).status = "suspended"
    db.session.commit()
    mine = client.get("/api/v1/me/communities", headers=headers)
    assert mine.status_code == 200
    items = mine.get_json()["items"]
    # The member still sees that they belong to it, and that it is suspended.
    assert [(c["slug"], c["status"]) for c in items] == [("liuyin", "suspended")]
