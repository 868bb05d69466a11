"""A report (a frozen version or the draft) as a workbook and as a PDF with its charts.

Both are made from the parts' JSON (`Part.as_dict()`), the same whether the report is the live draft or a version
submitted long ago. Every cell goes through app/core/spreadsheet.py, so a unit named "=HYPERLINK(…)" stays text.
"""
import io
import logging
import re

from flask_babel import gettext as _

from app.core import pdf, spreadsheet
from app.core.charts import Chart

logger = logging.getLogger(__name__)

SHEET_NAME_BANNED = re.compile(r"[\[\]:*?/\\]")  # characters a worksheet's name may not hold


def _title(community_name: str, year: int) -> str:
    return _("%(community)s: yearly report %(year)s", community=community_name, year=year)


def _status_line(version_number: int | None, submitted_at: str | None) -> str:
    if version_number is None:
        return _("Draft (not submitted)")
    return _("Version %(number)s, submitted %(at)s", number=version_number, at=submitted_at or "")


def _value(figure: dict) -> str:
    value = figure.get("value")
    shown = "—" if value is None else str(value)
    return f"{shown} {figure.get('unit') or ''}".strip()


def xlsx(community_name: str, year: int, parts: list[dict], narrative: str, *, version_number: int | None = None,
         submitted_at: str | None = None) -> bytes:
    """One sheet of every figure, then one sheet per part with its tables."""
    from openpyxl import Workbook  # lazily: openpyxl is loaded only when a spreadsheet is read or written

    book = Workbook()
    sheet = book.active
    sheet.title = _("Figures")[:31]
    spreadsheet.append(sheet, [_title(community_name, year)])
    spreadsheet.append(sheet, [_status_line(version_number, submitted_at)])
    spreadsheet.append(sheet, [])
    spreadsheet.append(sheet, [_("Part"), _("Figure"), _("Value"), _("Unit"), _("Key")])
    for part in parts:
        for figure in part.get("figures", ()):
            spreadsheet.append(sheet, [part.get("title", ""), figure["label"], figure.get("value"),
                                       figure.get("unit", ""), figure["key"]])
    if narrative:
        spreadsheet.append(sheet, [])
        spreadsheet.append(sheet, [_("Summary"), narrative])
    for n, part in enumerate(parts, start=1):
        if not part.get("tables"):
            continue
        tab = book.create_sheet(SHEET_NAME_BANNED.sub(" ", f"{n} {part.get('title', '')}")[:31])
        for table in part["tables"]:
            spreadsheet.append(tab, [table["title"]])
            spreadsheet.append(tab, table["header"])
            for row in table["rows"]:
                spreadsheet.append(tab, row)
            spreadsheet.append(tab, [])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def pdf_bytes(community_name: str, year: int, parts: list[dict], narrative: str, *,
              version_number: int | None = None, submitted_at: str | None = None) -> bytes:
    """The report: the narrative, then each part's figures, tables and charts (each chart's numbers are in a
    table of the part or follow it)."""
    doc = pdf.Document(_title(community_name, year), subtitle=_status_line(version_number, submitted_at),
                       footer=_title(community_name, year))
    if narrative:
        doc.heading(_("Summary"))
        doc.paragraph(narrative)
    for part in parts:
        doc.heading(part.get("title", ""))
        if part.get("figures"):
            doc.key_values([(f["label"], _value(f)) for f in part["figures"]])
        for table in part.get("tables", ()):
            doc.heading(table["title"], level=2)
            doc.table([table["header"], *table["rows"]])
        for data in part.get("charts", ()):
            chart = Chart.from_dict(data)
            if not chart.empty:
                doc.chart(chart)
    return doc.bytes()
