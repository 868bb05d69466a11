"""Writing stored values into XLSX and CSV files safely, whatever they hold.

Every export (the unit registry, a canteen's manifest and statement) writes its cells through here:

- characters a spreadsheet cannot hold (control characters; openpyxl raises on them) are dropped, so a
  value stored before the input rules existed, or by any other path, never makes an export fail;
- a text that a spreadsheet would read as a formula (starting with = + - @, or a tab or carriage return)
  stays text: in XLSX a text cell marked as typed with a leading apostrophe (Excel's own way), in CSV
  with the apostrophe written in front (OWASP's advice); the import drops that apostrophe again.
"""
import io
import logging
import re

from flask import send_file

logger = logging.getLogger(__name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# openpyxl.cell.cell.ILLEGAL_CHARACTERS_RE (not imported from there: openpyxl loads only when a file is made).
ILLEGAL_CHARACTERS_RE = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")


def clean(value: str) -> str:
    """The text without the characters a spreadsheet cannot hold."""
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def _formula_like(text: str) -> bool:
    return text.startswith(FORMULA_START)


def xlsx_row(sheet, values) -> list:
    """`values` ready for `sheet.append` (a normal or a write-only worksheet)."""
    from openpyxl.cell.cell import Cell  # lazily: openpyxl is loaded only when a spreadsheet is read or written

    row = []
    for value in values:
        if isinstance(value, str):
            value = clean(value)
            if _formula_like(value):
                cell = Cell(sheet, row=1, column=1, value=value)  # append() moves it to its place
                cell.data_type = "s"  # openpyxl would store "=…" as a formula
                cell.quotePrefix = True  # and Excel would evaluate it once the cell is edited
                value = cell
        row.append(value)
    return row


def append(sheet, values) -> None:
    sheet.append(xlsx_row(sheet, values))


def csv_row(values) -> list:
    """`values` ready for `csv.writer(...).writerow`."""
    row = []
    for value in values:
        if isinstance(value, str):
            value = clean(value)
            if _formula_like(value):
                value = "'" + value
        row.append(value)
    return row


def csv_unguard(text: str) -> str:
    """A CSV cell as it was before `csv_row` guarded it (for the import of an exported file)."""
    return text[1:] if text.startswith("'") and _formula_like(text[1:]) else text


def xlsx_download(content: bytes, filename: str):
    """A workbook made by an export (a canteen's manifest, its statement) as a download."""
    return send_file(io.BytesIO(content), mimetype=XLSX, as_attachment=True, download_name=filename)
