"""Members of a community: the admin adds people (existing or new accounts), changes roles, removes them."""
import html
import re

import pytest

from app.accounts.models import User
from app.core.extensions import db
from tenants.context import tenant_context
from tenants.models import Membership
from tests.factories import CommunityFactory, UserFactory, api, browser_for, member, page, token_for

CJK = re.compile(r"[\u4e00-\u9fff]")


def membership_id(community, user) -> int:
    db.session.expire_all()
    with tenant_context(community.id):
        return db.session.query(Membership).filter_by(user_id=user.id).one().id


def roles_of(community, user) -> list[str] | None:
    db.session.expire_all()
    with tenant_context(community.id):
        found = db.session.query(Membership).filter_by(user_id=user.id).one_or_none()
        return None if found is None else found.role_names


def roles_error_fields(error) -> list[str]:
    return [key for key in error["fields"] if key == "roles" or key.startswith("roles.")]


# --- API ---------------------------------------------------------------------------------------------

def test_list_members(client, community, admin, auth):
    resident = member(community, "resident", name="李奶奶", phone="13900001111", email=None)
    member(CommunityFactory(), "resident", name="别处的人")
    response = client.get(api(community, "/members"), headers=auth)
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"items", "next_cursor"} and body["next_cursor"] is None
    by_name = {m["name"]: m for m in body["items"]}
    assert set(by_name) == {"管理员", "李奶奶"}
    assert by_name["李奶奶"]["phone"] == "13900001111" and by_name["李奶奶"]["email"] is None
    assert by_name["李奶奶"]["roles"] == ["resident"]
    assert by_name["李奶奶"]["user_id"] == str(resident.id)
    assert all(isinstance(m["id"], str) for m in body["items"])
    assert "initial_password" not in by_name["李奶奶"] or by_name["李奶奶"]["initial_password"] is None

    only = client.get(api(community, "/members"), query_string={"role": "admin"}, headers=auth).get_json()["items"]
    assert [m["name"] for m in only] == ["管理员"]
    found = client.get(api(community, "/members"), query_string={"q": "1390000"}, headers=auth).get_json()["items"]
    assert [m["name"] for m in found] == ["李奶奶"]
    # LIKE wildcards typed into the search are plain characters.
    for wildcard in ("%", "_"):
        assert client.get(api(community, "/members"), query_string={"q": wildcard},
                          headers=auth).get_json()["items"] == []


