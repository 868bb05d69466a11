"""The yearly report's pages: the years and their status, a year's draft to review (every part's figures, tables
and charts) with the summary and the submit button, the submitted versions with what changed, the exports (XLSX,
PDF), the deadline setting; the report on the today page and in the digest; the year in charts on the staff's
overview and the council's home."""
import logging

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import yearbook
from app.accounts import services as accounts
from app.core import pdf, spreadsheet
from app.core.fields import as_utc
from app.lifecycle import PageForm, redirect_refusals_to
from app.permissions import found, require
from app.reports import exports, schemas, services
from app.sections import digest, section
from tenants import clock
from tenants.web import current_community, tenant_routes

logger = logging.getLogger(__name__)

bp = tenant_routes(Blueprint("reports", __name__, url_prefix="/c/<slug>/reports"))
YEARS_SHOWN = 5  # this year and the four before on the list


def _year(year: int) -> int:
    """A year in the URL: from 2000 to this one, else there is no such page."""
    if not services.FIRST_YEAR <= year <= clock.today().year:
        abort(404)
    return year


def _labels() -> dict:
    return {"REPORT_STATUS_LABELS": {"submitted": _("Submitted"), "late": _("Late"), "missing": _("Missing"),
                                     "draft": _("Draft")},
            "report_moment": _moment}


def _moment(value) -> str:
    """A stored moment on the community's wall clock: 2026-11-08 10:30."""
    return as_utc(value).astimezone(clock.zone()).strftime("%Y-%m-%d %H:%M") if value else ""


@bp.context_processor
def _context():
    return _labels()


# --- the today page, the digest and the homes ----------------------------------------------------

def _due_soon() -> dict | None:
    found_status = services.current_year_status()
    if found_status["status"] == "submitted" or found_status["days_left"] > max(services.REMINDER_DAYS):
        return None
    return found_status


@section("report_due", page="today", order=80, template="reports/_today.html", permission="reports.submit",
         data=lambda c: {"title": _("Yearly report"), "url": url_for("reports.year", year=c["report"]["year"]),
                         "count": 1, "items": [{"status": c["report"]["status"], "days_left": c["report"]["days_left"],
                                                "due_on": c["report"]["due_on"].isoformat()}]})
def _today():
    found_status = _due_soon()
    return None if found_status is None else _labels() | {"report": found_status}


@digest
def _digest_counts():
    found_status = _due_soon()
    if found_status is None:
        return {}
    if found_status["status"] == "late":
        return {"report_late": 1}
    return {"report_days_left": found_status["days_left"]}


def _year_charts() -> dict | None:
    """This year's charts of every part that has some (needs met by month, meals, activities by type, the fund…)."""
    year = clock.today().year
    parts = [p for p in yearbook.parts(year) if any(not c.empty for c in p.charts)]
    if not parts:
        return None
    return {"year_parts": parts, "year": year}


@section("year_charts", page="community", order=50, template="reports/_year_charts.html",
         permission="reports.view")
def _community_charts():
    return _year_charts()


@section("year_charts", page="council", order=90, template="reports/_year_charts.html",
         permission="reports.view",
         data=lambda c: {"title": _("The year in charts"), "url": url_for("reports.year", year=c["year"]),
                         "count": len(c["year_parts"]),
                         "items": [{"name": p.name, "title": p.title} for p in c["year_parts"]]})
def _council_charts():
    return _year_charts()


# --- the years, a year's draft, the versions -------------------------------------------------------

@bp.get("/")
def index():
    require("reports.view")
    this_year = clock.today().year
    years = list(range(this_year, max(services.FIRST_YEAR, this_year - YEARS_SHOWN + 1) - 1, -1))
    latest = services.latest_versions(years)
    current = services.settings()
    today = clock.today()
    rows = []
    for year in years:  # every year's status from the one read of the versions and settings above
        version = latest.get(year)
        status = services.status(year, (version.number, version.submitted_at) if version else None,
                                 services.due_on(year, current), today)
        rows.append({"year": year, **status})
    return render_template("reports/index.html", rows=rows, settings=current)


def _draft_page(year: int, form: PageForm):
    current = services.draft(year)
    found_versions = services.versions(year)
    return render_template("reports/year.html", year=year, draft=current, status=services.status_of(year),
                           versions=found_versions, values=form.values, errors=form.errors,
                           names=accounts.user_names([v.submitted_by_id for v in found_versions]))


