"""Fund pages: the overview (balances, the year in and out, what waits), the ledger, income and donations with
their receipts, expenses from proposal to payment (and refund), the settings, the year's statement; the public
transparency page; what waits on the today page and in the digest; the yearbook's part "fund"."""
import logging

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app import yearbook
from app.core import pdf
from app.core.fields import as_id
from app.core.spreadsheet import xlsx_download
from app.fund import documents, ledger, links, photo_rules, schemas, services  # noqa: F401 (photo_rules: a rule)
from app.fund.models import CATEGORIES, DONOR_KINDS, SOURCES
from app.fund.services import yuan
from app.fund.vocabulary import (
    CATEGORY_LABELS,
    DONOR_KIND_LABELS,
    KIND_LABELS,
    SOURCE_LABELS,
    STATUS_LABELS,
    account_label,
)
from app.lifecycle import PageForm, redirect_refusals_to, retry_when_locked
from app.permissions import can, found, require
from app.photos import accepts_uploads
from app.photos import services as photo_services
from app.sections import digest, section
from app.units import services as units
from tenants import clock
from tenants.web import current_community, public, tenant_routes

logger = logging.getLogger(__name__)

bp = tenant_routes(Blueprint("fund", __name__, url_prefix="/c/<slug>/fund"))
public_bp = tenant_routes(Blueprint("transparency", __name__, url_prefix="/c/<slug>"))


def _labels() -> dict:
    return {"yuan": yuan, "SOURCE_LABELS": SOURCE_LABELS, "CATEGORY_LABELS": CATEGORY_LABELS,
            "FUND_STATUS_LABELS": STATUS_LABELS, "LEDGER_KIND_LABELS": KIND_LABELS,
            "DONOR_KIND_LABELS": DONOR_KIND_LABELS, "account_label": account_label}


@bp.context_processor
def _context():
    return _labels()


@public_bp.context_processor
def _public_context():
    return _labels()


def _year() -> int:
    year = request.args.get("year", type=int)
    return year if year and 2000 <= year <= 2100 else clock.today().year


# --- the today page, the digest, the yearbook -------------------------------------------------------

@section("fund_expenses", page="today", order=60, template="fund/_today.html", permission="fund.decide",
         data=lambda c: {"title": c["title"], "url": url_for("fund.expenses"), "count": c["count"],
                         "items": [{"id": str(e.id), "title": e.purpose, "status": e.status,
                                    "label": str(STATUS_LABELS[e.status]), "amount": yuan(e.amount_fen),
                                    "url": url_for("fund.expense", expense_id=e.id)} for e in c["expenses"]]})
def _today():
    """Staff: expenses waiting for approval (by someone other than their proposer) and approved ones to pay."""
    rows = services.expenses(status=("proposed", "voting", "approved"), limit=20)
    if not rows:
        return None
    return _labels() | {"expenses": rows, "count": len(rows), "title": _("Fund: expenses waiting"),
                        "me": current_user.id}


@section("fund_donations", page="unit", order=60, template="fund/_unit_home.html", permission="home.unit",
         data=lambda c: {"title": c["title"], "url": url_for("fund.donations"), "count": len(c["donations"]),
                         "items": [{"id": str(d.id), "title": d.receipt_no, "amount": yuan(d.amount_fen),
                                    "url": url_for("fund.donation", donation_id=d.id)} for d in c["donations"]]})
def _unit_home():
    """A unit's representative: its donations to the fund, each with its receipt."""
    rows = services.donations(unit_ids=units.represented_unit_ids(current_user.id), limit=5)
    if not rows:
        return None
    return _labels() | {"donations": rows, "title": _("Our donations to the fund")}


@section("fund_ballots", page="council", order=30, template="fund/_council_home.html", permission="fund.view",
         data=lambda c: {"title": c["title"], "url": url_for("fund.index"), "count": len(c["expenses"]),
                         "items": [{"id": str(e.id), "title": e.purpose, "amount": yuan(e.amount_fen),
                                    "url": url_for("fund.expense", expense_id=e.id)} for e in c["expenses"]]})
def _council_home():
    """The council: the large expenses it is voting on, and the fund's balance."""
    rows = services.expenses(status="voting", limit=10)
    return _labels() | {"expenses": rows, "title": _("The fund"),
                        "balance": sum(fen for _a, fen in services.overview(clock.today().year)["funds"])}


@digest
def _digest_counts():
    counts = services.waiting_counts()
    return {"fund_expenses_to_approve": counts["proposed"], "fund_expenses_to_pay": counts["approved"]}


