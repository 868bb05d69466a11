"""Public works pages: the list with the year's figures, the form with its lines of work, a request with a
progress bar per line, its moves and its history."""
import logging

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app import yearbook
from app.accounts import services as accounts
from app.core.fields import as_id
from app.lifecycle import PageForm, redirect_refusals_to
from app.needs import services as needs
from app.permissions import can, found, require
from app.publicworks import schemas, services
from app.publicworks.models import CATEGORIES, MEASURES, STATUSES
from app.publicworks.vocabulary import labels
from app.publicworks.year import public_works_part
from app.sections import section
from app.units import services as units
from tenants.web import tenant_routes

logger = logging.getLogger(__name__)

# The public works part of the year (app.yearbook): the report, the dashboards and the street read it.
yearbook.part("public_works", order=50, title=_l("Public works"), street=yearbook.no_street_figures)(
    public_works_part)

bp = tenant_routes(Blueprint("public_works", __name__, url_prefix="/c/<slug>/public-works"))


@section("public_works", page="need", order=20, template="publicworks/_need.html", permission="needs.view")
def _need_part(need):
    """A public works need shows the requests filed for it, and the way to write one."""
    if need.kind != "public_works":
        return None
    works = services.requests_of_need(need.id) if can("public_works.view") else []
    if not (works or can("public_works.manage")):
        return None
    return {"need": need, "public_works": works}
TEXT_FIELDS = ("category", "title", "location", "department", "due_on", "description")
EMPTY_ROWS = 2  # blank lines offered under the filled ones (no script needed to add a line)


@bp.context_processor
def _labels():
    return labels() | {"CATEGORIES": CATEGORIES, "MEASURES": MEASURES, "PW_STATUSES": STATUSES,
                       "today": services.today(), "number": services.quantity_text}


def _council_data(context: dict) -> dict:
    return {"title": _("Public works under way"), "url": url_for("public_works.index", status="open"),
            "count": len(context["requests"]),
            "items": [{"id": str(r.id), "kind": r.category, "title": r.title, "status": r.status,
                       "label": str(context["PW_STATUS_LABELS"][r.status]),
                       "when": r.due_on.isoformat() if r.due_on else None,
                       "url": url_for("public_works.detail", public_works_id=r.id)} for r in context["requests"]]}


@section("public_works", page="council", order=30, template="publicworks/_council_home.html",
         permission="public_works.view", data=_council_data)
def _council_home():
    """What the council follows: the requests with the municipal departments, not yet answered."""
    requests, _next = services.list_requests(status="open", limit=5)
    return _labels() | {"requests": requests}


@bp.get("/")
def index():
    """The requests (filter by status and category) and the year's figures."""
    require("public_works.view")
    status = request.args.get("status") if request.args.get("status") in (*STATUSES, "open") else None
    category = request.args.get("category") if request.args.get("category") in CATEGORIES else None
    year = request.args.get("year", "")
    year = int(year) if year.isdigit() and 2000 <= int(year) <= 2100 else None
    redirect_refusals_to(url_for("public_works.index", status=status, category=category), say=False)  # a stale cursor
    items, next_cursor = services.list_requests(status=status, category=category, cursor=request.args.get("cursor"),
                                                limit=50)
    return render_template("publicworks/index.html", requests=items, next_cursor=next_cursor, status=status,
                           category=category, summary=services.summary(year))


# --- the form -------------------------------------------------------------------------------------

def _rows_of(pw) -> list[dict]:
    return [{"id": str(line.id), "description": line.description, "measure": line.measure,
             "planned": services.quantity_text(line.planned), "done": line.done} for line in pw.lines]


def _render_form(pw, form: PageForm, rows: list[dict], need=None):
    rows = list(rows) + [{"id": "", "description": "", "measure": "m2", "planned": ""} for _ in range(EMPTY_ROWS)]
    return render_template("publicworks/form.html", found=pw, values=form.values, rows=rows, errors=form.errors,
                           need=need)


@bp.route("/new", methods=["GET", "POST"])
def create():
    """Write a request; from a resident's public works need (`?need_id=`) its title and details come along."""
    require("public_works.manage")
    need_id = request.values.get("need_id", "")
    need = needs.get_need(need_ref) if (need_ref := as_id(need_id)) else None
    schema = schemas.PublicWorksForm()
    # The need may come in the query; the service says when it is not a need this request can come from.
    form = PageForm(schema, source=request.values, error_key=schema.input_of, initial={
        "category": "road", "title": need.title if need else "", "description": need.details if need else ""})
    if form.valid:
        created = services.create_request(form.data, actor_id=current_user.id)
        flash(_("Request “%(title)s” saved as a draft; file it when it goes to the department.",
                title=created.title), "success")
        return redirect(url_for("public_works.detail", public_works_id=created.id))
    return _render_form(None, form, schema.rows, need=need)


