"""Importing the unit registry from XLSX and CSV (preview, then commit) and exporting it, pages and API."""
import csv
import html
import io
import re
from datetime import date, datetime

import pytest
from openpyxl import Workbook, load_workbook

from app.core.extensions import db
from app.units.models import Unit, UnitImport
from app.units.services import sort_key
from tenants.context import tenant_context
from tests.factories import Browser, CommunityFactory, UnitFactory, member, token_for, units

ZH = ["单位名称", "单位类型", "地址", "联系人", "联系电话", "简介", "入会日期", "状态"]
EN = ["Name", "Type", "Address", "Contact person", "Contact phone", "Description", "Joined on", "Status"]
FIELDS = ("name", "type", "address", "contact_name", "contact_phone", "description", "joined_on", "status")

GOOD_ROWS = [
    ["张记包子铺", "个体门店", "柳荫街5号", "张大姐", "13900001111", "早点", "2023-05-04", "正常"],
    ["北京饭店", "私营企业", "东长安街33号", "李经理", "010-65137766", "提供场地", "2022/1/9", "暂停"],
    ["柳荫街小学", "学校", "柳荫街20号", "王老师", "", "", "", ""],
]
EXPECTED = {
    "张记包子铺": {"type": "shop", "address": "柳荫街5号", "contact_name": "张大姐", "contact_phone": "13900001111",
                "description": "早点", "joined_on": date(2023, 5, 4), "status": "active"},
    "北京饭店": {"type": "enterprise", "address": "东长安街33号", "contact_name": "李经理",
             "contact_phone": "010-65137766", "description": "提供场地", "joined_on": date(2022, 1, 9),
             "status": "suspended"},
    "柳荫街小学": {"type": "school", "address": "柳荫街20号", "contact_name": "王老师", "contact_phone": "",
              "description": "", "joined_on": None, "status": "active"},
}


@pytest.fixture
def browser(app, community):
    browser = Browser(app.test_client())
    assert browser.login(member(community, "coordinator")).status_code == 302
    return browser


# --- building files ----------------------------------------------------------------------------------

def xlsx(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows, encoding="utf-8-sig") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode(encoding)


def upload_api(client, community, headers, data: bytes, filename="units.xlsx"):
    return client.post(f"/api/v1/c/{community.slug}/units/imports", headers=headers,
                       data={"file": (io.BytesIO(data), filename)}, content_type="multipart/form-data")


def commit_api(client, community, headers, import_id, **body):
    return client.post(f"/api/v1/c/{community.slug}/units/imports/{import_id}/commit", json=body, headers=headers)


def registry(community) -> dict:
    db.session.expire_all()
    with tenant_context(community.id):
        return {u.name: {f: getattr(u, f) for f in FIELDS if f != "name"} for u in db.session.query(Unit).all()}


def unit_count(community) -> int:
    db.session.expire_all()
    with tenant_context(community.id):
        return db.session.query(Unit).count()


def make_unit(community, name, **fields):
    with tenant_context(community.id):
        return UnitFactory(name=name, name_sort=sort_key(name), **fields).id


def errors_by_line(batch: dict) -> dict:
    return {row["line"]: row["errors"] for row in batch["rows"] if row["errors"]}


# --- API: preview and commit -------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["xlsx-zh", "xlsx-en", "csv-utf8-bom", "csv-gbk", "csv-gb18030", "csv-utf8"])
def test_import_good_file_in_every_format(client, community, auth, kind):
    header = EN if kind == "xlsx-en" else ZH
    rows = [header, *GOOD_ROWS]
    if kind.startswith("xlsx"):
        data, filename = xlsx(rows), "单位名册.xlsx"
    else:
        encoding = {"csv-utf8-bom": "utf-8-sig", "csv-gbk": "gbk", "csv-gb18030": "gb18030", "csv-utf8": "utf-8"}
        data, filename = csv_bytes(rows, encoding[kind]), "units.csv"
    if kind == "csv-gbk":
        # Really GBK: the bytes are not UTF-8.
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")

    response = upload_api(client, community, auth, data, filename)
    assert response.status_code == 201, response.get_data(as_text=True)
    batch = response.get_json()
    assert isinstance(batch["id"], str)
    assert batch["status"] == "preview"
    assert (batch["total"], batch["valid"], batch["invalid"]) == (3, 3, 0), batch
    assert [row["line"] for row in batch["rows"]] == [2, 3, 4]
    assert unit_count(community) == 0  # nothing saved before the commit

    done = commit_api(client, community, auth, batch["id"])
    assert done.status_code == 200, done.get_data(as_text=True)
    assert done.get_json()["status"] == "done"
    assert done.get_json()["created_count"] == 3 and done.get_json()["skipped_count"] == 0
    assert registry(community) == EXPECTED


