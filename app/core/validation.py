"""A service's way of saying which fields are wrong; pages show them per field, the API as 422."""
import logging

logger = logging.getLogger(__name__)


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
