"""A year of the association's fund (issue 12): the street's allocation of community service funds (社区服务经费)
and the district's meal subsidy, the property company's donation with its receipt, a neighbour's named gift and
an anonymous one, the temple fair's (庙会) expenses — one of them refunded when the rain kept the sound system
packed — the Double Ninth visits, and a proposal for the winter visits waiting for the second signature.

Everything goes through the services, the coordinator proposing and the party secretary approving, each entry on
its own day; the whole year is skipped when the property company's donation is already there, so loading the demo
again changes nothing.
"""
import logging
from datetime import timedelta

from sqlalchemy import select

from app.core.extensions import db
from app.demo.data import PROPERTY
from app.fund import ledger
from app.fund import services as fund
from app.fund.models import Donation, Expense
from app.units.models import Unit
from tenants import clock

logger = logging.getLogger(__name__)

# (days ago, category, purpose, payee, yuan, refund reason or None)
EXPENSES = [
    (210, "activity", "春节庙会舞台搭建", "区第二文化馆", 1800, None),
    (210, "activity", "春节庙会音响租赁", "华声音响租赁部", 860, "庙会当天下雨，音响未使用，租赁方全额退款"),
    (209, "activity", "春节庙会宣传横幅和海报", "红星广告印刷店", 320, None),
    (208, "activity", "春节庙会志愿者午餐", "京华物业员工食堂", 1200, None),
    (120, "relief", "端午节慰问困难家庭（粽子、食用油）", "社区便民超市", 980, None),
    (45, "relief", "重阳节慰问高龄老人（牛奶、糕点）", "社区便民超市", 1500, None),
    (30, "office", "联合会办公用品", "文具店", 260, None),
]


def load(coordinator_id: int, approver_id: int) -> None:
    company = db.session.execute(select(Unit).where(Unit.name == PROPERTY[0])).scalar_one_or_none()
    if company is None or db.session.execute(select(Donation.id).where(Donation.unit_id == company.id)).first():
        return
    today = clock.today()
    accounts = ledger.accounts()
    public, meals = accounts["public"].id, accounts["meals"].id
    fund.record_income(source="government", account_id=public, amount_fen=30000_00, payer="T街道办事处",
                       received_on=today - timedelta(days=240), memo="本年度社区服务经费", actor_id=coordinator_id)
    fund.record_income(source="government", account_id=meals, amount_fen=12000_00, payer="区民政局",
                       received_on=today - timedelta(days=235), memo="养老助残餐桌助餐补贴", actor_id=coordinator_id)
    fund.record_donation(donor_kind="unit", unit_id=company.id, amount_fen=10000_00, account_id=public,
                         received_on=today - timedelta(days=220), note="支持春节庙会和重阳节慰问",
                         actor_id=coordinator_id)
    fund.record_donation(donor_kind="person", donor_name="王德明", amount_fen=500_00, account_id=public,
                         received_on=today - timedelta(days=150), actor_id=coordinator_id)
    fund.record_donation(donor_kind="person", donor_name="林女士", anonymous=True, amount_fen=2000_00,
                         account_id=public, received_on=today - timedelta(days=60), note="不愿留名",
                         actor_id=coordinator_id)
    fund.record_income(source="other", account_id=public, amount_fen=680_00, payer="庙会义卖摊位",
                       received_on=today - timedelta(days=209), memo="春节庙会义卖所得", actor_id=coordinator_id)
    for days, category, purpose, payee, yuan, refund in EXPENSES:
        expense = fund.propose_expense(account_id=public, category=category, purpose=purpose, payee=payee,
                                       amount_fen=yuan * 100, spent_on=today - timedelta(days=days),
                                       actor_id=coordinator_id)
        fund.approve_expense(expense, actor_id=approver_id)
        fund.pay_expense(expense, actor_id=approver_id, paid_on=today - timedelta(days=days))
        if refund:
            fund.refund_expense(expense, actor_id=coordinator_id, reason=refund)
    meal = fund.propose_expense(account_id=meals, category="meals", purpose="长者食堂助餐补贴（第三季度）",
                                payee="京华物业员工食堂", amount_fen=1800_00, spent_on=today - timedelta(days=20),
                                actor_id=coordinator_id)
    fund.approve_expense(meal, actor_id=approver_id)
    fund.pay_expense(meal, actor_id=approver_id)
    fund.propose_expense(account_id=public, category="relief", purpose="冬季慰问高龄老人：棉被二十床",
                         payee="社区便民超市", amount_fen=1600_00, actor_id=coordinator_id)
    db.session.flush()
    logger.info("demo fund: %s expenses", len(db.session.execute(select(Expense.id)).all()))
