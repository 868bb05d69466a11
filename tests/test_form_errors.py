"""Every form tells every field's problem at once, in the user's language, beside its field — pages and API."""
import re

import pytest

from tests.factories import Browser, api, browser_for, member, token_for

ERRORS = re.compile(r'<ul class="field-errors" id="([\w-]+)-error">(.*?)</ul>', re.S)


def errors_by_field(response) -> dict[str, list[str]]:
    """The messages a page shows, by the input (or group of inputs) they stand beside."""
    return {name: [re.sub(r"\s+", " ", m).strip() for m in re.findall(r"<li>(.*?)</li>", items, re.S)]
            for name, items in ERRORS.findall(response.get_data(as_text=True))}


SEVEN_BAD_OFFER_INPUTS = {
    "kind": "meal", "title": "长" * 300, "terms": "priced", "price": "十二块", "eligibility": ["anyone"],
    "capacity": "0", "slots": ["lunch"], "latitude": "100", "longitude": "116.38", "radius_m": "-5",
    "weekly_mon_from": "14:00", "weekly_mon_to": "10:00", "valid_from": "2026-12-10", "valid_until": "2026-12-01"}


def test_the_offer_form_tells_seven_mistakes_at_once_by_their_fields_in_chinese(app, world):
    staff = browser_for(app, world["coordinator"])
    response = staff.post("/c/dock/offers/new", data={"unit_id": str(world["canteen"]), **SEVEN_BAD_OFFER_INPUTS})
    assert response.status_code == 422
    errors = errors_by_field(response)
    assert set(errors) == {"title", "price", "capacity", "latitude", "radius_m", "weekly", "valid_until"}
    assert errors["title"] == ["内容过长：最多200个字符。"]  # too long, not "may not be empty"
    assert errors["price"] == ["请以元为单位填写价格，例如 12.50。"]
    assert errors["weekly"] == ["时间须为 时:分 格式，且结束晚于开始（星期一）。"]  # the day's name, no code
    assert errors["valid_until"] == ["结束时间早于开始时间。"]
    assert "mon" not in " ".join(errors["weekly"])
    # What was typed is shown again.
    assert 'value="十二块"' in response.get_data(as_text=True)


def test_reversed_hours_on_several_days_name_each_day(app, world):
    staff = browser_for(app, world["coordinator"])
    response = staff.post("/c/dock/offers/new", data={
        "unit_id": str(world["canteen"]), "kind": "venue", "title": "活动室", "capacity": "10",
        "eligibility": ["anyone"], "weekly_mon_from": "14:00", "weekly_mon_to": "10:00",
        "weekly_sat_from": "18:00", "weekly_sat_to": "08:00", "weekly_sun_from": "09:00"})
    assert errors_by_field(response) == {"weekly": [
        "请同时填写开始和结束时间（星期日）。", "时间须为 时:分 格式，且结束晚于开始（星期一）。",
        "时间须为 时:分 格式，且结束晚于开始（星期六）。"]}


def test_the_offer_api_answers_every_field_error_at_once(client, world):
    headers = {**token_for(client, world["coordinator"]), "Accept-Language": "zh-CN"}
    response = client.post(api("dock", "/offers"), headers=headers, json={
        "unit_id": str(world["canteen"]), "kind": "meal", "title": "长" * 300, "price_cents": -1, "capacity": 0,
        "slots": ["lunch"], "latitude": 100, "longitude": 116.38, "radius_m": 0,
        "weekly": {"mon": [["14:00", "10:00"]]}, "valid_from": "2026-12-10", "valid_until": "2026-12-01"})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid"
    fields = error["fields"]
    assert set(fields) == {"title", "price_cents", "capacity", "latitude", "radius_m", "weekly", "valid_until"}
    assert fields["title"] == ["内容过长：最多200个字符。"]
    assert fields["weekly"] == ["时间须为 时:分 格式，且结束晚于开始（星期一）。"]


def test_the_need_form_tells_a_wrong_field_and_a_wrong_window_together(app, world):
    staff = browser_for(app, world["coordinator"])
    response = staff.post("/c/dock/needs/new", data={
        "kind": "companionship", "title": "陪" * 201, "resident_id": str(world["resident"]), "quantity": "0",
        "urgency": "normal", "window_start": "2026-12-02T10:00", "window_end": "2026-12-02T09:00"})
    assert response.status_code == 422
    errors = errors_by_field(response)
    assert errors["title"] == ["内容过长：最多200个字符。"]
    assert errors["quantity"] == ["须在1至100000之间。"]
    assert errors["window_end"] == ["结束时间早于开始时间。"]


def test_a_blank_title_is_required_and_a_wrong_coordinate_is_not_told_twice(app, world):
    staff = browser_for(app, world["coordinator"])
    response = staff.post("/c/dock/offers/new", data={
        "unit_id": str(world["canteen"]), "kind": "venue", "title": "   ", "capacity": "10",
        "eligibility": ["anyone"], "latitude": "north", "longitude": "116.38"})
    errors = errors_by_field(response)
    assert errors == {"title": ["此项为必填项。"], "latitude": ["须为数字。"]}


