"""Units API: /api/v1/c/<slug>/units — create, read, change, delete, list, page, filter, representatives."""
import pytest

from app.core.extensions import db
from app.units.models import Unit
from tenants.context import tenant_context
from tests.factories import CommunityFactory, UnitFactory, member, token_for, units


def base(community) -> str:
    return f"/api/v1/c/{community.slug}/units"


def make_unit(community, name, **fields):
    from app.units.services import sort_key

    with tenant_context(community.id):
        unit = UnitFactory(name=name, name_sort=sort_key(name), **fields)
        return unit.id


def assert_field_error(response, field, status=422):
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"error"}
    assert isinstance(body["error"]["code"], str) and body["error"]["message"]
    assert body["error"]["fields"].get(field), body
    assert all(isinstance(m, str) and m for m in body["error"]["fields"][field])
    return body["error"]


def walk(client, url, headers, limit, **filters):
    """Follow next_cursor to the end; return every item and the number of pages."""
    items, pages, cursor = [], 0, None
    while True:
        query = {**filters, "limit": limit, **({"cursor": cursor} if cursor else {})}
        response = client.get(url, query_string=query, headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        body = response.get_json()
        assert set(body) == {"items", "next_cursor"}
        items += body["items"]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            return items, pages
        assert isinstance(cursor, str) and cursor
        assert pages < 100, "the cursor never ends"


# --- create, read, change, delete ------------------------------------------------------------------

def test_create_answers_201_with_string_id_and_the_unit(client, community, auth):
    payload = {"name": " 北京饭店 ", "type": "enterprise", "address": "东长安街33号", "contact_name": "李经理",
               "contact_phone": "010-65137766", "description": "提供场地", "joined_on": "2023-05-04"}
    response = client.post(base(community), json=payload, headers=auth)
    assert response.status_code == 201, response.get_data(as_text=True)
    unit = response.get_json()
    assert isinstance(unit["id"], str) and unit["id"].isdigit()
    assert unit["name"] == "北京饭店"  # trimmed
    assert unit["type"] == "enterprise"
    assert unit["status"] == "active"
    assert unit["joined_on"] == "2023-05-04"
    assert unit["representatives"] == []
    with tenant_context(community.id):
        stored = db.session.get(Unit, int(unit["id"]))
        assert stored.name == "北京饭店" and stored.community_id == community.id
        assert stored.name_sort == "bei jing fan dian"


def test_get_patch_delete_round(client, community, auth):
    created = client.post(base(community), json={"name": "张记包子铺", "type": "shop"}, headers=auth).get_json()
    url = f"{base(community)}/{created['id']}"

    got = client.get(url, headers=auth)
    assert got.status_code == 200
    assert got.get_json()["name"] == "张记包子铺"
    assert got.get_json()["id"] == created["id"]

    patched = client.patch(url, json={"description": "早点，可为老人送餐", "status": "suspended"}, headers=auth)
    assert patched.status_code == 200, patched.get_data(as_text=True)
    body = patched.get_json()
    assert body["description"] == "早点，可为老人送餐"
    assert body["status"] == "suspended"
    # A partial change keeps what it does not mention.
    assert body["name"] == "张记包子铺" and body["type"] == "shop"
    assert client.get(url, headers=auth).get_json()["status"] == "suspended"

    renamed = client.patch(url, json={"name": "张记早点"}, headers=auth)
    assert renamed.status_code == 200
    assert renamed.get_json()["name"] == "张记早点"
    db.session.expire_all()
    with tenant_context(community.id):
        assert db.session.get(Unit, int(created["id"])).name_sort == "zhang ji zao dian"

    deleted = client.delete(url, headers=auth)
    assert deleted.status_code == 204
    assert client.get(url, headers=auth).status_code == 404
    assert client.delete(url, headers=auth).status_code == 404


def test_missing_unit_is_404_json(client, community, auth):
    response = client.get(f"{base(community)}/999999", headers=auth)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_required_fields_and_bad_values_are_422(client, community, auth):
    assert_field_error(client.post(base(community), json={"type": "shop"}, headers=auth), "name")
    assert_field_error(client.post(base(community), json={"name": "   ", "type": "shop"}, headers=auth), "name")
    assert_field_error(client.post(base(community), json={"name": "甲"}, headers=auth), "type")
    assert_field_error(client.post(base(community), json={"name": "甲", "type": "supermarket"}, headers=auth), "type")
    assert_field_error(client.post(base(community), json={"name": "甲", "type": "shop", "status": "closed"},
                                   headers=auth), "status")
    assert_field_error(client.post(base(community), json={"name": "甲", "type": "shop", "joined_on": "2023-13-45"},
                                   headers=auth), "joined_on")
    assert_field_error(client.post(base(community), json={"name": "甲", "type": "shop", "contact_phone": "call me"},
                                   headers=auth), "contact_phone")
    assert_field_error(client.post(base(community), json={"name": "甲" * 101, "type": "shop"}, headers=auth), "name")
    with tenant_context(community.id):
        assert db.session.query(Unit).count() == 0


def test_malformed_json_is_not_a_500(client, community, auth):
    response = client.post(base(community), data="{not json", content_type="application/json", headers=auth)
    assert 400 <= response.status_code < 500
    assert "error" in response.get_json()


def test_patch_unknown_type_is_422_and_changes_nothing(client, community, auth):
    unit_id = make_unit(community, "阿姨家政", type="shop")
    response = client.patch(f"{base(community)}/{unit_id}", json={"type": "supermarket"}, headers=auth)
    assert_field_error(response, "type")
    assert client.get(f"{base(community)}/{unit_id}", headers=auth).get_json()["type"] == "shop"


def test_duplicate_name_in_same_community_is_422_but_fine_elsewhere(client, community, auth):
    first = client.post(base(community), json={"name": "北京饭店", "type": "enterprise"}, headers=auth)
    assert first.status_code == 201
    again = client.post(base(community), json={"name": "北京饭店", "type": "shop"}, headers=auth)
    assert_field_error(again, "name")
    # Surrounding spaces do not make a different name.
    assert_field_error(client.post(base(community), json={"name": " 北京饭店 ", "type": "shop"}, headers=auth), "name")

    other = CommunityFactory()
    other_admin = member(other, "admin")
    other_auth = token_for(client, other_admin)
    elsewhere = client.post(base(other), json={"name": "北京饭店", "type": "enterprise"}, headers=other_auth)
    assert elsewhere.status_code == 201, elsewhere.get_data(as_text=True)


def test_rename_onto_existing_name_is_422(client, community, auth):
    make_unit(community, "北京饭店")
    other_id = make_unit(community, "张记包子铺")
    response = client.patch(f"{base(community)}/{other_id}", json={"name": "北京饭店"}, headers=auth)
    assert_field_error(response, "name")
    # Saving the same name again is not a clash with itself.
    same = client.patch(f"{base(community)}/{other_id}", json={"name": "张记包子铺", "address": "新街口"}, headers=auth)
    assert same.status_code == 200


# --- the list: order, paging, filters --------------------------------------------------------------

def test_list_is_sorted_by_pinyin(client, community, auth):
    for name in ("张记包子铺", "北京饭店", "阿姨家政", "柳荫街小学"):
        make_unit(community, name)
    body = client.get(base(community), headers=auth).get_json()
    assert [u["name"] for u in body["items"]] == ["阿姨家政", "北京饭店", "柳荫街小学", "张记包子铺"]
    assert body["next_cursor"] is None
    assert all(isinstance(u["id"], str) for u in body["items"])


def test_paging_walks_every_unit_exactly_once(client, community, auth):
    ids = units(community, 120)
    # A few with the same pinyin key, so the id breaks ties between pages.
    ids += [make_unit(community, name) for name in ("李记", "里记", "礼记")]
    items, pages = walk(client, base(community), auth, limit=50)
    assert pages == 3
    seen = [int(u["id"]) for u in items]
    assert len(seen) == len(set(seen)) == 123
    assert set(seen) == set(ids)


def test_paging_with_exact_multiple_of_limit(client, community, auth):
    units(community, 100)
    items, pages = walk(client, base(community), auth, limit=50)
    assert len({u["id"] for u in items}) == 100
    assert pages in (2, 3)  # a final empty page is allowed, a missing one is not
    assert client.get(base(community), query_string={"limit": 100}, headers=auth).get_json()["next_cursor"] is None


def test_default_page_size_is_50(client, community, auth):
    units(community, 60)
    body = client.get(base(community), headers=auth).get_json()
    assert len(body["items"]) == 50
    assert body["next_cursor"]


def test_paging_with_filters_keeps_the_filter(client, community, auth):
    units(community, 30, type="school")
    units(community, 30, type="shop")
    items, pages = walk(client, base(community), auth, limit=7, type="school")
    assert len(items) == 30 and {u["type"] for u in items} == {"school"}
    assert pages == 5


# … the last one names an id of 2**70, which no database integer holds.
@pytest.mark.parametrize("cursor", ["garbage!!", "bm90IGpzb24", "WzFd", "W251bGwsbnVsbF0", "x" * 600,
                                    "WyJhIiwgMTE4MDU5MTYyMDcxNzQxMTMwMzQyNF0"])
def test_bad_cursor_is_422_on_cursor(client, community, auth, cursor):
    units(community, 3)
    response = client.get(base(community), query_string={"cursor": cursor}, headers=auth)
    assert_field_error(response, "cursor")


@pytest.mark.parametrize("limit", ["0", "500", "-1", "abc", "201"])
def test_bad_limit_is_422_on_limit(client, community, auth, limit):
    response = client.get(base(community), query_string={"limit": limit}, headers=auth)
    assert_field_error(response, "limit")


def test_limit_bounds_are_accepted(client, community, auth):
    units(community, 3)
    assert len(client.get(base(community), query_string={"limit": 1}, headers=auth).get_json()["items"]) == 1
    assert client.get(base(community), query_string={"limit": 200}, headers=auth).status_code == 200


def test_filter_by_query(client, community, auth):
    make_unit(community, "张记包子铺", address="柳荫街5号", contact_name="张大姐")
    make_unit(community, "北京饭店", address="东长安街33号", contact_name="李经理")
    make_unit(community, "阿姨家政", address="新街口12号", contact_name="王阿姨")

    def names(**query):
        response = client.get(base(community), query_string=query, headers=auth)
        assert response.status_code == 200
        return sorted(u["name"] for u in response.get_json()["items"])

    assert names(q="包子") == ["张记包子铺"]
    assert names(q="zhang") == ["张记包子铺"]
    assert names(q="ZHANG") == ["张记包子铺"]
    assert names(q="bei jing") == ["北京饭店"]
    assert names(q="长安街") == ["北京饭店"]
    assert names(q="王阿姨") == ["阿姨家政"]
    assert names(q="沃尔玛") == []
    assert names(q="  ") == ["北京饭店", "张记包子铺", "阿姨家政"]
    # LIKE wildcards in the search box are not a way to match everything.
    assert names(q="%") == []


def test_filter_by_type_and_status(client, community, auth):
    school = make_unit(community, "柳荫街小学", type="school")
    make_unit(community, "张记包子铺", type="shop")
    withdrawn = make_unit(community, "旧物业", type="property_company", status="withdrawn")

    def ids(**query):
        return {int(u["id"]) for u in client.get(base(community), query_string=query, headers=auth).get_json()["items"]}

    assert ids(type="school") == {school}
    assert ids(status="withdrawn") == {withdrawn}
    assert ids(type="shop", status="withdrawn") == set()
    assert_field_error(client.get(base(community), query_string={"type": "supermarket"}, headers=auth), "type")
    assert_field_error(client.get(base(community), query_string={"status": "closed"}, headers=auth), "status")


def test_list_shows_only_this_community(client, community, auth):
    make_unit(community, "本社区单位")
    other = CommunityFactory()
    theirs = make_unit(other, "别的社区单位")
    names = [u["name"] for u in client.get(base(community), headers=auth).get_json()["items"]]
    assert names == ["本社区单位"]
    # Another community's unit through this community's URL is simply not there.
    assert client.get(f"{base(community)}/{theirs}", headers=auth).status_code == 404
    assert client.patch(f"{base(community)}/{theirs}", json={"description": "x"}, headers=auth).status_code == 404
    assert client.delete(f"{base(community)}/{theirs}", headers=auth).status_code == 404
    # And a community one does not belong to answers 404 too.
    assert client.get(base(other), headers=auth).status_code == 404


# --- who may do what -------------------------------------------------------------------------------

def test_not_logged_in_is_401(client, community):
    response = client.get(base(community))
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("role", ["resident", "council", "representative", "unit"])
def test_non_staff_cannot_create(client, community, role):
    headers = token_for(client, member(community, role))
    response = client.post(base(community), json={"name": "新单位", "type": "shop"}, headers=headers)
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"
    # ...but everyone in the community can read the registry.
    assert client.get(base(community), headers=headers).status_code == 200


def test_coordinator_creates_and_edits_but_cannot_delete(client, community):
    headers = token_for(client, member(community, "coordinator"))
    created = client.post(base(community), json={"name": "新单位", "type": "shop"}, headers=headers)
    assert created.status_code == 201
    url = f"{base(community)}/{created.get_json()['id']}"
    assert client.patch(url, json={"status": "suspended"}, headers=headers).status_code == 200
    assert client.delete(url, headers=headers).status_code == 403
    assert client.get(url, headers=headers).status_code == 200


def test_resident_cannot_patch_or_delete(client, community):
    unit_id = make_unit(community, "张记包子铺")
    headers = token_for(client, member(community, "resident"))
    url = f"{base(community)}/{unit_id}"
    assert client.patch(url, json={"description": "我改的"}, headers=headers).status_code == 403
    assert client.delete(url, headers=headers).status_code == 403


def _represent(client, community, auth, unit_id, user):
    response = client.post(f"{base(community)}/{unit_id}/representatives", json={"user_id": str(user.id)}, headers=auth)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response


def test_representative_edits_own_unit_description_only(client, community, auth):
    own = make_unit(community, "张记包子铺", status="active", type="shop")
    other = make_unit(community, "北京饭店")
    rep = member(community, "resident")
    _represent(client, community, auth, own, rep)
    headers = token_for(client, rep)
    url = f"{base(community)}/{own}"

    ok = client.patch(url, json={"description": "周末义卖", "contact_phone": "13911112222"}, headers=headers)
    assert ok.status_code == 200, ok.get_data(as_text=True)
    assert ok.get_json()["description"] == "周末义卖"
    assert ok.get_json()["contact_phone"] == "13911112222"

    # Status and type stay with the staff: a clear field error, and nothing changes.
    for field, value in (("status", "withdrawn"), ("type", "enterprise"), ("joined_on", "2020-01-01")):
        refused = client.patch(url, json={field: value, "description": "偷偷改"}, headers=headers)
        error = assert_field_error(refused, field)
        assert error["code"] == "invalid"
    unit = client.get(url, headers=headers).get_json()
    assert unit["status"] == "active" and unit["type"] == "shop" and unit["joined_on"] is None
    assert unit["description"] == "周末义卖"

    # Not someone else's unit, and never a delete.
    assert client.patch(f"{base(community)}/{other}", json={"description": "x"}, headers=headers).status_code == 403
    assert client.delete(url, headers=headers).status_code == 403


def test_representatives_add_and_remove(client, community, auth):
    unit_id = make_unit(community, "张记包子铺")
    rep = member(community, "resident", name="张大姐")
    response = _represent(client, community, auth, unit_id, rep)
    reps = response.get_json()["representatives"]
    assert reps == [{"id": str(rep.id), "name": "张大姐"}]

    # Adding the same person again does not duplicate them.
    again = client.post(f"{base(community)}/{unit_id}/representatives", json={"user_id": str(rep.id)}, headers=auth)
    assert again.status_code == 201
    assert len(again.get_json()["representatives"]) == 1

    # They gained the unit role (and kept the role they had).
    members_list = client.get(f"/api/v1/c/{community.slug}/members", headers=auth).get_json()["items"]
    roles = next(m["roles"] for m in members_list if m["user_id"] == str(rep.id))
    assert set(roles) == {"resident", "unit"}

    assert client.get(f"{base(community)}/{unit_id}", headers=auth).get_json()["representatives"][0]["name"] == "张大姐"

    removed = client.delete(f"{base(community)}/{unit_id}/representatives/{rep.id}", headers=auth)
    assert removed.status_code == 204
    assert client.get(f"{base(community)}/{unit_id}", headers=auth).get_json()["representatives"] == []
    assert client.delete(f"{base(community)}/{unit_id}/representatives/{rep.id}", headers=auth).status_code == 404

    # Without the link, the person can no longer edit the unit.
    rep_headers = token_for(client, rep)
    refused = client.patch(f"{base(community)}/{unit_id}", json={"description": "x"}, headers=rep_headers)
    assert refused.status_code == 403


def test_representative_must_be_a_member(client, community, auth):
    unit_id = make_unit(community, "张记包子铺")
    outsider = member(CommunityFactory(), "admin")
    url = f"{base(community)}/{unit_id}/representatives"
    assert_field_error(client.post(url, json={"user_id": str(outsider.id)}, headers=auth), "user_id")
    assert_field_error(client.post(url, json={"user_id": "abc"}, headers=auth), "user_id")
    assert_field_error(client.post(url, json={}, headers=auth), "user_id")
    assert client.get(f"{base(community)}/{unit_id}", headers=auth).get_json()["representatives"] == []


def test_only_staff_manage_representatives(client, community, auth):
    unit_id = make_unit(community, "张记包子铺")
    rep = member(community, "resident")
    _represent(client, community, auth, unit_id, rep)
    rep_headers = token_for(client, rep)
    friend = member(community, "resident")
    url = f"{base(community)}/{unit_id}/representatives"
    assert client.post(url, json={"user_id": str(friend.id)}, headers=rep_headers).status_code == 403
    assert client.delete(f"{url}/{rep.id}", headers=rep_headers).status_code == 403


def test_deleting_a_unit_drops_its_representatives(client, community, auth):
    unit_id = make_unit(community, "张记包子铺")
    rep = member(community, "resident")
    _represent(client, community, auth, unit_id, rep)
    assert client.delete(f"{base(community)}/{unit_id}", headers=auth).status_code == 204
    from app.units.models import UnitRepresentative

    with tenant_context(community.id):
        assert db.session.query(UnitRepresentative).count() == 0
