"""Unit pages under /c/<slug>/units: list with search and filters, the form, detail, edit, delete."""
import html
import re

import pytest

from app.core.extensions import db
from app.units.models import Unit
from app.units.services import sort_key
from tenants.context import tenant_context
from tests.factories import CommunityFactory, UnitFactory, browser_for, member, units

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def admin_browser(app, community):
    return browser_for(app, member(community, "admin"))


def make_unit(community, name, **fields):
    with tenant_context(community.id):
        return UnitFactory(name=name, name_sort=sort_key(name), **fields).id


def stored(community, unit_id):
    db.session.expire_all()
    with tenant_context(community.id):
        return db.session.get(Unit, unit_id)


def text(response) -> str:
    return response.get_data(as_text=True)


def table_names(response) -> list[str]:
    """The unit names in the list table, in order."""
    body = text(response)
    return [html.unescape(n) for n in re.findall(r'<th scope="row"[^>]*><a href="[^"]*/units/\d+">([^<]+)</a>', body)]


def field_error(body: str, name: str) -> list[str]:
    """The messages shown under a form field, checking the field points at them for screen readers."""
    control = re.search(rf'<(input|select|textarea) id="{name}"[^>]*>', body)
    assert control, f"no control {name}"
    tag = control.group(0)
    assert 'aria-invalid="true"' in tag, tag
    assert f"{name}-error" in tag, tag
    block = re.search(rf'<ul class="field-errors" id="{name}-error">(.*?)</ul>', body, re.S)
    assert block, f"no error list for {name}"
    # The messages come right after their own field, not somewhere else on the page.
    assert body.index(tag) < block.start() < body.index(tag) + len(tag) + 2000
    return [html.unescape(m).strip() for m in re.findall(r"<li>(.*?)</li>", block.group(1), re.S)]


def url(community, path=""):
    return f"/c/{community.slug}/units{path}"


# --- the list ---------------------------------------------------------------------------------------

def test_list_in_pinyin_order_with_count(admin_browser, community):
    for name in ("张记包子铺", "北京饭店", "阿姨家政"):
        make_unit(community, name)
    response = admin_browser.get(url(community, "/"))
    assert response.status_code == 200
    assert table_names(response) == ["阿姨家政", "北京饭店", "张记包子铺"]
    assert "(共3家)" in text(response)  # the registry's size, whatever the filter shows


def test_search_and_type_filter(admin_browser, community):
    make_unit(community, "张记包子铺", type="shop", address="柳荫街5号")
    make_unit(community, "北京饭店", type="enterprise", address="东长安街33号")
    make_unit(community, "柳荫街小学", type="school", address="柳荫街20号")

    def names(**query):
        response = admin_browser.get(url(community, "/"), query_string=query)
        assert response.status_code == 200
        return table_names(response)

    assert names(q="包子") == ["张记包子铺"]
    assert names(q="zhang") == ["张记包子铺"]
    assert names(q="长安街") == ["北京饭店"]
    assert names(q="柳荫街") == ["柳荫街小学", "张记包子铺"]
    assert names(type="school") == ["柳荫街小学"]
    assert names(q="柳荫街", type="shop") == ["张记包子铺"]
    # An unknown type in the URL is ignored rather than an error.
    assert len(names(type="supermarket")) == 3

    empty = admin_browser.get(url(community, "/"), query_string={"q": "沃尔玛"})
    assert table_names(empty) == []
    assert "<table" not in text(empty)


def test_list_pages_with_next_link(admin_browser, community):
    units(community, 60)
    first = admin_browser.get(url(community, "/"))
    names = table_names(first)
    assert len(names) == 50
    link = re.search(r'<a class="button" rel="next" href="([^"]+)"', text(first))
    assert link
    second = admin_browser.get(html.unescape(link.group(1)))
    rest = table_names(second)
    assert len(rest) == 10
    assert not set(names) & set(rest)
    assert 'rel="next"' not in text(second)


def test_bad_cursor_on_the_page_starts_again(admin_browser, community):
    make_unit(community, "张记包子铺")
    response = admin_browser.get(url(community, "/"), query_string={"cursor": "garbage", "q": "包子"})
    assert response.status_code == 302
    assert "cursor" not in response.headers["Location"]


