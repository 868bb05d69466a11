"""The problems of an import's rows, put into words when shown.

A row's problems are kept as codes (and, for the schema's checks, the schema's English message) and put into
words when read: whoever opens a preview reads them in their own language, not in the uploader's.
"""
from flask_babel import gettext as _

from app.core.i18n import translate_message


def problem_text(problem) -> str:
    """One problem of a row in the reader's language."""
    if isinstance(problem, str):  # a preview stored before problems had codes
        return problem
    code = problem["code"]
    if code == "unknown_type":
        return _("Unknown unit type “%(value)s”.", value=problem["value"])
    if code == "unknown_status":
        return _("Unknown status “%(value)s”.", value=problem["value"])
    if code == "same_name_as_row":
        return _("Same name as row %(line)s.", line=problem["line"])
    if code == "already_registered":
        return _("A unit with this name is already registered in this community.")
    message = problem.get("message", "")
    translated = translate_message(message)
    return _(message) if translated == message and message else translated


def row_problems(row: dict) -> dict[str, list[str]]:
    """{field: [problems]} of a preview row, in the reader's language."""
    return {field: [problem_text(p) for p in problems] for field, problems in row["errors"].items()}
