"""The request body limit of the pages and API routes that take photos: MAX_CONTENT_LENGTH (5 MB) holds for
every other route, while a form of photos may carry UPLOAD_MAX_FILES photos of UPLOAD_MAX_BYTES each plus its
text. A view says so with `@photos.accepts_uploads` (under its route decorator); the limit is raised before
the request's body is read (the CSRF check reads the form before the view runs), and a body over it answers
413 with the limit in words (app/core/errors.py)."""
import logging

from flask import current_app, request

logger = logging.getLogger(__name__)

MARGIN = 1024 * 1024  # the form's text fields and the multipart boundaries


def accepts_uploads(view):
    """Mark a view as one that takes photos: its requests may be as large as `upload_limit()`."""
    view.accepts_uploads = True
    return view


def upload_limit() -> int:
    config = current_app.config
    return config["UPLOAD_MAX_BYTES"] * config["UPLOAD_MAX_FILES"] + MARGIN


def raise_limit(endpoint: str | None, values: dict | None) -> None:
    """Before anything reads the body (a URL value preprocessor runs before every before_request hook)."""
    view = current_app.view_functions.get(endpoint) if endpoint else None
    if getattr(view, "accepts_uploads", False):
        request.max_content_length = upload_limit()
