"""End-to-end fixtures: the test app served live on a free port, one Chromium per session, a fresh
browser context (cookies, storage) per test, and text matchers that work in English and Chinese.

The browser is Debian's /usr/bin/chromium (never `playwright install`). Without it the e2e tests
fail under CI (CI=true) and are skipped locally.
"""
import os
import re
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest
from werkzeug.serving import make_server

from app.core.extensions import db
from tests.factories import PASSWORD, CommunityFactory, member

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("HUZHU_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
PO_FILE = ROOT / "app" / "translations" / "zh_CN" / "LC_MESSAGES" / "messages.po"
MO_FILE = PO_FILE.with_suffix(".mo")
TIMEOUT_MS = 5000  # a local server answers in milliseconds; fail fast instead of hanging for 30 s


# --- text in either language --------------------------------------------------------------------

_ZH: dict | None = None


def zh_catalog() -> dict[str, str]:
    """msgid → Chinese translation, from the .po being written (empty while it does not exist)."""
    global _ZH
    if _ZH is None:
        _ZH = {}
        if PO_FILE.exists():
            from babel.messages.pofile import read_po

            with PO_FILE.open("rb") as fh:
                catalog = read_po(fh)
            for message in catalog:
                if message.id and isinstance(message.id, str) and message.string and not message.fuzzy:
                    _ZH[message.id] = message.string
    return _ZH


def chinese_active() -> bool:
    """True when the compiled Chinese catalogue exists, i.e. pages really show Chinese."""
    return MO_FILE.exists() and bool(zh_catalog())


def T(msgid: str, *extra: str, exact: bool = True, **params) -> re.Pattern:
    """A pattern matching the English text or its Chinese translation (or any of `extra`).

    Placeholders %(name)s take `params`: a str is matched literally, a compiled pattern as a regex.
    With exact=True the whole accessible name must match (a trailing required-field '*' is allowed).
    """
    texts = [msgid, *extra]
    if zh_catalog().get(msgid):
        texts.append(zh_catalog()[msgid])

    def fill(text: str) -> str:
        escaped = re.escape(text)

        def param(match):
            value = params.get(match.group(1))
            if value is None:
                return r".*?"
            return value.pattern if isinstance(value, re.Pattern) else re.escape(str(value))

        return re.sub(r"%\\\((\w+)\\\)s", param, escaped)

    body = "|".join(f"(?:{fill(t)})" for t in dict.fromkeys(texts))
    return re.compile(rf"^\s*(?:{body})\s*\*?\s*$" if exact else f"(?:{body})")


# --- browser and server -------------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        message = (f"End-to-end tests need Chromium at {CHROMIUM} (Debian: apt-get install chromium); "
                   "do not use `playwright install`.")
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    for stale in ARTIFACTS.glob("FAILED-*.png"):  # screenshots of an earlier run's failures
        stale.unlink()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def live_server(app):
    """The test's app served on 127.0.0.1 in a thread; yields its base URL."""
    settle()  # the test thread must not hold a transaction while the server writes
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def new_context(browser, live_server, request):
    """Make browser contexts (a phone, a second person); all are closed after the test.

    Each page records JavaScript errors and failed requests; the test fails on any. On failure a
    screenshot of every open page goes to test-artifacts/.
    """
    contexts, problems = [], []

    def make(**options):
        options.setdefault("locale", "zh-CN")
        options.setdefault("viewport", {"width": 1280, "height": 900})
        context = browser.new_context(base_url=live_server, **options)
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)

        def watch(page):
            def on_console(msg):
                # 4xx answers are expected (a form with errors answers 422, there is no favicon).
                if msg.type == "error" and "status of 4" not in msg.text:
                    problems.append(f"{page.url}: console: {msg.text}")

            def on_response(response):
                if response.status >= 500:
                    problems.append(f"{response.request.method} {response.url} answered {response.status}")

            page.on("pageerror", lambda exc: problems.append(f"{page.url}: JavaScript error: {exc}"))
            page.on("console", on_console)
            page.on("response", on_response)

        context.on("page", watch)
        contexts.append(context)
        return context

    yield make
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        for i, context in enumerate(contexts):
            for j, page in enumerate(context.pages):
                try:
                    page.screenshot(path=str(ARTIFACTS / f"FAILED-{request.node.name}-{i}-{j}.png"), full_page=True)
                except Exception:  # a crashed page cannot be photographed; the failure itself is reported
                    pass
    for context in contexts:
        context.close()
    assert not problems, "the pages reported problems:\n" + "\n".join(problems)


@pytest.fixture
def page(new_context):
    """A desktop page (1280×900, Chinese browser) in a fresh context."""
    return new_context().new_page()


# --- people ------------------------------------------------------------------------------------

@pytest.fixture
def admin_world(app):
    """A community `liuyin` (柳荫社区) and its first admin, as the platform operator creates them."""
    community = CommunityFactory(slug="liuyin", name="柳荫社区")
    member(community, "admin", name="赵主任", email="admin@liuyin.example")
    world = SimpleNamespace(community_id=community.id, slug="liuyin", login="admin@liuyin.example",
                            password=PASSWORD, home="/c/liuyin/", units="/c/liuyin/units/")
    settle()
    return world


def settle() -> None:
    """End the test thread's transaction: the live server then sees the data and SQLite is not locked."""
    db.session.commit()
    db.session.close()


def open_menu(page) -> None:
    """On a phone the community menu is folded behind "Menu": unfold it (on a wide screen it is always there)."""
    summary = page.locator("details.phone-menu > summary")
    if summary.is_visible() and page.locator("details.phone-menu[open]").count() == 0:
        summary.click()


def log_in(page, login: str, password: str = PASSWORD) -> None:
    """Log in through the form, as a person would; waits for the page after it."""
    from playwright.sync_api import expect

    page.goto("/login")
    expect(page.locator("html")).to_have_attribute("lang", re.compile("^(zh-CN|en)$"))
    page.get_by_label(T("E-mail or mobile number")).fill(login)
    page.get_by_label(T("Password")).fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name=T("Log in")).click()
    expect(page).not_to_have_url(re.compile(r"/login"))
