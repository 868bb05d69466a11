"""Commendation schemas: what the pages and the API accept and the API answers (ids as strings)."""
import logging

from marshmallow import Schema, fields, validate

from app.commendations import services
from app.commendations.models import STATUSES
from app.core.fields import Id, Length, Text

logger = logging.getLogger(__name__)

FACTS = services.facts()


class CampaignIn(Schema):
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))
    category = Text(required=True, min_length=1, max_length=100, strip=True,
                    metadata={"description": "the award, e.g. 优秀会员单位 or 热心公益单位"})
    description = Text(load_default="", max_length=2000, multiline=True)
    awards = fields.Integer(load_default=3, validate=validate.Range(min=1, max=services.MAX_NOMINATIONS),
                            metadata={"description": "how many units are commended"})
    max_choices = fields.Integer(load_default=None, allow_none=True,
                                 validate=validate.Range(min=1, max=services.MAX_NOMINATIONS),
                                 metadata={"description": "each voter chooses at most this many (default: awards)"})


class CampaignPatch(Schema):
    awards = fields.Integer(required=True, validate=validate.Range(min=1, max=services.MAX_NOMINATIONS))
    max_choices = fields.Integer(required=True, validate=validate.Range(min=1, max=services.MAX_NOMINATIONS))
    description = Text(load_default=None, allow_none=True, max_length=2000, multiline=True)


# One weight per fact of the contribution record (0: the fact does not count).
WeightsIn = Schema.from_dict({key: fields.Float(load_default=0, validate=validate.Range(min=0, max=services.MAX_WEIGHT))
                              for key in FACTS}, name="WeightsIn")


class WeightsForm(WeightsIn):
    """The weights page: the formula, the number of awards and the choices per voter together."""

    awards = fields.Integer(required=True, validate=validate.Range(min=1, max=services.MAX_NOMINATIONS))
    max_choices = fields.Integer(required=True, validate=validate.Range(min=1, max=services.MAX_NOMINATIONS))


class WeightsBody(Schema):
    weights = fields.Nested(WeightsIn, required=True)


class NominationIn(Schema):
    unit_id = Id(required=True)
    citation = Text(required=True, min_length=1, max_length=1000, multiline=True, strip=True,
                    metadata={"description": "推荐理由: why the unit deserves the award"})


class CommendationBallotIn(Schema):
    days = fields.Integer(load_default=7, validate=validate.Range(min=1, max=30))
    secret = fields.Boolean(load_default=True)
    quorum_pct = fields.Integer(load_default=50, validate=validate.Range(min=0, max=100))


class CampaignQuery(Schema):
    year = fields.Integer(load_default=None, validate=validate.Range(min=2000, max=2100))
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))
    cursor = fields.String(load_default=None, validate=Length(max=500))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class CampaignOut(Schema):
    id = Id()
    year = fields.Integer()
    category = fields.String()
    description = fields.String()
    awards = fields.Integer()
    max_choices = fields.Integer()
    status = fields.String(metadata={"enum": list(STATUSES)})
    weights = fields.Dict(keys=fields.String(), values=fields.Float())
    formula = fields.Method("_formula")
    snapshot_at = fields.DateTime(allow_none=True)
    ballot_id = Id(allow_none=True)
    announced_at = fields.DateTime(allow_none=True)

    def _formula(self, campaign) -> str:
        return services.formula_text(campaign)


class ScoreOut(Schema):
    unit_id = Id()
    name = fields.String()
    facts = fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True))
    score = fields.Float()
    rank = fields.Integer()


class ScoresOut(Schema):
    formula = fields.String()
    weights = fields.Dict(keys=fields.String(), values=fields.Float())
    items = fields.List(fields.Nested(ScoreOut))


class SnapshotOut(Schema):
    taken_at = fields.String(allow_none=True)
    year = fields.Integer()
    units = fields.List(fields.Dict())


class NominationOut(Schema):
    id = Id()
    campaign_id = Id()
    unit_id = Id()
    citation = fields.String()
    nominated_by_id = Id(allow_none=True)
    created_at = fields.DateTime()


class AwardOut(Schema):
    id = Id()
    campaign_id = Id()
    unit_id = Id()
    unit_name = fields.String()
    rank = fields.Integer()
    votes = fields.Integer()
    score = fields.Float()
    tie_broken = fields.Boolean()
    citation = fields.String()
    number = fields.String()
    issued_on = fields.Date()
    verify_url = fields.Method("_verify")

    def _verify(self, award) -> str:
        return getattr(award, "verify_url", "")


class ResultOut(Schema):
    unit_id = Id()
    name = fields.String()
    votes = fields.Integer()
    score = fields.Float()
    rank = fields.Integer()
    awarded = fields.Boolean()
    tie_broken = fields.Boolean()
