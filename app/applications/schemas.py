"""What an application, its review steps and the admission rules accept, and what the API answers."""
import logging

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from app.accounts import services as accounts
from app.applications.models import STATUSES, THRESHOLDS, VETO_ACTIONS
from app.core.fields import EMAIL_RE, CreditCode, Length, MobilePhone, Text, UtcDateTime
from app.core.kinds import KINDS
from app.units.models import UNIT_TYPES

logger = logging.getLogger(__name__)

PASSWORD = {"as_typed": True}  # spaces around a password are part of it
EDITABLE = ("unit_name", "unit_type", "credit_code", "address", "contact_name", "contact_email", "offers", "needs",
            "motivation")


class ApplicationFields(Schema):
    """The unit and its contact, as the applicant gives them (the form and the API alike)."""

    unit_name = Text(required=True, min_length=1, max_length=100, strip=True,
                     metadata={"description": "the unit's registered name"})
    unit_type = fields.String(required=True, metadata={"enum": list(UNIT_TYPES)})
    credit_code = CreditCode(required=True)
    address = Text(required=True, min_length=1, max_length=200, strip=True)
    contact_name = Text(required=True, min_length=1, max_length=50, strip=True)
    contact_email = Text(load_default="", max_length=254, strip=True,
                         metadata={"description": "optional; the account's e-mail when a new account is made"})
    offers = fields.List(fields.String(validate=validate.OneOf(KINDS)), load_default=list,
                         validate=Length(max=len(KINDS)),
                         metadata={"description": "kinds of help the unit can offer (the docking's kinds)"})
    needs = Text(load_default="", max_length=2000, multiline=True, strip=True,
                 metadata={"description": "what the unit needs from the association"})
    motivation = Text(required=True, min_length=1, max_length=2000, multiline=True, strip=True,
                      metadata={"description": "why the unit wants to join"})

    @validates("unit_type")
    def _type(self, value, **kwargs):
        if value not in UNIT_TYPES:
            raise ValidationError(_("Choose the kind of unit."))

    @validates("contact_email")
    def _email(self, value, **kwargs):
        if value and not EMAIL_RE.match(value):
            raise ValidationError(_("Must be a valid e-mail address."))


class ApplicationIn(ApplicationFields):
    contact_mobile = MobilePhone(required=True, metadata={"description": "mainland mobile; the account's log-in"})
    consent = fields.Boolean(required=True, metadata={"description": "must be true: the applicant agrees to the "
                                                                     "association's use of these data"})
    password = fields.String(load_default="", validate=Length(max=200), load_only=True, metadata={
        **PASSWORD, "description": "a new account's password (not needed when the caller is logged in)"})
    website = fields.String(load_default="", validate=Length(max=500), load_only=True,
                            metadata={"description": "leave empty"})

    @validates("consent")
    def _consent(self, value, **kwargs):
        if value is not True:
            raise ValidationError(_("Tick the box to agree to how the association uses these data."))


class ApplicationForm(ApplicationIn):
    """The public page's form. For a visitor who is not logged in (`new_account`) the password is checked with
    the other fields, so that every mistake is told at once; the service checks it again."""

    def __init__(self, *args, new_account: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.new_account = new_account

    @validates_schema(skip_on_field_errors=False)
    def _password(self, data, **kwargs):
        if self.new_account and (problems := accounts.password_problems(data.get("password") or "")):
            raise ValidationError(problems, "password")


class ResubmitIn(ApplicationFields):
    """The applicant's completed application, after the council asked for more; only the fields given change."""

    note = Text(load_default="", max_length=1000, multiline=True, strip=True,
                metadata={"description": "what was added or changed, for the council"})

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("partial", True)
        super().__init__(*args, **kwargs)


class ResubmitForm(ResubmitIn):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("partial", False)
        super().__init__(*args, **kwargs)


class AskIn(Schema):
    message = Text(required=True, min_length=1, max_length=2000, multiline=True, strip=True,
                   metadata={"description": "what the council needs to know, as the applicant will read it"})


class RejectIn(Schema):
    reason = Text(required=True, min_length=1, max_length=2000, multiline=True, strip=True,
                  metadata={"description": "why, as the applicant will read it"})


class RulesIn(Schema):
    ballot_days = fields.Integer(required=True, validate=validate.Range(min=1, max=60),
                                 metadata={"description": "how many days the vote stays open"})
    quorum_pct = fields.Integer(required=True, validate=validate.Range(min=0, max=100),
                                metadata={"description": "share of the electorate that must take part, in %"})
    threshold = fields.String(required=True, validate=validate.OneOf(THRESHOLDS))
    secret = fields.Boolean(required=True)
    veto_limit = fields.Integer(required=True, validate=validate.Range(min=1, max=100),
                                metadata={"description": "distinct vetoes by representatives that stop an admission"})
    veto_action = fields.String(required=True, validate=validate.OneOf(VETO_ACTIONS),
                                metadata={"description": "return: back to the council; reject: rejected"})


class RulesOut(Schema):
    ballot_days = fields.Integer()
    quorum_pct = fields.Integer()
    threshold = fields.String(metadata={"enum": list(THRESHOLDS)})
    secret = fields.Boolean()
    veto_limit = fields.Integer()
    veto_action = fields.String(metadata={"enum": list(VETO_ACTIONS)})


def _id(value) -> str | None:
    return None if value is None else str(value)


class ApplicationOut(Schema):
    id = fields.Function(lambda a: str(a.id), required=True)
    unit_name = fields.String()
    unit_type = fields.String(metadata={"enum": list(UNIT_TYPES)})
    credit_code = fields.String()
    address = fields.String()
    contact_name = fields.String()
    contact_mobile = fields.String()
    contact_email = fields.String()
    offers = fields.List(fields.String(metadata={"enum": list(KINDS)}))
    needs = fields.String()
    motivation = fields.String()
    status = fields.String(metadata={"enum": list(STATUSES)})
    applicant_id = fields.Function(lambda a: _id(a.applicant_id), allow_none=True)
    reviewer_id = fields.Function(lambda a: _id(a.reviewer_id), allow_none=True)
    info_request = fields.String()
    decision_reason = fields.String()
    ballot_id = fields.Function(lambda a: _id(a.ballot_id), allow_none=True)
    unit_id = fields.Function(lambda a: _id(a.unit_id), allow_none=True)
    consent_at = UtcDateTime()
    submitted_at = UtcDateTime()
    decided_at = UtcDateTime(allow_none=True)


class ApplicationListArgs(Schema):
    status = fields.String(load_default=None, validate=validate.OneOf((*STATUSES, "waiting", "pending")))
    cursor = fields.String(load_default=None, validate=Length(max=500))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
