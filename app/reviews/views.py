"""Yearly review pages: the reviews by year and the way to open this year's, a review with every unit's year
(figures, the flag for a unit with nothing) and its decision form, keeping the unflagged at once, closing.
Also the review's part of the staff's today page, the council's home and the daily digest."""
import logging

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts import services as accounts
from app.lifecycle import PageForm, redirect_refusals_to
from app.permissions import can, found, require
from app.reviews import schemas, services
from app.reviews.vocabulary import labels
from app.sections import digest, section
from app.units.vocabulary import STATUS_LABELS, TYPE_LABELS
from tenants.web import tenant_routes

logger = logging.getLogger(__name__)

bp = tenant_routes(Blueprint("reviews", __name__, url_prefix="/c/<slug>/reviews"))


@bp.context_processor
def _labels():
    return labels() | {"TYPE_LABELS": TYPE_LABELS, "UNIT_STATUS_LABELS": STATUS_LABELS}


# --- the today page, the council's home, the digest ---------------------------------------------------------

def _due_context() -> dict | None:
    due = services.due()
    return None if due is None else labels() | {"due": due}


def _council_data(context: dict) -> dict:
    due = context["due"]
    url = url_for("reviews.detail", review_id=due["review"].id) if due["review"] else url_for("reviews.index")
    return {"title": _("Yearly review of the member units"), "url": url, "count": due["waiting"],
            "items": [{"id": str(due["review"].id) if due["review"] else None, "kind": due["kind"],
                       "title": _("Yearly review %(year)s", year=due["year"]), "status": due["kind"],
                       "label": _("%(n)s units still to decide", n=due["waiting"]) if due["review"]
                       else _("Not opened yet"), "when": None, "url": url}]}


@section("review", page="today", order=40, template="reviews/_today.html", permission="reviews.view")
def _today():
    """The staff see that a review is due, or how many units it still has to decide."""
    return _due_context()


@section("review", page="council", order=10, template="reviews/_council_home.html", permission="reviews.view",
         data=_council_data)
def _council_home():
    return _due_context()


@digest
def _digest_counts():
    due = services.due()
    return {"review_units_undecided": due["waiting"] if due and due["review"] else 0,
            "review_due": 1 if due and not due["review"] else 0}


# --- the reviews ---------------------------------------------------------------------------------------------

def _render_index(form: PageForm):
    return render_template("reviews/index.html", reviews=services.list_reviews(), values=form.values,
                           errors=form.errors, this_year=services.current_year(), run=can("reviews.run"),
                           this_year_review=services.review_of_year(services.current_year()))


@bp.get("/")
def index():
    """The reviews by year, and (for the council and the staff) the way to open this year's."""
    require("reviews.view")
    return _render_index(PageForm(schemas.ReviewOpenIn, initial={"year": services.current_year()}))


@bp.post("/")
def open_review():
    require("reviews.run")
    form = PageForm(schemas.ReviewOpenIn)
    if not form.valid:
        return _render_index(form)
    review = services.open_review(form.data["year"], actor_id=current_user.id)
    flash(_("The review of %(year)s is open: %(n)s units to decide.", year=review.year, n=len(review.entries)),
          "success")
    return redirect(url_for("reviews.detail", review_id=review.id))


SHOWS = ("all", "undecided", "flagged")
MANY = 20  # an open review with more units than this shows the undecided ones first (a phone's long page)


def _show(review, rows: list[dict]) -> str:
    """Which units the page lists (?show=all|undecided|flagged); by default all, or the undecided of an open
    review with many units."""
    show = request.args.get("show", "")
    if show in SHOWS:
        return show
    return "undecided" if review.is_open and len(rows) > MANY and review.undecided else "all"


def _render_detail(review, *, form: PageForm | None = None, entry_id: int | None = None):
    rows = services.entry_rows(review)
    people = accounts.user_names([review.opened_by_id, review.closed_by_id,
                                  *(row["decided_by_id"] for row in rows)])
    flagged = sum(1 for row in rows if row["flagged"])
    show = _show(review, rows)
    shown = [row for row in rows if show == "all" or row["id"] == entry_id
             or (show == "undecided" and not row["decision"]) or (show == "flagged" and row["flagged"])]
    return render_template("reviews/detail.html", review=review, rows=rows, shown=shown, show=show, people=people,
                           flagged=flagged, run=can("reviews.run") and review.is_open, form_entry=entry_id,
                           errors=form.errors if form else {}, values=form.values if form else {})


@bp.get("/<int:review_id>")
def detail(review_id: int):
    return _render_detail(found(services.get_review(review_id), "reviews.view"))


@bp.post("/<int:review_id>/entries/<int:entry_id>")
def decide(review_id: int, entry_id: int):
    """One unit's decision and its reason; a mistake is shown beside the unit's own form."""
    review = found(services.get_review(review_id), "reviews.run")
    entry = found(services.get_entry(review, entry_id))
    form = PageForm(schemas.DecisionIn)
    if not form.valid:
        return _render_detail(review, form=form, entry_id=entry.id)
    services.decide(review, entry, form.data["decision"], form.data["reason"], actor_id=current_user.id)
    flash(_("%(unit)s: %(decision)s.", unit=entry.unit_name, decision=labels()["DECISION_DONE"][entry.decision]),
          "success")
    show = request.args.get("show")
    return redirect(url_for("reviews.detail", review_id=review.id, show=show if show in SHOWS else None,
                            _anchor=f"entry-{entry.id}"))


@bp.post("/<int:review_id>/keep-unflagged")
def keep_unflagged(review_id: int):
    """Keep at once every unit not decided yet that has something in the year."""
    review = found(services.get_review(review_id), "reviews.run")
    redirect_refusals_to(url_for("reviews.detail", review_id=review_id))
    kept = services.keep_unflagged(review, actor_id=current_user.id)
    flash(_("%(n)s units kept.", n=kept), "success")
    return redirect(url_for("reviews.detail", review_id=review_id))


@bp.post("/<int:review_id>/close")
def close(review_id: int):
    review = found(services.get_review(review_id), "reviews.run")
    redirect_refusals_to(url_for("reviews.detail", review_id=review_id))
    services.close_review(review, actor_id=current_user.id)
    flash(_("The review of %(year)s is closed; its decisions have taken effect.", year=review.year), "success")
    return redirect(url_for("reviews.detail", review_id=review_id))
