"""Resident pages under /c/<slug>/residents: the register, the form, a resident's page with consent and
sensitive data (shown only on request, every look audited), own data, export, deletion, the access log;
and the number of SQL statements a list sends."""
import html
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import insert, select

from app.core.extensions import db
from app.residents import services
from app.residents.models import SENSITIVE_FIELDS, AuditEvent, Consent, Resident, SensitiveAttributes
from app.units.services import sort_key
from tenants import clock
from tenants.context import tenant_context
from tests.factories import Browser, CommunityFactory, browser_for, member, token_for

SENSITIVE = {"disability_category": "visual", "disability_grade": 2, "low_income": True, "living_alone": True,
             "special_hardship": False}
SHOWN_MARK = "视力"  # in the label of the "visual" category, whatever the language


def show_button(community, resident_id) -> str:
    return f'href="{page(community, f"/{resident_id}")}?show=sensitive"'


def page(community, path="/") -> str:
    return f"/c/{community.slug}/residents{path}"


def text(response) -> str:
    return response.get_data(as_text=True)


def make_resident(community, name="王奶奶", *, account_id=None, consent=False, sensitive=None, **fields) -> int:
    with tenant_context(community.id):
        resident = services.create_resident({"name": name, **fields}, actor_id=None, account_id=account_id)
        if consent or sensitive:
            services.record_consent(resident, given_by=name, method="in_person", actor_id=None)
        if sensitive:
            services.set_sensitive(resident, sensitive, actor_id=None)
        db.session.commit()
        return resident.id


def stored(community, model, **where):
    db.session.rollback()
    db.session.expire_all()
    with tenant_context(community.id):
        return list(db.session.execute(select(model).filter_by(**where)).scalars())


def audits(community, resident_id, action=None) -> list[AuditEvent]:
    return [e for e in stored(community, AuditEvent, resident_id=resident_id) if action is None or e.action == action]


def table_names(response) -> list[str]:
    return [html.unescape(n) for n in
            re.findall(r'<th scope="row"[^>]*><a href="[^"]*/residents/\d+">([^<]+)</a>', text(response))]


def field_error(body: str, name: str) -> list[str]:
    """The messages under a form field; the control points at them for screen readers."""
    control = re.search(rf'<(input|select|textarea) id="{name}"[^>]*>', body)
    assert control, f"no control {name}"
    assert 'aria-invalid="true"' in control.group(0), control.group(0)
    assert f"{name}-error" in control.group(0), control.group(0)
    block = re.search(rf'<ul class="field-errors" id="{name}-error">(.*?)</ul>', body, re.S)
    assert block, f"no messages for {name}"
    messages = [html.unescape(m).strip() for m in re.findall(r"<li>(.*?)</li>", block.group(1), re.S)]
    assert messages and all(messages)
    return messages


FORM = {"name": "赵大爷", "phone": "13800001111", "building": "3", "entrance": "2", "room": "302",
        "address": "柳荫街5号", "birth_date": "1941-03-05", "household": "和老伴同住", "diet_notes": "少盐",
        "latitude": "39.94", "longitude": "116.38"}


# --- the register and the form --------------------------------------------------------------------

def test_coordinator_registers_a_resident_who_came_in_and_the_register_is_in_pinyin_order(app, community,
                                                                                        coordinator):
    browser = browser_for(app, coordinator)
    form = browser.get(page(community, "/new"))
    assert form.status_code == 200 and 'name="account_relation"' not in text(form)  # staff register others
    response = browser.post(page(community, "/new"), data=FORM)
    assert response.status_code == 302, text(response)
    [row] = stored(community, Resident)
    assert response.headers["Location"].endswith(page(community, f"/{row.id}"))
    assert (row.name, row.phone, row.latitude, row.birth_date) == ("赵大爷", "13800001111", 39.94, date(1941, 3, 5))
    assert row.registered_by_id == coordinator.id and row.account_id is None
    detail = browser.get(page(community, f"/{row.id}"))
    assert detail.status_code == 200 and "赵大爷" in text(detail) and "13800001111" in text(detail)
    for name in ("王奶奶", "阿姨", "陈叔叔"):
        assert browser.post(page(community, "/new"), data={"name": name}).status_code == 302
    listing = browser.get(page(community))
    assert listing.status_code == 200
    assert table_names(listing) == ["阿姨", "陈叔叔", "王奶奶", "赵大爷"]
    assert table_names(browser.get(page(community), query_string={"q": "zhao"})) == ["赵大爷"]