def _street_figures(income_fen: int, spending_fen: int, balance_fen: int) -> list[yearbook.Figure]:
    """The fund's figures the street compares, the same from the full part and from the street's own query."""
    if not (income_fen or spending_fen or balance_fen):
        return []
    return [yearbook.Figure("fund_income", _("Income"), income_fen / 100, _("yuan"), street=True),
            yearbook.Figure("fund_spending", _("Spending"), spending_fen / 100, _("yuan"), street=True),
            yearbook.Figure("fund_balance", _("Balance"), balance_fen / 100, _("yuan"), street=True)]


def _street(year: int) -> yearbook.StreetQuery:
    """The street's figures alone, in one row read from the month totals (services.year_totals_select)."""
    return yearbook.StreetQuery(services.year_totals_select(year),
                                lambda row: _street_figures(*(int(v or 0) for v in row)))


@yearbook.part("fund", order=80, title=_l("The fund"), street=_street)
def _yearbook(year: int):
    figures = services.overview(year)
    street = _street_figures(figures["income_total"], figures["spending_total"], figures["balance"])
    if not street:
        return None
    return yearbook.Part(
        figures=street,
        tables=[yearbook.Table("income_by_source", _("Income by source"), [_("Source"), _("Yuan")],
                               [[str(SOURCE_LABELS[s]), figures["income"][s] / 100] for s in SOURCES]),
                yearbook.Table("spending_by_category", _("Spending by category"), [_("Category"), _("Yuan")],
                               [[str(CATEGORY_LABELS[c]), figures["spending"][c] / 100] for c in CATEGORIES])],
        charts=[documents.in_and_out(figures)])


# --- the overview and the ledger --------------------------------------------------------------------

@bp.get("/")
def index():
    require("fund.view")
    year = _year()
    figures = services.overview(year)
    waiting = services.expenses(status=("proposed", "voting", "approved"), limit=50)
    return render_template("fund/index.html", figures=figures, year=year, waiting=waiting,
                           chart=documents.in_and_out(figures), settings=services.settings())


@bp.get("/ledger")
def ledger_page():
    require("fund.view")
    form = PageForm(schemas.TransactionQuery, submitted=True, source=request.args)
    account_id = form.data.get("account_id") if form.valid else None
    items, next_cursor = ledger.page_transactions(cursor=form.data.get("cursor"), limit=50,
                                                  account_id=account_id) if form.valid else ([], None)
    accounts = ledger.existing_accounts()
    return render_template("fund/ledger.html", items=items, next_cursor=next_cursor,
                           accounts={a.id: a for a in accounts.values()}, reversed=services.reversed_ids(items),
                           all_accounts=list(accounts.values()), account_id=account_id, errors=form.errors)


@bp.route("/transactions/<int:transaction_id>/reverse", methods=["GET", "POST"])
@retry_when_locked
def reverse(transaction_id: int):
    tx = found(ledger.get_transaction(transaction_id), "fund.record")
    form = PageForm(schemas.FundReasonIn)
    if form.valid:
        services.reverse_entry(tx, reason=form.data["reason"], actor_id=current_user.id)
        flash(_("The entry is reversed."), "success")
        return redirect(url_for("fund.ledger_page"))
    return render_template("fund/reverse.html", tx=tx,
                           accounts={a.id: a for a in ledger.existing_accounts().values()},
                           values=form.values, errors=form.errors)


# --- income and donations ---------------------------------------------------------------------------

def _fund_choices():
    return [(str(a.id), a.name) for a in ledger.fund_accounts()]


@bp.route("/income/new", methods=["GET", "POST"])
def new_income():
    require("fund.record")
    funds = _fund_choices()
    form = PageForm(schemas.IncomeIn, initial={"source": "government", "account_id": funds[0][0],
                                               "received_on": clock.today().isoformat()})
    if form.valid:
        services.record_income(**form.data, actor_id=current_user.id)
        flash(_("The income is recorded."), "success")
        return redirect(url_for("fund.index"))
    return render_template("fund/income_form.html", values=form.values, errors=form.errors, funds=funds)


@bp.get("/donations")
def donations():
    require("fund.donations")
    staff = can("fund.record")
    rows = services.donations(year=_year()) if staff else \
        services.donations(unit_ids=units.represented_unit_ids(current_user.id))
    return render_template("fund/donations.html", donations=rows, staff=staff, year=_year())


