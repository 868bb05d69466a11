"""Council schemas: an appointment, the end of a term, a representative, and what the API answers."""
import logging

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.core.fields import Id, Text, UtcDateTime, not_loaded
from app.council.models import POSITIONS

logger = logging.getLogger(__name__)

DATE_MESSAGES = {"required": _l("Give the date as YYYY-MM-DD."), "invalid": _l("Give the date as YYYY-MM-DD.")}


class SeatIn(Schema):
    user_id = Id(required=True, metadata={"description": "the member (user id, as /members/search gives it)"},
                 error_messages={"required": _l("Choose the member.")})
    position = fields.String(required=True, metadata={"enum": list(POSITIONS)},
                             validate=validate.OneOf(POSITIONS, error=_l("Choose a position.")),
                             error_messages={"required": _l("Choose a position.")})
    term_start = fields.Date(required=True, error_messages=DATE_MESSAGES,
                             metadata={"description": "the first day of the term"})
    term_end = fields.Date(load_default=None, allow_none=True, error_messages=DATE_MESSAGES,
                           metadata={"description": "the last day of the term (none: until ended)"})
    note = Text(load_default="", max_length=200, strip=True,
                metadata={"description": "e.g. elected at the members' meeting of 2026-11-20"})

    @validates_schema(skip_on_field_errors=False, pass_original=True)
    def _term(self, data, original_data=None, **kwargs):
        if not_loaded(data, original_data, "term_start", "term_end"):
            return
        start, end = data.get("term_start"), data.get("term_end")
        if start and end and end <= start:
            raise ValidationError({"term_end": [_("The term must end after it starts.")]})


class SeatEndIn(Schema):
    note = Text(load_default="", max_length=200, strip=True, metadata={"description": "why the term ended"})


class CouncilRepresentativeIn(Schema):
    user_id = Id(required=True, metadata={"description": "the member (user id, as /members/search gives it)"},
                 error_messages={"required": _l("Choose the member.")})


class SeatOut(Schema):
    """A seat with the name of who holds it (no phone, no e-mail)."""

    id = fields.Function(lambda s: str(s.id), required=True)
    user_id = fields.Function(lambda s: str(s.user_id))
    name = fields.String(metadata={"description": "the member's name"})
    position = fields.String(metadata={"enum": list(POSITIONS)})
    position_label = fields.String(metadata={"description": "the position in the reader's language"})
    term_start = fields.Date()
    term_end = fields.Date(allow_none=True)
    ended_on = fields.Date(allow_none=True, metadata={"description": "the first day off the council, once ended"})
    current = fields.Boolean(metadata={"description": "the term includes today and was not ended"})
    note = fields.String()
    created_at = UtcDateTime()


class CouncilRepresentativeOut(Schema):
    id = fields.Function(lambda r: str(r["id"]), required=True, metadata={"description": "the member's user id"})
    name = fields.String()


class CouncilOut(Schema):
    items = fields.List(fields.Nested(SeatOut), required=True,
                        metadata={"description": "the current council (with `history`, every seat ever held)"})
    next_cursor = fields.String(allow_none=True, required=True)
    representatives = fields.List(fields.Nested(CouncilRepresentativeOut), required=True,
                                  metadata={"description": "the resident representatives (民意代表)"})


class CouncilArgs(Schema):
    history = fields.Boolean(load_default=False,
                             metadata={"description": "also the ended, lapsed and coming seats, newest first"})
