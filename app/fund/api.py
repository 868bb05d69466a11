"""Fund API: /api/v1/c/<slug>/fund/… — the accounts with their balances, the balances by month, the ledger's
transactions (cursor-paged, newest first), income, donations (a receipt PDF each), expenses with their decision,
payment and refund, a correction (reversing entry), the settings and the year's statement (XLSX or PDF)."""
import logging

from flask_login import current_user
from flask_smorest import Blueprint

from app.core import pdf
from app.core.apidoc import collection_schema
from app.core.pagination import PageArgs
from app.core.spreadsheet import XLSX, xlsx_download
from app.fund import documents, ledger, schemas, services
from app.fund.models import Donation
from app.lifecycle import retry_when_locked
from app.permissions import can, found, require
from app.units import services as units
from tenants import clock
from tenants.web import current_community, tenant_routes

logger = logging.getLogger(__name__)

blp = tenant_routes(Blueprint("fund_api", __name__, url_prefix="/api/v1/c/<slug>/fund",
                              description="The fund (公益基金): a double-entry ledger in fen, income, donations with "
                                          "receipts, expenses decided by another member or the council, statements"))
TransactionPage = collection_schema(schemas.TransactionOut, "FundTransactionPage")
DonationPage = collection_schema(schemas.DonationOut, "FundDonationPage")
ExpensePage = collection_schema(schemas.ExpenseOut, "FundExpensePage")
AccountList = collection_schema(schemas.AccountOut, "FundAccountList")


def _with_balances(accounts):
    totals = ledger.balances()
    for account in accounts:
        account.balance_fen = totals.get(account.id, 0)
    return accounts


@blp.get("/accounts")
@blp.response(200, AccountList)
def list_accounts():
    """Every account (funds, income sources, expense categories) with its balance in fen; made on first use."""
    require("fund.view")
    return {"items": _with_balances(list(ledger.existing_accounts().values())), "next_cursor": None}


@blp.post("/accounts")
@blp.arguments(schemas.FundIn)
@blp.response(201, schemas.AccountOut)
def add_fund(args):
    """Add an earmarked fund of the community's own."""
    require("fund.settings")
    return _with_balances([services.add_fund(**args, actor_id=current_user.id)])[0]


@blp.get("/balances")
@blp.arguments(schemas.FundYearQuery, location="query")
@blp.response(200, schemas.BalancesOut)
def balances(args):
    """Balances now, and the year's income by source, spending by category and movements by month."""
    require("fund.view")
    year = args.get("year") or clock.today().year
    figures = services.overview(year)
    return {"year": year, "balance_fen": figures["balance"], "income_fen": figures["income"],
            "spending_fen": figures["spending"],
            "months": [{"account_id": str(a), "month": m, "fen": fen}
                       for (a, m), fen in sorted(ledger.monthly(year).items())],
            "accounts": _with_balances(list(ledger.existing_accounts().values()))}


@blp.get("/transactions")
@blp.arguments(schemas.TransactionQuery, location="query")
@blp.response(200, TransactionPage)
def list_transactions(args):
    """The ledger, newest first, each transaction with its lines (filters: an account, a year)."""
    require("fund.view")
    items, next_cursor = ledger.page_transactions(**args)
    return {"items": items, "next_cursor": next_cursor}


@blp.get("/transactions/<int:transaction_id>")
@blp.response(200, schemas.TransactionOut)
def get_transaction(transaction_id: int):
    require("fund.view")
    return found(ledger.get_transaction(transaction_id))


@blp.post("/transactions/<int:transaction_id>/reverse")
@blp.arguments(schemas.FundReasonIn)
@blp.response(201, schemas.TransactionOut)
@retry_when_locked
def reverse(args, transaction_id: int):
    """Correct a mistaken income or donation by its reversing entry (once; a reversal is not reversed: 409)."""
    tx = found(ledger.get_transaction(transaction_id), "fund.record")
    return services.reverse_entry(tx, reason=args["reason"], actor_id=current_user.id)


@blp.post("/income")
@blp.arguments(schemas.IncomeIn)
@blp.response(201, schemas.TransactionOut)
def record_income(args):
    """Money received: the street's allocation (source "government") or other income."""
    require("fund.record")
    return services.record_income(**args, actor_id=current_user.id)


@blp.get("/donations")
@blp.arguments(PageArgs, location="query")
@blp.response(200, DonationPage)
def list_donations(args):
    """Donations, newest first: all of them for the staff, a unit's own for its representatives."""
    require("fund.donations")
    mine = None if can("fund.record") else units.represented_unit_ids(current_user.id)
    items, next_cursor = services.page_donations(**args, unit_ids=mine)
    return {"items": items, "next_cursor": next_cursor}


