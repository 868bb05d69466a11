"""Residents API under /api/v1/c/<slug>/residents, and the rules behind it.

Profiles for the people who serve residents; sensitive attributes only under a recorded consent,
blocked when it is withdrawn, every read and change audited (never the value); export, deletion
request and erasure.
"""
from datetime import timedelta

import pytest
from sqlalchemy import inspect, select

from app.core.extensions import db
from app.residents import services
from app.residents.models import SENSITIVE_FIELDS, AuditEvent, Consent, Resident, SensitiveAttributes
from tenants import clock
from tenants.context import tenant_context
from tests.factories import CommunityFactory, api, member, token_for

SENSITIVE = {"disability_category": "visual", "disability_grade": 2, "low_income": True, "living_alone": True,
             "special_hardship": False}


@pytest.fixture
def auth(client):
    """Bearer headers per user, made once per test."""
    made = {}

    def get(user):
        if user.id not in made:
            made[user.id] = token_for(client, user)
        return made[user.id]

    return get


def make_resident(community, name="王奶奶", *, account_id=None, **fields) -> int:
    with tenant_context(community.id):
        resident = services.create_resident({"name": name, **fields}, actor_id=None, account_id=account_id)
        db.session.commit()
        return resident.id


def stored(community, model, **where):
    db.session.rollback()
    db.session.expire_all()
    with tenant_context(community.id):
        return list(db.session.execute(select(model).filter_by(**where)).scalars())


def resident_row(community, resident_id) -> Resident:
    db.session.rollback()
    db.session.expire_all()
    with tenant_context(community.id):
        return db.session.get(Resident, resident_id)


def audits(community, resident_id, action=None) -> list[AuditEvent]:
    rows = stored(community, AuditEvent, resident_id=resident_id)
    return [r for r in rows if action is None or r.action == action]


def assert_field_error(response, *fields, status=422):
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"error"}
    assert body["error"]["message"]
    for field in fields:
        messages = body["error"]["fields"].get(field)
        assert messages and all(isinstance(m, str) and m for m in messages), body
    return body["error"]


