"""Two members pressing "approve" or "pay" on the same expense at once: it is approved once, paid once, and the
ledger holds one payment. Each thread has its own session and transaction (tests/concurrency.py), on SQLite and on
PostgreSQL."""
from collections import Counter

import pytest
from sqlalchemy import func, select

from app.core.extensions import db
from app.fund import ledger
from app.fund import services as fund
from app.fund.models import LedgerTransaction
from tenants.context import tenant_context
from tests.concurrency import in_threads
from tests.factories import CommunityFactory, member


@pytest.fixture
def till(app, clock):
    clock(2026, 11, 30, 10)
    community = CommunityFactory(slug="till", name="柳荫社区")
    staff = [member(community, "admin", "coordinator", name=f"工作人员{i}") for i in range(4)]
    with tenant_context(community.id):
        public = ledger.accounts()["public"].id
        fund.record_income(source="government", account_id=public, amount_fen=10000_00, payer="T街道办事处",
                           actor_id=staff[0].id)
        expense = fund.propose_expense(account_id=public, category="activity", purpose="庙会灯笼", payee="灯笼铺",
                                       amount_fen=1500_00, actor_id=staff[0].id)
        db.session.commit()
        yield {"community": community, "staff": [s.id for s in staff], "expense": expense.id, "public": public}


def _payments(till) -> int:
    with tenant_context(till["community"].id):
        db.session.expire_all()
        return db.session.execute(select(func.count()).select_from(LedgerTransaction)
                                  .where(LedgerTransaction.kind == "expense")).scalar_one()


def test_two_approvals_racing_approve_once_and_two_payments_racing_pay_once(app, till):
    approvals = in_threads(app, till["community"].id, lambda actor: fund.approve_expense(
        fund.get_expense(till["expense"]), actor_id=actor).status, till["staff"][1:3])
    assert Counter(approvals) == {"approved": 1, "already_decided": 1}, approvals

    payments = in_threads(app, till["community"].id, lambda actor: fund.pay_expense(
        fund.get_expense(till["expense"]), actor_id=actor).status, till["staff"][1:4])
    assert payments.count("paid") == 1, payments
    assert all(r in ("paid", "already_paid", "not_payable") for r in payments), payments
    assert _payments(till) == 1
    with tenant_context(till["community"].id):
        assert ledger.balances()[till["public"]] == 10000_00 - 1500_00
        assert set(fund.line_sums_by_transaction().values()) == {0}


def test_two_expenses_paid_at_once_from_a_fund_with_money_for_one_pay_one(app, till):
    with tenant_context(till["community"].id):
        fund.set_settings(ballot_threshold_fen=10000_00, ballot_days=5, actor_id=till["staff"][0])
        ids = []
        for purpose in ("庙会舞台", "庙会音响"):  # 6 000 yuan each from a fund of 10 000
            expense = fund.propose_expense(account_id=till["public"], category="activity", purpose=purpose,
                                           payee="文化站", amount_fen=6000_00, actor_id=till["staff"][0])
            fund.approve_expense(expense, actor_id=till["staff"][1])
            ids.append(expense.id)
        db.session.commit()
    results = in_threads(app, till["community"].id, lambda expense_id: fund.pay_expense(
        fund.get_expense(expense_id), actor_id=till["staff"][2]).status, ids)
    assert Counter(results) == {"paid": 1, "insufficient": 1}, results
    with tenant_context(till["community"].id):
        assert ledger.balances()[till["public"]] == 10000_00 - 6000_00