def _unit_picks(values: dict) -> dict:
    chosen = units.get_unit(unit_id) if (unit_id := as_id(str(values.get("unit_id") or ""))) else None
    matches, more = units.search_units(values.get("unit_id_q"))
    return {"unit": units.pick_item(chosen) if chosen else None,
            "unit_matches": [units.pick_item(u) for u in matches], "more_units": more}


@bp.route("/donations/new", methods=["GET", "POST"])
def new_donation():
    require("fund.record")
    funds = _fund_choices()
    initial = {"donor_kind": "unit", "account_id": funds[0][0], "received_on": clock.today().isoformat()}
    if "unit_id_q" in request.args:
        initial |= {key: request.args[key].strip() for key in request.args if key != "csrf_token"}
    form = PageForm(schemas.DonationIn, initial=initial)
    if form.valid:
        donation = services.record_donation(**form.data, actor_id=current_user.id)
        flash(_("The donation is recorded: receipt %(number)s.", number=donation.receipt_no), "success")
        return redirect(url_for("fund.donation", donation_id=donation.id))
    return render_template("fund/donation_form.html", values=form.values, errors=form.errors, funds=funds,
                           DONOR_KINDS=DONOR_KINDS, **_unit_picks(form.values))


@bp.get("/donations/<int:donation_id>")
def donation(donation_id: int):
    gift = found(services.get_donation(donation_id), "fund.receipt")
    return render_template("fund/donation.html", donation=gift, fund=ledger.get_account(gift.account_id),
                           unit=units.get_unit(gift.unit_id) if gift.unit_id else None,
                           reversed=ledger.reversal_of(ledger.get_transaction(gift.transaction_id)))


@bp.get("/donations/<int:donation_id>/receipt.pdf")
def receipt(donation_id: int):
    gift = found(services.get_donation(donation_id), "fund.receipt")
    return pdf.response(documents.receipt_pdf(gift, current_community()), f"{gift.receipt_no}.pdf")


# --- expenses ---------------------------------------------------------------------------------------

@bp.get("/expenses")
def expenses():
    require("fund.view")
    status = request.args.get("status")
    rows = services.expenses(status=status if status in STATUS_LABELS else None, year=_year())
    return render_template("fund/expenses.html", expenses=rows, status=status, year=_year())


@bp.route("/expenses/new", methods=["GET", "POST"])
@accepts_uploads
def new_expense():
    require("fund.propose")
    funds = _fund_choices()
    form = PageForm(schemas.ExpenseIn, initial={"account_id": funds[0][0], "category": "activity",
                                                "spent_on": clock.today().isoformat()},
                    error_key=photo_services.page_error_key)
    if form.valid:
        expense = services.propose_expense(**form.data, actor_id=current_user.id)
        files, alts = photo_services.uploads_from(request.files, request.form, max_slots=1)
        if files:  # a receipt or an invoice: it shows no one, so no consent is asked
            photo_services.add_photos(services.PHOTO_OWNER, expense.id, files, alts, consent=True,
                                      actor_id=current_user.id)
        flash(_("The expense is proposed; the council votes on it.") if expense.status == "voting" else
              _("The expense is proposed; another member of the staff approves it."), "success")
        return redirect(url_for("fund.expense", expense_id=expense.id))
    return render_template("fund/expense_form.html", values=form.values, errors=form.errors, funds=funds,
                           category_options=[(c, CATEGORY_LABELS[c]) for c in CATEGORIES],
                           link_options=[("", _("Nothing in particular"))] + [(k.name, k.label)
                                                                              for k in links.KINDS.values()],
                           threshold=services.settings().ballot_threshold_fen)


def _expense(expense_id: int, action: str = "fund.view"):
    return found(services.get_expense(expense_id), action)


@bp.get("/expenses/<int:expense_id>")
def expense(expense_id: int):
    item = _expense(expense_id)
    return render_template("fund/expense.html", expense=item, fund=ledger.get_account(item.account_id),
                           link=links.resolve(item.link_type, item.link_id),
                           link_kind=links.KINDS.get(item.link_type) if item.link_type else None,
                           photos=photo_services.photos_of(services.PHOTO_OWNER, [item.id]).get(item.id, []),
                           mine=item.proposed_by_id == current_user.id, values={}, errors={})


def _act(expense_id: int, action: str):
    item = _expense(expense_id, action)
    redirect_refusals_to(url_for("fund.expense", expense_id=expense_id))
    return item


