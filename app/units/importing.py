"""Import and export of the unit registry as XLSX or CSV, the way communities keep it in Excel.

An upload is parsed and checked row by row into a preview (saved as a UnitImport); nothing enters
the registry until the user confirms, and not while a row is wrong unless they choose to skip it.
"""
import csv
import io
import logging
from datetime import date, datetime

from flask import Response
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import select

from app.core import spreadsheet
from app.core.extensions import db
from app.core.validation import Conflict, ValidationFailed
from app.units import services
from app.units.models import Unit, UnitImport
from app.units.problems import row_problems  # noqa: F401 — the preview's words, with the preview
from app.units.schemas import UnitIn
from app.units.vocabulary import STATUS_LABELS, TYPE_LABELS, status_code, type_code
from tenants import clock
from tenants.clock import utcnow

logger = logging.getLogger(__name__)

MAX_ROWS = 5000
COLUMNS = ("name", "type", "address", "contact_name", "contact_phone", "description", "joined_on", "status")
HEADERS_ZH = {"name": "单位名称", "type": "单位类型", "address": "地址", "contact_name": "联系人",
              "contact_phone": "联系电话", "description": "简介", "joined_on": "入会日期", "status": "状态"}
HEADERS_EN = {"name": "Name", "type": "Type", "address": "Address", "contact_name": "Contact person",
              "contact_phone": "Contact phone", "description": "Description", "joined_on": "Joined on",
              "status": "Status"}
# Header words seen in real sheets, mapped to our columns.
HEADER_ALIASES = {
    **{v: k for k, v in HEADERS_ZH.items()}, **{v.lower(): k for k, v in HEADERS_EN.items()},
    **{k: k for k in COLUMNS}, "名称": "name", "单位": "name", "类型": "type", "单位地址": "address",
    "联系方式": "contact_phone", "电话": "contact_phone", "手机": "contact_phone", "备注": "description",
    "介绍": "description", "加入日期": "joined_on", "入会时间": "joined_on",
}


def headers() -> dict:
    """Column titles in the user's language."""

    return HEADERS_ZH if get_locale().language == "zh" else HEADERS_EN


def _header_key(cell) -> str | None:
    text = str(cell or "").strip().replace("*", "").replace("（", "(").split("(")[0].strip()
    return HEADER_ALIASES.get(text) or HEADER_ALIASES.get(text.lower())


def _read_rows(upload) -> list[list]:
    name = (upload.filename or "").lower()
    data = upload.read()
    if not data:
        raise ValidationFailed({"file": [_("The file is empty.")]})
    if name.endswith(".xlsx") or data[:2] == b"PK":
        return _read_xlsx(data)
    if name.endswith(".csv") or name.endswith(".txt"):
        return _read_csv(data)
    raise ValidationFailed({"file": [_("Upload an Excel (.xlsx) or CSV file.")]})


def _read_xlsx(data: bytes) -> list[list]:
    from openpyxl import load_workbook  # lazily: openpyxl is loaded only when a spreadsheet is read or written

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged file; all mean the same to the user
        raise ValidationFailed({"file": [_("This Excel file cannot be read; save it again as .xlsx.")]}) from None
    sheet = book.worksheets[0]
    rows = [list(row) for row in sheet.iter_rows(values_only=True, max_row=MAX_ROWS + 2)]
    book.close()
    return rows


def _read_csv(data: bytes) -> list[list]:
    # Excel in Chinese saves CSV as GBK; others save UTF-8 (often with a BOM).
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValidationFailed({"file": [_("The CSV file's text encoding is not recognised; save it as UTF-8.")]})
    # A cell our export guarded against formula injection (a leading apostrophe) reads as it was stored.
    return [[spreadsheet.csv_unguard(cell) for cell in row] for row in csv.reader(io.StringIO(text))][: MAX_ROWS + 2]


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # phone numbers typed into Excel come back as floats
    return str(value).strip()


def _parse_date(text: str) -> str | None:
    text = text.strip().replace("/", "-").replace(".", "-").replace("年", "-").replace("月", "-").rstrip("日")
    parts = [p.strip() for p in text.split("-")]
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        # Excel writes 2023/5/4 and 2023年5月4日 without leading zeros; the schema reads only ISO dates.
        text = f"{parts[0]}-{parts[1].zfill(2)}-{parts[2].zfill(2)}"
    return text or None


def parse(upload) -> list[dict]:
    """Rows of the sheet as {"line", "values", "errors"}; the header row names the columns."""
    if upload is None or not getattr(upload, "filename", None):
        raise ValidationFailed({"file": [_("Choose a file to upload.")]})
    rows = [row for row in _read_rows(upload)]
    while rows and not any(_cell_text(c) for c in rows[0]):
        rows.pop(0)
    if not rows:
        raise ValidationFailed({"file": [_("The file is empty.")]})
    header = [_header_key(cell) for cell in rows[0]]
    missing = [HEADERS_ZH[c] for c in ("name", "type") if c not in header]
    if missing:
        raise ValidationFailed({"file": [_("The first row must name the columns; missing: %(cols)s.",
                                           cols="、".join(missing))]})
    if len(rows) - 1 > MAX_ROWS:
        raise ValidationFailed({"file": [_("At most %(n)s rows per file.", n=MAX_ROWS)]})
    parsed, seen = [], {}
    existing = set(db.session.execute(select(Unit.name)).scalars())
    for line, row in enumerate(rows[1:], start=2):
        values = {key: _cell_text(row[i]) if i < len(row) else "" for i, key in enumerate(header) if key}
        if not any(values.values()):
            continue
        parsed.append(_check_row(line, values, seen, existing))
    if not parsed:
        raise ValidationFailed({"file": [_("The file has a header row but no units.")]})
    return parsed


