"""The street's comparison as a spreadsheet (every text cell through app/core/spreadsheet.py, so a community
named "=1+1" stays a name), and the words the pages and the spreadsheet share."""
import io
import logging

from flask_babel import gettext as _

from app.core import spreadsheet

logger = logging.getLogger(__name__)

def suppressed_note(threshold: int) -> str:
    return _("“<%(n)s”: a count of a sensitive group between 1 and %(m)s, not shown so that it cannot point at a "
             "person.", n=threshold, m=threshold - 1)


def report_status_labels() -> dict:
    return {"submitted": _("Submitted"), "late": _("Late"), "missing": _("Missing"), "draft": _("Not due yet")}


def labels() -> dict:
    return {"suppressed_note": suppressed_note, "STREET_REPORT_LABELS": report_status_labels()}


def comparison_xlsx(comparison) -> bytes:
    from openpyxl import Workbook  # lazily: openpyxl is loaded only when a spreadsheet is read or written
    from openpyxl.styles import Font  # lazily: openpyxl is loaded only when a spreadsheet is read or written

    book = Workbook()
    sheet = book.active
    sheet.title = str(comparison.year)
    spreadsheet.append(sheet, [comparison.street.name, _("Communities compared, %(year)s", year=comparison.year)])
    sheet["A1"].font = Font(bold=True)
    header = [_("Community")] + [f"{c.label} ({c.unit})" if c.unit else c.label for c in comparison.columns]
    header += [_("Yearly report"), _("Latest version")]
    statuses = report_status_labels()
    spreadsheet.append(sheet, header)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for row in comparison.rows:
        values = [row.community.name]
        for column in comparison.columns:
            cell = row.cells.get(column.key)
            values.append(None if cell is None else (cell.shown if cell.suppressed else cell.value))
        values += [statuses.get(row.report.get("status"), ""), row.report.get("version")]
        spreadsheet.append(sheet, values)
    threshold = comparison.street.suppress_below
    spreadsheet.append(sheet, [])
    spreadsheet.append(sheet, [suppressed_note(threshold)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
