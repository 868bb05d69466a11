"""Errors in the user's language: HTML pages for people, the CONTRACT.md JSON format on the API."""
import logging

from flask import jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError
from werkzeug.exceptions import HTTPException, InternalServerError

from app.core.extensions import db
from app.core.i18n import translate_field_messages
from app.core.validation import Conflict, ValidationFailed

logger = logging.getLogger(__name__)

_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
    409: "conflict", 413: "too_large", 415: "unsupported_media_type", 422: "invalid", 429: "too_many_requests",
    500: "server_error",
}


def default_message(status: int) -> str:
    messages = {
        400: _("The request could not be understood."),
        401: _("Please log in first."),
        403: _("You are not allowed to do this."),
        404: _("The page or object was not found."),
        405: _("This method is not allowed here."),
        409: _("This conflicts with the current state; reload and try again."),
        413: _("The upload is too large."),
        415: _("Unsupported content type."),
        422: _("Some fields are not valid."),
        429: _("Too many attempts; please wait a minute and try again."),
        500: _("Something went wrong on our side; please try again later."),
    }
    return messages.get(status, _("The request could not be completed."))


def wants_json() -> bool:
    return request.path.startswith("/api/")


def json_error(status: int, code: str | None = None, message: str | None = None, fields: dict | None = None):
    body = {"error": {"code": code or _CODES.get(status, "error"), "message": message or default_message(status),
                      "fields": fields or {}}}
    return jsonify(body), status


class ApiError(HTTPException):
    """An error with a machine code and optional field messages, raised from views and services."""

    def __init__(self, status: int, code: str, message: str | None = None, fields: dict | None = None):
        super().__init__(description=message)
        self.code = status
        self.error_code = code
        self.message = message
        self.fields = fields or {}


def _handle_http(exc: HTTPException):
    status = exc.code or 500
    code = getattr(exc, "error_code", None)
    message = getattr(exc, "message", None)
    fields = getattr(exc, "fields", None)
    data = getattr(exc, "data", None) or {}
    if isinstance(exc, CSRFError):
        code = "csrf_failed"
        message = _("The form has expired or is missing its security token; reload the page and try again.")
    if status == 413 and not message and request.max_content_length:
        message = _("The request is too large: at most %(mb)s MB.",
                    mb=f"{request.max_content_length / (1024 * 1024):.0f}")
    if "messages" in data:  # webargs/flask-smorest validation errors: {"json": {...}, "query": {...}}
        code = code or ("invalid" if status == 422 else "malformed")
        fields = {}
        for location_messages in data["messages"].values():
            fields.update(translate_field_messages(location_messages))
        if any(key == "_schema" for key in fields):
            message = message or "; ".join(fields["_schema"])
    if wants_json():
        response, status = json_error(status, code, message, fields)
        if status == 405 and getattr(exc, "valid_methods", None):
            response.headers["Allow"] = ", ".join(exc.valid_methods)
        return response, status
    return render_template("errors/error.html", status=status, message=message or default_message(status)), status


def _rollback() -> None:
    # A failed flush leaves the session unusable; the error page itself may still need the database.
    try:
        db.session.rollback()
    except Exception:  # the connection itself may be gone; the error page must still render
        logger.exception("rollback after an error failed")


def _handle_unexpected(exc: Exception):
    logger.exception("unhandled error")
    _rollback()
    return _handle_http(InternalServerError())


def _handle_unstorable(exc: Exception):
    """Input the database cannot store (lone surrogates, NUL characters, out-of-range numbers) is a 400."""
    logger.info("unstorable input: %s", exc)
    _rollback()
    return _handle_http(ApiError(400, "bad_request"))


def _handle_validation(exc: ValidationFailed):
    return _handle_http(ApiError(422, "invalid", exc.message or default_message(422), exc.fields))


def _handle_conflict(exc: Conflict):
    return _handle_http(ApiError(409, exc.code, exc.message))


def init_app(app) -> None:
    app.register_error_handler(HTTPException, _handle_http)
    app.register_error_handler(ValidationFailed, _handle_validation)
    app.register_error_handler(Conflict, _handle_conflict)
    app.register_error_handler(UnicodeError, _handle_unstorable)
    app.register_error_handler(DataError, _handle_unstorable)
    app.register_error_handler(Exception, _handle_unexpected)