@pytest.mark.parametrize("change, field", [
    ({"latitude": "91"}, "latitude"),
    ({"latitude": "abc"}, "latitude"),
    ({"longitude": "-181"}, "longitude"),
    ({"longitude": ""}, "longitude"),  # latitude without longitude
    ({"birth_date": (clock.today() + timedelta(days=1)).isoformat()}, "birth_date"),
    ({"phone": "打电话"}, "phone"),
    ({"name": " "}, "name"),
])
def test_bad_input_on_the_form_is_shown_at_the_field_and_nothing_is_saved(app, community, coordinator, change,
                                                                         field):
    browser = browser_for(app, coordinator)
    response = browser.post(page(community, "/new"), data={**FORM, **change})
    assert response.status_code == 422
    assert field_error(text(response), field)
    assert 'value="柳荫街5号"' in text(response)  # what was typed is kept
    assert stored(community, Resident) == []


def test_bad_change_on_the_edit_form_keeps_the_profile(app, community, coordinator):
    resident_id = make_resident(community, "赵大爷", phone="13800001111", latitude=39.9, longitude=116.4)
    browser = browser_for(app, coordinator)
    assert browser.get(page(community, f"/{resident_id}/edit")).status_code == 200
    response = browser.post(page(community, f"/{resident_id}/edit"),
                            data={**FORM, "phone": "13900000000", "latitude": "91"})
    assert response.status_code == 422 and field_error(text(response), "latitude")
    [row] = stored(community, Resident)
    assert (row.phone, row.latitude) == ("13800001111", 39.9)
    ok = browser.post(page(community, f"/{resident_id}/edit"), data={**FORM, "phone": "13900000000"})
    assert ok.status_code == 302
    assert stored(community, Resident)[0].phone == "13900000000"


def test_a_resident_registers_themself_and_a_parent_and_sees_only_those(app, community):
    son = member(community, "resident", name="刘小明")
    browser = browser_for(app, son)
    mine = browser.get(page(community))
    assert mine.status_code == 200 and page(community, "/new") in text(mine)
    form = browser.get(page(community, "/new"))
    assert 'name="account_relation"' in text(form)
    assert browser.post(page(community, "/new"), data={"name": "刘小明", "account_relation": "self"}).status_code == 302
    assert browser.post(page(community, "/new"), data={"name": "刘奶奶", "account_relation": "child",
                                                       "birth_date": "1938-01-02"}).status_code == 302
    other = make_resident(community, "别人家的老人", phone="13966667777")
    body = text(browser.get(page(community)))
    assert "刘小明" in body and "刘奶奶" in body and "别人家的老人" not in body
    parent = next(r for r in stored(community, Resident) if r.name == "刘奶奶")
    assert (parent.account_id, parent.account_relation) == (son.id, "child")
    assert browser.get(page(community, f"/{parent.id}")).status_code == 200
    assert browser.get(page(community, f"/{other}")).status_code == 403
    assert browser.get(page(community, f"/{other}/edit")).status_code == 403


@pytest.mark.parametrize("roles", [("unit", "resident"), ("council",), ("representative",)])
def test_other_roles_get_403_on_another_resident(app, community, roles):
    other = make_resident(community, "王奶奶", phone="13900009999", sensitive=SENSITIVE)
    browser = browser_for(app, member(community, *roles))
    for path in ("", "/edit", "/sensitive", "/exports"):
        response = browser.get(page(community, f"/{other}{path}"), query_string={"show": "sensitive"})
        assert response.status_code == 403, (path, response.status_code)
        assert "13900009999" not in text(response) and SHOWN_MARK not in text(response)
    for path in ("/consent", "/consent/withdraw", "/deletion", "/erase", "/exports"):
        assert browser.post(page(community, f"/{other}{path}")).status_code == 403, path
    assert browser.get(page(community, "/new")).status_code in (200, 403)
    assert "王奶奶" not in text(browser.get(page(community)))
    assert {e.action for e in audits(community, other)} == {"consent", "change"}  # only the setup's
    assert stored(community, Consent, resident_id=other)[0].withdrawn_at is None


