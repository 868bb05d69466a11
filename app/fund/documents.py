"""The fund's files: a donation's receipt (PDF, Chinese, numbered, the amount in figures and in capitals) and the
year's statement (XLSX and PDF: balances, income by source, spending by category, every entry of the year)."""
import io
import logging

from flask_babel import gettext as _

from app.core import pdf
from app.core.charts import Chart, Series
from app.core.spreadsheet import append
from app.fund import ledger, services
from app.fund.models import CATEGORIES, SOURCES, Donation
from app.fund.services import yuan
from app.fund.vocabulary import CATEGORY_LABELS, KIND_LABELS, SOURCE_LABELS, account_label
from app.fund.words import capital
from tenants import clock

logger = logging.getLogger(__name__)


def in_and_out(figures: dict) -> Chart:
    """The year's income and spending by month, in yuan (the overview, the public page, the statement, the
    yearbook)."""
    return Chart(_("Fund in and out by month"), [_("%(m)s月", m=m) for m in range(1, 13)],
                 [Series(_("Income"), [fen / 100 for fen in figures["months_in"]]),
                  Series(_("Spending"), [fen / 100 for fen in figures["months_out"]])], unit=_("yuan"))


def receipt_pdf(donation: Donation, community) -> bytes:
    """捐赠收据: the community's name, the number, the donor as they gave (the receipt is theirs, anonymous or not),
    the amount in yuan and in capitals, the fund, the day."""
    fund = ledger.get_account(donation.account_id)
    doc = pdf.Document(_("Donation receipt"), subtitle=community.name, author=community.name,
                       footer=_("Receipt %(number)s", number=donation.receipt_no))
    doc.key_values([
        (_("Receipt number"), donation.receipt_no),
        (_("Donor"), donation.donor_name),
        (_("Amount"), _("%(amount)s yuan", amount=yuan(donation.amount_fen))),
        (_("Amount in words"), capital(donation.amount_fen)),
        (_("Fund"), fund.name if fund else ""),
        (_("Received on"), donation.received_on.isoformat()),
        *([(_("Note"), donation.note)] if donation.note else []),
    ])
    doc.spacer(4)
    doc.paragraph(_("%(community)s thanks you for your donation to its mutual-aid fund. The fund's income and "
                    "spending are published on the community's transparency page.", community=community.name))
    if donation.anonymous:
        doc.paragraph(_("As you asked, the public pages show this donation as anonymous."), style="small")
    if donation.reversed:
        doc.paragraph(_("This donation was reversed; the receipt is no longer valid."), style="h2")
    doc.spacer(8)
    doc.paragraph(_("%(community)s mutual-aid association, %(day)s", community=community.name,
                    day=clock.today().isoformat()))
    return doc.bytes()


def _summary_rows(year: int) -> tuple[dict, list[list], list[list], list[list]]:
    figures = services.overview(year)
    balances = [[a.name, yuan(fen)] for a, fen in figures["funds"]]
    income = [[str(SOURCE_LABELS[s]), yuan(figures["income"][s])] for s in SOURCES]
    spending = [[str(CATEGORY_LABELS[c]), yuan(figures["spending"][c])] for c in CATEGORIES]
    return figures, balances, income, spending


def _entries(year: int) -> list[list]:
    """Every line of the year's entries, oldest first (one query for the entries, one for their lines)."""
    rows, cursor = [], None
    accounts = {a.id: a for a in ledger.existing_accounts().values()}
    while True:
        items, cursor = ledger.page_transactions(cursor=cursor, limit=200, year=year)
        for tx in items:
            for line in tx.lines:
                rows.append([tx.booked_on.isoformat(), tx.id, str(KIND_LABELS.get(tx.kind, tx.kind)),
                             account_label(accounts[line.account_id]), line.amount_fen / 100, tx.counterparty,
                             tx.memo])
        if cursor is None:
            break
    rows.reverse()
    return rows


def statement_xlsx(year: int, community) -> bytes:
    from openpyxl import Workbook  # lazily: openpyxl loads only when a spreadsheet is made

    figures, balances, income, spending = _summary_rows(year)
    book = Workbook()
    sheet = book.active
    sheet.title = _("Summary")
    append(sheet, [_("%(community)s fund statement %(year)s", community=community.name, year=year)])
    append(sheet, [])
    append(sheet, [_("Balance"), _("Yuan")])
    for row in balances:
        append(sheet, row)
    append(sheet, [])
    append(sheet, [_("Income by source"), _("Yuan")])
    for row in income:
        append(sheet, row)
    append(sheet, [])
    append(sheet, [_("Spending by category"), _("Yuan")])
    for row in spending:
        append(sheet, row)
    entries = book.create_sheet(_("Entries"))
    append(entries, [_("Day"), _("Entry"), _("Kind"), _("Account"), _("Yuan (debit +, credit −)"),
                     _("Counterparty"), _("Memo")])
    for row in _entries(year):
        append(entries, row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def statement_pdf(year: int, community) -> bytes:
    figures, balances, income, spending = _summary_rows(year)
    doc = pdf.Document(_("Fund statement %(year)s", year=year), subtitle=community.name, author=community.name,
                       footer=community.name)
    doc.heading(_("Balance"), 2).table([[_("Fund"), _("Yuan")], *balances])
    doc.chart(in_and_out(figures))
    doc.heading(_("Income by source"), 2).table([[_("Source"), _("Yuan")], *income])
    doc.heading(_("Spending by category"), 2).table([[_("Category"), _("Yuan")], *spending])
    doc.heading(_("Expenses paid"), 2).table(
        [[_("Day"), _("Purpose"), _("Payee"), _("Yuan")],
         *([e.spent_on.isoformat(), e.purpose, e.payee, yuan(e.amount_fen)] for e in services.paid_expenses(year))])
    return doc.bytes()
