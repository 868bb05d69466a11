"""Public works pages: the list with the year's figures, the form with its lines of work, a request with a
progress bar per line, its moves and its history."""
import logging
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.core.extensions import db
from app.core.validation import Conflict, ValidationFailed
from app.matching import listings
from app.needs import services as needs
from app.permissions import can, found, require
from app.publicworks import services
from app.publicworks.models import CATEGORIES, MEASURES, STATUSES
from app.publicworks.vocabulary import labels
from app.sections import section
from tenants.web import tenant_routes

logger = logging.getLogger(__name__)

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


def _request_or_404(public_works_id: int, action: str = "public_works.view"):
    return found(services.get_request(public_works_id), action)


def _message(err) -> str:
    return getattr(err, "message", None) or "; ".join(m for ms in getattr(err, "fields", {}).values() for m in ms)


@bp.get("/")
def index():
    """The requests (filter by status and category) and the year's figures."""
    require("public_works.view")
    status = request.args.get("status") if request.args.get("status") in (*STATUSES, "open") else None
    category = request.args.get("category") if request.args.get("category") in CATEGORIES else None
    year = request.args.get("year", "")
    year = int(year) if year.isdigit() and 2000 <= int(year) <= 2100 else None
    try:
        items, next_cursor = services.list_requests(status=status, category=category,
                                                    cursor=request.args.get("cursor"), limit=50)
    except ValidationFailed:
        return redirect(url_for("public_works.index", status=status, category=category))
    return render_template("publicworks/index.html", requests=items, next_cursor=next_cursor, status=status,
                           category=category, summary=services.summary(year))


# --- the form -------------------------------------------------------------------------------------

def _rows_of(found) -> list[dict]:
    return [{"id": str(line.id), "description": line.description, "measure": line.measure,
             "planned": services.quantity_text(line.planned), "done": line.done} for line in found.lines]


def _form() -> tuple[dict, dict, list[int]]:
    """(data for the service, values to show again, the form row of each line sent)."""
    form = request.form
    values = {key: form.get(key, "").strip() for key in TEXT_FIELDS}
    data = dict(values)
    if not data["due_on"]:
        data["due_on"] = None
    count = min(int(form.get("line_count", "0")) if form.get("line_count", "").isdigit() else 0, 60)
    rows, lines, row_of = [], [], []
    for i in range(count):
        row = {key: form.get(f"line-{i}-{key}", "").strip() for key in ("id", "description", "measure", "planned")}
        rows.append(row)
        if not (row["description"] or row["planned"]):
            continue  # a blank line left over, or a line emptied to remove it
        lines.append({"id": row["id"] or None, "description": row["description"], "measure": row["measure"],
                      "planned": row["planned"]})
        row_of.append(i)
    data["lines"] = lines
    values["rows"] = rows
    return data, values, row_of


def _errors(fields: dict, row_of: list[int]) -> dict[str, list[str]]:
    """Service errors keyed as the form's inputs: "lines.2.planned" is the planned quantity of form row row_of[2]."""
    errors: dict[str, list[str]] = {}
    for key, messages in fields.items():
        parts = str(key).split(".")
        if parts[0] == "lines" and len(parts) >= 3 and parts[1].isdigit() and int(parts[1]) < len(row_of):
            key = f"line-{row_of[int(parts[1])]}-{parts[2]}"
        errors.setdefault(key, []).extend(messages)
    return errors


def _render_form(found, values, errors, need=None):
    rows = list(values.get("rows") or [])
    rows += [{"id": "", "description": "", "measure": "m2", "planned": ""} for _ in range(EMPTY_ROWS)]
    return render_template("publicworks/form.html", found=found, values=values, rows=rows, errors=errors,
                           need=need), (422 if errors else 200)


@bp.route("/new", methods=["GET", "POST"])
def create():
    """Write a request; from a resident's public works need (`?need_id=`) its title and details come along."""
    require("public_works.manage")
    need_id = request.values.get("need_id", "")
    need = needs.get_need(int(need_id)) if need_id.isdigit() and len(need_id) <= 10 else None
    values = {"category": "road", "title": need.title if need else "", "description": need.details if need else "",
              "rows": []}
    errors = {}
    if request.method == "POST":
        data, values, row_of = _form()
        if need_id:
            data["need_id"] = need_id  # the service says when it is not a need this request can come from
        try:
            created = services.create_request(data, actor_id=current_user.id)
            db.session.commit()
            flash(_("Request “%(title)s” saved as a draft; file it when it goes to the department.",
                    title=created.title), "success")
            return redirect(url_for("public_works.detail", public_works_id=created.id))
        except ValidationFailed as err:
            db.session.rollback()
            errors = _errors(err.fields, row_of)
    return _render_form(None, values, errors, need=need)