def test_another_communitys_resident_page_is_not_found(app, community, admin):
    elsewhere = make_resident(CommunityFactory(), "外社区居民")
    browser = browser_for(app, admin)
    assert browser.get(page(community, f"/{elsewhere}")).status_code == 404
    assert browser.get(page(community, f"/{elsewhere}/exports")).status_code == 404


# --- consent and sensitive data on the resident's page --------------------------------------------

def test_sensitive_data_are_shown_only_on_request_and_each_look_is_audited(app, community, coordinator):
    resident_id = make_resident(community, "王奶奶", sensitive=SENSITIVE)
    browser = browser_for(app, coordinator)
    before = len(audits(community, resident_id))
    plain = browser.get(page(community, f"/{resident_id}"))
    assert plain.status_code == 200
    assert SHOWN_MARK not in text(plain)
    assert show_button(community, resident_id) in text(plain)
    assert len(audits(community, resident_id)) == before  # a page view alone writes nothing

    shown = browser.get(page(community, f"/{resident_id}"), query_string={"show": "sensitive"})
    assert shown.status_code == 200 and SHOWN_MARK in text(shown)
    reads = audits(community, resident_id, "read")
    assert sorted(e.field for e in reads) == sorted(SENSITIVE_FIELDS)
    assert all(e.actor_id == coordinator.id for e in reads)


def test_staff_record_consent_then_store_sensitive_data_through_the_form(app, community, coordinator):
    resident_id = make_resident(community, "王奶奶")
    browser = browser_for(app, coordinator)
    detail = text(browser.get(page(community, f"/{resident_id}")))
    assert 'name="given_by"' in detail and 'name="method"' in detail
    # Without consent the form is not even offered, and a post stores nothing.
    assert browser.get(page(community, f"/{resident_id}/sensitive")).status_code == 302
    posted = browser.post(page(community, f"/{resident_id}/sensitive"),
                          data={"disability_category": "visual", "disability_grade": "2", "low_income": "on"})
    assert posted.status_code == 302
    assert stored(community, SensitiveAttributes) == []

    response = browser.post(page(community, f"/{resident_id}/consent"), data={"given_by": "王奶奶的女儿",
                                                                             "method": "phone", "note": "电话"})
    assert response.status_code == 302
    [given] = stored(community, Consent, resident_id=resident_id)
    assert (given.given_by, given.method, given.recorded_by_id) == ("王奶奶的女儿", "phone", coordinator.id)
    assert given.given_at is not None
    detail = text(browser.get(page(community, f"/{resident_id}")))
    assert "王奶奶的女儿" in detail  # who consented is shown

    form = browser.get(page(community, f"/{resident_id}/sensitive"))
    assert form.status_code == 200
    saved = browser.post(page(community, f"/{resident_id}/sensitive"),
                         data={"disability_category": "visual", "disability_grade": "2", "low_income": "on",
                               "living_alone": "on"})
    assert saved.status_code == 302 and "show=sensitive" in saved.headers["Location"]
    [attributes] = stored(community, SensitiveAttributes, resident_id=resident_id)
    assert {f: getattr(attributes, f) for f in SENSITIVE_FIELDS} == SENSITIVE
    assert sorted(e.field for e in audits(community, resident_id, "change")) == sorted(SENSITIVE_FIELDS)


def test_consent_with_an_unknown_method_is_refused(app, community, coordinator):
    resident_id = make_resident(community, "王奶奶")
    browser = browser_for(app, coordinator)
    response = browser.post(page(community, f"/{resident_id}/consent"), data={"given_by": "王奶奶",
                                                                             "method": "telepathy"})
    assert response.status_code == 302
    assert stored(community, Consent) == []


