"""Language: zh_CN first, en complete; the user's choice is remembered (account, else cookie)."""
import io
import logging
import os
import re
from functools import lru_cache
from pathlib import Path

from babel import support
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import current_app, g, has_request_context, request
from flask_babel import Domain, get_locale
from flask_babel import gettext as _
from flask_login import current_user

from app.core.extensions import babel

logger = logging.getLogger(__name__)

LANG_COOKIE = "huzhu_lang"
TEXT_COOKIE = "huzhu_text"


def normalize_locale(value: str | None) -> str | None:
    if not value:
        return None
    value = value.replace("-", "_").lower()
    if value.startswith("zh"):
        return "zh_CN"
    if value.startswith("en"):
        return "en"
    return None


def select_locale() -> str:
    if not has_request_context():  # CLI commands, jobs: service messages in the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    explicit = normalize_locale(request.args.get("lang"))
    if explicit:
        return explicit
    if getattr(current_user, "is_authenticated", False) and current_user.locale:
        return current_user.locale
    cookie = normalize_locale(request.cookies.get(LANG_COOKIE))
    if cookie:
        return cookie
    if request.path.startswith("/api/") and request.accept_languages:
        # API clients say what they want; pages default to Chinese.
        best = request.accept_languages.best_match(["zh_CN", "zh", "en"])
        return normalize_locale(best) or "zh_CN"
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    community = g.get("community")
    return community.timezone if community is not None else current_app.config["BABEL_DEFAULT_TIMEZONE"]


def large_text() -> bool:
    if getattr(current_user, "is_authenticated", False):
        return bool(current_user.large_text)
    return request.cookies.get(TEXT_COOKIE) == "large"


# marshmallow and webargs speak English; these patterns carry their messages into the user's language.
_PATTERNS = [
    (re.compile(r"^Missing data for required field\.$"), lambda m: _("This field is required.")),
    (re.compile(r"^Unknown field\.$"), lambda m: _("Unknown field.")),
    (re.compile(r"^Field may not be null\.$"), lambda m: _("This field may not be empty.")),
    (re.compile(r"^Not a valid string\.$"), lambda m: _("Must be text.")),
    (re.compile(r"^Not a valid integer\.$"), lambda m: _("Must be a whole number.")),
    (re.compile(r"^Not a valid number\.$"), lambda m: _("Must be a number.")),
    (re.compile(r"^Not a valid boolean\.$"), lambda m: _("Must be true or false.")),
    (re.compile(r"^Not a valid date\.$"), lambda m: _("Must be a date (YYYY-MM-DD).")),
    (re.compile(r"^Not a valid datetime\.$"), lambda m: _("Must be a date and time.")),
    (re.compile(r"^Not a valid email address\.$"), lambda m: _("Must be a valid e-mail address.")),
    (re.compile(r"^Not a valid list\.$"), lambda m: _("Must be a list.")),
    (re.compile(r"^Invalid input type\.$"), lambda m: _("Wrong type of value.")),
    (re.compile(r"^Invalid value\.$"), lambda m: _("Invalid value.")),
    (re.compile(r"^Shorter than minimum length (\d+)\.$"),
     lambda m: _("Too short: at least %(n)s characters.", n=m[1])),
    (re.compile(r"^Longer than maximum length (\d+)\.$"), lambda m: _("Too long: at most %(n)s characters.", n=m[1])),
    (re.compile(r"^Length must be between (\d+) and (\d+)\.$"),
     lambda m: _("Between %(a)s and %(b)s characters.", a=m[1], b=m[2])),
    (re.compile(r"^Must be one of: (.*)\.$"), lambda m: _("Must be one of: %(choices)s.", choices=m[1])),
    (re.compile(r"^Must be greater than or equal to (\S+) and less than or equal to (\S+)\.$"),
     lambda m: _("Must be between %(a)s and %(b)s.", a=m[1], b=m[2])),
    (re.compile(r"^Must be greater than or equal to (\S+)\.$"), lambda m: _("Must be at least %(a)s.", a=m[1])),
    (re.compile(r"^Must be less than or equal to (\S+)\.$"), lambda m: _("Must be at most %(a)s.", a=m[1])),
    (re.compile(r"^Invalid JSON body\.$"), lambda m: _("The body is not valid JSON.")),
    # app.core.fields.Length, when its English was kept (an import's problems are put into words when shown)
    (re.compile(r"^Too long: at most (\d+) characters\.$"), lambda m: _("Too long: at most %(n)s characters.", n=m[1])),
    (re.compile(r"^Too short: at least (\d+) characters\.$"),
     lambda m: _("Too short: at least %(n)s characters.", n=m[1])),
    (re.compile(r"^Choose at most (\d+)\.$"), lambda m: _("Choose at most %(n)s.", n=m[1])),
    (re.compile(r"^Choose at least (\d+)\.$"), lambda m: _("Choose at least %(n)s.", n=m[1])),
]


