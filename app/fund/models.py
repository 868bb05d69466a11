"""The community's fund (公益基金 and earmarked funds such as 助餐补贴) on a double-entry ledger in whole fen (分).

Every movement is a `LedgerTransaction` with two or more `LedgerLine`s whose amounts sum to zero: a positive amount
is a debit, a negative one a credit. A fund account's balance is the sum of its lines (money in it); an income
account's lines are credits (where money came from), an expense account's debits (what it was spent on). Posted
entries are never changed or deleted: a correction, a refund or a donation withdrawn is a reversing transaction
(`reverses_id`), once. The database holds these rules too (migration 0020: triggers), not only the service, and
keeps each account's total per month (`LedgerMonthTotal`) from the lines as they are inserted.

Donations and expenses keep what people need besides the amounts (the donor, the receipt's number, the purpose,
the approval); their money is in the ledger, never in counters.
"""
import logging
from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, DateTime, ForeignKey, Index, Integer, String, event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from app.core.extensions import db
from tenants.clock import utcnow
from tenants.scoping import TenantScoped, tenant_fk

logger = logging.getLogger(__name__)

ACCOUNT_KINDS = ("fund", "income", "expense")
# Income sources and expense categories are accounts of their own (codes "income.<source>", "expense.<category>").
SOURCES = ("government", "donation", "other")
CATEGORIES = ("activity", "relief", "award", "meals", "office", "other")  # 活动 慰问 奖励 助餐 办公 其他
TRANSACTION_KINDS = ("income", "donation", "expense", "reversal")
DONOR_KINDS = ("unit", "person")
# proposed → (voting: a council ballot above the threshold) → approved → paid → refunded; or rejected / withdrawn.
EXPENSE_STATUSES = ("proposed", "voting", "approved", "paid", "refunded", "rejected", "withdrawn")


