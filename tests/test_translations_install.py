"""The production install (README: `pip install -e .`, `huzhu db upgrade`, gunicorn; no `make translations`)
renders Chinese: a missing or stale .mo is compiled from its .po at start-up, in memory."""
import os
import re
import shutil

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from tests.test_i18n import PO

pytestmark = pytest.mark.own_app  # each test's translations directory is a configuration of its own


@pytest.fixture
def translations(tmp_path):
    """A translations directory as a fresh checkout has it: the .po, no .mo (it is not in git)."""
    root = tmp_path / "translations"
    (root / "zh_CN" / "LC_MESSAGES").mkdir(parents=True)
    shutil.copy(PO, root / "zh_CN" / "LC_MESSAGES" / "messages.po")
    return root


@pytest.fixture
def app_config(translations):
    return {"BABEL_TRANSLATION_DIRECTORIES": str(translations)}


def _mo_saying(translations, login_word: str, *, older: bool) -> None:
    """A compiled catalogue in which "Log in" reads `login_word`, older or newer than the .po."""
    po = translations / "zh_CN" / "LC_MESSAGES" / "messages.po"
    with open(po, "rb") as f:
        catalog = read_po(f)
    catalog["Log in"].string = login_word
    mo = po.with_suffix(".mo")
    with open(mo, "wb") as f:
        write_mo(f, catalog)
    po_time = po.stat().st_mtime
    os.utime(mo, (po_time - 60, po_time - 60) if older else (po_time + 60, po_time + 60))


def _login_page(client) -> str:
    html = client.get("/login").get_data(as_text=True)
    assert re.search(r'<html[^>]*\blang="zh-CN"', html)
    return html


def test_without_a_compiled_catalogue_the_pages_are_chinese(client, translations):
    html = _login_page(client)
    assert "登录" in html and ">Log in<" not in html
    assert not list(translations.rglob("*.mo"))  # compiled in memory: a read-only checkout works too


@pytest.fixture
def stale(translations):
    _mo_saying(translations, "旧的登录词", older=True)


def test_a_catalogue_older_than_its_po_is_not_used(stale, client):
    html = _login_page(client)
    assert "登录" in html and "旧的登录词" not in html


@pytest.fixture
def current(translations):
    _mo_saying(translations, "编好的登录词", older=False)


def test_a_current_compiled_catalogue_is_used(current, client):
    assert "编好的登录词" in _login_page(client)