def consent(client, community, resident_id, headers, **extra):
    response = client.post(api(community, f"/residents/{resident_id}/consents"),
                           json={"given_by": "王奶奶本人", "method": "in_person", **extra}, headers=headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


# --- registering and listing ----------------------------------------------------------------------

def test_coordinator_registers_a_resident_who_phoned_and_the_list_is_in_pinyin_order(client, community, coordinator,
                                                                                   auth):
    headers = auth(coordinator)
    payload = {"name": " 赵大爷 ", "phone": "13800001111", "building": "3", "entrance": "2", "room": "302",
               "address": "柳荫街5号", "latitude": 39.94, "longitude": 116.38, "birth_date": "1941-03-05",
               "household": "和老伴同住", "diet_notes": "少盐"}
    response = client.post(api(community, "/residents"), json=payload, headers=headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert isinstance(body["id"], str) and body["id"].isdigit()
    assert body["name"] == "赵大爷" and body["status"] == "active" and body["birth_date"] == "1941-03-05"
    assert body["age"] >= 84
    row = resident_row(community, int(body["id"]))
    assert row.registered_by_id == coordinator.id and row.account_id is None  # registered for someone else
    for name in ("王奶奶", "阿姨", "陈叔叔"):
        assert client.post(api(community, "/residents"), json={"name": name}, headers=headers).status_code == 201
    listed = client.get(api(community, "/residents"), headers=headers)
    assert listed.status_code == 200
    names = [r["name"] for r in listed.get_json()["items"]]
    assert names == ["阿姨", "陈叔叔", "王奶奶", "赵大爷"]  # a yi, chen, wang, zhao


def test_staff_list_pages_and_searches_by_pinyin(client, community, admin, auth):
    for name in ("李明", "刘芳", "张伟", "王强", "李娜"):
        make_resident(community, name)
    headers = auth(admin)
    first = client.get(api(community, "/residents"), query_string={"limit": 2}, headers=headers).get_json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = client.get(api(community, "/residents"), query_string={"limit": 10, "cursor": first["next_cursor"]},
                      headers=headers).get_json()
    assert [r["name"] for r in first["items"] + rest["items"]] == ["李明", "李娜", "刘芳", "王强", "张伟"]
    found = client.get(api(community, "/residents"), query_string={"q": "li n"}, headers=headers).get_json()["items"]
    assert [r["name"] for r in found] == ["李娜"]
    found = client.get(api(community, "/residents"), query_string={"q": "李"}, headers=headers).get_json()["items"]
    assert [r["name"] for r in found] == ["李明", "李娜"]


def test_resident_registers_themself_and_a_parent_and_sees_only_those(client, community, auth):
    son = member(community, "resident", name="刘小明")
    headers = auth(son)
    own = client.post(api(community, "/residents"), json={"name": "刘小明"}, headers=headers)
    parent = client.post(api(community, "/residents"), json={"name": "刘奶奶", "account_relation": "child",
                                                             "birth_date": "1938-01-02"}, headers=headers)
    assert own.status_code == 201 and parent.status_code == 201, parent.get_data(as_text=True)
    make_resident(community, "别人家的老人")
    listed = client.get(api(community, "/residents"), headers=headers)
    assert listed.status_code == 200
    assert [r["name"] for r in listed.get_json()["items"]] == ["刘小明", "刘奶奶"]
    assert listed.get_json()["items"][1]["account_relation"] == "child"
    row = resident_row(community, int(parent.get_json()["id"]))
    assert row.account_id == son.id and row.registered_by_id == son.id
    # The son can read and change his mother's profile.
    path = api(community, f"/residents/{parent.get_json()['id']}")
    assert client.get(path, headers=headers).status_code == 200
    changed = client.patch(path, json={"diet_notes": "不吃辣"}, headers=headers)
    assert changed.status_code == 200 and changed.get_json()["diet_notes"] == "不吃辣"


def test_unknown_relation_is_refused(client, community, auth):
    user = member(community, "resident")
    response = client.post(api(community, "/residents"), json={"name": "某人", "account_relation": "neighbour"},
                           headers=auth(user))
    assert_field_error(response, "account_relation")
    assert stored(community, Resident) == []


@pytest.mark.parametrize("roles", [("unit",), ("council",), ("representative",), ("resident",)])
def test_non_staff_cannot_see_or_touch_another_resident(client, community, auth, roles):
    user = member(community, *roles)
    other = make_resident(community, "王奶奶", phone="13900009999")
    headers = auth(user)
    for method, path, body in [("get", "", None), ("patch", "", {"phone": "13900000000"}), ("get", "/sensitive", None),
                               ("put", "/sensitive", SENSITIVE), ("get", "/consents", None),
                               ("post", "/consents", {"given_by": "x"}), ("post", "/consents/withdraw", None),
                               ("get", "/exports", None), ("post", "/exports", None),
                               ("post", "/deletion-request", None),
                               ("post", "/erase", None)]:
        response = getattr(client, method)(api(community, f"/residents/{other}{path}"), json=body, headers=headers)
        assert response.status_code == 403, (method, path, response.status_code)
    listed = client.get(api(community, "/residents"), headers=headers).get_json()["items"]
    assert listed == []  # the list holds only what they act for
    assert "13900009999" not in client.get(api(community, "/residents"), headers=headers).get_data(as_text=True)
    assert audits(community, other) == []


def test_only_residents_and_staff_may_register(client, community, auth):
    council = member(community, "council")
    response = client.post(api(community, "/residents"), json={"name": "某人"}, headers=auth(council))
    assert response.status_code == 403
    assert stored(community, Resident) == []


def test_another_communitys_resident_is_not_found(client, community, admin, auth):
    other_community = CommunityFactory()
    elsewhere = make_resident(other_community, "外社区居民")
    headers = auth(admin)
    for method, path in [("get", ""), ("get", "/sensitive"), ("get", "/exports"), ("post", "/exports"),
                         ("post", "/erase")]:
        response = getattr(client, method)(api(community, f"/residents/{elsewhere}{path}"), headers=headers)
        assert response.status_code == 404, (path, response.status_code)
    assert resident_row(other_community, elsewhere).status == "active"


# --- bad input ------------------------------------------------------------------------------------

@pytest.mark.parametrize("payload, field", [
    ({"latitude": 91, "longitude": 116.4}, "latitude"),
    ({"latitude": -90.5, "longitude": 116.4}, "latitude"),
    ({"latitude": 39.9, "longitude": 181}, "longitude"),
    ({"latitude": 39.9}, "longitude"),  # one without the other
    ({"longitude": 116.4}, "longitude"),
    ({"birth_date": (clock.today() + timedelta(days=1)).isoformat()}, "birth_date"),
    ({"birth_date": "1941-02-30"}, "birth_date"),
    ({"phone": "call me"}, "phone"),
    ({"name": "  "}, "name"),
])
def test_bad_profile_input_is_a_field_error_and_nothing_is_saved(client, community, coordinator, auth, payload,
                                                                field):
    response = client.post(api(community, "/residents"), json={"name": "赵大爷", **payload}, headers=auth(coordinator))
    error = assert_field_error(response, field)
    assert error["code"] == "invalid"
    assert stored(community, Resident) == []


def test_bad_change_leaves_the_profile_as_it_was(client, community, coordinator, auth):
    resident_id = make_resident(community, "赵大爷", latitude=39.9, longitude=116.4, phone="13800001111")
    headers = auth(coordinator)
    path = api(community, f"/residents/{resident_id}")
    assert_field_error(client.patch(path, json={"phone": "13900000000", "latitude": 91}, headers=headers),
                       "latitude")
    assert_field_error(client.patch(path, json={"phone": "13900000000", "latitude": 40.0, "longitude": None},
                                    headers=headers), "longitude")
    assert_field_error(client.patch(path, json={"birth_date": (clock.today() + timedelta(days=30)).isoformat()},
                                    headers=headers), "birth_date")
    # Clearing one coordinate alone would leave half a position.
    assert_field_error(client.patch(path, json={"latitude": None}, headers=headers), "longitude")
    row = resident_row(community, resident_id)
    assert (row.phone, row.latitude, row.longitude, row.birth_date) == ("13800001111", 39.9, 116.4, None)
    # Moving one coordinate of a stored position, or clearing both, is fine.
    moved = client.patch(path, json={"latitude": 39.95}, headers=headers)
    assert moved.status_code == 200 and (moved.get_json()["latitude"], moved.get_json()["longitude"]) == (39.95, 116.4)
    cleared = client.patch(path, json={"latitude": None, "longitude": None}, headers=headers)
    assert cleared.status_code == 200
    row = resident_row(community, resident_id)
    assert (row.latitude, row.longitude) == (None, None)
    assert_field_error(client.patch(path, json={"longitude": 116.5}, headers=headers), "longitude")


# --- consent and sensitive attributes -------------------------------------------------------------

def test_sensitive_data_without_consent_are_refused_per_field_and_nothing_is_stored(client, community, coordinator,
                                                                                   auth):
    resident_id = make_resident(community)
    response = client.put(api(community, f"/residents/{resident_id}/sensitive"), json=SENSITIVE,
                          headers=auth(coordinator))
    error = assert_field_error(response, *SENSITIVE)
    assert error["code"] == "invalid"
    assert stored(community, SensitiveAttributes) == []
    assert audits(community, resident_id) == []


def test_consent_records_who_how_and_when_then_sensitive_data_can_be_stored(client, community, coordinator, auth):
    resident_id = make_resident(community)
    headers = auth(coordinator)
    given = consent(client, community, resident_id, headers, given_by="王奶奶的女儿 刘芳", method="phone",
                    note="电话确认")
    assert given["purpose"] == "services" and given["method"] == "phone" and given["withdrawn_at"] is None
    assert given["given_by"] == "王奶奶的女儿 刘芳" and given["given_at"]
    [row] = stored(community, Consent, resident_id=resident_id)
    assert row.recorded_by_id == coordinator.id and row.given_at is not None
    # Recording it again while it holds changes nothing.
    again = client.post(api(community, f"/residents/{resident_id}/consents"), json={"given_by": "别人"},
                        headers=headers)
    assert again.status_code == 201 and again.get_json()["id"] == given["id"]
    assert len(stored(community, Consent, resident_id=resident_id)) == 1

    response = client.put(api(community, f"/residents/{resident_id}/sensitive"), json=SENSITIVE, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json() == {"consent": True, **SENSITIVE}
    [attributes] = stored(community, SensitiveAttributes, resident_id=resident_id)
    assert (attributes.disability_category, attributes.disability_grade, attributes.low_income) == ("visual", 2, True)
    changes = audits(community, resident_id, "change")
    assert sorted(e.field for e in changes) == sorted(SENSITIVE_FIELDS)  # the first store sets every field
    assert all(e.actor_id == coordinator.id for e in changes)
    # Later, only the fields whose value changed are recorded.
    response = client.put(api(community, f"/residents/{resident_id}/sensitive"),
                          json={**SENSITIVE, "living_alone": False},
                          headers=headers)
    assert response.status_code == 200 and response.get_json()["living_alone"] is False
    changes = audits(community, resident_id, "change")
    assert len(changes) == len(SENSITIVE_FIELDS) + 1 and changes[-1].field == "living_alone"
    assert [e.actor_id for e in audits(community, resident_id, "consent")] == [coordinator.id]


def test_consent_must_say_who_gave_it(client, community, coordinator, auth):
    resident_id = make_resident(community)
    headers = auth(coordinator)
    assert_field_error(client.post(api(community, f"/residents/{resident_id}/consents"), json={"given_by": "   "},
                                   headers=headers), "given_by")
    assert_field_error(client.post(api(community, f"/residents/{resident_id}/consents"),
                                   json={"given_by": "本人", "method": "telepathy"}, headers=headers), "method")
    assert stored(community, Consent) == []


@pytest.mark.parametrize("payload, field", [
    ({"disability_category": "unknown", "disability_grade": 2}, "disability_category"),
    ({"disability_category": "visual", "disability_grade": 5}, "disability_grade"),
    ({"disability_grade": 2}, "disability_grade"),  # a grade without a category
    ({"disability_category": "visual"}, "disability_grade"),  # a category without a grade
    ({"low_income": "perhaps"}, "low_income"),
])
def test_bad_sensitive_input_is_refused_and_nothing_is_half_saved(client, community, coordinator, auth, payload,
                                                                 field):
    resident_id = make_resident(community)
    headers = auth(coordinator)
    consent(client, community, resident_id, headers)
    assert client.put(api(community, f"/residents/{resident_id}/sensitive"), json=SENSITIVE,
                      headers=headers).status_code == 200
    before = {e.id for e in audits(community, resident_id)}
    response = client.put(api(community, f"/residents/{resident_id}/sensitive"), json={**payload}, headers=headers)
    assert_field_error(response, field)
    [attributes] = stored(community, SensitiveAttributes, resident_id=resident_id)
    assert {f: getattr(attributes, f) for f in SENSITIVE_FIELDS} == SENSITIVE
    assert {e.id for e in audits(community, resident_id)} == before  # no change recorded


def test_every_read_is_audited_per_field_and_the_audit_never_holds_a_value(client, community, coordinator, admin,
                                                                          auth):
    resident_id = make_resident(community)
    headers = auth(coordinator)
    consent(client, community, resident_id, headers)
    client.put(api(community, f"/residents/{resident_id}/sensitive"), json=SENSITIVE, headers=headers)
    response = client.get(api(community, f"/residents/{resident_id}/sensitive"), headers=headers)
    assert response.status_code == 200
    assert response.get_json() == {"consent": True, **SENSITIVE}
    reads = audits(community, resident_id, "read")
    assert sorted(e.field for e in reads) == sorted(SENSITIVE_FIELDS)
    assert all(e.actor_id == coordinator.id and e.resident_id == resident_id and e.at for e in reads)
    # A second look is a second set of rows.
    client.get(api(community, f"/residents/{resident_id}/sensitive"), headers=auth(admin))
    assert len(audits(community, resident_id, "read")) == 2 * len(SENSITIVE_FIELDS)

    # The audit table has no column that could hold a value.
    columns = {c["name"] for c in inspect(db.engine).get_columns("audit_events")}
    assert columns == {"id", "community_id", "actor_id", "action", "resident_id", "field", "at"}
    assert set(SENSITIVE_FIELDS).isdisjoint(columns) and "value" not in columns
    # And the rows carry no stored value anywhere.
    for event in audits(community, resident_id):
        for column in ("action", "field"):
            text = str(getattr(event, column))
            assert text in ("",) + SENSITIVE_FIELDS + ("read", "change", "consent", "withdraw", "export")
            assert "visual" not in text
        assert event.action in ("read", "change", "consent")


def test_the_resident_sees_their_own_sensitive_data_and_consents(client, community, auth):
    user = member(community, "resident", name="王奶奶")
    headers = auth(user)
    resident_id = int(client.post(api(community, "/residents"), json={"name": "王奶奶"},
                                  headers=headers).get_json()["id"])
    consent(client, community, resident_id, headers, given_by="王奶奶", method="online")
    assert client.put(api(community, f"/residents/{resident_id}/sensitive"), json=SENSITIVE,
                      headers=headers).status_code == 200
    assert client.get(api(community, f"/residents/{resident_id}/sensitive"),
                      headers=headers).get_json()["disability_grade"] == 2
    consents = client.get(api(community, f"/residents/{resident_id}/consents"), headers=headers).get_json()["items"]
    assert [c["method"] for c in consents] == ["online"]
    assert all(e.actor_id == user.id for e in audits(community, resident_id, "read"))


def test_withdrawn_consent_blocks_the_data(client, community, coordinator, auth):
    resident_id = make_resident(community)
    headers = auth(coordinator)
    consent(client, community, resident_id, headers)
    client.put(api(community, f"/residents/{resident_id}/sensitive"), json=SENSITIVE, headers=headers)
    with tenant_context(community.id):
        assert services.priority_attributes([resident_id]) == {resident_id: SENSITIVE}
    db.session.rollback()

    withdrawn = client.post(api(community, f"/residents/{resident_id}/consents/withdraw"), headers=headers)
    assert withdrawn.status_code == 204
    reads_before = len(audits(community, resident_id, "read"))
    response = client.get(api(community, f"/residents/{resident_id}/sensitive"), headers=headers)
    assert response.status_code == 200
    assert response.get_json() == {"consent": False}  # no values at all
    assert len(audits(community, resident_id, "read")) == reads_before  # nothing was read
    [row] = stored(community, Consent, resident_id=resident_id)
    assert row.withdrawn_at is not None and row.withdrawn_by_id == coordinator.id
    assert [e.actor_id for e in audits(community, resident_id, "withdraw")] == [coordinator.id]
    # Matching no longer sees them, and nothing new can be stored.
    with tenant_context(community.id):
        assert services.priority_attributes([resident_id]) == {}
    db.session.rollback()
    again = client.put(api(community, f"/residents/{resident_id}/sensitive"),
                       json={**SENSITIVE, "special_hardship": True},
                       headers=headers)
    assert_field_error(again, "special_hardship")
    [attributes] = stored(community, SensitiveAttributes, resident_id=resident_id)
    assert attributes.special_hardship is False
    # Withdrawing what is not there is a 404.
    assert client.post(api(community, f"/residents/{resident_id}/consents/withdraw"),
                       headers=headers).status_code == 404
    # A new consent opens them again.
    consent(client, community, resident_id, headers, given_by="王奶奶本人 再次同意")
    assert client.get(api(community, f"/residents/{resident_id}/sensitive"),
                      headers=headers).get_json()["consent"] is True
    assert len(stored(community, Consent, resident_id=resident_id)) == 2


def test_priority_attributes_only_for_consenting_residents(app, community):
    with tenant_context(community.id):
        ids = [services.create_resident({"name": n}, actor_id=None).id for n in ("甲", "乙", "丙")]
        residents = [db.session.get(Resident, i) for i in ids]
        for resident in residents:
            services.record_consent(resident, given_by="本人", method="paper", actor_id=None)
            services.set_sensitive(resident, {"living_alone": True}, actor_id=None)
        services.withdraw_consent(residents[1], actor_id=None)
        db.session.commit()
        assert set(services.priority_attributes(ids)) == {ids[0], ids[2]}
        assert services.priority_attributes([]) == {}


def test_eligibility_uses_sensitive_groups_only_under_consent_and_audits_their_use(app, community):
    sixty = clock.today().replace(year=clock.today().year - 60)
    with tenant_context(community.id):
        older = services.create_resident({"name": "刚满六十", "birth_date": sixty}, actor_id=None)
        younger = services.create_resident({"name": "五十九", "birth_date": sixty + timedelta(days=1)},
                                           actor_id=None)
        for person in (older, younger):
            services.record_consent(person, given_by="本人", method="paper", actor_id=None)
            services.set_sensitive(person, {"disability_category": "hearing", "disability_grade": 3,
                                            "low_income": True}, actor_id=None)
        services.withdraw_consent(younger, actor_id=None)
        db.session.commit()
        found = services.eligibility_of([older.id, younger.id], actor_id=None, purpose="test")
        assert found == {older.id: ({"elderly", "disabled", "low_income"}, 3), younger.id: (set(), None)}
        db.session.commit()
        used = stored(community, AuditEvent, field="test")
        assert [(e.resident_id, e.action) for e in used] == [(older.id, "read")]


def test_unit_representative_never_sees_sensitive_data(client, community, coordinator, auth):
    resident_id = make_resident(community)
    consent(client, community, resident_id, auth(coordinator))
    client.put(api(community, f"/residents/{resident_id}/sensitive"), json=SENSITIVE, headers=auth(coordinator))
    rep = member(community, "unit", "resident")
    headers = auth(rep)
    assert client.get(api(community, f"/residents/{resident_id}/sensitive"), headers=headers).status_code == 403
    assert client.post(api(community, f"/residents/{resident_id}/exports"), headers=headers).status_code == 403
    assert all(e.actor_id != rep.id for e in audits(community, resident_id))


# --- deletion, erasure, audit log ---------------------------------------------------------

# The export itself (prepared in the background, downloaded by who asked): tests/test_data_exports.py.


def test_deletion_request_reaches_the_admins_inbox_and_the_admin_erases(client, community, admin, coordinator, auth,
                                                                       drain):
    other_admin = member(community, "admin")
    user = member(community, "resident", name="刘小明")
    headers = auth(user)
    resident_id = int(client.post(api(community, "/residents"), json={
        "name": "刘奶奶", "phone": "13922223333", "address": "柳荫街7号", "building": "5", "room": "101",
        "household": "独居", "diet_notes": "低糖", "latitude": 39.9, "longitude": 116.4, "birth_date": "1936-09-09",
        "account_relation": "child"}, headers=headers).get_json()["id"])
    consent(client, community, resident_id, headers, given_by="刘奶奶（儿子刘小明代签）", note="刘奶奶耳背")
    client.put(api(community, f"/residents/{resident_id}/sensitive"), json=SENSITIVE, headers=headers)

    response = client.post(api(community, f"/residents/{resident_id}/deletion-request"), headers=headers)
    assert response.status_code == 202
    assert response.get_json()["deletion_requested_at"]
    drain()
    db.session.rollback()
    for person in (admin, other_admin):
        inbox = [e for e in client.get("/api/v1/me/notifications", headers=auth(person)).get_json()["items"]
                 if e["category"] == "work"]
        assert len(inbox) == 1, inbox
        assert inbox[0]["link"] == f"/c/{community.slug}/residents/{resident_id}"
    for person in (coordinator, user):
        assert [e for e in client.get("/api/v1/me/notifications", headers=auth(person)).get_json()["items"]
                if e["category"] == "work"] == []
    # Asking twice does not notify twice.
    client.post(api(community, f"/residents/{resident_id}/deletion-request"), headers=headers)
    drain()
    db.session.rollback()
    for person in (admin, other_admin):
        inbox = client.get("/api/v1/me/notifications", headers=auth(person)).get_json()["items"]
        assert len([e for e in inbox if e["category"] == "work"]) == 1

    # The coordinator cannot erase; the admin can.
    assert client.post(api(community, f"/residents/{resident_id}/erase"), headers=auth(coordinator)).status_code == 403
    assert resident_row(community, resident_id).status == "active"
    erased = client.post(api(community, f"/residents/{resident_id}/erase"), headers=auth(admin))
    assert erased.status_code == 200, erased.get_data(as_text=True)
    row = resident_row(community, resident_id)
    assert row.status == "erased" and row.name != "刘奶奶" and "刘" not in row.name_sort
    assert (row.phone, row.address, row.building, row.room, row.household, row.diet_notes) == ("",) * 6
    assert (row.latitude, row.longitude, row.birth_date, row.account_id) == (None, None, None, None)
    assert stored(community, SensitiveAttributes) == []
    [given] = stored(community, Consent, resident_id=resident_id)
    assert given.withdrawn_at is not None
    assert "刘" not in given.given_by and given.note == ""  # who signed, and notes, are personal data too
    assert [e.actor_id for e in audits(community, resident_id, "erase")] == [admin.id]
    # The family member no longer sees the profile; it has left the register.
    assert client.get(api(community, f"/residents/{resident_id}"), headers=headers).status_code == 404
    assert client.get(api(community, "/residents"), headers=headers).get_json()["items"] == []
    assert client.get(api(community, "/residents"), headers=auth(coordinator)).get_json()["items"] == []
    assert client.get(api(community, f"/residents/{resident_id}"), headers=auth(coordinator)).status_code == 404
    # Nothing can be written back onto the erased profile.
    patched = client.patch(api(community, f"/residents/{resident_id}"), json={"name": "刘奶奶"}, headers=auth(admin))
    assert patched.status_code == 409
    assert resident_row(community, resident_id).name != "刘奶奶"


def test_audit_log_is_for_the_admin_only(client, community, admin, coordinator, auth):
    resident_id = make_resident(community)
    consent(client, community, resident_id, auth(coordinator))
    client.put(api(community, f"/residents/{resident_id}/sensitive"), json=SENSITIVE, headers=auth(coordinator))
    client.get(api(community, f"/residents/{resident_id}/sensitive"), headers=auth(coordinator))
    assert client.get(api(community, "/residents/audit"), headers=auth(coordinator)).status_code == 403
    resident_user = member(community, "resident")
    assert client.get(api(community, "/residents/audit"), headers=auth(resident_user)).status_code == 403
    response = client.get(api(community, "/residents/audit"), query_string={"limit": 100}, headers=auth(admin))
    assert response.status_code == 200
    items = response.get_json()["items"]
    assert len(items) == 1 + 2 * len(SENSITIVE_FIELDS)  # the consent, five changes, five reads
    assert [int(i["id"]) for i in items] == sorted((int(i["id"]) for i in items), reverse=True)  # newest first
    assert all(set(i) == {"id", "actor_id", "action", "resident_id", "field", "at"} for i in items)
    assert all(i["actor_id"] == str(coordinator.id) and i["resident_id"] == str(resident_id) for i in items)
    assert "visual" not in response.get_data(as_text=True)
    paged = client.get(api(community, "/residents/audit"), query_string={"limit": 4}, headers=auth(admin)).get_json()
    assert len(paged["items"]) == 4 and paged["next_cursor"]