@bp.route("/<int:public_works_id>/edit", methods=["GET", "POST"])
def edit(public_works_id: int):
    pw = found(services.get_request(public_works_id), "public_works.manage")
    if pw.is_closed:
        flash(_("A closed request cannot be changed."), "error")
        return redirect(url_for("public_works.detail", public_works_id=pw.id))
    schema = schemas.PublicWorksForm(partial=True, exclude=("need_id",))
    form = PageForm(schema, error_key=schema.input_of, initial={key: getattr(pw, key) for key in TEXT_FIELDS})
    if form.valid:
        services.update_request(pw, form.data, actor_id=current_user.id)
        flash(_("Saved."), "success")
        return redirect(url_for("public_works.detail", public_works_id=public_works_id))
    if form.submitted:  # the rows as sent, with what is done on the lines that have work
        done_of = {str(line.id): line.done for line in pw.lines}
        rows = [row | {"done": done_of.get(row["id"])} for row in schema.rows]
    else:
        rows = _rows_of(pw)
    return _render_form(pw, form, rows, need=needs.get_need(pw.need_id) if pw.need_id else None)


# --- a request ------------------------------------------------------------------------------------

def _render_detail(pw, *, form: PageForm | None = None, which: str | None = None):
    changes = services.history_of(pw)
    need = needs.get_need(pw.need_id) if pw.need_id else None
    if need is not None and not can("needs.view", need):
        need = None  # the council follows the request, not the resident's need it came from
    helper_values = {"unit_id_q": request.args.get("unit_id_q", "")}
    matches, more = units.search_units(helper_values["unit_id_q"]) if can("public_works.manage") else ([], False)
    if which == "helper" and form is not None:
        helper_values = form.values
    moves = [to for to in ("filed", "in_progress", "rejected", "cancelled")
             if to in services.MOVES.get(pw.status, set())] if can("public_works.manage") else []
    return render_template(
        "publicworks/detail.html", found=pw, changes=changes, need=need, moves=moves,
        actors=accounts.user_names(c.actor_id for c in changes), errors=form.errors if form else {},
        values=form.values if form and which != "helper" else {}, form=which, manage=can("public_works.manage"),
        helper_values=helper_values, helper_errors=form.errors if form and which == "helper" else {},
        helper_matches=[units.pick_item(u) for u in matches], helper_more=more)


@bp.get("/<int:public_works_id>")
def detail(public_works_id: int):
    return _render_detail(found(services.get_request(public_works_id), "public_works.view"))


@bp.post("/<int:public_works_id>/moves")
def move(public_works_id: int):
    """File, start, reject (with the reason) or withdraw; completing goes with the done quantities (progress)."""
    pw = found(services.get_request(public_works_id), "public_works.manage")
    redirect_refusals_to(url_for("public_works.detail", public_works_id=public_works_id))  # a conflict
    form = PageForm(schemas.PublicWorksMoveIn)  # the move is one of its `to`
    if not form.valid:
        return _render_detail(pw, form=form, which=form.values.get("to", ""))
    services.move(pw, form.data["to"], actor_id=current_user.id, on=form.data["on"], note=form.data["note"])
    flash(_("Saved: %(status)s.", status=labels()["PW_STATUS_LABELS"][pw.status]), "success")
    return redirect(url_for("public_works.detail", public_works_id=public_works_id))


@bp.post("/<int:public_works_id>/progress")
def progress(public_works_id: int):
    """The done quantities per line; "save and mark as done" completes the request in the same step."""
    pw = found(services.get_request(public_works_id), "public_works.manage")
    complete = request.form.get("action") == "complete"
    redirect_refusals_to(url_for("public_works.detail", public_works_id=public_works_id))  # a conflict
    schema = schemas.PublicWorksProgressForm()
    form = PageForm(schema, error_key=schema.input_of)
    if not form.valid:
        return _render_detail(pw, form=form, which="progress")
    services.record_progress(pw, form.data, actor_id=current_user.id)
    if complete:
        services.move(pw, "done", actor_id=current_user.id, on=form.data["on"], note=form.data["note"])
    flash(_("The request is done.") if complete else _("Progress saved."), "success")
    return redirect(url_for("public_works.detail", public_works_id=public_works_id))


# --- the units that helped --------------------------------------------------------------------------

@bp.post("/<int:public_works_id>/helpers")
def add_helper(public_works_id: int):
    """Name a member unit that helped, and what it did (naming it again changes what it did)."""
    pw = found(services.get_request(public_works_id), "public_works.manage")
    form = PageForm(schemas.PublicWorksHelperIn)
    if not form.valid:
        return _render_detail(pw, form=form, which="helper")
    helper = services.add_helper(pw, form.data, actor_id=current_user.id)
    flash(_("%(unit)s is named as a unit that helped.", unit=helper.unit_name), "success")
    return redirect(url_for("public_works.detail", public_works_id=pw.id, _anchor="helpers"))


@bp.post("/<int:public_works_id>/helpers/<int:helper_id>/remove")
def remove_helper(public_works_id: int, helper_id: int):
    pw = found(services.get_request(public_works_id), "public_works.manage")
    services.remove_helper(pw, found(services.get_helper(pw, helper_id)))
    flash(_("The unit is no longer named."), "success")
    return redirect(url_for("public_works.detail", public_works_id=pw.id, _anchor="helpers"))
