"""Ballot schemas: what a free question, a vote, a veto and a paper vote accept, and what the API answers.

Tallies are never in `BallotOut`: they are in `BallotResultOut`, which the API answers only after closing."""
import logging

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from app.ballots.models import KINDS, STATUSES, SUBJECT_TYPES, THRESHOLDS
from app.ballots.vocabulary import option_label
from app.core.fields import Id, Length, Text, UtcDateTime, not_loaded
from tenants.clock import utcnow
from tenants.models import ROLES

logger = logging.getLogger(__name__)



class BallotIn(Schema):
    """A free question put to a vote by staff or the council (other domains create their ballots in code)."""

    title = Text(required=True, min_length=1, max_length=200, strip=True,
                 metadata={"description": "the question, e.g. 是否同意调整助餐价格？"})
    body = Text(load_default="", max_length=4000, multiline=True)
    kind = fields.String(load_default="yes_no", metadata={"enum": list(KINDS),
                         "description": "yes_no: 赞成/反对/弃权; choice: a list of options"})
    options = fields.List(Text(max_length=200, strip=True), load_default=list, validate=Length(max=20),
                          metadata={"description": "the options of a `choice` ballot"})
    max_choices = fields.Integer(load_default=1, validate=validate.Range(min=1, max=20))
    opens_at = UtcDateTime(load_default=None, allow_none=True,
                           metadata={"description": "empty: open now; later: stays a draft until then"})
    closes_at = UtcDateTime(required=True)
    quorum_pct = fields.Integer(load_default=50, metadata={"description": "share of the electorate that must "
                                                                           "take part, 0–100"})
    threshold = fields.String(load_default="majority", metadata={"enum": list(THRESHOLDS)})
    secret = fields.Boolean(load_default=False)
    veto_limit = fields.Integer(load_default=None, allow_none=True,
                                metadata={"description": "distinct representatives' vetoes that end it"})
    roles = fields.List(fields.String(), load_default=list,
                        metadata={"description": "roles that vote", "items": {"enum": list(ROLES)}})
    user_ids = fields.List(Id(), load_default=list, validate=Length(max=10000),
                           metadata={"description": "members who vote besides the roles"})

    @validates("quorum_pct")
    def _quorum(self, value, **kwargs):
        if not 0 <= value <= 100:
            raise ValidationError(_("The quorum is a share between 0 and 100 %."))

    @validates("kind")
    def _kind(self, value, **kwargs):
        if value not in KINDS:
            raise ValidationError(_("Choose yes / no / abstain, or a list of options."))

    @validates("threshold")
    def _threshold(self, value, **kwargs):
        if value not in THRESHOLDS:
            raise ValidationError(_("Choose a simple majority or two thirds."))

    @validates("roles")
    def _roles(self, value, **kwargs):
        if set(value) - set(ROLES):
            raise ValidationError(_("Unknown role."))

    @validates_schema(skip_on_field_errors=False, pass_original=True)
    def _across_fields(self, data, original_data=None, **kwargs):
        """The checks across fields, told with the fields' own problems in one answer (a wrong title and a missing
        list of options on the same submit), skipping what a field that did not load has told already."""
        errors: dict[str, list[str]] = {}
        if data.get("kind") == "choice" and not not_loaded(data, original_data, "options"):
            labels = option_lines(data.get("options"))
            if len(labels) < 2:
                errors["options"] = [_("Give at least two options.")]
            elif len(set(labels)) != len(labels):
                errors["options"] = [_("Two options say the same thing.")]
            elif not not_loaded(data, original_data, "max_choices") and data.get("max_choices", 1) > len(labels):
                errors["max_choices"] = [_("Between 1 and the number of options.")]
        if not not_loaded(data, original_data, "opens_at", "closes_at") and data.get("closes_at"):
            now = utcnow()
            opens = data.get("opens_at")
            if data["closes_at"] <= (opens if opens is not None and opens > now else now):
                errors["closes_at"] = [_("The ballot must close after it opens.")]
        if not not_loaded(data, original_data, "roles", "user_ids") and not data.get("roles") \
                and not data.get("user_ids"):
            errors["roles"] = [_("Choose who votes.")]
        if errors:
            raise ValidationError(errors)


class BallotForm(BallotIn):
    """The page's form: the options one per line in a text area."""

    options = Text(load_default="", max_length=4000, multiline=True)


