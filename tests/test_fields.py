"""The shared field types (app/core/fields.py) and the safe exports (app/core/spreadsheet.py):

- every date-time the API writes carries its UTC offset, as the OpenAPI document's `date-time` promises;
- ids in queries and bodies stay within the database's integer, else 422 with a field message (never a 500);
- free text holds no control characters (422 with a field message, on the API and on pages);
- whatever is stored, every XLSX/CSV export answers 200 with a readable file, formulas written as text.
"""
import csv
import io
import re
import sys
from datetime import date, datetime

import pytest
from marshmallow import Schema
from marshmallow import fields as ma_fields
from openpyxl import load_workbook

from app.core import spreadsheet
from app.core.extensions import db
from app.core.fields import UtcDateTime
from app.meals import services as meals
from app.units.models import Unit
from app.units.services import sort_key
from tenants.context import tenant_context
from tests.factories import CommunityFactory, UnitFactory, api, browser_for, member, page, token_for

CONTROL_ZH = "请删除其中不可见的控制字符（复制粘贴时常会带入）。"
CONTROL_EN = "Remove the invisible control characters (they often come along when text is copied and pasted)."
ID_ZH = "须为编号：1 到 2147483647 之间的整数。"
ID_EN = "Must be an id: a whole number from 1 to 2147483647."


# --- date-times -------------------------------------------------------------------------------------

def _schema_classes() -> set[type[Schema]]:
    """Every marshmallow schema the app's modules define or build (create_app has imported them all)."""
    found = set()
    for name, module in list(sys.modules.items()):
        if module is None or not name.startswith(("app.", "tenants.")):
            continue
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Schema) and value is not Schema:
                found.add(value)
    return found


def _fields_of(schema, path, seen):
    for name, field in schema.fields.items():
        yield from _walk(field, f"{path}.{name}", seen)


def _walk(field, path, seen):
    yield path, field
    if isinstance(field, ma_fields.Nested):
        schema = field.schema
        if type(schema) not in seen:
            seen.add(type(schema))
            yield from _fields_of(schema, path, seen)
    elif isinstance(field, ma_fields.List):
        yield from _walk(field.inner, f"{path}[]", seen)
    elif isinstance(field, ma_fields.Dict):
        for part, inner in (("keys", field.key_field), ("values", field.value_field)):
            if inner is not None:
                yield from _walk(inner, f"{path}<{part}>", seen)


def test_every_date_time_field_of_every_schema_carries_its_offset(app):
    classes = _schema_classes()
    assert len(classes) > 50  # guards the guard: the walk found the schemas
    wrong = []
    for cls in sorted(classes, key=lambda c: f"{c.__module__}.{c.__name__}"):
        for path, field in _fields_of(cls(), f"{cls.__module__}.{cls.__name__}", {cls}):
            if isinstance(field, ma_fields.DateTime) and not isinstance(field, UtcDateTime):
                wrong.append(path)
    assert not wrong, ("date-time fields that write no UTC offset; use app.core.fields.UtcDateTime:\n  "
                       + "\n  ".join(wrong))