def test_xlsx_with_real_dates_and_numbers(client, community, auth):
    rows = [ZH, ["张记包子铺", "个体门店", "柳荫街5号", "张大姐", 13900001111, "早点", datetime(2023, 5, 4), "正常"],
            ["北京饭店", "enterprise", "", "", None, None, date(2022, 1, 9), "suspended"]]
    batch = upload_api(client, community, auth, xlsx(rows)).get_json()
    assert batch["invalid"] == 0, batch
    assert commit_api(client, community, auth, batch["id"]).status_code == 200
    units_ = registry(community)
    assert units_["张记包子铺"]["contact_phone"] == "13900001111"
    assert units_["张记包子铺"]["joined_on"] == date(2023, 5, 4)
    assert units_["北京饭店"]["joined_on"] == date(2022, 1, 9)
    assert units_["北京饭店"]["status"] == "suspended"


def test_chinese_date_forms_are_read(client, community, auth):
    rows = [["单位名称", "单位类型", "入会日期"], ["甲", "学校", "2023年5月4日"], ["乙", "学校", "2023.05.04"],
            ["丙", "学校", "2023/5/4"]]
    batch = upload_api(client, community, auth, csv_bytes(rows), "a.csv").get_json()
    assert batch["invalid"] == 0, errors_by_line(batch)
    assert commit_api(client, community, auth, batch["id"]).status_code == 200
    assert {u["joined_on"] for u in registry(community).values()} == {date(2023, 5, 4)}


def test_header_variants_and_extra_columns(client, community, auth):
    rows = [["序号", "单位名称*", "类型（必填）", "电话", "备注", "Unrelated"],
            ["1", "张记包子铺", "商户", "13900001111", "早点", "ignored"]]
    batch = upload_api(client, community, auth, xlsx(rows)).get_json()
    assert batch["invalid"] == 0, batch
    assert commit_api(client, community, auth, batch["id"]).status_code == 200
    unit = registry(community)["张记包子铺"]
    assert unit["type"] == "shop" and unit["contact_phone"] == "13900001111" and unit["description"] == "早点"


def test_preview_reports_errors_per_row_and_field(client, community, auth):
    make_unit(community, "北京饭店")
    rows = [ZH,
            ["张记包子铺", "个体门店", "柳荫街5号", "", "", "", "", ""],      # 2: fine
            ["沃尔玛", "超市", "", "", "", "", "", ""],                     # 3: unknown type
            ["", "学校", "柳荫街20号", "", "", "", "", ""],                  # 4: no name
            ["阿姨家政", "个体门店", "", "", "", "", "2023-13-45", ""],       # 5: bad date
            ["张记包子铺", "个体门店", "", "", "", "", "", ""],               # 6: same name as row 2
            ["北京饭店", "私营企业", "", "", "", "", "", ""],                 # 7: already registered
            ["好邻居", "个体门店", "", "", "call me", "", "", "关门"],        # 8: bad phone, unknown status
            ["", "", "", "", "", "", "", ""],                               # blank: skipped, not an error
            ["柳荫街小学", "学校", "", "", "", "", "", ""]]                   # 10: fine
    response = upload_api(client, community, auth, xlsx(rows))
    assert response.status_code == 201
    batch = response.get_json()
    assert (batch["total"], batch["valid"], batch["invalid"]) == (8, 2, 6)
    errors = errors_by_line(batch)
    assert set(errors) == {3, 4, 5, 6, 7, 8}
    assert set(errors[3]) == {"type"} and "超市" in errors[3]["type"][0]
    assert set(errors[4]) == {"name"}
    assert set(errors[5]) == {"joined_on"}
    assert set(errors[6]) == {"name"} and "2" in errors[6]["name"][0]
    assert set(errors[7]) == {"name"}
    assert set(errors[8]) == {"contact_phone", "status"}
    for messages in errors.values():
        assert all(isinstance(m, str) and m for ms in messages.values() for m in ms)
    # A wrong row shows what the sheet said, so the user can find it.
    row3 = next(r for r in batch["rows"] if r["line"] == 3)
    assert row3["values"]["type"] == "超市" and row3["values"]["name"] == "沃尔玛"
    # The preview can be fetched again.
    again = client.get(f"/api/v1/c/{community.slug}/units/imports/{batch['id']}", headers=auth)
    assert again.status_code == 200 and errors_by_line(again.get_json()) == errors


