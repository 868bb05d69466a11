"""Good case pages: the staff's list, the form (units ticked or picked, the match, activity or request behind
it), a case's page for the staff (its photos, publish, withdraw, history), the public story
/c/<slug>/cases/<id> (no log-in, published only) and the cases naming a unit on the unit's page."""
import logging

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts import services as accounts
from app.cases import photo_rules, schemas, services  # noqa: F401  (photo_rules registers who sees the photos)
from app.cases.models import LINK_TYPES, STATUSES
from app.cases.vocabulary import HISTORY_LABELS, labels
from app.core.fields import as_id
from app.lifecycle import PageForm, read_form, redirect_refusals_to
from app.permissions import can, found, require
from app.photos import accepts_uploads
from app.photos import services as photo_services
from app.sections import section
from app.units import services as units
from tenants import clock
from tenants.web import current_community, public, tenant_routes

logger = logging.getLogger(__name__)

bp = tenant_routes(Blueprint("cases", __name__, url_prefix="/c/<slug>/cases"))


@bp.context_processor
def _labels():
    return labels() | {"CASE_STATUSES": STATUSES, "LINK_TYPES": LINK_TYPES}


@section("cases", page="unit_page", order=20, template="cases/_unit.html", permission="units.view")
def _unit_part(unit):
    """A unit's page lists the published cases naming it; the staff also find the way to write one."""
    stories = services.stories(services.published(unit_id=unit.id))
    if not (stories or can("cases.manage")):
        return None
    return labels() | {"unit": unit, "stories": stories, "manage": can("cases.manage")}


@bp.get("/")
def index():
    """Every case, newest first (filter by status)."""
    require("cases.manage")
    status = request.args.get("status") if request.args.get("status") in STATUSES else None
    redirect_refusals_to(url_for("cases.index", status=status), say=False)  # a stale cursor
    items, next_cursor = services.list_cases(status=status, cursor=request.args.get("cursor"), limit=50)
    return render_template("cases/index.html", cases=items, next_cursor=next_cursor, status=status,
                           unit_names=units.names_of(uid for case in items for uid in case.unit_ids))


# --- the form -------------------------------------------------------------------------------------

def _picked(values: dict) -> list[int]:
    """The units ticked, with the one just picked."""
    raw = values.get("unit_ids") or []
    ids = [as_id(str(v)) for v in (raw if isinstance(raw, list) else [raw])]
    extra = as_id(str(values.get("unit_add") or ""))
    return list(dict.fromkeys(i for i in [*ids, extra] if i))


def _form_page(form: PageForm, case=None):
    values = form.values
    ids = _picked(values)
    values["unit_ids"] = [str(i) for i in ids]
    values["unit_add"], values["unit_add_q"] = "", request.args.get("unit_add_q", "")
    matches, more = units.search_units(request.args.get("unit_add_q"))
    return render_template("cases/form.html", found=case, values=values, errors=form.errors,
                           chosen_units=units.names_of(ids), unit_matches=[units.pick_item(u) for u in matches],
                           more_units=more)


def _from_query(initial: dict) -> dict:
    """A picker's search sent without script (GET, with everything typed so far), or a link from a unit's page,
    a match, an activity or a request (`?unit_add=`, `?link_type=&link_id=`)."""
    initial = dict(initial)
    for key in request.args:
        if key != "csrf_token":
            initial[key] = request.args.getlist(key) if key == "unit_ids" else request.args[key].strip()
    return initial


def _data(form: PageForm) -> dict:
    data = dict(form.data)
    data["unit_ids"] = _picked({"unit_ids": [str(i) for i in data.get("unit_ids") or []],
                                "unit_add": data.pop("unit_add", None)})
    data["link_type"] = data.get("link_type") or None
    if not data["link_type"]:
        data["link_id"] = None
    return data


def _adding(form: PageForm) -> bool:
    """The "add this unit" button: the form comes back with the unit ticked, nothing saved, nothing told wrong."""
    if form.submitted and request.form.get("action") == "add_unit" and form.refusal is None:
        form.errors.clear()
        return True
    return False


@bp.route("/new", methods=["GET", "POST"])
def create():
    require("cases.manage")
    form = PageForm(schemas.CaseForm, initial=_from_query({"happened_on": clock.today().isoformat()}))
    if _adding(form):
        return _form_page(form)
    if form.valid:
        case = services.create_case(_data(form), actor_id=current_user.id)
        flash(_("Case “%(title)s” saved as a draft; publish it when it is ready.", title=case.title), "success")
        return redirect(url_for("cases.manage", case_id=case.id))
    return _form_page(form)