def translate_message(message: str) -> str:
    for pattern, render in _PATTERNS:
        match = pattern.match(message)
        if match:
            return render(match)
    return message


def translate_field_messages(messages, prefix: str = "") -> dict[str, list[str]]:
    """Flatten marshmallow's nested messages into {"field": [messages]} in the user's language."""
    flat: dict[str, list[str]] = {}
    if isinstance(messages, list):
        flat.setdefault(prefix or "_schema", []).extend(translate_message(str(m)) for m in messages)
        return flat
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            for field, items in translate_field_messages(value, name).items():
                flat.setdefault(field, []).extend(items)
        return flat
    flat.setdefault(prefix or "_schema", []).append(translate_message(str(messages)))
    return flat


@lru_cache(maxsize=16)
def _compiled(po_path: str, modified_ns: int) -> bytes:
    """The .po catalogue compiled as `pybabel compile -f` would (`make translations`), in memory."""
    with open(po_path, "rb") as f:
        catalog = read_po(f)
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=True)
    return out.getvalue()


def load_catalog(dirname: str, names: list[str], domain: str):
    """The first catalogue found for `names` under `dirname`: the compiled .mo when it is at least as new as
    its .po, else the .po compiled in memory. So a production install (`pip install -e .`, no `make
    translations`, a read-only checkout) and a checkout whose .po changed since the last compile speak Chinese
    with the current strings; nothing is written to disk."""
    for name in names:
        base = Path(dirname) / name / "LC_MESSAGES" / domain
        po, mo = base.with_suffix(".po"), base.with_suffix(".mo")
        po_stat = po.stat() if po.exists() else None
        if mo.exists() and (po_stat is None or mo.stat().st_mtime_ns >= po_stat.st_mtime_ns):
            with open(mo, "rb") as f:
                return support.Translations(f, domain=domain)
        if po_stat is not None:
            return support.Translations(io.BytesIO(_compiled(str(po), po_stat.st_mtime_ns)), domain=domain)
    return support.NullTranslations()


def _precompile(app) -> None:
    """At start-up: compile the catalogues whose .mo is missing or stale, so a broken .po fails here, not on the
    first page, and the log says why the .mo was not used."""
    domain = app.config.get("BABEL_DOMAIN", "messages")
    for dirname in app.config.get("BABEL_TRANSLATION_DIRECTORIES", "translations").split(";"):
        root = Path(dirname if os.path.isabs(dirname) else os.path.join(app.root_path, dirname))
        for po in sorted(root.glob(f"*/LC_MESSAGES/{domain}.po")):
            mo = po.with_suffix(".mo")
            if not mo.exists() or mo.stat().st_mtime_ns < po.stat().st_mtime_ns:
                _compiled(str(po), po.stat().st_mtime_ns)
                logger.info("%s is missing or older than its .po: using the .po, compiled in memory "
                            "(`make translations` writes the .mo)", mo)


class CatalogDomain(Domain):
    """The gettext domain, finding catalogs under the app's locale codes (zh_CN, en).

    Babel names zh_CN "zh_Hans_CN", for which gettext looks in zh_Hans_CN/ or zh/ and never in
    zh_CN/: without this, every page would silently stay in English. A missing or stale .mo is compiled from
    its .po in memory (`load_catalog`).
    """

    def get_translations(self):
        locale = get_locale()
        if locale is None:
            return support.NullTranslations()
        key = (str(locale), tuple(self.translation_directories))
        translations = self.cache.get(key)
        if translations is None:
            names = [name for name in (normalize_locale(str(locale)), str(locale)) if name]
            translations = support.Translations()
            for dirname in self.translation_directories:
                catalog = load_catalog(dirname, names, self.domain[0])
                translations.merge(catalog)
                if hasattr(catalog, "plural"):
                    translations.plural = catalog.plural  # merge() does not copy it
            self.cache[key] = translations
        return translations


def init_app(app) -> None:
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    babel.domain_instance = CatalogDomain(domain=app.config.get("BABEL_DOMAIN", "messages"))
    _precompile(app)
    app.jinja_env.globals["large_text"] = large_text