def test_commit_with_errors_is_409_and_saves_nothing(client, community, auth):
    rows = [ZH, GOOD_ROWS[0], ["沃尔玛", "超市"], GOOD_ROWS[1]]
    batch = upload_api(client, community, auth, xlsx(rows)).get_json()
    response = commit_api(client, community, auth, batch["id"])
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "import_has_errors" and error["message"]
    assert unit_count(community) == 0
    state = client.get(f"/api/v1/c/{community.slug}/units/imports/{batch['id']}", headers=auth).get_json()
    assert state["status"] == "preview"
    # Explicitly not skipping is the same.
    assert commit_api(client, community, auth, batch["id"], skip_invalid=False).status_code == 409
    assert unit_count(community) == 0


def test_commit_skipping_invalid_rows(client, community, auth):
    rows = [ZH, GOOD_ROWS[0], ["沃尔玛", "超市"], ["", "学校"], GOOD_ROWS[1]]
    batch = upload_api(client, community, auth, xlsx(rows)).get_json()
    response = commit_api(client, community, auth, batch["id"], skip_invalid=True)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["status"] == "done"
    assert body["created_count"] == 2 and body["skipped_count"] == 2
    assert set(registry(community)) == {"张记包子铺", "北京饭店"}


def test_committing_twice_is_409(client, community, auth):
    batch = upload_api(client, community, auth, xlsx([ZH, *GOOD_ROWS])).get_json()
    assert commit_api(client, community, auth, batch["id"]).status_code == 200
    second = commit_api(client, community, auth, batch["id"])
    assert second.status_code == 409
    assert second.get_json()["error"]["code"] == "import_finished"
    assert unit_count(community) == 3


def test_registry_changed_since_preview_saves_nothing(client, community, auth):
    batch = upload_api(client, community, auth, xlsx([ZH, *GOOD_ROWS])).get_json()
    make_unit(community, "北京饭店")  # someone registered it meanwhile
    response = commit_api(client, community, auth, batch["id"])
    assert response.status_code in (409, 422)
    assert response.get_json()["error"]["message"]
    assert set(registry(community)) == {"北京饭店"}  # not even the rows before it
    assert client.get(f"/api/v1/c/{community.slug}/units/imports/{batch['id']}",
                      headers=auth).get_json()["status"] == "preview"


@pytest.mark.parametrize("data,filename", [
    (b"", "units.xlsx"),
    (b"", "units.csv"),
    (b"%PDF-1.4 not a sheet", "units.pdf"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "photo.png"),
    (b"PK\x03\x04 broken zip", "units.xlsx"),
    (b"just some words", "units.xlsx"),
    ("单位名称,单位类型\n".encode("utf-8-sig"), "units.csv"),  # header only
    ("名字,种类\n张记,个体门店\n".encode(), "units.csv"),  # no recognisable columns
    (b"\xff\xfe\x00\x00\xff\xff garbage", "units.csv"),
])
def test_unreadable_or_empty_file_is_422_on_file(client, community, auth, data, filename):
    response = upload_api(client, community, auth, data, filename)
    assert response.status_code == 422, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["fields"].get("file"), error
    with tenant_context(community.id):
        assert db.session.query(UnitImport).count() == 0


