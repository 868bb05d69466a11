"""Every page, read in Chinese: no English interface string may show (data aside).

The walk goes over Flask's URL map like tests/test_tenancy.py (and builds its URLs with the same world of
real objects), opens each page as the first person who may open it — the community's admin and coordinator,
a resident, the platform operator, a visitor — and reads what a person sees or hears: text nodes, and the
attributes that are shown or spoken (labels, titles, placeholders, button values, the phone-table labels).
Two nets catch English: any msgid of the catalogue shown verbatim, and any Latin word left once data of
known shapes (e-mails, file names, numbers, codes in capitals, token prefixes, the product's proper names) and
the world's own data (all of it carries the marker ALPHA) are taken out. Identifiers set as <code> are for
copying, not reading, and are let through.
"""
import re
from html.parser import HTMLParser

import pytest
from babel.messages.pofile import read_po

from tests.e2e.conftest import PO_FILE
from tests.factories import PASSWORD, UserFactory, token_for
from tests.test_tenancy import PARAMS, VALUE_PARAMS, _world

SKIP_ENDPOINTS = ("static", "api-docs.", "healthz", "home.readyz")
# Downloads are files for spreadsheets and machines, not pages.
DOWNLOADS = ("units.export", "meals.manifest_xlsx", "meals.canteen_statement_xlsx", "residents.download_export")
SHOWN_ATTRIBUTES = ("aria-label", "title", "placeholder", "alt", "data-label", "aria-description")
SKIPPED_TAGS = {"script", "style", "template", "code"}
# Words that stay Latin in a Chinese interface: names of things, formats and the language switch.
PROPER = {"English", "Huzhu", "Excel", "CSV", "JSON", "API", "Redis", "PostgreSQL", "OpenAPI", "xlsx", "csv",
          "json", "Bearer",
          "liuyin"}  # the example of a community's address name
DATA = re.compile(r"""
      [\w.+-]+@[\w.-]+                    # e-mails
    | https?://\S+ | /[\w/<>.:-]*          # addresses and paths
    | \b[\w-]+\.(?:xlsx|csv|json|png)\b   # file names
    | \b[A-Z][A-Z0-9_-]+\b                # codes and markers in capitals
    | \b\d[\w:.-]*                        # numbers, dates, times
    | \bhz_\S+                           # the start of an API token
""", re.VERBOSE)
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


class Reader(HTMLParser):
    """What a person sees or hears on a page, piece by piece."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in SKIPPED_TAGS:
            self.skipping += 1
        attrs = dict(attrs)
        for name in SHOWN_ATTRIBUTES:
            if attrs.get(name):
                self.pieces.append(attrs[name])
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.pieces.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag in SKIPPED_TAGS and self.skipping:
            self.skipping -= 1

    def handle_data(self, data):
        if not self.skipping and data.strip():
            self.pieces.append(data.strip())


def msgids() -> set[str]:
    with PO_FILE.open("rb") as fh:
        catalog = read_po(fh)
    ids = set()
    for message in catalog:
        for msgid in (message.id if isinstance(message.id, tuple) else (message.id,)):
            if msgid and "%(" not in msgid and LATIN_WORD.search(msgid) and msgid not in PROPER:
                ids.add(msgid)
    return ids


def english_in(html: str, catalogue: set[str], data: tuple[str, ...] = ("ALPHA",)) -> list[str]:
    """The English a Chinese reader would meet on the page; pieces holding `data` are the world's own."""
    reader = Reader()
    reader.feed(html)
    found = []
    for piece in reader.pieces:
        if any(d in piece for d in data):
            continue
        if piece in catalogue:
            found.append(piece)
            continue
        rest = DATA.sub(" ", piece)
        words = [w for w in LATIN_WORD.findall(rest) if w not in PROPER]
        if words:
            found.append(piece)
    return found


def test_the_reader_catches_english_labels_and_lets_data_through():
    catalogue = {"Platform health", "Failed jobs"}
    page = """<h1>Platform health</h1><p>失败 <b>ok</b></p><td data-label="Job">任务</td>
              <p>联系 li.si@example.com，文件 x.xlsx，2026-12-01 08:00，代码 ZETA-BETA-ONLY</p><p>ALPHA bounce</p>
              <p><code>meal_orders</code> hz_Ab3…</p>
              <script>var x = "not shown";</script><button aria-label="Close">×</button>"""
    assert english_in(page, catalogue) == ["Platform health", "ok", "Job", "Close"]