def _stored(case) -> dict:
    return {"title": case.title, "story": case.story, "happened_on": case.happened_on.isoformat(),
            "unit_ids": [str(i) for i in case.unit_ids], "link_type": case.link_type or "",
            "link_id": str(case.link_id or "")}


@bp.route("/<int:case_id>/edit", methods=["GET", "POST"])
def edit(case_id: int):
    case = found(services.get_case(case_id), "cases.manage")
    initial = _stored(case) if not request.args else _from_query(_stored(case))
    form = PageForm(schemas.CaseForm, initial=initial)
    if _adding(form):
        return _form_page(form, case)
    if form.valid:
        services.update_case(case, _data(form), actor_id=current_user.id)
        flash(_("Saved."), "success")
        return redirect(url_for("cases.manage", case_id=case.id))
    return _form_page(form, case)


# --- a case, for the staff ------------------------------------------------------------------------

def _manage_page(case, form: PageForm | None = None):
    changes = services.history_of(case)
    return render_template(
        "cases/manage.html", found=case, story=services.stories([case])[0], photos=services.photos_of(case),
        changes=changes, actors=accounts.user_names([*(c.actor_id for c in changes), case.published_by_id]),
        HISTORY_LABELS=HISTORY_LABELS, values=form.values if form else {}, errors=form.errors if form else {},
        max_files=current_app.config["UPLOAD_MAX_FILES"],
        max_mb=current_app.config["UPLOAD_MAX_BYTES"] // (1024 * 1024))


@bp.get("/<int:case_id>/manage")
def manage(case_id: int):
    return _manage_page(found(services.get_case(case_id), "cases.manage"))


@bp.post("/<int:case_id>/photos")
@accepts_uploads
def add_photos(case_id: int):
    """Photos of the case, each with what it shows and the consent of the people shown; `public` puts them on
    the public page once the case is published."""
    case = found(services.get_case(case_id), "cases.manage")
    form = PageForm(error_key=photo_services.page_error_key)
    if form.valid:
        files, alts = photo_services.uploads_from(request.files, request.form)
        services.add_photos(case, files, alts, consent=request.form.get("consent") == "y",
                            public=request.form.get("public") == "y", actor_id=current_user.id)
        flash(_("Photos added."), "success")
        return redirect(url_for("cases.manage", case_id=case.id))
    return _manage_page(case, form)


@bp.post("/<int:case_id>/photos/<int:photo_id>/public")
def photo_public(case_id: int, photo_id: int):
    case = found(services.get_case(case_id), "cases.manage")
    photo = found(services.photo_of(case, photo_id))
    photo_services.set_public(photo, request.form.get("public") == "y")
    flash(_("The photo is shown on the public page.") if photo.public else _("The photo is no longer public."),
          "success")
    return redirect(url_for("cases.manage", case_id=case.id))


@bp.post("/<int:case_id>/photos/<int:photo_id>/delete")
def delete_photo(case_id: int, photo_id: int):
    case = found(services.get_case(case_id), "cases.manage")
    photo_services.delete_photo(found(services.photo_of(case, photo_id)))
    flash(_("Photo removed."), "success")
    return redirect(url_for("cases.manage", case_id=case.id))


@bp.post("/<int:case_id>/publish")
def publish(case_id: int):
    case = found(services.get_case(case_id), "cases.manage")
    redirect_refusals_to(url_for("cases.manage", case_id=case.id))
    services.publish(case, actor_id=current_user.id)
    flash(_("The case is published on the community's public pages."), "success")
    return redirect(url_for("cases.manage", case_id=case.id))


@bp.post("/<int:case_id>/withdraw")
def withdraw(case_id: int):
    case = found(services.get_case(case_id), "cases.manage")
    redirect_refusals_to(url_for("cases.manage", case_id=case.id))
    services.withdraw(case, actor_id=current_user.id, note=read_form(schemas.WithdrawIn)["note"])
    flash(_("The case is withdrawn from the public pages."), "success")
    return redirect(url_for("cases.manage", case_id=case.id))


@bp.post("/<int:case_id>/delete")
def delete(case_id: int):
    case = found(services.get_case(case_id), "cases.manage")
    redirect_refusals_to(url_for("cases.manage", case_id=case.id))
    title = case.title
    services.delete_case(case)
    flash(_("Draft “%(title)s” deleted.", title=title), "success")
    return redirect(url_for("cases.index"))


# --- the public story ------------------------------------------------------------------------------

@bp.get("/<int:case_id>")
@public
def story(case_id: int):
    """A published case for anyone (no log-in): its story, units, public photos and what help it was. A draft or
    a withdrawn case is not found."""
    case = services.published_case(case_id)
    if case is None:
        abort(404)
    return render_template("cases/story.html", story=services.stories([case])[0], community=current_community())