@pytest.mark.parametrize("form, field", [
    ({"disability_grade": "2"}, "disability_grade"),  # a grade without a category
    ({"disability_category": "visual"}, "disability_grade"),
    ({"disability_category": "unknown", "disability_grade": "2"}, "disability_category"),
    ({"disability_category": "visual", "disability_grade": "9"}, "disability_grade"),
])
def test_bad_sensitive_input_on_the_form_is_shown_at_the_field_and_nothing_changes(app, community, coordinator,
                                                                                  form, field):
    resident_id = make_resident(community, "王奶奶", sensitive=SENSITIVE)
    browser = browser_for(app, coordinator)
    changes = len(audits(community, resident_id, "change"))
    response = browser.post(page(community, f"/{resident_id}/sensitive"), data={**form, "special_hardship": "on"})
    assert response.status_code == 422
    assert field_error(text(response), field)
    [attributes] = stored(community, SensitiveAttributes, resident_id=resident_id)
    assert {f: getattr(attributes, f) for f in SENSITIVE_FIELDS} == SENSITIVE
    assert len(audits(community, resident_id, "change")) == changes


def test_withdrawn_consent_hides_the_data_from_the_page(app, community, coordinator):
    resident_id = make_resident(community, "王奶奶", sensitive=SENSITIVE)
    browser = browser_for(app, coordinator)
    assert SHOWN_MARK in text(browser.get(page(community, f"/{resident_id}"), query_string={"show": "sensitive"}))
    assert browser.post(page(community, f"/{resident_id}/consent/withdraw")).status_code == 302
    assert stored(community, Consent, resident_id=resident_id)[0].withdrawn_at is not None
    reads = len(audits(community, resident_id, "read"))
    shown = browser.get(page(community, f"/{resident_id}"), query_string={"show": "sensitive"})
    assert shown.status_code == 200
    assert SHOWN_MARK not in text(shown) and show_button(community, resident_id) not in text(shown)
    assert 'action="' + page(community, f"/{resident_id}/consent") + '"' in text(shown)  # a new consent is offered
    assert len(audits(community, resident_id, "read")) == reads
    assert browser.get(page(community, f"/{resident_id}/sensitive")).status_code == 302  # the form is closed
    with tenant_context(community.id):
        assert services.priority_attributes([resident_id]) == {}


def test_a_resident_consents_online_and_sees_their_own_data(app, community):
    user = member(community, "resident", name="王奶奶")
    resident_id = make_resident(community, "王奶奶", account_id=user.id)
    browser = browser_for(app, user)
    detail = text(browser.get(page(community, f"/{resident_id}")))
    assert 'name="given_by"' not in detail  # they consent for themself
    assert browser.post(page(community, f"/{resident_id}/consent")).status_code == 302
    [given] = stored(community, Consent, resident_id=resident_id)
    assert (given.given_by, given.method, given.recorded_by_id) == ("王奶奶", "online", user.id)
    assert browser.post(page(community, f"/{resident_id}/sensitive"),
                        data={"disability_category": "visual", "disability_grade": "2"}).status_code == 302
    assert SHOWN_MARK in text(browser.get(page(community, f"/{resident_id}"), query_string={"show": "sensitive"}))
    assert {e.actor_id for e in audits(community, resident_id, "read")} == {user.id}


# --- deletion, erasure, access log --------------------------------------------------------

# Preparing and downloading the export on the pages: tests/test_data_exports.py.