def test_members_paging(client, community, auth):
    for _ in range(12):
        member(community, "resident")
    seen, cursor = [], None
    while True:
        query = {"limit": 5, **({"cursor": cursor} if cursor else {})}
        body = client.get(api(community, "/members"), query_string=query, headers=auth).get_json()
        seen += [m["id"] for m in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 13
    bad = client.get(api(community, "/members"), query_string={"cursor": "nope"}, headers=auth)
    assert bad.status_code == 422 and "cursor" in bad.get_json()["error"]["fields"]


def test_admin_adds_existing_account_by_email(client, community, auth):
    person = UserFactory(email="wang@example.cn", name="王大爷")
    response = client.post(api(community, "/members"),
                           json={"login": "Wang@Example.cn ", "roles": ["resident", "council"]},
                           headers=auth)
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["user_id"] == str(person.id)
    assert sorted(body["roles"]) == ["council", "resident"]
    assert body["initial_password"] is None  # an existing account keeps its own password
    assert sorted(roles_of(community, person)) == ["council", "resident"]
    # They can now see the community.
    assert client.get(f"/api/v1/c/{community.slug}/units", headers=token_for(client, person)).status_code == 200


def test_admin_adds_existing_account_by_phone(client, community, auth):
    person = UserFactory(email=None, phone="13812345678", name="赵阿姨")
    response = client.post(api(community, "/members"), json={"login": "13812345678", "roles": ["representative"]},
                           headers=auth)
    assert response.status_code == 201
    assert response.get_json()["user_id"] == str(person.id)
    assert roles_of(community, person) == ["representative"]


def test_adding_a_member_again_adds_roles(client, community, auth):
    person = member(community, "resident")
    response = client.post(api(community, "/members"), json={"login": person.email, "roles": ["council"]}, headers=auth)
    assert response.status_code in (200, 201)
    assert sorted(roles_of(community, person)) == ["council", "resident"]
    with tenant_context(community.id):
        assert db.session.query(Membership).filter_by(user_id=person.id).count() == 1


@pytest.mark.parametrize("login", ["13700001234", "new.person@example.cn"])
def test_admin_adds_new_account_with_one_time_password(client, community, auth, login):
    response = client.post(api(community, "/members"), json={"login": login, "name": "新居民", "roles": ["resident"]},
                           headers=auth)
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    password = body["initial_password"]
    assert isinstance(password, str) and len(password) >= 10
    user = db.session.query(User).filter((User.phone == login) | (User.email == login)).one()
    assert user.name == "新居民"
    assert body["user_id"] == str(user.id)
    assert user.password_hash != password and password not in user.password_hash

    # The password works once given to the person...
    token = client.post("/api/v1/auth/tokens", json={"email": login, "password": password})
    assert token.status_code == 201
    # ...and is shown only the one time.
    again = client.get(api(community, f"/members/{body['id']}"), headers=auth)
    assert again.status_code == 200
    assert again.get_json().get("initial_password") is None
    listed = client.get(api(community, "/members"), headers=auth).get_json()["items"]
    assert all(m.get("initial_password") is None for m in listed)


def test_new_account_needs_a_name_and_a_valid_login(client, community, auth):
    no_name = client.post(api(community, "/members"), json={"login": "13700001234", "roles": ["resident"]},
                          headers=auth)
    assert no_name.status_code == 422 and no_name.get_json()["error"]["fields"].get("name")
    bad = client.post(api(community, "/members"),
                      json={"login": "not-an-address", "name": "某人", "roles": ["resident"]}, headers=auth)
    assert bad.status_code == 422 and bad.get_json()["error"]["fields"].get("login")
    empty = client.post(api(community, "/members"), json={"login": "", "name": "某人", "roles": ["resident"]},
                        headers=auth)
    assert empty.status_code == 422 and empty.get_json()["error"]["fields"].get("login")
    assert db.session.query(User).count() == 1


@pytest.mark.parametrize("roles", [["superuser"], ["resident", "boss"], [], "admin", [""]])
def test_unknown_or_missing_role_is_422(client, community, auth, roles):
    response = client.post(api(community, "/members"), json={"login": "x@example.cn", "name": "某人", "roles": roles},
                           headers=auth)
    assert response.status_code == 422, response.get_data(as_text=True)
    assert roles_error_fields(response.get_json()["error"])
    assert db.session.query(User).filter_by(email="x@example.cn").count() == 0


def test_change_roles(client, community, auth):
    person = member(community, "resident")
    mid = membership_id(community, person)
    response = client.patch(api(community, f"/members/{mid}"), json={"roles": ["coordinator", "council"]}, headers=auth)
    assert response.status_code == 200
    assert sorted(response.get_json()["roles"]) == ["coordinator", "council"]
    assert sorted(roles_of(community, person)) == ["coordinator", "council"]

    bad = client.patch(api(community, f"/members/{mid}"), json={"roles": ["overlord"]}, headers=auth)
    assert bad.status_code == 422 and roles_error_fields(bad.get_json()["error"])
    empty = client.patch(api(community, f"/members/{mid}"), json={"roles": []}, headers=auth)
    assert empty.status_code == 422
    assert sorted(roles_of(community, person)) == ["coordinator", "council"]


def test_last_admin_cannot_be_demoted_or_removed(client, community, admin, auth):
    mid = membership_id(community, admin)
    demote = client.patch(api(community, f"/members/{mid}"), json={"roles": ["resident"]}, headers=auth)
    assert demote.status_code == 409
    assert demote.get_json()["error"]["code"] == "last_admin"
    assert demote.get_json()["error"]["message"]
    remove = client.delete(api(community, f"/members/{mid}"), headers=auth)
    assert remove.status_code == 409
    assert roles_of(community, admin) == ["admin"]

    # With a second admin, the first may step down.
    second = member(community, "admin")
    assert client.patch(api(community, f"/members/{mid}"), json={"roles": ["resident"]},
                        headers=auth).status_code == 200
    # ...and now the second is the last one.
    second_auth = token_for(client, second)
    second_mid = membership_id(community, second)
    assert client.delete(api(community, f"/members/{second_mid}"), headers=second_auth).status_code == 409
    assert roles_of(community, second) == ["admin"]


def test_last_admin_counts_only_this_community(client, community, admin, auth):
    # An admin elsewhere does not keep this community administered.
    other = CommunityFactory()
    member(other, "admin")
    member(other, "admin", user=admin)
    mid = membership_id(community, admin)
    assert client.patch(api(community, f"/members/{mid}"), json={"roles": ["resident"]},
                        headers=auth).status_code == 409


def test_admin_removes_a_member(client, community, auth):
    person = member(community, "resident")
    person_auth = token_for(client, person)
    assert client.get(f"/api/v1/c/{community.slug}/units", headers=person_auth).status_code == 200
    mid = membership_id(community, person)
    assert client.delete(api(community, f"/members/{mid}"), headers=auth).status_code == 204
    assert roles_of(community, person) is None
    assert client.get(api(community, f"/members/{mid}"), headers=auth).status_code == 404
    assert client.delete(api(community, f"/members/{mid}"), headers=auth).status_code == 404
    # The account stays; the community is gone for them.
    assert db.session.get(User, person.id) is not None
    assert client.get(f"/api/v1/c/{community.slug}/units", headers=person_auth).status_code == 404


def test_coordinator_can_view_but_not_manage(client, community, admin):
    headers = token_for(client, member(community, "coordinator"))
    person = member(community, "resident")
    mid = membership_id(community, person)
    assert client.get(api(community, "/members"), headers=headers).status_code == 200
    assert client.get(api(community, f"/members/{mid}"), headers=headers).status_code == 200
    assert client.post(api(community, "/members"),
                       json={"login": "x@example.cn", "name": "某人", "roles": ["resident"]},
                       headers=headers).status_code == 403
    assert client.patch(api(community, f"/members/{mid}"), json={"roles": ["admin"]},
                        headers=headers).status_code == 403
    assert client.delete(api(community, f"/members/{mid}"), headers=headers).status_code == 403
    assert roles_of(community, person) == ["resident"]


@pytest.mark.parametrize("role", ["resident", "council", "representative", "unit"])
def test_others_cannot_see_the_member_list(client, community, admin, role):
    headers = token_for(client, member(community, role))
    assert client.get(api(community, "/members"), headers=headers).status_code == 403


def test_another_communitys_member_is_not_found(client, community, auth):
    other = CommunityFactory()
    stranger = member(other, "resident")
    mid = membership_id(other, stranger)
    assert client.get(api(community, f"/members/{mid}"), headers=auth).status_code == 404
    assert client.patch(api(community, f"/members/{mid}"), json={"roles": ["admin"]}, headers=auth).status_code == 404
    assert client.delete(api(community, f"/members/{mid}"), headers=auth).status_code == 404
    assert roles_of(other, stranger) == ["resident"]


# --- pages -------------------------------------------------------------------------------------------

def flashes(browser, response, category) -> list[str]:
    assert response.status_code == 302, response.get_data(as_text=True)
    body = browser.get(response.headers["Location"]).get_data(as_text=True)
    return [html.unescape(m) for m in re.findall(rf'<p class="flash flash-{category}">([^<]*)</p>', body)]


def test_page_lists_members_with_roles(app, community, admin):
    member(community, "resident", name="李奶奶")
    browser = browser_for(app, admin)
    body = browser.get(page(community, "/members/")).get_data(as_text=True)
    assert "李奶奶" in body and "管理员" in body
    assert 'name="login"' in body  # the admin sees the add form


def test_page_add_new_account_shows_password_once(app, community, admin):
    browser = browser_for(app, admin)
    response = browser.post(page(community, "/members/"),
                            data={"login": "13700001234", "name": "新居民", "roles": ["resident"]})
    info = flashes(browser, response, "info")
    assert len(info) == 1
    password = re.search(r"(hz-\S+)", info[0]).group(1).rstrip("。.")
    # Shown only once.
    assert password not in browser.get(page(community, "/members/")).get_data(as_text=True)
    newcomer = browser_for(app, "13700001234", password)
    assert newcomer.get(f"/c/{community.slug}/units/").status_code == 200


def test_page_add_existing_account(app, community, admin):
    person = UserFactory(email="wang@example.cn", name="王大爷")
    browser = browser_for(app, admin)
    response = browser.post(page(community, "/members/"), data={"login": "wang@example.cn", "roles": ["council"]})
    assert flashes(browser, response, "success")
    assert roles_of(community, person) == ["council"]


def test_page_add_with_errors_shows_them_at_the_fields(app, community, admin):
    browser = browser_for(app, admin)
    response = browser.post(page(community, "/members/"),
                            data={"login": "13700001234", "name": "", "roles": ["resident"]})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert re.search(r'<input id="name"[^>]*aria-invalid="true"', body)
    message = re.search(r'<ul class="field-errors" id="name-error">\s*<li>([^<]+)</li>', body).group(1)
    assert CJK.search(message)
    assert 'value="13700001234"' in body  # what was typed stays

    unknown = browser.post(page(community, "/members/"),
                           data={"login": "a@example.cn", "name": "某人", "roles": ["boss"]})
    assert unknown.status_code == 422
    assert 'id="roles-error"' in unknown.get_data(as_text=True)
    assert db.session.query(User).filter_by(email="a@example.cn").count() == 0


def test_page_change_roles_and_last_admin_message(app, community, admin):
    person = member(community, "resident")
    browser = browser_for(app, admin)
    response = browser.post(page(community, f"/members/{membership_id(community, person)}/roles"),
                            data={"roles": ["coordinator"]})
    assert flashes(browser, response, "success")
    assert roles_of(community, person) == ["coordinator"]

    response = browser.post(page(community, f"/members/{membership_id(community, admin)}/roles"),
                            data={"roles": ["resident"]})
    errors = flashes(browser, response, "error")
    assert errors and CJK.search(errors[0])
    assert roles_of(community, admin) == ["admin"]

    response = browser.post(page(community, f"/members/{membership_id(community, admin)}/remove"))
    assert flashes(browser, response, "error")
    assert roles_of(community, admin) == ["admin"]


def test_page_remove_member(app, community, admin):
    person = member(community, "resident", name="要走的人")
    browser = browser_for(app, admin)
    response = browser.post(page(community, f"/members/{membership_id(community, person)}/remove"))
    assert flashes(browser, response, "success")
    assert roles_of(community, person) is None
    assert "要走的人" not in browser.get(page(community, "/members/")).get_data(as_text=True)


def test_page_coordinator_views_without_managing(app, community, admin):
    person = member(community, "resident", name="李奶奶")
    coordinator = browser_for(app, member(community, "coordinator"))
    response = coordinator.get(page(community, "/members/"))
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "李奶奶" in body
    assert 'name="login"' not in body and "/remove" not in body
    mid = membership_id(community, person)
    assert coordinator.post(page(community, "/members/"), data={"login": "b@example.cn", "name": "某人",
                                                                "roles": ["resident"]}).status_code == 403
    assert coordinator.post(page(community, f"/members/{mid}/roles"), data={"roles": ["admin"]}).status_code == 403
    assert coordinator.post(page(community, f"/members/{mid}/remove")).status_code == 403
    assert roles_of(community, person) == ["resident"]


def test_page_resident_is_refused(app, community, admin):
    resident = browser_for(app, member(community, "resident"))
    assert resident.get(page(community, "/members/")).status_code == 403