def test_upload_without_a_file_is_422_on_file(client, community, auth):
    response = client.post(f"/api/v1/c/{community.slug}/units/imports", headers=auth, data={},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"].get("file")


def test_too_large_upload_is_413(app, client, community, auth):
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    response = upload_api(client, community, auth, b"x" * 20_000, "units.csv")
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"


@pytest.mark.parametrize("role", ["resident", "council", "unit"])
def test_only_staff_import(client, community, role):
    headers = token_for(client, member(community, role))
    assert upload_api(client, community, headers, xlsx([ZH, *GOOD_ROWS])).status_code == 403


def test_another_communitys_import_is_not_found(client, community, auth):
    batch = upload_api(client, community, auth, xlsx([ZH, *GOOD_ROWS])).get_json()
    other = CommunityFactory()
    other_auth = token_for(client, member(other, "admin"))
    assert client.get(f"/api/v1/c/{other.slug}/units/imports/{batch['id']}", headers=other_auth).status_code == 404
    assert commit_api(client, other, other_auth, batch["id"]).status_code == 404
    assert unit_count(other) == 0 and unit_count(community) == 0


# --- pages: upload form, preview, confirm ------------------------------------------------------------

def page(community, path=""):
    return f"/c/{community.slug}/units{path}"


def upload_page(browser, community, data, filename):
    return browser.post(page(community, "/import"), data={"file": (io.BytesIO(data), filename)},
                        content_type="multipart/form-data")


def test_page_import_preview_then_confirm(browser, community):
    form = browser.get(page(community, "/import"))
    assert form.status_code == 200
    assert 'enctype="multipart/form-data"' in form.get_data(as_text=True)

    response = upload_page(browser, community, csv_bytes([ZH, *GOOD_ROWS], "gbk"), "名册.csv")
    assert response.status_code == 302, response.get_data(as_text=True)
    preview_url = response.headers["Location"]
    assert re.search(r"/units/import/\d+$", preview_url)
    preview = browser.get(preview_url)
    assert preview.status_code == 200
    body = preview.get_data(as_text=True)
    for name in EXPECTED:
        assert name in body
    assert "row-error" not in body
    assert unit_count(community) == 0

    action = re.search(r'<form method="post" action="([^"]*/commit)"', body).group(1)
    done = browser.post(html.unescape(action))
    assert done.status_code == 302
    listing = browser.get(done.headers["Location"])
    assert re.search(r'<p class="flash flash-success">[^<]*3', listing.get_data(as_text=True))
    assert registry(community) == EXPECTED


def test_page_preview_marks_wrong_cells_and_refuses_to_commit(browser, community):
    rows = [ZH, GOOD_ROWS[0], ["沃尔玛", "超市", "", "", "", "", "", ""], ["", "学校", "", "", "", "", "", ""]]
    preview_url = upload_page(browser, community, xlsx(rows), "units.xlsx").headers["Location"]
    body = browser.get(preview_url).get_data(as_text=True)
    error_rows = re.findall(r'<tr class="row-error">(.*?)</tr>', body, re.S)
    assert len(error_rows) == 2
    assert "超市" in error_rows[0] and 'class="cell-error"' in error_rows[0]
    assert re.search(r'<td data-label="[^"]*" class="cell-error">超市</td>', error_rows[0])
    assert re.search(r'<td data-label="[^"]*" class="cell-error"></td>', error_rows[1])  # the missing name

    commit_url = preview_url + "/commit"
    # Confirming without choosing to skip: a message, and nothing saved.
    refused = browser.post(commit_url)
    assert refused.status_code == 302
    assert refused.headers["Location"] == preview_url
    shown = browser.get(refused.headers["Location"]).get_data(as_text=True)
    assert re.search(r'<p class="flash flash-error">[^<]*2', shown)
    assert unit_count(community) == 0

    # Skipping the wrong rows saves the good one and says how many were skipped.
    done = browser.post(commit_url, data={"skip_invalid": "1"})
    assert done.status_code == 302
    message = re.search(r'<p class="flash flash-success">([^<]*)</p>', browser.get(done.headers["Location"]).get_data(
        as_text=True)).group(1)
    assert "1" in message and "2" in message
    assert set(registry(community)) == {"张记包子铺"}

    # A second confirmation is refused with a message.
    again = browser.post(commit_url, data={"skip_invalid": "1"})
    assert again.status_code == 302
    assert re.search(r'<p class="flash flash-error">', browser.get(again.headers["Location"]).get_data(as_text=True))
    assert unit_count(community) == 1


@pytest.mark.parametrize("data,filename", [(b"", "units.xlsx"), (b"%PDF-1.4", "units.pdf")])
def test_page_upload_of_a_bad_file_shows_the_error_at_the_field(browser, community, data, filename):
    response = upload_page(browser, community, data, filename)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert re.search(r'<input id="file"[^>]*aria-invalid="true"', body)
    assert re.search(r'<ul class="field-errors" id="file-error">\s*<li>[^<]+</li>', body)


def test_page_upload_without_file(browser, community):
    response = browser.post(page(community, "/import"), data={}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert 'id="file-error"' in response.get_data(as_text=True)


def test_resident_cannot_reach_the_import_pages(app, community):
    resident = Browser(app.test_client())
    resident.login(member(community, "resident"))
    assert resident.get(page(community, "/import")).status_code == 403
    assert upload_page(resident, community, xlsx([ZH, *GOOD_ROWS]), "u.xlsx").status_code == 403
    assert resident.client.get(page(community, "/export.xlsx")).status_code == 403


# --- export and round trip ---------------------------------------------------------------------------

def seed_registry(community, extra=0):
    make_unit(community, "张记包子铺", type="shop", address="柳荫街5号", contact_name="张大姐",
              contact_phone="13900001111", description="早点,包子\n可送餐", joined_on=date(2023, 5, 4))
    make_unit(community, "北京饭店", type="enterprise", address="东长安街33号", contact_name="李经理",
              contact_phone="010-65137766", description="", status="suspended")
    for i, code in enumerate(("central_body", "municipal_body", "district_body", "school", "property_company",
                              "park", "cultural_centre", "clinic", "social_org", "other")):
        make_unit(community, f"单位{code}", type=code, status=("active", "suspended", "withdrawn")[i % 3],
                  address=f"地址{i}", contact_phone="")
    if extra:
        units(community, extra)


def test_export_xlsx_page_has_every_unit(browser, community):
    seed_registry(community, extra=120)
    response = browser.client.get(page(community, "/export.xlsx"))  # Browser.get would read it as text
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data), read_only=True).worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == ZH  # Chinese column titles by default
    names = [r[0] for r in rows[1:]]
    assert len(names) == len(set(names)) == 132
    assert set(names) == set(registry(community))


