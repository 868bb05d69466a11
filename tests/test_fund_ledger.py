"""The fund's ledger: every transaction sums to zero, balances are the sums of their lines and the database's month
totals the lines' sums per account and month, a reversal restores the balance — over random histories of income,
donations, expenses, refunds and corrections (hypothesis); an unbalanced transaction is refused by the service and
by the database; a posted entry is never changed, nor a month's total but by the database itself."""
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text
from sqlalchemy.exc import DatabaseError

from app.core.extensions import db
from app.core.validation import Conflict, ValidationFailed
from app.fund import ledger
from app.fund import services as fund
from app.fund.models import LedgerLine, LedgerMonthTotal, LedgerTransaction, MonthTotalWritten, PostedEntryChanged
from tenants.context import tenant_context
from tests.factories import CommunityFactory, member


@pytest.fixture
def cashbook(app, clock):
    clock(2026, 11, 30, 10)
    community = CommunityFactory(slug="cash", name="柳荫社区")
    first = member(community, "admin", "coordinator", name="陈晓燕")
    second = member(community, "coordinator", name="李建国")
    with tenant_context(community.id):
        accounts = ledger.accounts()
        db.session.commit()
        yield {"community": community, "first": first.id, "second": second.id,
               "public": accounts["public"].id, "meals": accounts["meals"].id}


def _lines_by_account_and_month() -> dict[tuple[int, int], int]:
    return {(a, m): int(v) for a, m, v in db.session.execute(
        select(LedgerLine.account_id, LedgerLine.month, func.sum(LedgerLine.amount_fen))
        .group_by(LedgerLine.account_id, LedgerLine.month))}


def _month_totals() -> dict[tuple[int, int], int]:
    return {(a, m): v for a, m, v in db.session.execute(
        select(LedgerMonthTotal.account_id, LedgerMonthTotal.month, LedgerMonthTotal.amount_fen))}


