"""Finding a person or a unit by what a coordinator types into a picker: the start of the name (张三), the
pinyin initials (zsf for 张三丰), the start of the pinyin (zhang san) or the last four digits of the phone.

The initials, the whole pinyin and the phone tail are stored beside the name (`name_initials`, `name_pinyin`,
`phone_tail`, kept by the models whenever the name or phone is set) and compared byte-wise as a range
(`key >= 'zsf' AND key < 'zsf~'`), which a plain b-tree index on (community_id, key) answers on SQLite and
PostgreSQL alike (the columns use the "C" collation on PostgreSQL); a name in characters is found by its
start with LIKE. Any typed text is safe: LIKE wildcards are escaped, control characters dropped, overlong
text cut; the worst answer is an empty list.
"""
import logging
import re
import unicodedata

from marshmallow import Schema, fields
from sqlalchemy import String, and_, or_
from sqlalchemy.orm import validates

logger = logging.getLogger(__name__)

MAX_QUERY = 100  # characters of a search that are looked at; a longer one is cut, never refused
PICK_LIMIT = 20  # how many matches a picker shows at once
_KEY_END = "~"  # sorts after every character a key holds ([a-z0-9])
_ASCII_WORDS = re.compile(r"^[a-z ]+$")


class NameKeys:
    """A model whose `name` a picker finds: setting the name keeps `name_initials` and `name_pinyin`."""

    @validates("name")
    def _name_keys(self, _key, name):
        self.name_initials, self.name_pinyin = initials(name), pinyin(name)
        return name


class NameAndPhoneKeys(NameKeys):
    """The same, and the last four digits of `phone` in `phone_tail`."""

    @validates("phone")
    def _phone_keys(self, _key, phone):
        self.phone_tail = phone_tail(phone)
        return phone


def key_column(length: int) -> String:
    """A search key column: byte order on both databases, so a prefix is an index range."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")


def _words(name: str | None) -> list[str]:
    """The pinyin syllables of the Chinese characters and the words of anything else, lower-case ASCII."""
    if not name or not name.strip():
        return []
    # Imported here: its dictionaries take ~55 MB, which workers that never read names should not carry.
    from pypinyin import Style, lazy_pinyin

    words = []
    for chunk in lazy_pinyin(name.strip(), style=Style.NORMAL, errors="default"):
        words.extend(w for w in re.split(r"[^0-9a-z]+", unicodedata.normalize("NFKD", chunk).lower()) if w)
    return words


def initials(name: str | None) -> str:
    """zsf for 张三丰, al for "Anna Li", w2 for 王2: the first letter of every pinyin syllable or word."""
    return "".join(w[0] for w in _words(name))[:40]


def pinyin(name: str | None) -> str:
    """zhangsanfeng for 张三丰, annali for "Anna Li": the whole pinyin without spaces (zhang san finds it too)."""
    return "".join(_words(name))[:200]


def phone_tail(phone: str | None) -> str:
    """The last four digits of a phone number ("" without digits)."""
    digits = re.sub(r"\D", "", phone or "")
    return digits[-4:]


def clean_query(q: str | None) -> str:
    """What is searched for: spaces collapsed, control and invisible characters dropped, at most MAX_QUERY."""
    text = "".join(ch for ch in (q or "")[: MAX_QUERY * 4] if unicodedata.category(ch)[0] != "C" or ch == " ")
    return " ".join(text.split())[:MAX_QUERY]


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def starts_with(column, text: str):
    """column LIKE 'text%' with the wildcards of `text` taken literally."""
    return column.like(escape_like(text) + "%", escape="\\")


def key_prefix(column, text: str):
    """The keys that start with `text` (lower-case letters and digits), as an index range."""
    return and_(column >= text, column < text + _KEY_END)


def name_condition(q: str, *, name, name_initials, name_pinyin, phone=None, tail=None):
    """Where a row matches the typed text `q` (already cleaned), or None when nothing can match.

    Letters are looked up in the initials and the pinyin, digits in the phone tail (a whole number from its
    start): index ranges, which the databases combine. Anything else is the start of the name."""
    if not q:
        return None
    lower = q.lower()
    compact = lower.replace(" ", "")
    if compact.isdigit():
        conditions = [starts_with(name, q)]
        if tail is not None and len(compact) <= 4:
            conditions = [key_prefix(tail, compact)]
        elif phone is not None:
            conditions.append(starts_with(phone, compact))
        return or_(*conditions)
    if _ASCII_WORDS.match(lower):
        return or_(key_prefix(name_initials, compact), key_prefix(name_pinyin, compact))
    return starts_with(name, q)


# --- what a picker receives --------------------------------------------------------------------------

class PickArgs(Schema):
    q = fields.String(load_default="", metadata={
        "description": "the start of the name, the pinyin initials (zsf), the start of the pinyin (zhang san) "
                       "or the last four digits of the phone; any text is accepted"})


class PickItem(Schema):
    id = fields.String(required=True)
    label = fields.String(required=True, metadata={"description": "the name"})
    detail = fields.String(required=True, metadata={"description": "what tells two people of one name apart"})


class PickList(Schema):
    items = fields.List(fields.Nested(PickItem), required=True)
    more = fields.Boolean(required=True, metadata={"description": f"more than {PICK_LIMIT} matched: type more"})