def _properties(node, path="$"):
    """(path, name, schema) of every property, parameter and item schema in the OpenAPI document."""
    if isinstance(node, dict):
        for name, schema in (node.get("properties") or {}).items():
            yield f"{path}.{name}", name, schema
        if "in" in node and "name" in node and isinstance(node.get("schema"), dict):
            yield f"{path}({node['name']})", node["name"], node["schema"]
        for key, value in node.items():
            yield from _properties(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _properties(value, f"{path}[{i}]")


def test_the_openapi_document_declares_every_moment_as_an_offset_date_time(client):
    document = client.get("/api/v1/openapi.json").get_json()
    found = list(_properties(document))
    moments = [(path, schema) for path, name, schema in found
               if name.endswith("_at") or name in ("at", "window_start", "window_end")]
    assert len(moments) > 30
    untyped = [path for path, schema in moments if schema.get("format") != "date-time"]
    assert not untyped, f"moments that the document does not call a date-time: {untyped}"
    ours = [path for path, name, schema in found if schema.get("format") == "date-time"
            and not str(schema.get("example", "")).endswith("+00:00")]
    assert not ours, f"date-times not written by app.core.fields.UtcDateTime: {ours}"


MOMENT_KEYS = re.compile(r"(_at|^at|^window_start|^window_end)$")


def _moments(body) -> dict:
    """{path: value} of every moment in a JSON body."""
    found = {}

    def walk(node, path):
        if isinstance(node, dict):
            for key, value in node.items():
                if MOMENT_KEYS.search(key) and not isinstance(value, dict | list):
                    found[f"{path}.{key}"] = value
                else:
                    walk(value, f"{path}.{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{path}[{i}]")

    walk(body, "$")
    return found


def _assert_offsets(response, at_least: int = 1) -> dict:
    assert response.status_code in (200, 201), response.get_data(as_text=True)
    moments = _moments(response.get_json())
    present = {path: value for path, value in moments.items() if value is not None}
    assert len(present) >= at_least, moments
    for path, value in present.items():
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", value), (path, value)
        assert datetime.fromisoformat(value).utcoffset() is not None, (path, value)
    return present


def test_real_responses_carry_the_offset(app, client, community, admin, coordinator, auth, drain):
    created = client.post("/api/v1/auth/tokens", json={"email": admin.email, "password": "correct-horse-7",
                                                       "name": "脚本"})
    assert set(_assert_offsets(created, 2)) >= {"$.created_at", "$.expires_at"}
    assert created.get_json()["created_at"].endswith("+00:00")
    _assert_offsets(client.get("/api/v1/auth/tokens", headers=auth), 2)

    works = client.post(api(community, "/public-works"), json={"category": "road", "title": "修补破损路面"},
                        headers=auth)
    _assert_offsets(works)
    _assert_offsets(client.get(api(community, f"/public-works/{works.get_json()['id']}/history"), headers=auth))
    _assert_offsets(client.get(api(community, "/public-works"), headers=auth))

    # A time without an offset is the community's (Asia/Shanghai); one with an offset is taken as given.
    need = client.post(api(community, "/needs"), headers=auth, json={
        "kind": "public_works", "title": "路灯不亮", "window_start": "2030-12-02T09:00",
        "window_end": "2030-12-02T17:00+08:00"})
    _assert_offsets(need, 3)
    assert need.get_json()["window_start"] == "2030-12-02T01:00:00+00:00"
    assert need.get_json()["window_end"] == "2030-12-02T09:00:00+00:00"
    _assert_offsets(client.get(api(community, "/needs"), headers=auth), 3)

    drain()
    inbox = client.get("/api/v1/me/notifications", headers=token_for(client, coordinator))
    assert inbox.get_json()["items"], "the need's notification reached the coordinator"
    _assert_offsets(inbox)

    _assert_offsets(client.get(api(community, "/members"), headers=auth), 2)  # joined_at, from a tuple


# --- ids --------------------------------------------------------------------------------------------

OUT_OF_RANGE = ["-11330053514153550675968", "9223372036854775808", "99999999999", "2147483648", "0", "-1", "1.5",
                "abc", ""]


@pytest.mark.parametrize("path, argument", [
    ("/matches", "need_id"), ("/meals/orders", "resident_id"), ("/meals/plans", "offer_id"),
    ("/meals/orders", "plan_id"), ("/meals/plans", "resident_id"), ("/offers", "unit_id"),
])
def test_ids_in_queries_outside_the_databases_range_are_422_with_a_field_message(client, community, auth, path,
                                                                                   argument):
    for value in OUT_OF_RANGE:
        response = client.get(api(community, path), query_string={argument: value}, headers=auth)
        assert response.status_code == 422, (value, response.get_data(as_text=True))
        assert response.get_json()["error"]["fields"] == {argument: [ID_ZH]}, value
    english = client.get(api(community, path), query_string={argument: OUT_OF_RANGE[0]},
                         headers={**auth, "Accept-Language": "en"})
    assert english.get_json()["error"]["fields"] == {argument: [ID_EN]}
    assert client.get(api(community, path), query_string={argument: "2147483647"}, headers=auth).status_code == 200


def test_ids_in_bodies_outside_the_databases_range_are_422(client, community, auth):
    for path, body, field in [
        ("/matches", {"need_id": "99999999999", "offer_id": "1"}, "need_id"),
        ("/referrals", {"need_id": "1", "offer_id": "2147483648"}, "offer_id"),
        ("/meals/plans", {"resident_id": "-1", "offer_id": "1", "weekdays": ["mon"], "slots": ["lunch"],
                          "starts_on": "2026-12-01"}, "resident_id"),
        ("/public-works", {"category": "road", "title": "路", "need_id": "9" * 30}, "need_id"),
        ("/offers", {"unit_id": True, "kind": "meal", "title": "餐", "capacity": 1}, "unit_id"),
    ]:
        response = client.post(api(community, path), json=body, headers=auth)
        assert response.status_code == 422, (path, response.get_data(as_text=True))
        assert response.get_json()["error"]["fields"][field] == [ID_ZH], path
    read = client.post("/api/v1/me/notifications/read", json={"ids": ["12", "99999999999"]}, headers=auth)
    assert read.status_code == 422 and read.get_json()["error"]["fields"] == {"ids.1": [ID_ZH]}


def test_negative_or_huge_ids_in_paths_are_404(client, community, auth):
    for path in ("/meals/plans/-1", "/meals/plans/2147483648", "/needs/99999999999", "/matches/-11330053514",
                 "/public-works/9223372036854775808", "/residents/0"):
        response = client.get(api(community, path), headers=auth)
        assert response.status_code == 404, path
        assert response.get_json()["error"]["code"] == "not_found"


# --- free text ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("junk", ["坏\x01名", "坏\x0b名", "\x00", "名\x7f", "名\u0085", "换\n行", "制\t表"])
def test_a_control_character_in_a_name_is_422_with_a_field_message(client, community, auth, junk):
    response = client.post(api(community, "/units"), json={"name": junk, "type": "shop"}, headers=auth)
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.get_json()["error"]["fields"] == {"name": [CONTROL_ZH]}

    unit = client.post(api(community, "/units"), json={"name": "好名字", "type": "shop"}, headers=auth).get_json()
    patched = client.patch(api(community, f"/units/{unit['id']}"), json={"name": junk},
                           headers={**auth, "Accept-Language": "en"})
    assert patched.status_code == 422
    assert patched.get_json()["error"]["fields"] == {"name": [CONTROL_EN]}
    assert client.get(api(community, "/units/export"), headers=auth).status_code == 200


def test_multi_line_text_keeps_line_breaks_and_tabs_but_no_other_control_character(client, community, auth):
    good = client.post(api(community, "/units"), headers=auth,
                       json={"name": "张记包子铺", "type": "shop", "description": "早点\r\n包子\t馒头\n可送餐"})
    assert good.status_code == 201, good.get_data(as_text=True)
    assert good.get_json()["description"] == "早点\r\n包子\t馒头\n可送餐"
    bad = client.post(api(community, "/units"), headers=auth,
                      json={"name": "李记", "type": "shop", "description": "早点\x07"})
    assert bad.get_json()["error"]["fields"] == {"description": [CONTROL_ZH]}
    announcement = client.post(api(community, "/announcements"), json={"title": "停水\x1b通知", "body": "明天"},
                               headers=auth)
    assert announcement.status_code == 422
    assert announcement.get_json()["error"]["fields"] == {"title": [CONTROL_ZH]}


def test_pages_give_the_same_field_message(app, community, admin):
    browser = browser_for(app, admin)
    browser.get(page(community, "/units/new"))
    shown = browser.post(page(community, "/units/new"), data={"name": "坏\x0b名", "type": "shop"})
    assert shown.status_code == 422
    assert CONTROL_ZH in shown.get_data(as_text=True)

    # A page whose service checks the text itself (no schema in between).
    browser.get(page(community, "/announcements/"))
    shown = browser.post(page(community, "/announcements/"), data={"title": "停水\x01通知", "body": "明天停水"})
    assert shown.status_code == 422
    assert CONTROL_ZH in shown.get_data(as_text=True)
    with tenant_context(community.id):
        assert db.session.query(Unit).count() == 0


# --- exports ----------------------------------------------------------------------------------------

FORMULA = '=HYPERLINK("http://example.invalid/","点我")'


def _store_bad_unit(community) -> None:
    """Stored as rows written before the input rules were: straight into the database."""
    with tenant_context(community.id):
        UnitFactory(name="坏\x01名\x0b字", name_sort=sort_key("坏名字"), address="\x1f柳荫街 5 号",
                    contact_name="@张", contact_phone="+86 139 0000 1111", description=FORMULA, type="shop")
        db.session.commit()


def test_the_xlsx_export_writes_any_stored_value(client, community, auth):
    _store_bad_unit(community)
    response = client.get(api(community, "/units/export"), query_string={"format": "xlsx"}, headers=auth)
    assert response.status_code == 200, response.get_data(as_text=True)
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "坏名字")
    assert [c.value for c in row[:6]] == ["坏名字", "个体门店", "柳荫街 5 号", "@张", "+86 139 0000 1111", FORMULA]
    for cell in (row[3], row[4], row[5]):  # text, never a formula, also once someone edits the cell
        assert cell.data_type == "s" and cell.quotePrefix, cell.coordinate