@pytest.mark.parametrize("login, message", [
    ("123", "请填写11位手机号。"),
    ("139 0000", "请填写11位手机号。"),
    ("wang@", "请填写有效的邮箱地址。"),
    ("王阿姨", "请填写邮箱或11位手机号。"),
])
def test_the_members_page_tells_a_wrong_phone_as_a_phone(app, community, admin, login, message):
    browser = browser_for(app, admin)
    response = browser.post(f"/c/{community.slug}/members/", data={"login": login, "name": "王阿姨",
                                                                   "roles": ["resident"]})
    assert response.status_code == 422
    assert errors_by_field(response) == {"login": [message]}


def test_the_members_api_tells_a_wrong_phone_as_a_phone(client, community, admin):
    response = client.post(api(community, "/members"), headers={**token_for(client, admin), "Accept-Language": "en"},
                           json={"login": "123", "name": "王阿姨", "roles": ["resident"]})
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"login": ["Must be an 11-digit mobile number."]}


def test_the_login_page_tells_both_empty_fields(client):
    browser = Browser(client)
    response = browser.post("/login", data={"login": "", "password": ""})
    assert response.status_code == 422
    assert errors_by_field(response) == {"login": ["此项为必填项。"], "password": ["此项为必填项。"]}


def test_the_password_form_tells_a_wrong_current_and_a_weak_new_password_together(app, community):
    user = member(community, "resident")
    browser = browser_for(app, user)
    response = browser.post("/account/password", data={"pw-current": "not-mine", "pw-new": "12345678"})
    assert response.status_code == 422
    errors = errors_by_field(response)
    assert errors["pw-current"] == ["当前密码不正确。"]
    assert len(errors["pw-new"]) == 1


def test_the_profile_form_tells_a_blank_name_beside_it(app, community):
    browser = browser_for(app, member(community, "resident"))
    response = browser.post("/account", data={"name": "  ", "locale": "zh_CN"})
    assert response.status_code == 422
    assert errors_by_field(response) == {"name": ["此项为必填项。"]}


def test_the_unit_form_tells_a_long_name_a_wrong_phone_and_a_missing_type_together(app, community, coordinator):
    browser = browser_for(app, coordinator)
    response = browser.post(f"/c/{community.slug}/units/new", data={
        "name": "店" * 101, "type": "", "contact_phone": "找张师傅", "address": "  柳荫街1号  "})
    assert response.status_code == 422
    assert errors_by_field(response) == {"name": ["内容过长：最多100个字符。"], "type": ["此项为必填项。"],
                                         "contact_phone": ["请填写电话号码（可含数字、空格、+、- 和括号）。"]}


def test_the_resident_form_tells_a_blank_name_and_a_wrong_phone_together(app, community, coordinator):
    browser = browser_for(app, coordinator)
    response = browser.post(f"/c/{community.slug}/residents/new", data={
        "name": "   ", "phone": "12", "birth_date": "2999-01-01", "account_relation": "self"})
    assert response.status_code == 422
    errors = errors_by_field(response)
    assert errors["name"] == ["此项为必填项。"]
    assert errors["phone"] == ["请填写电话号码（可含数字、空格、+、- 和括号）。"]
    assert set(errors) == {"name", "phone", "birth_date"}


def test_the_announcement_form_tells_both_blank_texts(app, community, coordinator):
    browser = browser_for(app, coordinator)
    response = browser.post(f"/c/{community.slug}/announcements/", data={"title": " ", "body": "\n"})
    assert response.status_code == 422
    assert errors_by_field(response) == {"title": ["此项为必填项。"], "body": ["此项为必填项。"]}


def test_every_check_across_fields_runs_when_a_field_is_wrong_and_every_length_says_which_bound(app):
    """Guards the cause, for every schema of the app: a schema-level check that waits for the fields hides its
    message until they are right (one mistake at a time), and marshmallow's own Length says "between 1 and
    200" for a text too long as for an empty one."""
    from marshmallow import validate

    from app.core.fields import Length
    from tests.test_fields import _fields_of, _schema_classes

    classes = _schema_classes()
    assert len(classes) > 50  # guards the guard
    waiting, lengths = [], []
    for cls in sorted(classes, key=lambda c: f"{c.__module__}.{c.__name__}"):
        for attr in dir(cls):
            hooks = getattr(getattr(cls, attr, None), "__marshmallow_hook__", None) or {}
            for _many, options in hooks.get("validates_schema", []):
                if options.get("skip_on_field_errors", True):
                    waiting.append(f"{cls.__module__}.{cls.__name__}.{attr}")
        for path, field in _fields_of(cls(), f"{cls.__module__}.{cls.__name__}", {cls}):
            for rule in field.validators:
                if isinstance(rule, validate.Length) and not isinstance(rule, Length):
                    lengths.append(path)
    assert not waiting, "use @validates_schema(skip_on_field_errors=False): " + ", ".join(waiting)
    assert not lengths, "use app.core.fields.Length (or Text): " + ", ".join(sorted(set(lengths)))


def test_a_meal_need_without_its_day_is_told_so_even_with_the_window_inputs_sent_empty(app, world):
    staff = browser_for(app, world["coordinator"])
    response = staff.post("/c/dock/needs/new", data={
        "kind": "meal", "title": "午饭", "resident_id": str(world["resident"]), "quantity": "1", "urgency": "normal",
        "day": "", "slot": "lunch", "window_start": "", "window_end": ""})
    assert response.status_code == 422
    assert errors_by_field(response) == {"day": ["此项为必填项。"]}
