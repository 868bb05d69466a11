"""A service's way of saying which fields are wrong; pages show them per field, the API as 422.

Also the rules for free text, written once: app.core.fields.Text applies them to the API's schemas,
`text_problems` to the services that check strings themselves (the pages' form posts go through those).
"""
import logging
import re

from flask_babel import gettext as _

logger = logging.getLogger(__name__)

# Control characters (Unicode category Cc: C0, DEL and C1). None belongs in a name or a title; a multi-line
# text keeps line breaks and tabs. Spreadsheets refuse most of them (openpyxl raises), screens show boxes.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_CONTROL_MULTILINE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class ValidationFailed(Exception):
    """Field-level errors from a service: {"field": ["message", ...]}; nothing was saved."""

    def __init__(self, fields: dict[str, list[str]], message: str | None = None):
        super().__init__(message or "; ".join(m for ms in fields.values() for m in ms))
        self.fields = fields
        self.message = message


class Conflict(Exception):
    """The change conflicts with the current state (409)."""

    def __init__(self, message: str, code: str = "conflict"):
        super().__init__(message)
        self.message = message
        self.code = code


def has_control_characters(text: str, *, multiline: bool = False) -> bool:
    """True when `text` holds a control character (a multi-line text may hold line breaks and tabs)."""
    return (_CONTROL_MULTILINE if multiline else _CONTROL).search(text) is not None


def control_characters_message() -> str:
    return _("Remove the invisible control characters (they often come along when text is copied and pasted).")


def text_problems(value: str | None, *, max_length: int | None = None, required: bool = False,
                  multiline: bool = False) -> list[str]:
    """What is wrong with a text a person typed (as the service will store it), in the user's language."""
    text = value or ""
    if required and not text.strip():
        return [_("This field is required.")]
    if max_length is not None and len(text) > max_length:
        return [_("Too long: at most %(n)s characters.", n=max_length)]
    if has_control_characters(text, multiline=multiline):
        return [control_characters_message()]
    return []


def check_text(field: str, value: str | None, *, max_length: int | None = None, required: bool = False,
               multiline: bool = False) -> str:
    """`value` when it passes `text_problems`; else ValidationFailed naming `field` (its message also says
    what is wrong, for pages that show a service's error as a whole)."""
    problems = text_problems(value, max_length=max_length, required=required, multiline=multiline)
    if problems:
        raise ValidationFailed({field: problems}, problems[0])
    return value or ""