def test_the_csv_export_writes_any_stored_value_and_reads_back(client, community, auth):
    _store_bad_unit(community)
    response = client.get(api(community, "/units/export"), query_string={"format": "csv"}, headers=auth)
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[1][:6] == ["坏名字", "个体门店", "柳荫街 5 号", "'@张", "'+86 139 0000 1111", "'" + FORMULA]

    fresh = CommunityFactory()
    fresh_auth = token_for(client, member(fresh, "admin"))
    batch = client.post(api(fresh, "/units/imports"), headers=fresh_auth, content_type="multipart/form-data",
                        data={"file": (io.BytesIO(response.data), "units.csv")})
    assert batch.status_code == 201 and batch.get_json()["invalid"] == 0, batch.get_data(as_text=True)
    assert client.post(api(fresh, f"/units/imports/{batch.get_json()['id']}/commit"), json={},
                       headers=fresh_auth).status_code == 200
    unit = client.get(api(fresh, "/units"), headers=fresh_auth).get_json()["items"][0]
    assert (unit["contact_name"], unit["contact_phone"], unit["description"]) == \
        ("@张", "+86 139 0000 1111", FORMULA)


def test_meal_spreadsheets_write_any_stored_value(app):
    manifest = meals.Manifest(1, "长者\x01餐桌", date(2026, 12, 1), True, {"lunch": {"delivery": 1}}, [
        meals.ManifestRow(1, "王\x02秀英", "3", "2", "301", "=1+1", "-少盐\x0c", "lunch", "delivery", "ordered")])
    rows = list(load_workbook(io.BytesIO(meals.manifest_xlsx(manifest))).active.iter_rows(values_only=True))
    assert rows[0][1] == "长者餐桌"
    assert rows[-1][:8] == ("午餐", "送餐", "3", "2", "301", "王秀英", "=1+1", "-少盐")
    statement = meals.CanteenStatement(1, "长者\x03餐桌", "2026-11", days=[], by_price={}, counts={})
    book = load_workbook(io.BytesIO(meals.canteen_statement_xlsx(statement)))
    assert book.active["B1"].value == "长者餐桌"


def test_the_spreadsheet_helper_drops_what_openpyxl_refuses():
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    assert spreadsheet.ILLEGAL_CHARACTERS_RE.pattern == ILLEGAL_CHARACTERS_RE.pattern
    every_control = "".join(chr(c) for c in range(32))
    assert not ILLEGAL_CHARACTERS_RE.search(spreadsheet.clean(every_control))
    assert spreadsheet.csv_row(["=1", "+1", "-1", "@a", "\tx", "ok", 5, None]) == \
        ["'=1", "'+1", "'-1", "'@a", "'\tx", "ok", 5, None]
    assert [spreadsheet.csv_unguard(v) for v in ("'=1", "'ok", "it's")] == ["=1", "'ok", "it's"]