def test_list_needs_login_and_membership(app, client, community):
    response = client.get(url(community, "/"))
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    outsider = browser_for(app, member(CommunityFactory(), "admin"))
    assert outsider.get(url(community, "/")).status_code == 404


def test_resident_sees_the_list_without_staff_buttons(app, community):
    make_unit(community, "张记包子铺")
    resident = browser_for(app, member(community, "resident"))
    response = resident.get(url(community, "/"))
    assert response.status_code == 200
    assert table_names(response) == ["张记包子铺"]
    body = text(response)
    assert url(community, "/new") not in body
    assert url(community, "/import") not in body
    assert resident.get(url(community, "/new")).status_code == 403
    assert resident.post(url(community, "/new"), data={"name": "x", "type": "shop"}).status_code == 403


def test_a_units_contact_person_is_shown_to_who_works_with_units_not_to_residents(app, client, community):
    from tests.factories import token_for

    unit_id = make_unit(community, "张记包子铺", contact_name="张秀兰", contact_phone="13912345678")
    resident = member(community, "resident")
    for reader, sees in ((resident, False), (member(community, "council"), True), (member(community, "admin"), True)):
        browser = browser_for(app, reader)
        for page in (url(community, "/"), url(community, f"/{unit_id}")):
            body = text(browser.get(page))
            assert ("张秀兰" in body and "13912345678" in body) is sees, (reader.name, page)
    # Nor does a resident find units by their contact's name, on the page or through the API.
    assert table_names(browser_for(app, resident).get(url(community, "/?q=张秀兰"))) == []
    assert table_names(browser_for(app, resident).get(url(community, "/?q=包子"))) == ["张记包子铺"]
    headers = token_for(client, member(community, "resident", email="r2@example.com"))
    api = f"/api/v1/c/{community.slug}/units"
    listed = client.get(api, headers=headers).get_json()["items"]
    one = client.get(f"{api}/{unit_id}", headers=headers).get_json()
    assert listed[0]["name"] == "张记包子铺" and listed[0]["contact_name"] == "" and listed[0]["contact_phone"] == ""
    assert one["contact_name"] == "" and one["contact_phone"] == ""
    assert client.get(f"{api}?q=张秀兰", headers=headers).get_json()["items"] == []


# --- the form: create --------------------------------------------------------------------------------

FORM = {"name": "阿姨家政", "type": "shop", "address": "新街口12号", "contact_name": "王阿姨",
        "contact_phone": "13800001111", "description": "上门保洁", "joined_on": "2024-03-01"}


def test_create_form_saves_and_shows_the_unit(admin_browser, community):
    form = admin_browser.get(url(community, "/new"))
    assert form.status_code == 200
    assert 'name="csrf_token"' in text(form)
    response = admin_browser.post(url(community, "/new"), data=FORM)
    assert response.status_code == 302, text(response)
    match = re.search(r"/units/(\d+)$", response.headers["Location"])
    assert match
    unit = stored(community, int(match.group(1)))
    assert unit.name == "阿姨家政" and unit.type == "shop" and unit.joined_on.isoformat() == "2024-03-01"
    assert unit.status == "active"

    detail = admin_browser.get(response.headers["Location"])
    assert detail.status_code == 200
    body = text(detail)
    assert "阿姨家政" in body and "新街口12号" in body and "王阿姨" in body and "上门保洁" in body
    assert re.search(r'<p class="flash flash-success">[^<]*阿姨家政', body)


def test_create_with_empty_name_shows_chinese_error_next_to_the_field(admin_browser, community):
    response = admin_browser.post(url(community, "/new"), data={**FORM, "name": "  "})
    assert response.status_code == 422
    body = text(response)
    messages = field_error(body, "name")
    assert messages and all(CJK.search(m) for m in messages), messages
    assert 'class="error-summary"' in body
    # What was typed is kept.
    assert 'value="新街口12号"' in body
    assert "aria-invalid" not in re.search(r'<input id="address"[^>]*>', body).group(0)
    with tenant_context(community.id):
        assert db.session.query(Unit).count() == 0


