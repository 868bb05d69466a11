"""Yearly review schemas: what opening a review and a decision accept, and what the API answers."""
import logging

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validates

from app.core.fields import Text, UtcDateTime
from app.reviews.models import DECISIONS, REVIEW_STATUSES

logger = logging.getLogger(__name__)


class ReviewOpenIn(Schema):
    year = fields.Integer(required=True, strict=False,
                          metadata={"description": "the year reviewed, from 2000 to the current year", "example": 2026})


class DecisionIn(Schema):
    decision = fields.String(required=True, metadata={"enum": list(DECISIONS)})
    reason = Text(load_default="", max_length=500, multiline=True, strip=True,
                  metadata={"description": "why; required for warn and drop (the unit's representatives read it)"})

    @validates("decision")
    def _decision(self, value, **kwargs):
        if value not in DECISIONS:
            raise ValidationError(_("Choose keep, warn or drop."))


class FiguresOut(Schema):
    matches = fields.Integer(metadata={"description": "matches of its offers delivered in the year"})
    ratings = fields.Integer(metadata={"description": "how many of them were rated"})
    average_rating = fields.Float(allow_none=True, metadata={"description": "their average rating, 1–5"})
    meals = fields.Integer(metadata={"description": "meals its canteens served in the year"})
    offers = fields.Integer(metadata={"description": "offers published in the year, or still open in it"})
    venue_hours = fields.Float(metadata={"description": "hours its venues were lent (confirmed dates in the year)"})
    organised = fields.Integer(metadata={"description": "joint activities it organised, recorded in the year"})
    co_organised = fields.Integer(metadata={"description": "joint activities it co-organised, recorded in the year"})
    attended = fields.Integer(metadata={"description": "its people checked in at activities in the year"})


class ReviewEntryOut(Schema):
    id = fields.String(required=True)
    unit_id = fields.String()
    unit_name = fields.String(metadata={"description": "as it was when the review opened"})
    unit_type = fields.String()
    decision = fields.String(allow_none=True, metadata={"enum": list(DECISIONS), "description": "none while undecided"})
    reason = fields.String()
    decided_by_id = fields.String(allow_none=True)
    decided_at = UtcDateTime(allow_none=True)
    figures = fields.Nested(FiguresOut, metadata={"description": "live while the review is open; as stored when "
                                                                 "it closed afterwards"})
    flagged = fields.Boolean(metadata={"description": "nothing at all in the year (本年度无贡献)"})


class ReviewOut(Schema):
    id = fields.String(required=True)
    year = fields.Integer()
    status = fields.String(metadata={"enum": list(REVIEW_STATUSES)})
    opened_by_id = fields.String(allow_none=True)
    opened_at = UtcDateTime()
    closed_by_id = fields.String(allow_none=True)
    closed_at = UtcDateTime(allow_none=True)
    undecided = fields.Integer(metadata={"description": "units not decided yet"})


class ReviewDetailOut(ReviewOut):
    entries = fields.List(fields.Nested(ReviewEntryOut))
