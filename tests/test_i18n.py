"""Language: every interface string has a Chinese translation; the user's language and text size stick.

When a test here fails after you added a string: `make translations-update`, translate the new entries
in app/translations/zh_CN/LC_MESSAGES/messages.po, then `make translations`.
"""
import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from app.accounts.models import User
from app.core.extensions import db
from tests.factories import Browser, CommunityFactory, member

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "app" / "translations"
PO = TRANSLATIONS / "zh_CN" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")
# The same keywords as `make translations-update`.
KEYWORDS = {**DEFAULT_KEYWORDS, "lazy_gettext": None, "_l": None}
PLACEHOLDER = re.compile(r"%\((\w+)\)[#0 +-]*\d*(?:\.\d+)?[sdifrxXeEgGc]")
HOW_TO_FIX = ("run `make translations-update`, translate them in app/translations/zh_CN/LC_MESSAGES/messages.po, "
              "then `make translations`")


def _key(message_id, context=None):
    singular = message_id[0] if isinstance(message_id, (tuple, list)) else message_id
    return (context, singular)


@pytest.fixture(scope="module")
def source_messages() -> dict:
    """{(context, msgid): ["file:line", ...]} for every string the sources mark for translation now."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg, "babel.cfg")
    found: dict = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS):
        found.setdefault(_key(message, context), []).append(f"{filename}:{lineno}")
    return found


@pytest.fixture(scope="module")
def catalog():
    with open(PO, "rb") as f:
        return read_po(f, locale="zh_CN")


def _strings(message) -> list[str]:
    return list(message.string) if isinstance(message.string, (tuple, list)) else [message.string]


def test_extraction_finds_the_interface_strings(source_messages):
    # Guards the guard: a broken babel.cfg would find nothing and the next test would pass vacuously.
    for expected in ("Log in", "Individual shop", "This field is required."):
        assert (None, expected) in source_messages, f"babel.cfg no longer finds {expected!r}"
    assert any(where.startswith("templates/") for places in source_messages.values() for where in places)


def test_every_interface_string_has_a_chinese_translation(source_messages, catalog):
    translated = {_key(m.id, m.context) for m in catalog
                  if m.id and not m.fuzzy and all(s.strip() for s in _strings(m))}
    missing = sorted((key for key in source_messages if key not in translated), key=lambda k: k[1])
    assert not missing, (f"{len(missing)} interface strings have no Chinese translation ({HOW_TO_FIX}):\n"
                         + "\n".join(f"  {msgid!r}  ({', '.join(source_messages[(ctx, msgid)][:2])})"
                                     for ctx, msgid in missing))


def test_no_fuzzy_translations(catalog):
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert not fuzzy, f"fuzzy entries are not shown to users; check and unmark them: {fuzzy}"


def test_translations_keep_the_placeholders(catalog):
    wrong = []
    for message in catalog:
        if not message.id:
            continue
        ids = list(message.id) if isinstance(message.id, (tuple, list)) else [message.id]
        expected = set(PLACEHOLDER.findall(ids[0])) | set(PLACEHOLDER.findall(ids[-1]))
        for string in _strings(message):
            if string and set(PLACEHOLDER.findall(string)) != expected:
                wrong.append(f"  {ids[0]!r} -> {string!r}")
    assert not wrong, "translations that lose or add %(placeholders)s:\n" + "\n".join(wrong)


def test_spreadsheet_labels_translate_as_the_import_expects(catalog):
    # The import matches a sheet's Chinese types and statuses against these words (app/units/vocabulary.py).
    expected = {
        "Central government body": "中央单位", "Municipal body": "市属单位", "District body": "区属单位",
        "School": "学校", "Individual shop": "个体门店", "Private enterprise": "私营企业",
        "Property company": "物业公司", "Park": "公园", "Cultural centre": "文化馆",
        "Hospital or clinic": "医院或诊所", "Social organisation": "社会组织", "Other": "其他",
        "Active": "正常", "Suspended": "暂停", "Withdrawn": "已退出",
    }
    assert {msgid: catalog[msgid].string if catalog.get(msgid) else None for msgid in expected} == expected


def test_compiled_catalog_matches_the_po_file(catalog):
    # *.mo is not in git; `make test` compiles it first. A missing or stale one means users see English.
    assert MO.exists(), f"{MO.relative_to(ROOT)} is missing: run `make translations`"
    with open(MO, "rb") as f:
        compiled = {_key(m.id, m.context): m.string for m in read_mo(f) if m.id}
    wanted = {_key(m.id, m.context): m.string for m in catalog if m.id and not m.fuzzy}
    stale = sorted(k[1] for k in wanted if compiled.get(k) != wanted[k])
    assert not stale, (f"{MO.relative_to(ROOT)} is older than the .po ({len(stale)} strings differ, "
                       f"e.g. {stale[:3]}): run `make translations`")


# --- what users see --------------------------------------------------------------------------------------

def _saved_user(user_id: int) -> User:
    db.session.expire_all()  # the requests committed in sessions of their own
    return db.session.get(User, user_id)


def _html_lang(html: str) -> str | None:
    match = re.search(r"<html[^>]*\blang=\"([^\"]+)\"", html)
    return match and match.group(1)


def test_login_page_is_chinese_by_default(client):
    html = client.get("/login").get_data(as_text=True)
    assert _html_lang(html) == "zh-CN"
    assert "登录" in html
    assert ">Log in<" not in html


def test_anonymous_visitor_switches_to_english_and_it_is_remembered(client):
    browser = Browser(client)
    response = browser.post("/preferences/language", data={"locale": "en", "next": "/login"})
    assert response.status_code == 302
    assert "huzhu_lang=en" in response.headers.get("Set-Cookie", "")

    html = client.get("/login").get_data(as_text=True)
    assert _html_lang(html) == "en"
    assert "Log in" in html and "登录" not in html

    browser.post("/preferences/language", data={"locale": "zh_CN", "next": "/login"})
    html = client.get("/login").get_data(as_text=True)
    assert _html_lang(html) == "zh-CN" and "登录" in html


def test_the_choice_belongs_to_the_browser_that_made_it(app, client):
    Browser(client).post("/preferences/language", data={"locale": "en"})
    other = app.test_client()
    assert _html_lang(other.get("/login").get_data(as_text=True)) == "zh-CN"


def test_logged_in_users_language_is_kept_in_the_account(app, client):
    user = member(CommunityFactory(), "resident")
    browser = Browser(client)
    browser.login(user)
    assert _html_lang(client.get("/account").get_data(as_text=True)) == "zh-CN"

    browser.post("/preferences/language", data={"locale": "en", "next": "/account"})
    assert _saved_user(user.id).locale == "en"
    browser.post("/logout")

    # Another device, no cookie: the login page is Chinese, the account page after log-in is English.
    fresh = Browser(app.test_client())
    assert _html_lang(fresh.get("/login").get_data(as_text=True)) == "zh-CN"
    fresh.login(user)
    html = fresh.client.get("/account").get_data(as_text=True)
    assert _html_lang(html) == "en"
    assert "My account" in html


@pytest.mark.parametrize("language, required, too_long", [
    ("en", "This field is required.", "Too long: at most 254 characters."),
    ("en-GB,en;q=0.8", "This field is required.", "Too long: at most 254 characters."),
    ("zh-CN", "此项为必填项。", "内容过长：最多254个字符。"),
    ("zh-CN,zh;q=0.9,en;q=0.5", "此项为必填项。", "内容过长：最多254个字符。"),
])
def test_api_field_errors_in_the_callers_language(client, language, required, too_long):
    response = client.post("/api/v1/auth/tokens", json={"email": "", "name": "x" * 255},
                           headers={"Accept-Language": language})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid"
    assert error["fields"]["password"] == [required]
    assert error["fields"]["email"] == [required]  # empty is "required", never "may not be empty (at most …)"
    assert error["fields"]["name"] == [too_long.replace("254", "100")]


def test_api_without_accept_language_answers_in_chinese(client):
    error = client.post("/api/v1/auth/tokens", json={"email": ""}).get_json()["error"]
    assert error["fields"]["password"] == ["此项为必填项。"]
    assert error["message"] == "部分内容填写有误。"


def _html_classes(html: str) -> list[str]:
    match = re.search(r"<html[^>]*\bclass=\"([^\"]*)\"", html)
    return match.group(1).split() if match else []


def test_large_text_switch(client):
    browser = Browser(client)
    assert "text-large" not in _html_classes(client.get("/login").get_data(as_text=True))

    response = browser.post("/preferences/text-size", data={"size": "large", "next": "/login"})
    assert response.status_code == 302
    assert "text-large" in _html_classes(client.get("/login").get_data(as_text=True))

    browser.post("/preferences/text-size", data={"size": "normal", "next": "/login"})
    assert "text-large" not in _html_classes(client.get("/login").get_data(as_text=True))


def test_large_text_is_kept_in_the_account(app, client):
    user = member(CommunityFactory(), "resident")
    browser = Browser(client)
    browser.login(user)
    browser.post("/preferences/text-size", data={"size": "large", "next": "/account"})
    assert _saved_user(user.id).large_text is True

    fresh = Browser(app.test_client())
    fresh.login(user)
    assert "text-large" in _html_classes(fresh.client.get("/account").get_data(as_text=True))