def _sums_are_zero_and_balances_match():
    db.session.expire_all()
    assert set(fund.line_sums_by_transaction().values()) <= {0}
    by_month = _lines_by_account_and_month()
    assert _month_totals() == by_month  # the database's totals are the lines' sums, month by month
    direct = dict(db.session.execute(select(LedgerLine.account_id, func.sum(LedgerLine.amount_fen))
                                     .group_by(LedgerLine.account_id)).all())
    assert ledger.balances() == {a: int(v) for a, v in direct.items()}
    assert ledger.monthly(2026) == {(a, m % 100): v for (a, m), v in by_month.items() if m // 100 == 2026}
    assert sum(ledger.balances().values()) == 0  # double entry: the whole ledger nets to nothing


MONTHS = [date(2025, 12, 15), *(date(2026, m, 3) for m in range(1, 12)), date(2026, 11, 30)]
STEPS = st.lists(st.tuples(st.sampled_from(["allocation", "donation", "expense", "refund", "reverse"]),
                           st.integers(min_value=1, max_value=5_000_00), st.booleans(), st.sampled_from(MONTHS)),
                 min_size=1, max_size=12)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
def test_random_histories_keep_every_transaction_balanced_and_reversals_restore(cashbook, steps):
    with tenant_context(cashbook["community"].id):
        db.session.execute(text("SAVEPOINT history"))  # each example starts from the same empty ledger
        try:
            posted, paid = [], []
            for kind, fen, flag, day in steps:  # booked on `day` (a month of the year, or the one before)
                account = cashbook["public"] if flag else cashbook["meals"]
                before = ledger.balances()
                if kind == "allocation":
                    posted.append(fund.record_income(source="government", account_id=account, amount_fen=fen,
                                                     received_on=day, payer="T街道办事处",
                                                     actor_id=cashbook["first"]))
                elif kind == "donation":
                    posted.append(db.session.get(LedgerTransaction, fund.record_donation(
                        donor_kind="person", donor_name="王先生", anonymous=flag, amount_fen=fen,
                        account_id=account, received_on=day, actor_id=cashbook["first"]).transaction_id))
                elif kind == "expense":
                    expense = fund.propose_expense(account_id=account, category="activity", purpose="庙会",
                                                   payee="文化站", amount_fen=min(fen, 2000_00),
                                                   actor_id=cashbook["first"])
                    fund.approve_expense(expense, actor_id=cashbook["second"])
                    if ledger.balances([account]).get(account, 0) >= expense.amount_fen:
                        paid.append(fund.pay_expense(expense, actor_id=cashbook["second"], paid_on=day))
                elif kind == "refund" and paid:
                    expense = paid.pop()
                    fund.refund_expense(expense, actor_id=cashbook["first"], reason="退款")
                    assert ledger.balances()[expense.account_id] == \
                        before.get(expense.account_id, 0) + expense.amount_fen  # the money is back in the fund
                elif kind == "reverse" and posted:
                    tx = posted.pop()
                    fund.reverse_entry(tx, reason="录入错误", actor_id=cashbook["first"])
                    moved = {line.account_id: line.amount_fen for line in tx.lines}
                    after = ledger.balances()
                    for account_id, fen_moved in moved.items():
                        assert after.get(account_id, 0) == before.get(account_id, 0) - fen_moved
                _sums_are_zero_and_balances_match()
        finally:
            db.session.execute(text("ROLLBACK TO SAVEPOINT history"))
            db.session.expire_all()


def test_an_unbalanced_transaction_is_refused_by_the_service_with_a_message(cashbook):
    with tenant_context(cashbook["community"].id):
        with pytest.raises(ValidationFailed) as refused:
            ledger.post("income", [(cashbook["public"], 100), (cashbook["meals"], -99)])
        assert "lines" in refused.value.fields
        with pytest.raises(ValidationFailed):
            ledger.post("income", [(cashbook["public"], 100)])
        assert db.session.execute(select(func.count()).select_from(LedgerTransaction)).scalar_one() == 0


def test_an_unbalanced_transaction_written_around_the_service_is_refused_by_the_database(cashbook):
    with tenant_context(cashbook["community"].id):
        cid = cashbook["community"].id
        tx = LedgerTransaction(kind="income", memo="", counterparty="", booked_on=date(2026, 11, 30))
        db.session.add(tx)
        db.session.flush()
        db.session.execute(text("INSERT INTO ledger_lines (community_id, transaction_id, account_id, amount_fen, "
                                "month) VALUES (:c, :t, :a, 500, 202611), (:c, :t, :b, -400, 202611)"),
                           {"c": cid, "t": tx.id, "a": cashbook["public"], "b": cashbook["meals"]})
        with pytest.raises(DatabaseError):
            db.session.commit()  # checked at commit: the lines may come one by one before
        db.session.rollback()
        tx = LedgerTransaction(kind="income", memo="", counterparty="", booked_on=date(2026, 11, 30))
        db.session.add(tx)
        with pytest.raises(DatabaseError):
            db.session.commit()  # no lines at all
        db.session.rollback()
        assert db.session.execute(select(func.count()).select_from(LedgerTransaction)).scalar_one() == 0


def test_a_posted_entry_is_never_edited_or_deleted(cashbook):
    with tenant_context(cashbook["community"].id):
        tx = fund.record_income(source="government", account_id=cashbook["public"], amount_fen=10000_00,
                                payer="T街道办事处", actor_id=cashbook["first"])
        db.session.commit()
        line = tx.lines[0]
        line.amount_fen = 1
        with pytest.raises(PostedEntryChanged):
            db.session.flush()
        db.session.rollback()
        db.session.delete(db.session.get(LedgerTransaction, tx.id))
        with pytest.raises(PostedEntryChanged):
            db.session.flush()
        db.session.rollback()
        for statement in ("UPDATE ledger_lines SET amount_fen = amount_fen + 1",
                          "DELETE FROM ledger_lines", "UPDATE ledger_transactions SET memo = 'x'"):
            with pytest.raises(DatabaseError):
                db.session.execute(text(statement))
            db.session.rollback()
        assert ledger.balances()[cashbook["public"]] == 10000_00


def test_the_month_totals_follow_lines_written_around_the_service_and_are_never_changed_directly(cashbook):
    with tenant_context(cashbook["community"].id):
        cid, public, meals = cashbook["community"].id, cashbook["public"], cashbook["meals"]
        fund.record_income(source="government", account_id=public, amount_fen=800_00, payer="T街道办事处",
                           received_on=date(2026, 3, 2))
        tx = LedgerTransaction(kind="income", memo="", counterparty="", booked_on=date(2026, 3, 9))
        db.session.add(tx)
        db.session.flush()
        db.session.execute(text("INSERT INTO ledger_lines (community_id, transaction_id, account_id, amount_fen, "
                                "month) VALUES (:c, :t, :a, 500, 202603), (:c, :t, :b, -500, 202603)"),
                           {"c": cid, "t": tx.id, "a": public, "b": meals})
        db.session.commit()
        assert _month_totals()[(public, 202603)] == 800_00 + 500
        assert _month_totals() == _lines_by_account_and_month()
        for statement in ("UPDATE ledger_month_totals SET amount_fen = amount_fen + 1",
                          "UPDATE ledger_month_totals SET month = 202604",
                          "DELETE FROM ledger_month_totals",
                          "INSERT INTO ledger_month_totals (community_id, account_id, month, amount_fen) "
                          "VALUES (:c, :a, 202605, 100)"):
            with pytest.raises(DatabaseError):
                db.session.execute(text(statement), {"c": cid, "a": public})
            db.session.rollback()
        total = db.session.execute(select(LedgerMonthTotal)).scalars().first()
        total.amount_fen += 1
        with pytest.raises(MonthTotalWritten):
            db.session.flush()
        db.session.rollback()
        db.session.add(LedgerMonthTotal(account_id=public, month=202607, amount_fen=1))
        with pytest.raises(MonthTotalWritten):
            db.session.flush()
        db.session.rollback()
        assert _month_totals() == _lines_by_account_and_month()
        assert ledger.balances()[public] == 800_00 + 500


def test_a_correction_reverses_once_and_a_reversal_is_not_reversed(cashbook):
    with tenant_context(cashbook["community"].id):
        tx = fund.record_income(source="other", account_id=cashbook["public"], amount_fen=300_00,
                                payer="义卖", actor_id=cashbook["first"])
        reversal = fund.reverse_entry(tx, reason="重复录入", actor_id=cashbook["first"])
        assert ledger.balances().get(cashbook["public"], 0) == 0
        with pytest.raises(Conflict):
            fund.reverse_entry(tx, reason="再来一次", actor_id=cashbook["first"])
        with pytest.raises(Conflict):
            fund.reverse_entry(reversal, reason="撤销冲正", actor_id=cashbook["first"])
        db.session.commit()


def test_balances_by_month_come_from_one_query(cashbook, count_sql):
    with tenant_context(cashbook["community"].id):
        fund.record_income(source="government", account_id=cashbook["public"], amount_fen=5000_00,
                           received_on=date(2026, 3, 2), payer="T街道办事处")
        fund.record_income(source="government", account_id=cashbook["public"], amount_fen=2000_00,
                           received_on=date(2026, 11, 2), payer="T街道办事处")
        db.session.commit()
        with count_sql() as counted:
            months = ledger.monthly(2026, [cashbook["public"]])
        assert counted() == 1
        assert months == {(cashbook["public"], 3): 5000_00, (cashbook["public"], 11): 2000_00}
        assert ledger.balances(until=date(2026, 6, 30))[cashbook["public"]] == 5000_00