@bp.route("/<int:public_works_id>/edit", methods=["GET", "POST"])
def edit(public_works_id: int):
    found = _request_or_404(public_works_id, "public_works.manage")
    if found.is_closed:
        flash(_("A closed request cannot be changed."), "error")
        return redirect(url_for("public_works.detail", public_works_id=found.id))
    values = {key: getattr(found, key) for key in TEXT_FIELDS}
    values = {k: ("" if v is None else v.isoformat() if hasattr(v, "isoformat") else v) for k, v in values.items()}
    values["rows"] = _rows_of(found)
    errors = {}
    if request.method == "POST":
        data, values, row_of = _form()
        try:
            services.update_request(found, data, actor_id=current_user.id)
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("public_works.detail", public_works_id=public_works_id))
        except (ValidationFailed, Conflict) as err:
            db.session.rollback()
            errors = _errors(err.fields, row_of) if isinstance(err, ValidationFailed) else {"_schema": [err.message]}
            found = _request_or_404(public_works_id, "public_works.manage")
            done_of = {str(line.id): line.done for line in found.lines}
            for row in values["rows"]:
                row["done"] = done_of.get(row["id"])
    return _render_form(found, values, errors, need=needs.get_need(found.need_id) if found.need_id else None)


# --- a request ------------------------------------------------------------------------------------

def _render_detail(found, *, errors=None, values=None, form=None, status_code=200):
    changes = services.history_of(found)
    need = needs.get_need(found.need_id) if found.need_id else None
    moves = [to for to in ("filed", "in_progress", "rejected", "cancelled")
             if to in services.MOVES.get(found.status, set())] if can("public_works.manage") else []
    return render_template(
        "publicworks/detail.html", found=found, changes=changes, need=need, moves=moves,
        actors=listings.user_names(c.actor_id for c in changes), errors=errors or {}, values=values or {},
        form=form, manage=can("public_works.manage")), status_code


@bp.get("/<int:public_works_id>")
def detail(public_works_id: int):
    return _render_detail(_request_or_404(public_works_id))


@bp.post("/<int:public_works_id>/moves")
def move(public_works_id: int):
    """File, start, reject (with the reason) or withdraw; completing goes with the done quantities (progress)."""
    found = _request_or_404(public_works_id, "public_works.manage")
    to = request.form.get("to", "")
    if to not in ("filed", "in_progress", "done", "rejected", "cancelled"):
        abort(400)
    values = {"on": request.form.get("on", "").strip(), "note": request.form.get("note", "").strip()}
    try:
        on = _day(values["on"], "on")
        services.move(found, to, actor_id=current_user.id, on=on, note=values["note"][:500])
        db.session.commit()
        flash(_("Saved: %(status)s.", status=labels()["PW_STATUS_LABELS"][found.status]), "success")
    except ValidationFailed as err:
        db.session.rollback()
        return _render_detail(_request_or_404(public_works_id), errors=_errors(err.fields, []), values=values,
                              form=to, status_code=422)
    except Conflict as err:
        db.session.rollback()
        flash(err.message, "error")
    return redirect(url_for("public_works.detail", public_works_id=public_works_id))


def _day(text: str, field: str):
    if not text:
        return None

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed({field: [_("Must be a date (YYYY-MM-DD).")]}) from None


@bp.post("/<int:public_works_id>/progress")
def progress(public_works_id: int):
    """The done quantities per line; "save and mark as done" completes the request in the same step."""
    found = _request_or_404(public_works_id, "public_works.manage")
    complete = request.form.get("action") == "complete"
    line_ids = [line.id for line in found.lines]
    values = {f"done-{i}": request.form.get(f"done-{i}", "").strip() for i in line_ids}
    values |= {"on": request.form.get("on", "").strip(), "note": request.form.get("note", "").strip()}
    try:
        on = _day(values["on"], "on")
        services.record_progress(found, {"lines": [{"id": str(i), "done": values[f"done-{i}"]} for i in line_ids],
                                         "note": values["note"][:500]}, actor_id=current_user.id)
        if complete:
            services.move(found, "done", actor_id=current_user.id, on=on, note=values["note"][:500])
        db.session.commit()
        flash(_("The request is done.") if complete else _("Progress saved."), "success")
    except ValidationFailed as err:
        db.session.rollback()
        errors = {}
        for key, messages in err.fields.items():
            parts = str(key).split(".")
            if parts[0] == "lines" and len(parts) >= 3 and parts[1].isdigit() and int(parts[1]) < len(line_ids):
                key = f"done-{line_ids[int(parts[1])]}"
            errors.setdefault(key, []).extend(messages)
        return _render_detail(_request_or_404(public_works_id), errors=errors, values=values, form="progress",
                              status_code=422)
    except Conflict as err:
        db.session.rollback()
        flash(err.message, "error")
    return redirect(url_for("public_works.detail", public_works_id=public_works_id))
