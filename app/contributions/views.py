"""Contribution record pages: the ranked table of the year for the council and the staff
(/c/<slug>/contributions?year=&sort=, and its XLSX), and a unit's record on the unit's page (with a year picker)."""
import logging

from flask import Blueprint, render_template, request
from flask_babel import gettext as _

from app.contributions import services
from app.contributions.vocabulary import FACT_LABELS
from app.core.spreadsheet import xlsx_download
from app.permissions import require
from app.sections import section
from tenants import clock
from tenants.web import tenant_routes

logger = logging.getLogger(__name__)

bp = tenant_routes(Blueprint("contributions", __name__, url_prefix="/c/<slug>"))
YEARS_BACK = 5  # the year picker offers this many years before the current one


def _year() -> int:
    """The year asked for (?year=), within the picker's years; else the current year."""
    current = clock.today().year
    raw = request.args.get("year", "")
    year = int(raw) if raw.isascii() and raw.isdigit() and len(raw) == 4 else current
    return year if current - YEARS_BACK <= year <= current else current


def _years() -> list[int]:
    current = clock.today().year
    return list(range(current, current - YEARS_BACK - 1, -1))


@section("contributions", page="unit_page", order=10, template="contributions/_unit.html",
         permission="contributions.view_unit")
def _unit_part(unit):
    """The unit's own record of the year, for the unit's representatives, the council and the staff."""
    year = _year()
    return {"unit": unit, "year": year, "years": _years(), "record": services.unit_record(year, unit.id),
            "FACTS": services.SHOWN, "FACT_LABELS": FACT_LABELS}


@bp.get("/contributions")
def index():
    """Every unit's record of the year side by side, ranked by the fact chosen (highest first)."""
    require("contributions.view")
    year = _year()
    sort = request.args.get("sort") if request.args.get("sort") in services.SHOWN else None
    return render_template("contributions/index.html", year=year, years=_years(), sort=sort,
                           rows=services.ranked(year, sort), FACTS=services.SHOWN, FACT_LABELS=FACT_LABELS)


@bp.get("/contributions.xlsx")
def export():
    require("contributions.view")
    year = _year()
    sort = request.args.get("sort") if request.args.get("sort") in services.SHOWN else None
    headings = [_("Rank"), _("Member unit"), *[str(FACT_LABELS[key]) for key in services.SHOWN]]
    return xlsx_download(services.export_xlsx(year, sort, headings), f"contributions-{year}.xlsx")
