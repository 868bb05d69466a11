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
from tests.test_tenancy import _world
from tests.walk import APP_CONFIG, logged_in, readers, world

SHOWN_ATTRIBUTES = ("aria-label", "title", "placeholder", "alt", "data-label", "aria-description")
SKIPPED_TAGS = {"script", "style", "template", "code"}
# Words that stay Latin in a Chinese interface: names of things, formats and the language switch.
PROPER = {"English", "Huzhu", "Excel", "CSV", "PDF", "JSON", "API", "Redis", "PostgreSQL", "OpenAPI", "xlsx", "csv",
          "json", "Bearer",
          "liuyin",  # the example of a community's address name
          "zsf"}  # the pickers' example of pinyin initials, typed in Latin letters (张三丰)
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
    return APP_CONFIG


def test_every_page_reads_in_chinese(app, clock):
    made = world(app, clock)
    catalogue = msgids()
    problems = {}
    pages = readers(app, made)
    for url, (_role, response) in pages.items():
        english = english_in(response.get_data(as_text=True), catalogue, ("ALPHA", made["community"].slug))
        if english:
            problems[url] = sorted(set(english))
    assert not problems, "English in the Chinese interface:\n" + "\n".join(
        f"{url}: {words}" for url, words in problems.items())
    assert len(pages) >= 50, sorted(pages)  # the walk really walked


def test_a_residents_home_address_is_not_the_home_page(app, clock):
    """住址 and 首页 are two words in Chinese: the residents' column is not named like the menu's first link."""
    clock(2026, 11, 30, 10)
    world = _world("alpha", "ALPHA")
    page = logged_in(app, world["admin"])
    listing = page.get("/c/alpha/residents/").get_data(as_text=True)
    detail = page.get(f"/c/alpha/residents/{world['resident_id']}").get_data(as_text=True)
    assert '<th scope="col">住址</th>' in listing
    assert "<dt>住址</dt>" in detail
    for html in (listing, detail):
        # 首页 is the menu's link to the community's home (in its wide and its phone form), and only that.
        assert html.count("首页") == 2