@bp.post("/expenses/<int:expense_id>/approve")
@retry_when_locked
def approve(expense_id: int):
    services.approve_expense(_act(expense_id, "fund.decide"), actor_id=current_user.id)
    flash(_("Approved: it may be paid."), "success")
    return redirect(url_for("fund.expense", expense_id=expense_id))


@bp.post("/expenses/<int:expense_id>/reject")
@retry_when_locked
def reject(expense_id: int):
    item = _act(expense_id, "fund.decide")
    services.reject_expense(item, actor_id=current_user.id, reason=request.form.get("reason", ""))
    flash(_("Not approved; the proposer is told why."), "success")
    return redirect(url_for("fund.expense", expense_id=expense_id))


@bp.post("/expenses/<int:expense_id>/pay")
@retry_when_locked
def pay(expense_id: int):
    services.pay_expense(_act(expense_id, "fund.pay"), actor_id=current_user.id)
    flash(_("Paid and entered in the ledger."), "success")
    return redirect(url_for("fund.expense", expense_id=expense_id))


@bp.post("/expenses/<int:expense_id>/refund")
@retry_when_locked
def refund(expense_id: int):
    item = _act(expense_id, "fund.pay")
    services.refund_expense(item, actor_id=current_user.id, reason=request.form.get("reason", ""))
    flash(_("The refund is entered: the money is back in the fund."), "success")
    return redirect(url_for("fund.expense", expense_id=expense_id))


@bp.post("/expenses/<int:expense_id>/withdraw")
def withdraw(expense_id: int):
    item = _act(expense_id, "fund.propose")
    if item.proposed_by_id != current_user.id:
        abort(403)
    services.withdraw_expense(item, actor_id=current_user.id)
    flash(_("The proposal is withdrawn."), "success")
    return redirect(url_for("fund.expense", expense_id=expense_id))


@bp.post("/expenses/<int:expense_id>/photos")
@accepts_uploads
def add_receipt(expense_id: int):
    item = _act(expense_id, "fund.propose")
    files, alts = photo_services.uploads_from(request.files, request.form, max_slots=1)
    photo_services.add_photos(services.PHOTO_OWNER, item.id, files, alts, consent=True, actor_id=current_user.id)
    flash(_("The receipt is added."), "success")
    return redirect(url_for("fund.expense", expense_id=expense_id))


# --- settings and the statement ---------------------------------------------------------------------

@bp.route("/settings", methods=["GET", "POST"])
def settings():
    require("fund.settings")
    current = services.settings()
    form = PageForm(schemas.FundSettingsIn, initial={
        "ballot_threshold": yuan(current.ballot_threshold_fen).replace(",", ""), "ballot_days": current.ballot_days})
    if form.valid:
        services.set_settings(**form.data, actor_id=current_user.id)
        flash(_("Saved."), "success")
        return redirect(url_for("fund.settings"))
    return render_template("fund/settings.html", values=form.values, errors=form.errors,
                           funds=ledger.fund_accounts(), fund_values={}, fund_errors={})


@bp.post("/accounts")
def add_fund():
    require("fund.settings")
    form = PageForm(schemas.FundIn)
    if form.valid:
        account = services.add_fund(**form.data, actor_id=current_user.id)
        flash(_("The fund “%(name)s” is added.", name=account.name), "success")
        return redirect(url_for("fund.settings"))
    current = services.settings()
    return render_template("fund/settings.html", values={"ballot_threshold": yuan(current.ballot_threshold_fen)
                                                         .replace(",", ""), "ballot_days": current.ballot_days},
                           errors={}, funds=ledger.fund_accounts(), fund_values=form.values,
                           fund_errors=form.errors), 422


@bp.get("/statement.xlsx")
def statement_xlsx():
    require("fund.view")
    community, year = current_community(), _year()
    return xlsx_download(documents.statement_xlsx(year, community), f"{community.slug}-fund-{year}.xlsx")


@bp.get("/statement.pdf")
def statement_pdf():
    require("fund.view")
    community, year = current_community(), _year()
    return pdf.response(documents.statement_pdf(year, community), f"{community.slug}-fund-{year}.pdf")


# --- the public transparency page -------------------------------------------------------------------

@public_bp.get("/transparency")
@public
def transparency():
    """For everyone, without logging in: where the money came from and went, named donors (anonymous ones as
    匿名捐赠), the balance. Nothing about residents: expenses show their purpose, day and amount, never a payee."""
    year = _year()
    figures = services.overview(year)
    return render_template("fund/transparency.html", figures=figures, year=year, chart=documents.in_and_out(figures),
                           expenses=services.paid_expenses(year), donors=services.public_donors(year))