@bp.route("/<int:year>", methods=["GET", "POST"])
def year(year: int):
    """The draft: every part as it would be submitted now, and the summary the coordinator writes."""
    require("reports.view")
    _year(year)
    form = PageForm(schemas.NarrativeIn, initial={"narrative": services.narrative(year)})
    if form.submitted:
        require("reports.submit")
    if form.valid:
        services.save_narrative(year, form.data["narrative"], actor_id=current_user.id)
        flash(_("The summary is saved."), "success")
        return redirect(url_for("reports.year", year=year))
    return _draft_page(year, form)


@bp.post("/<int:year>/submit")
def submit(year: int):
    require("reports.submit")
    _year(year)
    redirect_refusals_to(url_for("reports.year", year=year))
    form = PageForm(schemas.SubmitIn, shows_refusals=False)
    if not form.valid:
        flash(" ".join(m for ms in form.errors.values() for m in ms), "error")
        return redirect(url_for("reports.year", year=year))
    version = services.submit(year, actor_id=current_user.id, narrative_text=form.data.get("narrative"))
    flash(_("The %(year)s report was submitted to the street office as version %(number)s.", year=year,
            number=version.number), "success")
    return redirect(url_for("reports.version", year=year, number=version.number))


def _version(year: int, number: int):
    _year(year)
    return found(services.get_version(year, number), "reports.view")


@bp.get("/<int:year>/versions/<int:number>")
def version(year: int, number: int):
    """A submitted version, as it was submitted, and what changed from the one before."""
    found_version = _version(year, number)
    return render_template("reports/version.html", year=year, version=found_version,
                           parts=services.parts_of(found_version), changes=services.changes_of(found_version),
                           count=len(services.versions(year)),
                           names=accounts.user_names([found_version.submitted_by_id]))


@bp.post("/<int:year>/versions/<int:number>")
def edit_version(year: int, number: int):
    """A submitted version is frozen: an attempt to change it is refused (409)."""
    require("reports.submit")
    services.edit_version(_version(year, number))


# --- exports -----------------------------------------------------------------------------------------

def _when(version) -> str:
    return _moment(version.submitted_at)


@bp.get("/<int:year>/report.xlsx")
def draft_xlsx(year: int):
    require("reports.view")
    current = services.draft(_year(year))
    data = exports.xlsx(current_community().name, year, [p.as_dict() for p in current.parts], current.narrative)
    return spreadsheet.xlsx_download(data, f"report-{year}-draft.xlsx")


@bp.get("/<int:year>/report.pdf")
def draft_pdf(year: int):
    require("reports.view")
    current = services.draft(_year(year))
    data = exports.pdf_bytes(current_community().name, year, [p.as_dict() for p in current.parts],
                             current.narrative)
    return pdf.response(data, f"report-{year}-draft.pdf")


@bp.get("/<int:year>/versions/<int:number>/report.xlsx")
def version_xlsx(year: int, number: int):
    found_version = _version(year, number)
    data = exports.xlsx(current_community().name, year, found_version.parts, found_version.narrative,
                        version_number=number, submitted_at=_when(found_version))
    return spreadsheet.xlsx_download(data, f"report-{year}-v{number}.xlsx")


@bp.get("/<int:year>/versions/<int:number>/report.pdf")
def version_pdf(year: int, number: int):
    found_version = _version(year, number)
    data = exports.pdf_bytes(current_community().name, year, found_version.parts, found_version.narrative,
                             version_number=number, submitted_at=_when(found_version))
    return pdf.response(data, f"report-{year}-v{number}.pdf")


# --- the deadline ------------------------------------------------------------------------------------

@bp.route("/settings", methods=["GET", "POST"])
def settings():
    require("reports.settings")
    current = services.settings()
    form = PageForm(schemas.SettingsIn, initial={"due_month": current.due_month, "due_day": current.due_day})
    if form.valid:
        services.set_deadline(actor_id=current_user.id, **form.data)
        flash(_("Saved."), "success")
        return redirect(url_for("reports.index"))
    return render_template("reports/settings.html", values=form.values, errors=form.errors)