def test_export_csv_api_has_every_unit(client, community, auth):
    seed_registry(community)
    response = client.get(f"/api/v1/c/{community.slug}/units/export", query_string={"format": "csv"}, headers=auth)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert len(rows) == 13
    by_name = {r[0]: r for r in rows[1:]}
    assert set(by_name) == set(registry(community))
    assert by_name["张记包子铺"][4] == "13900001111"
    assert by_name["张记包子铺"][5] == "早点,包子\n可送餐"
    assert by_name["张记包子铺"][6] == "2023-05-04"


def test_export_api_rejects_unknown_format(client, community, auth):
    response = client.get(f"/api/v1/c/{community.slug}/units/export", query_string={"format": "pdf"}, headers=auth)
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"].get("format")


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_round_trip_recreates_the_registry(client, community, auth, fmt, lang):
    seed_registry(community)
    original = registry(community)
    exported = client.get(f"/api/v1/c/{community.slug}/units/export",
                          query_string={"format": fmt, "lang": lang}, headers=auth)
    assert exported.status_code == 200

    fresh = CommunityFactory()
    fresh_auth = token_for(client, member(fresh, "admin"))
    batch = upload_api(client, fresh, fresh_auth, exported.data, f"export.{fmt}")
    assert batch.status_code == 201, batch.get_data(as_text=True)
    assert batch.get_json()["invalid"] == 0, errors_by_line(batch.get_json())
    assert commit_api(client, fresh, fresh_auth, batch.get_json()["id"]).status_code == 200
    assert registry(fresh) == original
