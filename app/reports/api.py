"""Yearly report API: /api/v1/c/<slug>/reports/<year> — the draft (the live parts and the summary, or as XLSX/PDF
with `?format=`), the summary, the submission to the street office, and the frozen versions with what changed."""
import logging

from flask import abort
from flask_login import current_user
from flask_smorest import Blueprint

from app.core import pdf, spreadsheet
from app.core.apidoc import collection_schema
from app.core.fields import as_utc
from app.permissions import found, require
from app.reports import exports, schemas, services
from tenants import clock
from tenants.web import current_community, tenant_routes

logger = logging.getLogger(__name__)

blp = tenant_routes(Blueprint("reports_api", __name__, url_prefix="/api/v1/c/<slug>/reports",
                              description="The yearly report to the street office (年度报表): the draft, frozen "
                                          "numbered versions and what changed, XLSX and PDF"))
VersionPage = collection_schema(schemas.VersionSummaryOut, "ReportVersionPage")


def _year(year: int) -> int:
    if not services.FIRST_YEAR <= year <= clock.today().year:
        abort(404)
    return year


def _changes(changes) -> dict | None:
    if changes is None:
        return None
    return {kind: [vars(c) for c in found_changes] for kind, found_changes in changes.items()}


def _draft_body(year: int) -> dict:
    current = services.draft(year)
    return {"year": year, "narrative": current.narrative, "status": services.status_of(year),
            "parts": [p.as_dict() for p in current.parts]}


@blp.get("/<int:year>")
@blp.arguments(schemas.FormatQuery, location="query")
@blp.response(200, schemas.DraftOut)
@blp.alt_response(200, success=True, description="format=xlsx: the draft as a workbook; format=pdf: as a PDF")
def get_draft(args, year: int):
    """The year's draft: every domain's part as it would be submitted now, the summary and the status."""
    require("reports.view")
    body = _draft_body(_year(year))
    if args["format"] == "xlsx":
        data = exports.xlsx(current_community().name, year, body["parts"], body["narrative"])
        return spreadsheet.xlsx_download(data, f"report-{year}-draft.xlsx")
    if args["format"] == "pdf":
        return pdf.response(exports.pdf_bytes(current_community().name, year, body["parts"], body["narrative"]),
                            f"report-{year}-draft.pdf")
    return body


@blp.put("/<int:year>/narrative")
@blp.arguments(schemas.NarrativeIn)
@blp.response(200, schemas.DraftOut)
def put_narrative(args, year: int):
    """Keep the summary (总结) of the year's draft."""
    require("reports.submit")
    services.save_narrative(_year(year), args["narrative"], actor_id=current_user.id)
    return _draft_body(year)


@blp.post("/<int:year>/versions")
@blp.arguments(schemas.SubmitIn)
@blp.response(201, schemas.VersionOut)
def submit(args, year: int):
    """Submit the report to the street office: the draft frozen as the year's next version."""
    require("reports.submit")
    version = services.submit(_year(year), actor_id=current_user.id, narrative_text=args.get("narrative"))
    return _version_body(version)


@blp.get("/<int:year>/versions")
@blp.response(200, VersionPage)
def list_versions(year: int):
    """The year's submitted versions, the first first (a year has a handful: one page)."""
    require("reports.view")
    return {"items": services.versions(_year(year)), "next_cursor": None}


def _version_body(version) -> dict:
    return {"year": version.year, "number": version.number, "submitted_at": version.submitted_at,
            "submitted_by_id": version.submitted_by_id,
            "narrative": version.narrative, "parts": version.parts,
            "changes": _changes(services.changes_of(version))}


@blp.get("/<int:year>/versions/<int:number>")
@blp.arguments(schemas.FormatQuery, location="query")
@blp.response(200, schemas.VersionOut)
@blp.alt_response(200, success=True, description="format=xlsx: the version as a workbook; format=pdf: as a PDF")
def get_version(args, year: int, number: int):
    """A submitted version as it was submitted, with the figures changed since the version before."""
    version = found(services.get_version(_year(year), number), "reports.view")
    if args["format"] != "json":
        when = as_utc(version.submitted_at).astimezone(clock.zone()).strftime("%Y-%m-%d %H:%M")
        make = exports.xlsx if args["format"] == "xlsx" else exports.pdf_bytes
        data = make(current_community().name, year, version.parts, version.narrative, version_number=number,
                    submitted_at=when)
        if args["format"] == "xlsx":
            return spreadsheet.xlsx_download(data, f"report-{year}-v{number}.xlsx")
        return pdf.response(data, f"report-{year}-v{number}.pdf")
    return _version_body(version)


@blp.route("/<int:year>/versions/<int:number>", methods=["PUT", "PATCH", "DELETE"])
@blp.alt_response(409, description="A submitted version is frozen")
def edit_version(year: int, number: int):
    """A submitted version is frozen: any change is refused (409); submit again for a corrected version."""
    require("reports.submit")
    services.edit_version(found(services.get_version(_year(year), number)))
