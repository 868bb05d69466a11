"""The contribution record as the API answers it: one row per unit with every fact of its year."""
import logging

from marshmallow import Schema, fields, validate

from app.contributions.services import SHOWN

logger = logging.getLogger(__name__)


class RecordArgs(Schema):
    year = fields.Integer(load_default=None, validate=validate.Range(min=2000, max=2100),
                          metadata={"description": "default: the community's current year"})


class RankedArgs(RecordArgs):
    sort = fields.String(load_default=None, validate=validate.OneOf(SHOWN),
                         metadata={"description": "rank by this fact (default: all facts in order)"})


class RecordOut(Schema):
    unit_id = fields.Function(lambda row: str(row["unit_id"]))
    unit_name = fields.Function(lambda row: row["name"])
    rank = fields.Integer(allow_none=True)
    year = fields.Integer()
    matches = fields.Function(lambda row: row["record"].matches, metadata={"description": "matches served"})
    ratings = fields.Function(lambda row: row["record"].ratings)
    average_rating = fields.Function(lambda row: row["record"].average_rating, allow_none=True)
    meals = fields.Function(lambda row: row["record"].meals)
    offers = fields.Function(lambda row: row["record"].offers)
    venue_hours = fields.Function(lambda row: row["record"].venue_hours)
    organised = fields.Function(lambda row: row["record"].organised)
    co_organised = fields.Function(lambda row: row["record"].co_organised)
    attended = fields.Function(lambda row: row["record"].attended)
    cases = fields.Function(lambda row: row["record"].cases,
                            metadata={"description": "published good cases naming the unit, dated in the year"})
    public_works = fields.Function(lambda row: row["record"].public_works, metadata={
        "description": "public works requests done in the year that the unit helped with"})


class RecordPage(Schema):
    year = fields.Integer()
    items = fields.List(fields.Nested(RecordOut))
    next_cursor = fields.String(allow_none=True)