@pytest.fixture
def app_config():
    # The configuration of tests/test_tenancy.py (one app for both): bare requests, no CSRF tokens to fetch.
    return {"WTF_CSRF_ENABLED": False, "LOGIN_RATE_LIMIT_IP": "10000 per minute"}


def _page_rules(app):
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.rule.startswith("/api/") or rule.endpoint.startswith(SKIP_ENDPOINTS):
            continue
        if rule.endpoint in DOWNLOADS:
            continue
        yield rule


def _url(app, rule, slug, world):
    from flask import url_for

    values = {}
    for arg in rule.arguments:
        if arg == "slug":
            values[arg] = slug
        elif arg in VALUE_PARAMS:
            values[arg] = VALUE_PARAMS[arg]
        else:
            assert arg in PARAMS, f"route {rule.rule} takes <{arg}>: teach tests/test_tenancy.py PARAMS about it"
            values[arg] = PARAMS[arg](world)
    with app.test_request_context():
        return url_for(rule.endpoint, **values)


def _import_with_errors(app, admin, slug: str) -> str:
    """An upload whose rows are wrong in every way a sheet can be, sent by an English API client: its
    preview is a page to read too, by a Chinese colleague."""
    import io

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["单位名称", "单位类型", "地址", "联系电话", "入会日期", "状态"])
    sheet.append(["", "商户", "", "", "", ""])
    sheet.append(["ALPHA 火箭站", "火箭", "", "", "", ""])
    sheet.append(["电话站", "商户", "", "打电话", "昨天", "睡觉"])  # no Latin in the values: the messages are read
    sheet.append(["电话站", "商户", "长" * 300, "13800000000", "2026-13-45", ""])
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    api = app.test_client()
    headers = {**token_for(api, admin), "Accept-Language": "en"}
    response = api.post(f"/api/v1/c/{slug}/units/imports", data={"file": (data, "errors.xlsx")},
                        content_type="multipart/form-data", headers=headers)
    assert response.status_code in (200, 201), response.get_data(as_text=True)[:2000]
    assert "Unknown unit type" in str(response.get_json()["rows"])  # the English client reads English
    return f"/c/{slug}/units/import/{response.get_json()['id']}"


def _client(app, user=None):
    client = app.test_client()
    if user is not None:
        response = client.post("/login", data={"login": user.email, "password": PASSWORD})
        assert response.status_code == 302
    return client


def test_every_page_reads_in_chinese(app):
    world = _world("alpha", "ALPHA")
    from jobs.queues import run_in_process_jobs

    run_in_process_jobs()
    operator = UserFactory(is_operator=True, name="平台运维")
    people = [("admin", _client(app, world["admin"])), ("resident", _client(app, world["other"])),
              ("operator", _client(app, operator)), ("visitor", _client(app))]
    catalogue = msgids()
    problems, unopened, read = {}, [], 0
    urls = [_url(app, rule, world["community"].slug, world) for rule in _page_rules(app)]
    urls.append(_import_with_errors(app, world["admin"], world["community"].slug))
    for url in urls:
        for _who, client in people:
            response = client.get(url, headers={"Accept-Language": "zh-CN"})
            if response.status_code == 200 and response.mimetype == "text/html":
                break
        else:
            unopened.append(f"{url} ({response.status_code})")
            continue
        read += 1
        english = english_in(response.get_data(as_text=True), catalogue, ("ALPHA", world["community"].slug))
        if english:
            problems[url] = sorted(set(english))
    assert not problems, "English in the Chinese interface:\n" + "\n".join(
        f"{url}: {words}" for url, words in problems.items())
    assert read >= 50, f"only {read} pages read; not opened: {unopened}"



def test_a_residents_home_address_is_not_the_home_page(app):
    """住址 and 首页 are two words in Chinese: the residents' column is not named like the menu's first link."""
    world = _world("alpha", "ALPHA")
    page = _client(app, world["admin"])
    listing = page.get("/c/alpha/residents/").get_data(as_text=True)
    detail = page.get(f"/c/alpha/residents/{world['resident_id']}").get_data(as_text=True)
    assert '<th scope="col">住址</th>' in listing
    assert "<dt>住址</dt>" in detail
    for html in (listing, detail):
        assert html.count("首页") == 1, "首页 is the menu's link to the community's home, and only that"
