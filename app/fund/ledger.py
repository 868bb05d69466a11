"""The double-entry ledger: accounts made on first use, posting a balanced transaction, reversing one (once),
and the balances (per account, or per account and month) read from the month totals the database keeps.

Amounts are whole fen (int). The service refuses an unbalanced transaction with a field message; the database
refuses it again at commit (migration 0020), so no other path can write one.
"""
import logging
from datetime import date

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.core.extensions import db
from app.core.pagination import keyset_page
from app.core.validation import Conflict, ValidationFailed
from app.fund.models import CATEGORIES, SOURCES, FundAccount, LedgerLine, LedgerMonthTotal, LedgerTransaction
from app.fund.vocabulary import CATEGORY_LABELS
from tenants import clock

logger = logging.getLogger(__name__)

MAX_LINE_FEN = 10**12  # ten thousand million yuan: beyond any community's fund, far inside BIGINT


def _default_accounts() -> list[tuple[str, str, str]]:
    """(code, kind, name) of the accounts every community starts with; names in Chinese, as stored data."""
    with force_locale("zh_CN"):
        return [("public", "fund", _("Public fund")), ("meals", "fund", _("Meal subsidy")),
                ("income.government", "income", _("Community service funds")),
                ("income.donation", "income", _("Donations")), ("income.other", "income", _("Other income")),
                *((f"expense.{c}", "expense", str(name)) for c, name in CATEGORY_LABELS.items())]


def existing_accounts() -> dict[str, FundAccount]:
    """The community's accounts by code as they are (one SELECT): what the pages that only read use, so that reading
    the fund (its public page, the report, the street's comparison, two at once) never writes."""
    return {a.code: a for a in db.session.execute(select(FundAccount).order_by(FundAccount.id)).scalars()}


def accounts() -> dict[str, FundAccount]:
    """The community's accounts by code, the defaults created on first use: for what writes to the ledger."""
    found = existing_accounts()
    missing = [(code, kind, name) for code, kind, name in _default_accounts() if code not in found]
    if missing:
        for code, kind, name in missing:
            found[code] = FundAccount(code=code, kind=kind, name=name, description="")
            db.session.add(found[code])
        db.session.flush()
    return found


def fund_accounts() -> list[FundAccount]:
    return [a for a in accounts().values() if a.kind == "fund"]


def income_account(source: str) -> FundAccount:
    assert source in SOURCES, source
    return accounts()[f"income.{source}"]


def expense_account(category: str) -> FundAccount:
    assert category in CATEGORIES, category
    return accounts()[f"expense.{category}"]


def get_account(account_id: int) -> FundAccount | None:
    return db.session.execute(select(FundAccount).where(FundAccount.id == account_id)).scalar_one_or_none()


def get_transaction(transaction_id: int) -> LedgerTransaction | None:
    return db.session.execute(
        select(LedgerTransaction).where(LedgerTransaction.id == transaction_id)).scalar_one_or_none()


def unbalanced_problems(lines: list[tuple[int, int]]) -> list[str]:
    problems = []
    if len(lines) < 2:
        problems.append(_("A transaction has at least two lines."))
    if any(not isinstance(fen, int) or isinstance(fen, bool) or fen == 0 or abs(fen) > MAX_LINE_FEN
           for _a, fen in lines):
        problems.append(_("Every line moves a whole number of fen, not zero."))
    elif sum(fen for _a, fen in lines) != 0:
        problems.append(_("The lines do not balance: debits and credits must be equal."))
    return problems


def post(kind: str, lines: list[tuple[int, int]], *, booked_on: date | None = None, memo: str = "",
         counterparty: str = "", actor_id: int | None = None, reverses_id: int | None = None) -> LedgerTransaction:
    """Post one transaction: `lines` are (account id, fen), debits positive; they must sum to zero."""
    if problems := unbalanced_problems(lines):
        raise ValidationFailed({"lines": problems})
    booked_on = booked_on or clock.today()
    month = booked_on.year * 100 + booked_on.month
    tx = LedgerTransaction(kind=kind, memo=memo, counterparty=counterparty, booked_on=booked_on,
                           reverses_id=reverses_id, created_by_id=actor_id,
                           lines=[LedgerLine(account_id=a, amount_fen=fen, month=month) for a, fen in lines])
    db.session.add(tx)
    db.session.flush()
    return tx


def reversal_of(tx: LedgerTransaction) -> LedgerTransaction | None:
    return db.session.execute(
        select(LedgerTransaction).where(LedgerTransaction.reverses_id == tx.id)).scalar_one_or_none()


def reverse(tx: LedgerTransaction, *, memo: str, actor_id: int | None,
            booked_on: date | None = None) -> LedgerTransaction:
    """The correction of a posted transaction: the same lines with opposite signs, booked today. A transaction is
    reversed once; a reversal itself is never reversed (post the entry again instead)."""
    if tx.kind == "reversal":
        raise Conflict(_("A reversal is not reversed again: record the entry anew instead."), code="reversal")
    if reversal_of(tx) is not None:
        raise Conflict(_("This entry is already reversed."), code="already_reversed")
    try:
        with db.session.begin_nested():  # two reversals racing: the unique index lets one in
            return post("reversal", [(line.account_id, -line.amount_fen) for line in tx.lines],
                        booked_on=booked_on, memo=memo, counterparty=tx.counterparty, actor_id=actor_id,
                        reverses_id=tx.id)
    except IntegrityError:
        raise Conflict(_("This entry is already reversed."), code="already_reversed") from None


def balances(account_ids=None, *, until: date | None = None) -> dict[int, int]:
    """Fen per account (all of the community's, or `account_ids`), up to the end of `until`'s month: the sums of
    the month totals (a handful of rows per account), which the database keeps equal to the lines'."""
    stmt = select(LedgerMonthTotal.account_id, func.sum(LedgerMonthTotal.amount_fen)).group_by(
        LedgerMonthTotal.account_id)
    if account_ids is not None:
        stmt = stmt.where(LedgerMonthTotal.account_id.in_(list(account_ids)))
    if until is not None:
        stmt = stmt.where(LedgerMonthTotal.month <= until.year * 100 + until.month)
    return {account_id: int(total) for account_id, total in db.session.execute(stmt)}


def monthly(year: int, account_ids=None) -> dict[tuple[int, int], int]:
    """Fen moved per (account, month 1–12) in the year: the year's month totals, one row each."""
    stmt = (select(LedgerMonthTotal.account_id, LedgerMonthTotal.month, LedgerMonthTotal.amount_fen)
            .where(LedgerMonthTotal.month.between(year * 100 + 1, year * 100 + 12)))
    if account_ids is not None:
        stmt = stmt.where(LedgerMonthTotal.account_id.in_(list(account_ids)))
    return {(a, m % 100): int(total) for a, m, total in db.session.execute(stmt)}


def page_transactions(*, cursor: str | None = None, limit: int = 50, account_id: int | None = None,
                      year: int | None = None):
    """Newest entered first; the lines come in one more query for the whole page (selectin)."""
    stmt = select(LedgerTransaction)
    if account_id is not None:
        stmt = stmt.where(LedgerTransaction.id.in_(
            select(LedgerLine.transaction_id).where(LedgerLine.account_id == account_id)))
    if year is not None:
        first, last = date(year, 1, 1), date(year, 12, 31)
        stmt = stmt.where(LedgerTransaction.booked_on.between(first, last))
    return keyset_page(stmt, [LedgerTransaction.id], cursor=cursor, limit=limit, descending=True)