def test_deletion_request_goes_to_the_admin_who_erases(app, community, admin, coordinator, drain):
    user = member(community, "resident", name="刘小明")
    resident_id = make_resident(community, "刘奶奶", account_id=user.id, phone="13922223333", address="柳荫街7号",
                                account_relation="child", sensitive=SENSITIVE)
    browser = browser_for(app, user)
    assert browser.post(page(community, f"/{resident_id}/deletion")).status_code == 302
    assert stored(community, Resident)[0].deletion_requested_at is not None
    drain()
    db.session.rollback()
    for person, expected in ((admin, 1), (coordinator, 0), (user, 0)):
        client = app.test_client()
        inbox = client.get("/api/v1/me/notifications", headers=token_for(client, person)).get_json()["items"]
        assert len([e for e in inbox if e["category"] == "work"]) == expected, person.name

    admin_browser = browser_for(app, admin)
    inbox = text(admin_browser.get("/notifications"))
    assert page(community, f"/{resident_id}") in inbox
    listing = admin_browser.get(page(community))
    assert "刘奶奶" in text(listing)
    detail = text(admin_browser.get(page(community, f"/{resident_id}")))
    assert page(community, f"/{resident_id}/erase") in detail

    coordinator_browser = browser_for(app, coordinator)
    assert page(community, f"/{resident_id}/erase") not in text(coordinator_browser.get(page(community,
                                                                                              f"/{resident_id}")))
    assert coordinator_browser.post(page(community, f"/{resident_id}/erase")).status_code == 403
    assert stored(community, Resident)[0].status == "active"

    erased = admin_browser.post(page(community, f"/{resident_id}/erase"))
    assert erased.status_code == 302
    [row] = stored(community, Resident)
    assert row.status == "erased" and "刘" not in row.name
    assert (row.phone, row.address, row.account_id) == ("", "", None)
    assert stored(community, SensitiveAttributes) == []
    assert stored(community, Consent)[0].withdrawn_at is not None
    assert "刘奶奶" not in text(admin_browser.get(page(community)))
    assert browser.get(page(community, f"/{resident_id}")).status_code == 404
    assert "刘奶奶" not in text(browser.get(page(community)))


def test_access_log_page_is_for_the_admin_and_never_shows_values(app, community, admin, coordinator):
    resident_id = make_resident(community, "王奶奶", sensitive=SENSITIVE)
    other = make_resident(community, "赵大爷", consent=True)
    coordinator_browser = browser_for(app, coordinator)
    coordinator_browser.get(page(community, f"/{resident_id}"), query_string={"show": "sensitive"})
    coordinator_browser.get(page(community, f"/{other}"), query_string={"show": "sensitive"})
    assert coordinator_browser.get(page(community, "/audit")).status_code == 403
    assert page(community, "/audit") not in text(coordinator_browser.get(page(community)))

    browser = browser_for(app, admin)
    assert page(community, "/audit") in text(browser.get(page(community)))
    response = browser.get(page(community, "/audit"))
    assert response.status_code == 200
    body = text(response)
    assert "协调员小李" in body and "王奶奶" in body and "赵大爷" in body
    assert SHOWN_MARK not in body
    rows = body.count("<tr>") - 1
    assert rows == len(stored(community, AuditEvent))
    only = text(browser.get(page(community, "/audit"), query_string={"resident": resident_id}))
    assert "王奶奶" in only and "赵大爷" not in only


# --- query counts ---------------------------------------------------------------------------------

def bulk_residents(community, n: int) -> None:
    names = [f"居民{i:04d}" for i in range(n)]
    with tenant_context(community.id):
        db.session.execute(insert(Resident), [
            {"community_id": community.id, "name": name, "name_sort": sort_key(name), "phone": f"139{i:08d}",
             "building": str(i % 20), "entrance": "1", "room": str(100 + i), "address": "柳荫街",
             "household": "", "diet_notes": "", "account_relation": "self", "status": "active",
             "birth_date": date(1940 + i % 40, 1 + i % 12, 1),
             "deletion_requested_at": None} for i, name in enumerate(names)])
        db.session.commit()


@pytest.mark.parametrize("kind", ["page", "api"])
def test_resident_list_queries_do_not_grow_with_residents(app, count_sql, kind):
    counts = {}
    for size in (10, 300):
        community = CommunityFactory()
        admin = member(community, "admin")
        bulk_residents(community, size)
        client = app.test_client()
        if kind == "page":
            browser = Browser(client)
            browser.login(admin)
            get, url = browser.get, page(community)
        else:
            headers = token_for(client, admin)
            url = f"/api/v1/c/{community.slug}/residents"

            def get(path, headers=headers, client=client):
                return client.get(path, headers=headers)
        assert get(url).status_code == 200
        with count_sql() as n:
            response = get(url)
        assert response.status_code == 200
        counts[size] = n()
        if kind == "page":
            assert len(table_names(response)) == min(size, 50)
        else:
            assert len(response.get_json()["items"]) == min(size, 50)
    assert counts[10] == counts[300], counts
    assert counts[300] <= 12, counts