def _schema_problems(messages, prefix: str = "") -> dict[str, list[dict]]:
    flat: dict[str, list[dict]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            for field, items in _schema_problems(value, f"{prefix}.{key}" if prefix else str(key)).items():
                flat.setdefault(field, []).extend(items)
        return flat
    for message in messages if isinstance(messages, list) else [messages]:
        flat.setdefault(prefix or "_schema", []).append({"code": "invalid", "message": str(message)})
    return flat


def _check_row(line: int, values: dict, seen: dict, existing: set) -> dict:
    data = {k: v for k, v in values.items() if v != ""}
    errors: dict[str, list[dict]] = {}
    if "type" in data:
        code = type_code(data["type"])
        if code is None:
            errors["type"] = [{"code": "unknown_type", "value": data["type"]}]
            data.pop("type")
        else:
            data["type"] = code
    if "status" in data:
        code = status_code(data["status"])
        if code is None:
            errors["status"] = [{"code": "unknown_status", "value": data["status"]}]
            data.pop("status")
        else:
            data["status"] = code
    if "joined_on" in data:
        data["joined_on"] = _parse_date(data["joined_on"])
    try:
        with force_locale("en"):  # the schema's messages as msgids, put into words when shown
            clean = UnitIn().load(data)  # a row is checked as the API and the pages check a unit
    except ValidationError as err:
        for field, problems in _schema_problems(err.messages).items():
            if field not in errors:  # an unknown type is not also "required"
                errors[field] = problems
        clean = None
    name = (clean or data).get("name", "").strip()
    if name and name in seen:
        errors.setdefault("name", []).append({"code": "same_name_as_row", "line": seen[name]})
    elif name and name in existing:
        errors.setdefault("name", []).append({"code": "already_registered"})
    if name:
        seen.setdefault(name, line)
    if clean and clean.get("joined_on"):
        clean["joined_on"] = clean["joined_on"].isoformat()
    return {"line": line, "values": clean if not errors else values, "errors": errors}


def preview(upload, *, created_by_id: int | None) -> UnitImport:
    batch = UnitImport(filename=(getattr(upload, "filename", "") or "")[:200], rows=parse(upload),
                       created_by_id=created_by_id)
    db.session.add(batch)
    db.session.flush()
    return batch


def get_batch(import_id: int) -> UnitImport | None:
    return db.session.execute(select(UnitImport).where(UnitImport.id == import_id)).scalar_one_or_none()


def commit(batch: UnitImport, *, skip_invalid: bool) -> UnitImport:
    """Create the units of a preview, all in the caller's one transaction."""
    if batch.status != "preview":
        raise Conflict(_("This import has already been finished."), "import_finished")
    if batch.error_rows and not skip_invalid:
        raise Conflict(_("%(n)s rows have errors; correct the file or choose to skip them.",
                         n=len(batch.error_rows)), "import_has_errors")
    created = 0
    for row in batch.valid_rows:
        # The registry may have changed since the preview; the service checks the name again.
        services.create_unit(UnitIn().load(row["values"]))
        created += 1
    batch.created_count, batch.skipped_count = created, len(batch.error_rows)
    batch.status, batch.finished_at = "done", utcnow()
    db.session.flush()
    return batch


def export_rows():
    titles = headers()
    yield [titles[c] for c in COLUMNS]
    for unit in services.all_units():
        yield [unit.name, str(TYPE_LABELS[unit.type]), unit.address, unit.contact_name, unit.contact_phone,
               unit.description, unit.joined_on.isoformat() if unit.joined_on else "", str(STATUS_LABELS[unit.status])]


def export_response(fmt: str) -> Response:
    rows = export_rows()
    stamp = clock.today().isoformat()
    if fmt == "csv":
        buffer = io.StringIO()
        buffer.write("\ufeff")  # a BOM, so Excel opens the Chinese text as UTF-8
        csv.writer(buffer).writerows(spreadsheet.csv_row(row) for row in rows)
        return Response(buffer.getvalue().encode("utf-8"), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="units-{stamp}.csv"'})
    from openpyxl import Workbook  # lazily: openpyxl is loaded only when a spreadsheet is read or written

    book = Workbook(write_only=True)
    sheet = book.create_sheet("units")
    for row in rows:
        spreadsheet.append(sheet, row)
    buffer = io.BytesIO()
    book.save(buffer)
    return Response(buffer.getvalue(), mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="units-{stamp}.xlsx"'})