def option_lines(options) -> list[str]:
    """The options as given: a list (the API), or one per line (the page's text area); blank ones left out."""
    if isinstance(options, str):
        options = options.splitlines()
    return [str(o).strip() for o in options or [] if str(o).strip()]


def service_arguments(data: dict) -> dict:
    """What BallotIn (or BallotForm) loaded, as `services.create` takes it."""
    options = option_lines(data.get("options"))
    return {"subject_type": "question", "subject_id": None, "title": data["title"], "body": data["body"],
            "kind": data["kind"], "options": options, "max_choices": data["max_choices"],
            "electorate": {"roles": data["roles"], "user_ids": data["user_ids"]}, "opens_at": data["opens_at"],
            "closes_at": data["closes_at"], "quorum_pct": data["quorum_pct"], "threshold": data["threshold"],
            "secret": data["secret"], "veto_limit": data["veto_limit"]}


class VoteIn(Schema):
    choices = fields.List(fields.String(validate=Length(max=20)), required=True,
                          validate=Length(min=1, max=20),
                          metadata={"description": "option keys: yes / no / abstain, or 1, 2, … of a list"})


class PaperVoteIn(VoteIn):
    voter_id = Id(required=True, metadata={"description": "the electorate member whose paper vote this is"})


class VetoIn(Schema):
    reason = Text(required=True, min_length=1, max_length=500, multiline=True, strip=True)


class BallotListArgs(Schema):
    status = fields.String(load_default=None, validate=validate.OneOf((*STATUSES, "waiting")))


class OptionOut(Schema):
    key = fields.String()
    label = fields.Function(lambda o: str(option_label(o.key, o.label)))


class MyPartOut(Schema):
    in_electorate = fields.Boolean()
    excluded_reason = fields.String(allow_none=True)
    voted = fields.Boolean()
    choices = fields.List(fields.String(), metadata={"description": "what I chose (open ballots only)"})
    vetoed = fields.Boolean()


class BallotOut(Schema):
    id = Id(required=True)
    subject_type = fields.String(metadata={"enum": list(SUBJECT_TYPES)})
    subject_id = Id(allow_none=True, metadata={"description": "the application, activity or commendation"})
    title = fields.String()
    body = fields.String()
    kind = fields.String()
    max_choices = fields.Integer()
    options = fields.List(fields.Nested(OptionOut))
    quorum_pct = fields.Integer()
    threshold = fields.String()
    secret = fields.Boolean()
    veto_limit = fields.Integer(allow_none=True)
    status = fields.String(metadata={"enum": list(STATUSES)})
    opens_at = UtcDateTime()
    closes_at = UtcDateTime()
    opened_at = UtcDateTime(allow_none=True)
    closed_at = UtcDateTime(allow_none=True)
    outcome = fields.String(allow_none=True, metadata={"description": "set once closed"})
    mine = fields.Nested(MyPartOut, allow_none=True, metadata={"description": "the caller's part in it"})


class TallyOut(Schema):
    key = fields.String()
    label = fields.Function(lambda t: str(option_label(t["key"], t["label"])))
    votes = fields.Integer()


class VoterChoicesOut(Schema):
    user_id = Id()
    name = fields.String()
    choices = fields.Function(lambda v: [c["key"] for c in v["choices"]],
                              metadata={"type": "array", "items": {"type": "string"}, "description": "option keys"})


class VetoOut(Schema):
    user_id = Id()
    name = fields.String()
    reason = fields.String()
    at = UtcDateTime()


class BallotResultOut(Schema):
    ballot_id = Id()
    outcome = fields.String()
    electorate = fields.Integer(metadata={"description": "voters who could vote (the excluded left out)"})
    excluded = fields.Integer()
    turnout = fields.Integer()
    turnout_pct = fields.Float()
    quorum_pct = fields.Integer()
    quorum_needed = fields.Integer()
    quorum_met = fields.Boolean()
    threshold = fields.String()
    vetoes = fields.List(fields.Nested(VetoOut))
    tallies = fields.List(fields.Nested(TallyOut), metadata={"description": "most votes first"})
    votes = fields.List(fields.Nested(VoterChoicesOut),
                        metadata={"description": "who voted what (open ballots; empty for a secret one)"})


class VoteOut(Schema):
    ballot_id = Id()
    voted = fields.Boolean()
    choices = fields.List(fields.String(), metadata={"description": "empty on a secret ballot"})


class VetoCountOut(Schema):
    ballot_id = Id()
    vetoes = fields.Integer()
    status = fields.String()