def test_create_with_several_bad_fields(admin_browser, community):
    response = admin_browser.post(url(community, "/new"),
                                  data={**FORM, "type": "supermarket", "contact_phone": "请打电话",
                                        "joined_on": "2024-02-30"})
    assert response.status_code == 422
    body = text(response)
    for field in ("type", "contact_phone", "joined_on"):
        messages = field_error(body, field)
        assert messages and all(CJK.search(m) for m in messages), (field, messages)


def test_create_duplicate_name_is_a_field_error(admin_browser, community):
    make_unit(community, "阿姨家政")
    response = admin_browser.post(url(community, "/new"), data=FORM)
    assert response.status_code == 422
    assert field_error(text(response), "name")
    with tenant_context(community.id):
        assert db.session.query(Unit).count() == 1


def test_form_post_without_csrf_token_is_refused(app, community):
    browser = browser_for(app, member(community, "admin"))
    response = browser.client.post(url(community, "/new"), data=FORM)
    assert response.status_code == 400
    with tenant_context(community.id):
        assert db.session.query(Unit).count() == 0


# --- edit, detail, delete ----------------------------------------------------------------------------

def test_staff_edits_every_field(app, community):
    unit_id = make_unit(community, "北京饭店", type="enterprise")
    coordinator = browser_for(app, member(community, "coordinator"))
    form = coordinator.get(url(community, f"/{unit_id}/edit"))
    assert form.status_code == 200
    body = text(form)
    assert 'value="北京饭店"' in body
    assert "disabled" not in re.search(r'<select id="status"[^>]*>', body).group(0)
    response = coordinator.post(url(community, f"/{unit_id}/edit"),
                                data={**FORM, "name": "北京饭店", "type": "enterprise", "status": "suspended"})
    assert response.status_code == 302, text(response)
    unit = stored(community, unit_id)
    assert unit.status == "suspended" and unit.address == "新街口12号"


def test_edit_with_error_keeps_the_unit_unchanged(admin_browser, community):
    make_unit(community, "阿姨家政")
    unit_id = make_unit(community, "北京饭店", type="enterprise")
    response = admin_browser.post(url(community, f"/{unit_id}/edit"),
                                  data={**FORM, "name": "阿姨家政", "status": "active"})
    assert response.status_code == 422
    assert field_error(text(response), "name")
    assert 'value="阿姨家政"' in text(response)  # the user's input is shown back
    assert stored(community, unit_id).name == "北京饭店"


def test_representative_edit_form(app, community):
    own = make_unit(community, "张记包子铺", type="shop", status="active")
    other = make_unit(community, "北京饭店")
    rep = member(community, "resident")
    from app.units import services

    with tenant_context(community.id):
        services.add_representative(db.session.get(Unit, own), rep.id)
        db.session.commit()
    browser = browser_for(app, rep)

    detail = browser.get(url(community, f"/{own}"))
    assert url(community, f"/{own}/edit") in text(detail)
    assert url(community, f"/{own}/delete") not in text(detail)

    form = browser.get(url(community, f"/{own}/edit"))
    assert form.status_code == 200
    body = text(form)
    for locked in ('<select id="type"', '<select id="status"', '<input id="joined_on"'):
        assert "disabled" in re.search(rf"{locked}[^>]*>", body).group(0), locked
    for open_ in ('<input id="name"', '<input id="address"', '<textarea id="description"'):
        assert "disabled" not in re.search(rf"{open_}[^>]*>", body).group(0), open_

    # A crafted post cannot change what the form locks.
    response = browser.post(url(community, f"/{own}/edit"),
                            data={"name": "张记包子铺", "description": "周末义卖", "status": "withdrawn",
                                  "type": "enterprise"})
    assert response.status_code == 302, text(response)
    unit = stored(community, own)
    assert unit.description == "周末义卖"
    assert unit.status == "active" and unit.type == "shop"

    assert browser.get(url(community, f"/{other}/edit")).status_code == 403
    assert browser.post(url(community, f"/{other}/edit"), data={"description": "x"}).status_code == 403
    assert browser.post(url(community, f"/{own}/delete")).status_code == 403


