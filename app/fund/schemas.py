"""The fund's schemas: what the pages and the API accept and the API answers. Money is typed in yuan ("1200.50",
"¥300"), loaded as whole fen; a fraction of a fen, a negative amount or zero is a field message. Ids are strings."""
import logging

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validate, validates

from app.core.fields import Id, Text, Yuan
from app.core.pagination import PageArgs
from app.fund.models import ACCOUNT_KINDS, CATEGORIES, DONOR_KINDS, EXPENSE_STATUSES, TRANSACTION_KINDS

logger = logging.getLogger(__name__)


class Amount(Yuan):
    """An amount of money in yuan, above zero, at most two decimals (whole fen)."""

    @staticmethod
    def message() -> str:
        return _("Give the amount in yuan, above zero and with at most two decimals, for example 1200.50.")

    def _deserialize(self, value, attr, data, **kwargs) -> int:
        fen = super()._deserialize(value, attr, data, **kwargs)
        if fen <= 0:
            raise ValidationError(self.message())
        return fen


def _choice(values, message):
    return validate.OneOf(list(values), error=message)


class IncomeIn(Schema):
    source = fields.String(required=True, metadata={"enum": ["government", "other"]})
    account_id = Id(required=True, metadata={"description": "the fund it goes into"})
    amount_fen = Amount(required=True, data_key="amount", metadata={"description": "yuan, e.g. \"20000.00\""})
    received_on = fields.Date(load_default=None, allow_none=True, metadata={"description": "default: today"})
    payer = Text(required=True, min_length=1, max_length=200, strip=True,
                 metadata={"description": "who paid, e.g. T街道办事处"})
    memo = Text(load_default="", max_length=300, strip=True)

    @validates("source")
    def _source(self, value, **kwargs):
        if value not in ("government", "other"):
            raise ValidationError(_("Choose where the money comes from."))


class DonationIn(Schema):
    donor_kind = fields.String(required=True, metadata={"enum": list(DONOR_KINDS)})
    unit_id = Id(load_default=None, allow_none=True, metadata={"description": "the member unit that gives"})
    donor_name = Text(load_default="", max_length=200, strip=True, metadata={"description": "a person's name"})
    anonymous = fields.Boolean(load_default=False,
                               metadata={"description": "shown as 匿名捐赠 on the public pages"})
    amount_fen = Amount(required=True, data_key="amount")
    account_id = Id(required=True)
    received_on = fields.Date(load_default=None, allow_none=True)
    note = Text(load_default="", max_length=300, strip=True)

    @validates("donor_kind")
    def _kind(self, value, **kwargs):
        if value not in DONOR_KINDS:
            raise ValidationError(_("Say whether a unit or a person gives."))


class ExpenseIn(Schema):
    account_id = Id(required=True, metadata={"description": "the fund it is paid from"})
    category = fields.String(required=True, metadata={"enum": list(CATEGORIES)})
    purpose = Text(required=True, min_length=1, max_length=300, strip=True)
    payee = Text(required=True, min_length=1, max_length=200, strip=True)
    amount_fen = Amount(required=True, data_key="amount")
    spent_on = fields.Date(load_default=None, allow_none=True)
    link_type = fields.String(load_default=None, allow_none=True,
                              metadata={"description": "what it is for: activity, award, …"})
    link_id = Id(load_default=None, allow_none=True)

    @validates("category")
    def _category(self, value, **kwargs):
        if value not in CATEGORIES:
            raise ValidationError(_("Choose a category."))


class FundReasonIn(Schema):
    reason = Text(required=True, min_length=1, max_length=300, strip=True)


class PayIn(Schema):
    paid_on = fields.Date(load_default=None, allow_none=True, metadata={"description": "default: today"})


class FundSettingsIn(Schema):
    ballot_threshold_fen = Amount(required=True, data_key="ballot_threshold",
                                  metadata={"description": "yuan: above it the council decides by ballot"})
    ballot_days = fields.Integer(required=True, validate=validate.Range(
        min=1, max=30, error=_("A ballot lasts one to thirty days.")))


class FundIn(Schema):
    name = Text(required=True, min_length=1, max_length=100, strip=True)
    description = Text(load_default="", max_length=500, strip=True)


class TransactionQuery(PageArgs):
    account_id = Id(load_default=None, allow_none=True)
    year = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=2000, max=2100))


class FundYearQuery(Schema):
    year = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=2000, max=2100))


class ExpenseQuery(PageArgs):
    status = fields.String(load_default=None, allow_none=True, metadata={"enum": list(EXPENSE_STATUSES)})


def _yuan(fen) -> str:
    return f"{fen / 100:.2f}"


class AccountOut(Schema):
    id = Id()
    code = fields.String()
    kind = fields.String(metadata={"enum": list(ACCOUNT_KINDS)})
    name = fields.String()
    balance_fen = fields.Integer(metadata={"description": "debit positive: money in a fund"})
    balance = fields.Function(lambda a: _yuan(a.balance_fen), metadata={"type": "string"})


class LedgerLineOut(Schema):
    account_id = Id()
    amount_fen = fields.Integer(metadata={"description": "debit positive, credit negative"})


class TransactionOut(Schema):
    id = Id()
    kind = fields.String(metadata={"enum": list(TRANSACTION_KINDS)})
    booked_on = fields.Date()
    memo = fields.String()
    counterparty = fields.String()
    reverses_id = Id(allow_none=True)
    lines = fields.List(fields.Nested(LedgerLineOut))


class DonationOut(Schema):
    id = Id()
    donor_kind = fields.String(metadata={"enum": list(DONOR_KINDS)})
    unit_id = Id(allow_none=True)
    donor_name = fields.String()
    anonymous = fields.Boolean()
    amount_fen = fields.Integer()
    amount = fields.Function(lambda d: _yuan(d.amount_fen), metadata={"type": "string"})
    account_id = Id()
    received_on = fields.Date()
    note = fields.String()
    receipt_no = fields.String()
    transaction_id = Id()
    reversed = fields.Boolean()


class ExpenseOut(Schema):
    id = Id()
    account_id = Id()
    category = fields.String(metadata={"enum": list(CATEGORIES)})
    purpose = fields.String()
    payee = fields.String()
    amount_fen = fields.Integer()
    amount = fields.Function(lambda e: _yuan(e.amount_fen), metadata={"type": "string"})
    spent_on = fields.Date()
    link_type = fields.String(allow_none=True)
    link_id = Id(allow_none=True)
    status = fields.String(metadata={"enum": list(EXPENSE_STATUSES)})
    proposed_by_id = Id(allow_none=True)
    decided_by_id = Id(allow_none=True)
    decision_note = fields.String()
    ballot_id = Id(allow_none=True)
    paid_transaction_id = Id(allow_none=True)
    refund_transaction_id = Id(allow_none=True)


class BalancesOut(Schema):
    year = fields.Integer()
    balance_fen = fields.Integer(metadata={"description": "all funds together"})
    income_fen = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={"description": "by source"})
    spending_fen = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={"description": "by category"})
    months = fields.List(fields.Dict(), metadata={"description": "[{month, account_id, fen}] moved in the year"})
    accounts = fields.List(fields.Nested(AccountOut))
