"""Council pages: who sits on the council and the resident representatives (for every member), the admin's
forms to appoint and end terms; and the association's public page, /c/<slug>/about (no log-in)."""
import logging

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.core.fields import as_id
from app.council import schemas, services
from app.council.models import POSITIONS
from app.council.vocabulary import POSITION_LABELS
from app.lifecycle import PageForm, read_form, redirect_refusals_to
from app.members import services as members
from app.permissions import can, found, require
from tenants.web import current_community, public, tenant_routes

logger = logging.getLogger(__name__)

bp = tenant_routes(Blueprint("council", __name__, url_prefix="/c/<slug>/council"))
# The association's face to visitors: beside the community's own pages, open without a log-in.
public_bp = tenant_routes(Blueprint("association", __name__, url_prefix="/c/<slug>"))

SEAT_INPUTS = ("position", "term_start", "term_end", "note")


@bp.context_processor
def _labels():
    return {"POSITION_LABELS": POSITION_LABELS, "POSITIONS": POSITIONS}


def _picked(name: str = "user_id", *, exclude: set[int] = frozenset()) -> dict:
    """The member picker without script: the matches of `<name>_q`, and the member chosen so far."""
    query = request.values.get(f"{name}_q", "")[:100]
    matches, more = members.search_members(query) if query else ([], False)
    chosen = as_id(request.values.get(name, ""))
    selected = services.member_pick(chosen) if chosen is not None else None
    return {"matches": [members.pick_item(u) for u in matches if u.id not in exclude], "more": more,
            "selected": selected}


def _render_index(form: PageForm | None = None):
    manage = can("council.manage")
    form = form or PageForm(schemas.SeatIn, initial={"term_start": services.today(), "position": "member",
                                                      **{k: request.args[k] for k in SEAT_INPUTS if k in request.args},
                                                      "user_id_q": request.args.get("user_id_q", "")})
    return render_template(
        "council/index.html", seats=services.current_council(), coming=services.coming_seats() if manage else [],
        history=services.seat_history() if manage else [], representatives=services.representatives(),
        manage=manage, values=form.values, errors=form.errors, pick=_picked() if manage else {},
        today=services.today())


@bp.get("/")
def index():
    """The council by position with its terms, and the representatives by name; the admin's forms."""
    require("council.view")
    return _render_index()


@bp.post("/")
def appoint():
    require("council.manage")
    form = PageForm(schemas.SeatIn)
    if not form.valid:
        return _render_index(form)
    seat = services.appoint(form.data, actor_id=current_user.id)
    view = services.view_of(seat)
    flash(_("%(name)s is appointed %(position)s.", name=view.name, position=view.position_label), "success")
    return redirect(url_for("council.index"))


@bp.post("/<int:seat_id>/end")
def end_term(seat_id: int):
    seat = found(services.get_seat(seat_id), "council.manage")
    redirect_refusals_to(url_for("council.index"))
    note = read_form(schemas.SeatEndIn)["note"]
    view = services.view_of(services.end_term(seat, actor_id=current_user.id, note=note))
    flash(_("The term of %(name)s as %(position)s has ended.", name=view.name, position=view.position_label),
          "success")
    return redirect(url_for("council.index"))


def _render_representatives(form: PageForm | None = None):
    form = form or PageForm(schemas.CouncilRepresentativeIn, initial={"user_id_q": request.args.get("user_id_q", "")})
    people = services.representatives()
    return render_template("council/representatives.html", representatives=people, values=form.values,
                           errors=form.errors, pick=_picked(exclude={p["id"] for p in people}))


@bp.get("/representatives")
def representatives():
    """The admin's list of resident representatives, with appoint (a member picker) and remove."""
    require("council.manage")
    return _render_representatives()


@bp.post("/representatives")
def appoint_representative():
    require("council.manage")
    form = PageForm(schemas.CouncilRepresentativeIn)
    if not form.valid:
        return _render_representatives(form)
    membership = services.appoint_representative(form.data["user_id"])
    flash(_("%(name)s is now a resident representative.",
            name=services.name_of(membership.user_id)), "success")
    return redirect(url_for("council.representatives"))


@bp.post("/representatives/<int:user_id>/remove")
def remove_representative(user_id: int):
    require("council.manage")
    found(services.remove_representative(user_id))
    flash(_("No longer a resident representative."), "success")
    return redirect(url_for("council.representatives"))


@public_bp.get("/about")
@public
def about():
    """What the association is, its council (names and positions), its member units by kind, how to join and
    whom to contact — for anyone, without a log-in; nothing about any resident."""
    community = current_community()
    total, kinds = services.member_units()
    return render_template("council/about.html", seats=services.current_council(), units_total=total,
                           unit_kinds=kinds, join_url=url_for("applications.join"),
                           association=_("%(community)s co-building mutual-aid association",
                                         community=community.name))
