"""The street office's pages: its streets, the comparison of a street's communities for a year, its spreadsheet."""
import logging

from flask import Blueprint, abort, render_template, request
from flask_login import current_user, login_required

from app.core import spreadsheet
from app.lifecycle import PageForm
from app.streets import exports, services
from app.streets.access import street_for_viewer
from app.streets.schemas import YearQuery
from tenants import clock

logger = logging.getLogger(__name__)

bp = Blueprint("streets", __name__, url_prefix="/s")


def _year_form():
    form = PageForm(YearQuery, source=request.args, submitted="year" in request.args)
    this_year = clock.today().year
    year = form.data.get("year") if form.valid and form.data.get("year") else this_year
    return form, year, this_year


@bp.get("/")
@login_required
def home():
    """The viewer's streets (the home page sends a viewer of one street straight to it)."""
    mine = services.streets_of(current_user.id)
    if not mine:
        abort(404)
    return render_template("streets/home.html", streets=mine)


@bp.get("/<street_slug>/")
@login_required
def compare(street_slug: str):
    street = street_for_viewer(street_slug)
    form, year, this_year = _year_form()
    comparison = services.compare(street, year)
    return render_template("streets/compare.html", street=street, comparison=comparison, year=year,
                           years=services.year_choices(this_year), values=form.values, errors=form.errors,
                           **exports.labels())


@bp.get("/<street_slug>/export.xlsx")
@login_required
def export(street_slug: str):
    street = street_for_viewer(street_slug)
    _form, year, _this_year = _year_form()
    content = exports.comparison_xlsx(services.compare(street, year))
    return spreadsheet.xlsx_download(content, f"street-{street.slug}-{year}.xlsx")


@bp.app_context_processor
def _my_streets():
    """`my_streets()` for the top bar: the streets the signed-in person may look at (asked only where shown)."""

    def my_streets():
        return services.streets_of(current_user.id) if current_user.is_authenticated else []

    return {"my_streets": my_streets}


@bp.get("/<street_slug>/reports/<community_slug>/<int:year>/<int:number>")
@login_required
def report(street_slug: str, community_slug: str, year: int, number: int):
    """A community's submitted report, version `number`, read only as it was frozen."""
    street = street_for_viewer(street_slug)
    found = services.submitted_report(street, community_slug, year, number)
    if found is None:
        abort(404)
    return render_template("streets/report.html", street=street, report=found, **exports.labels())