def test_detail_shows_representatives_and_admin_only_delete(app, community, admin_browser):
    unit_id = make_unit(community, "张记包子铺")
    rep = member(community, "resident", name="张大姐")
    response = admin_browser.post(url(community, f"/{unit_id}/representatives"), data={"user_id": str(rep.id)})
    assert response.status_code == 302
    detail = admin_browser.get(url(community, f"/{unit_id}"))
    body = text(detail)
    assert "张大姐" in body
    assert url(community, f"/{unit_id}/delete") in body
    assert url(community, f"/{unit_id}/representatives/{rep.id}/remove") in body

    coordinator = browser_for(app, member(community, "coordinator"))
    body = text(coordinator.get(url(community, f"/{unit_id}")))
    assert "张大姐" in body
    assert url(community, f"/{unit_id}/delete") not in body
    assert coordinator.post(url(community, f"/{unit_id}/delete")).status_code == 403
    assert stored(community, unit_id) is not None

    removed = admin_browser.post(url(community, f"/{unit_id}/representatives/{rep.id}/remove"))
    assert removed.status_code == 302
    reps = text(admin_browser.get(url(community, f"/{unit_id}"))).split('id="reps-h"')[1]
    assert "张大姐" not in reps.split('<select id="user_id"')[0]  # listed only as a candidate to add again
    with tenant_context(community.id):
        db.session.expire_all()
        assert db.session.get(Unit, unit_id).representatives == []


def test_add_representative_who_is_not_a_member_shows_a_message(admin_browser, community):
    unit_id = make_unit(community, "张记包子铺")
    outsider = member(CommunityFactory(), "resident")
    response = admin_browser.post(url(community, f"/{unit_id}/representatives"), data={"user_id": str(outsider.id)},
                                  follow_redirects=True)
    assert response.status_code == 200
    assert re.search(r'<p class="flash flash-error">[^<]*\S', text(response))
    with tenant_context(community.id):
        db.session.expire_all()
        assert db.session.get(Unit, unit_id).representatives == []


def test_admin_deletes_a_unit(admin_browser, community):
    unit_id = make_unit(community, "张记包子铺")
    make_unit(community, "北京饭店")
    response = admin_browser.post(url(community, f"/{unit_id}/delete"))
    assert response.status_code == 302
    listing = admin_browser.get(response.headers["Location"])
    assert table_names(listing) == ["北京饭店"]
    assert "张记包子铺" in text(listing)  # the confirmation names the removed unit
    assert stored(community, unit_id) is None
    assert admin_browser.get(url(community, f"/{unit_id}")).status_code == 404


def test_another_communitys_unit_is_not_found(admin_browser, community):
    theirs = make_unit(CommunityFactory(), "别处单位")
    assert admin_browser.get(url(community, f"/{theirs}")).status_code == 404
    assert admin_browser.get(url(community, f"/{theirs}/edit")).status_code == 404
    assert admin_browser.post(url(community, f"/{theirs}/delete")).status_code == 404


def test_a_unit_that_activities_and_bookings_name_is_kept_with_a_reason(app, admin_browser, community, client):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from app.activities import services as activities
    from app.venues import services as venues
    from tests.factories import token_for

    tz = ZoneInfo("Asia/Shanghai")
    school = make_unit(community, "柳荫小学")
    centre = make_unit(community, "社区文化中心")
    with tenant_context(community.id):
        hall = venues.create_venue(unit_id=school, name="学校礼堂", capacity=100)
        venues.request_booking(hall, starts_at=datetime(2027, 1, 9, 9, tzinfo=tz),
                               ends_at=datetime(2027, 1, 9, 11, tzinfo=tz), purpose="合唱排练", requested_by_id=None,
                               unit_id=centre)
        activities.propose(actor_id=None, kind="salon", title="书法沙龙", organiser_unit_id=centre,
                           starts_at=datetime(2027, 1, 10, 9, tzinfo=tz), ends_at=datetime(2027, 1, 10, 11, tzinfo=tz))
        db.session.commit()
    refused = admin_browser.post(url(community, f"/{centre}/delete"), follow_redirects=True)
    assert refused.status_code == 200 and "请将其设为退出" in text(refused)
    assert stored(community, centre) is not None
    api = client.delete(f"/api/v1/c/{community.slug}/units/{centre}",
                        headers=token_for(client, member(community, "admin", email="a2@example.com")))
    assert api.status_code == 409 and api.get_json()["error"]["code"] == "unit_in_use"
    assert stored(community, centre) is not None