class FundAccount(TenantScoped, db.Model):
    __tablename__ = "fund_accounts"
    __tenant_table_args__ = (Index("uq_fund_accounts_code", "community_id", "code", unique=True),)
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40))  # "public", "meals", "earmarked.<n>", "income.government", …
    kind: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class LedgerTransaction(TenantScoped, db.Model):
    __tablename__ = "ledger_transactions"
    __tenant_table_args__ = (
        tenant_fk(["reverses_id"], "ledger_transactions", ondelete=None),
        Index("ix_ledger_transactions_booked", "community_id", "booked_on", "id"),
        # A transaction is reversed once at most (the database refuses a second reversal that raced).
        Index("uq_ledger_transactions_reverses", "reverses_id", unique=True),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    memo: Mapped[str] = mapped_column(String(300), default="")
    counterparty: Mapped[str] = mapped_column(String(200), default="")  # who paid or was paid (the public sees it)
    booked_on: Mapped[date] = mapped_column(Date)
    reverses_id: Mapped[int | None] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    lines: Mapped[list["LedgerLine"]] = relationship(lazy="selectin", order_by="LedgerLine.id")


class LedgerLine(TenantScoped, db.Model):
    __tablename__ = "ledger_lines"
    __tenant_table_args__ = (
        tenant_fk(["transaction_id"], "ledger_transactions", ondelete=None),
        tenant_fk(["account_id"], "fund_accounts", ondelete=None),
        # An account's lines (the entries' list by account; the cross-checks of the month totals).
        Index("ix_ledger_lines_balance", "community_id", "account_id", "month", "amount_fen"),
        Index("ix_ledger_lines_transaction", "community_id", "transaction_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    transaction_id: Mapped[int] = mapped_column(Integer)
    account_id: Mapped[int] = mapped_column(Integer)
    amount_fen: Mapped[int] = mapped_column(BigInteger)  # debit > 0, credit < 0, never 0 (CHECK)
    month: Mapped[int] = mapped_column(Integer)  # the booking's year and month, 202612: balances by month


class LedgerMonthTotal(TenantScoped, db.Model):
    """The sum of an account's lines in a month: what the balances read (a handful of rows per account, however
    many lines). Kept by the database alone, in the transaction that inserts the lines (a trigger on ledger_lines,
    migration 0020); the ORM never writes it, and the database refuses a direct change. Lines are never changed
    or deleted, so a total cannot drift from its lines."""

    __tablename__ = "ledger_month_totals"
    __tenant_table_args__ = (
        tenant_fk(["account_id"], "fund_accounts", ondelete=None),
        Index("uq_ledger_month_totals", "community_id", "account_id", "month", unique=True),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(Integer)  # 202612, as the lines'
    amount_fen: Mapped[int] = mapped_column(BigInteger)


class Donation(TenantScoped, db.Model):
    __tablename__ = "fund_donations"
    __tenant_table_args__ = (
        tenant_fk(["unit_id"], "units", ondelete=None),
        tenant_fk(["account_id"], "fund_accounts", ondelete=None),
        tenant_fk(["transaction_id"], "ledger_transactions", ondelete=None),
        Index("uq_fund_donations_receipt", "community_id", "receipt_no", unique=True),
        Index("ix_fund_donations_unit", "community_id", "unit_id", "received_on"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    donor_kind: Mapped[str] = mapped_column(String(10))
    unit_id: Mapped[int | None] = mapped_column(Integer)
    donor_name: Mapped[str] = mapped_column(String(200))  # kept for the receipt even when shown as anonymous
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    account_id: Mapped[int] = mapped_column(Integer)
    received_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(300), default="")
    receipt_no: Mapped[str] = mapped_column(String(30))
    transaction_id: Mapped[int] = mapped_column(Integer, unique=True)
    reversed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Expense(TenantScoped, db.Model):
    __tablename__ = "fund_expenses"
    __tenant_table_args__ = (
        tenant_fk(["account_id"], "fund_accounts", ondelete=None),
        tenant_fk(["paid_transaction_id"], "ledger_transactions", ondelete=None),
        tenant_fk(["refund_transaction_id"], "ledger_transactions", ondelete=None),
        Index("ix_fund_expenses_status", "community_id", "status", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(Integer)  # the fund it is paid from
    category: Mapped[str] = mapped_column(String(20))
    purpose: Mapped[str] = mapped_column(String(300))
    payee: Mapped[str] = mapped_column(String(200))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    spent_on: Mapped[date] = mapped_column(Date)
    link_type: Mapped[str | None] = mapped_column(String(20))  # a registered kind (app/fund/links.py)
    link_id: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="proposed")
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_note: Mapped[str] = mapped_column(String(500), default="")
    ballot_id: Mapped[int | None] = mapped_column(ForeignKey("ballots.id", ondelete="SET NULL"))
    paid_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    paid_transaction_id: Mapped[int | None] = mapped_column(Integer)
    refund_transaction_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class FundSettings(TenantScoped, db.Model):
    """The community's rules for its fund; without a row, the defaults (a ballot above 2000 yuan, 5 days)."""

    __tablename__ = "fund_settings"
    __tenant_table_args__ = (Index("uq_fund_settings_community", "community_id", unique=True),)
    id: Mapped[int] = mapped_column(primary_key=True)
    ballot_threshold_fen: Mapped[int] = mapped_column(BigInteger, default=200000)
    ballot_days: Mapped[int] = mapped_column(Integer, default=5)
    receipt_prefix: Mapped[str] = mapped_column(String(10), default="JZ")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class PostedEntryChanged(RuntimeError):
    """A posted ledger entry was about to be changed or deleted (a bug: corrections are reversing entries)."""


class MonthTotalWritten(RuntimeError):
    """The ORM was about to write a month's total (a bug: the database keeps them from the lines)."""


@event.listens_for(Session, "before_flush")
def _posted_entries_stay(session, flush_context, instances) -> None:
    """The ORM's wall (the database has its own): a posted transaction or line is never updated or deleted, and
    a month's total is never written by the ORM at all."""
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, LedgerMonthTotal):
            raise MonthTotalWritten("ledger_month_totals are kept by the database from the lines")
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, LedgerTransaction | LedgerLine) and (obj in session.deleted or session.is_modified(obj)):
            raise PostedEntryChanged(f"{type(obj).__name__} {obj.id} is posted: post a reversing entry instead")