@blp.post("/donations")
@blp.arguments(schemas.DonationIn)
@blp.response(201, schemas.DonationOut)
def record_donation(args):
    """Record a donation (a unit's or a person's; anonymous on request); the unit is told its receipt is ready."""
    require("fund.record")
    return services.record_donation(**args, actor_id=current_user.id)


def _donation(donation_id: int) -> Donation:
    return found(services.get_donation(donation_id), "fund.receipt")


@blp.get("/donations/<int:donation_id>")
@blp.response(200, schemas.DonationOut)
def get_donation(donation_id: int):
    return _donation(donation_id)


@blp.get("/donations/<int:donation_id>/receipt.pdf")
@blp.response(200, {"format": "binary", "type": "string"}, content_type="application/pdf")
def receipt(donation_id: int):
    """The donation's receipt (PDF, Chinese): number, donor, the amount in figures and in capitals."""
    donation = _donation(donation_id)
    return pdf.response(documents.receipt_pdf(donation, current_community()), f"{donation.receipt_no}.pdf")


@blp.get("/expenses")
@blp.arguments(schemas.ExpenseQuery, location="query")
@blp.response(200, ExpensePage)
def list_expenses(args):
    require("fund.view")
    items, next_cursor = services.page_expenses(**args)
    return {"items": items, "next_cursor": next_cursor}


@blp.post("/expenses")
@blp.arguments(schemas.ExpenseIn)
@blp.response(201, schemas.ExpenseOut)
def propose_expense(args):
    """Propose an expense; another member of the staff decides it, or the council by ballot above the threshold."""
    require("fund.propose")
    return services.propose_expense(**args, actor_id=current_user.id)


def _expense(expense_id: int, action: str = "fund.view"):
    return found(services.get_expense(expense_id), action)


@blp.get("/expenses/<int:expense_id>")
@blp.response(200, schemas.ExpenseOut)
def get_expense(expense_id: int):
    return _expense(expense_id)


@blp.post("/expenses/<int:expense_id>/approve")
@blp.response(200, schemas.ExpenseOut)
@retry_when_locked
def approve(expense_id: int):
    """Approve (never its proposer: 409; decided already: 409)."""
    return services.approve_expense(_expense(expense_id, "fund.decide"), actor_id=current_user.id)


@blp.post("/expenses/<int:expense_id>/reject")
@blp.arguments(schemas.FundReasonIn)
@blp.response(200, schemas.ExpenseOut)
@retry_when_locked
def reject(args, expense_id: int):
    return services.reject_expense(_expense(expense_id, "fund.decide"), actor_id=current_user.id,
                                   reason=args["reason"])


@blp.post("/expenses/<int:expense_id>/pay")
@blp.arguments(schemas.PayIn)
@blp.response(200, schemas.ExpenseOut)
@retry_when_locked
def pay(args, expense_id: int):
    """Pay an approved expense from its fund: once (a second payment: 409)."""
    return services.pay_expense(_expense(expense_id, "fund.pay"), actor_id=current_user.id, **args)


@blp.post("/expenses/<int:expense_id>/refund")
@blp.arguments(schemas.FundReasonIn)
@blp.response(200, schemas.ExpenseOut)
@retry_when_locked
def refund(args, expense_id: int):
    """The money came back: the payment's reversing entry (once)."""
    return services.refund_expense(_expense(expense_id, "fund.pay"), actor_id=current_user.id,
                                   reason=args["reason"])


@blp.get("/settings")
@blp.response(200, schemas.FundSettingsIn)
def get_settings():
    require("fund.view")
    return services.settings()


@blp.put("/settings")
@blp.arguments(schemas.FundSettingsIn)
@blp.response(200, schemas.FundSettingsIn)
def put_settings(args):
    require("fund.settings")
    return services.set_settings(**args, actor_id=current_user.id)


@blp.get("/statement.pdf")
@blp.arguments(schemas.FundYearQuery, location="query")
@blp.response(200, {"format": "binary", "type": "string"}, content_type="application/pdf")
def statement_pdf(args):
    """The year's statement (default: this year) as PDF: balances, income by source, spending, expenses paid."""
    require("fund.view")
    community, year = current_community(), args.get("year") or clock.today().year
    return pdf.response(documents.statement_pdf(year, community), f"{community.slug}-fund-{year}.pdf")


@blp.get("/statement.xlsx")
@blp.arguments(schemas.FundYearQuery, location="query")
@blp.response(200, {"format": "binary", "type": "string"}, content_type=XLSX)
def statement_xlsx(args):
    """The same as XLSX, with every entry of the year on a second sheet."""
    require("fund.view")
    community, year = current_community(), args.get("year") or clock.today().year
    return xlsx_download(documents.statement_xlsx(year, community), f"{community.slug}-fund-{year}.xlsx")
