"""Match schemas shared by the pages and the API: an offer chosen for a need, a rating, declining a
proposal, the batch assignment."""
import logging

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.core.fields import Id, Text
from app.core.kinds import KINDS, MEAL_SLOTS

logger = logging.getLogger(__name__)


class OfferChoice(Schema):
    """The offer chosen on a need's page: to propose it, or to refer the need to a neighbour's shared offer."""

    offer_id = Id(required=True, error_messages={"required": _l("Choose an offer.")})


class RatingIn(Schema):
    """A rating of the delivered service (the need page, and the match API)."""

    rating = fields.Integer(required=True, validate=validate.Range(min=1, max=5, error=_l("Choose from 1 to 5 stars.")),
                            error_messages={"required": _l("Choose from 1 to 5 stars."),
                                            "invalid": _l("Choose from 1 to 5 stars.")})
    comment = Text(load_default="", max_length=1000, multiline=True)


class DeclineIn(Schema):
    note = Text(load_default="", max_length=500, multiline=True)


class BatchIn(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    day = fields.Date(required=True)
    slot = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(MEAL_SLOTS))
    apply = fields.Boolean(load_default=False, metadata={"description": "true: propose the optimal plan"})


class BatchForm(BatchIn):
    """The batch page's query (and, posted, its "propose them" button): a meal needs its slot."""

    kind = fields.String(required=True, validate=validate.OneOf(KINDS, error=_l("Choose a kind.")),
                         error_messages={"required": _l("Choose a kind.")})
    day = fields.Date(required=True, error_messages={"required": _l("Give the day as YYYY-MM-DD."),
                                                     "invalid": _l("Give the day as YYYY-MM-DD.")})
    slot = fields.String(load_default=None, allow_none=True,
                         validate=validate.OneOf(MEAL_SLOTS, error=_l("Choose breakfast, lunch or dinner.")))

    @validates_schema(skip_on_field_errors=False)
    def _meal_slot(self, data, **kwargs):
        if data.get("kind") == "meal" and "slot" in data and data["slot"] is None:  # an invalid slot is not in data
            raise ValidationError({"slot": [_("Choose breakfast, lunch or dinner.")]})
