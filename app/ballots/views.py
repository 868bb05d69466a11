"""Ballot pages: the list (waiting for my vote, open, closed), a free question's form, and the ballot itself —
one question a screen with large answers for an elderly representative on a phone, the result once closed,
and for staff the electorate with participation marks and the paper-vote form."""
import logging
from datetime import timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.ballots import schemas, services
from app.ballots.models import ROLES_THAT_VOTE, THRESHOLDS
from app.ballots.vocabulary import (
    HISTORY_LABELS,
    OUTCOME_LABELS,
    STATUS_LABELS,
    SUBJECT_LABELS,
    THRESHOLD_LABELS,
    YES_NO_LABELS,
    option_label,
    rules_text,
)
from app.lifecycle import PageForm, redirect_refusals_to, retry_when_locked
from app.permissions import can, found, require
from app.sections import digest, section
from tenants import clock
from tenants.web import tenant_routes

logger = logging.getLogger(__name__)

bp = tenant_routes(Blueprint("ballots", __name__, url_prefix="/c/<slug>/ballots"))


@bp.context_processor
def _labels():
    return {"BALLOT_STATUS_LABELS": STATUS_LABELS, "HISTORY_LABELS": HISTORY_LABELS, "OUTCOME_LABELS": OUTCOME_LABELS,
            "SUBJECT_LABELS": SUBJECT_LABELS, "THRESHOLD_LABELS": THRESHOLD_LABELS, "YES_NO_LABELS": YES_NO_LABELS,
            "option_label": option_label, "rules_text": rules_text}


# --- the homes and the today page -----------------------------------------------------------------

def _council_data(context: dict) -> dict:
    return {"title": _("Ballots waiting for my vote"), "url": url_for("ballots.index"),
            "count": len(context["ballots"]),
            "items": [{"id": str(b.id), "kind": b.subject_type, "title": b.title, "status": b.status,
                       "label": str(STATUS_LABELS[b.status]), "when": b.closes.isoformat(),
                       "url": url_for("ballots.show", ballot_id=b.id)} for b in context["ballots"]]}


@section("ballots", page="council", order=10, template="ballots/_council_home.html", permission="ballots.list",
         data=_council_data)
def _council_home():
    """The ballots the member may vote in and has not yet, soonest closing first."""
    services.settle_due()  # one past its close is not waiting any more
    return _labels() | {"ballots": services.waiting_for(current_user.id, limit=10)}


@section("ballots", page="today", order=40, template="ballots/_today.html", permission="ballots.record_paper")
def _today():
    """Staff: ballots closing in the next 24 hours (paper votes to type in before then)."""
    services.settle_due()
    return _labels() | {"ballots": services.closing_within(24)}


@digest
def _digest_counts():
    return services.counts()


# --- the list and the form ------------------------------------------------------------------------

@bp.get("/")
def index():
    require("ballots.list")
    services.settle_due()  # a ballot past its time is shown closed (or open), not as the job last left it
    mine = None if can("ballots.see_all") else current_user.id
    every = services.list_ballots(user_id=mine, limit=200)
    waiting = services.waiting_for(current_user.id)
    waiting_ids = {b.id for b in waiting}
    return render_template("ballots/index.html", waiting=waiting,
                           open=[b for b in every if b.is_open and b.id not in waiting_ids],
                           drafts=[b for b in every if b.status == "draft"],
                           closed=[b for b in every if b.is_closed])


@bp.route("/new", methods=["GET", "POST"])
def create():
    """A free question put to the vote (staff and the council)."""
    require("ballots.create")
    now = clock.now()
    closes = (now + timedelta(days=7)).replace(hour=18, minute=0, second=0, microsecond=0, tzinfo=None)
    form = PageForm(schemas.BallotForm(), initial={
        "kind": "yes_no", "quorum_pct": 50, "threshold": "majority", "max_choices": 1,
        "roles": ["council", "representative"], "closes_at": closes.isoformat(timespec="minutes")})
    if form.valid:
        ballot = services.create(**schemas.service_arguments(form.data), actor_id=current_user.id)
        flash(_("The ballot is open: the voters have been told.") if ballot.is_open
              else _("The ballot is saved; it opens at the time you gave."), "success")
        return redirect(url_for("ballots.show", ballot_id=ballot.id))
    return render_template("ballots/form.html", values=form.values, errors=form.errors, roles=ROLES_THAT_VOTE,
                           thresholds=THRESHOLDS)


# --- a ballot -------------------------------------------------------------------------------------

def _render(ballot, *, form: PageForm | None = None, which: str | None = None):
    user_id = current_user.id
    elector = ballot.elector(user_id)
    part = services.participation(ballot, user_id) if elector else None
    staff = can("ballots.record_paper")
    errors = form.errors if form else {}
    values = form.values if form else {}
    changing = request.args.get("change") == "1" and part is not None and not ballot.secret
    electors = services.electors(ballot) if staff or ballot.is_closed else None
    changes = services.history_of(ballot)
    names = services.user_names([e["recorded_by_id"] for e in electors or []] + [c.actor_id for c in changes]
                                + [part.recorded_by_id if part else None])
    return render_template(
        "ballots/show.html", ballot=ballot, elector=elector, voted=part is not None, changing=changing,
        recorded_by=names.get(part.recorded_by_id) if part and part.recorded_by_id else None,
        my_choices=services.choices_of(ballot, user_id) if part else [],
        may_veto=(ballot.veto_limit is not None and ballot.is_open and elector is not None and not elector.excluded
                  and can("ballots.veto")),
        my_veto=services.veto_of(ballot, user_id), vetoes=services.vetoes(ballot),
        electors=electors, staff=staff, votes=services.votes_by_voter(ballot), errors=errors, values=values,
        form=which, names=names, history=changes)


@bp.get("/<int:ballot_id>")
def show(ballot_id: int):
    ballot = found(services.get_current(ballot_id), "ballots.view")  # past its close: the result, no vote form
    return _render(ballot)


@bp.post("/<int:ballot_id>/vote")
@retry_when_locked
def vote(ballot_id: int):
    """Cast (or change, on an open ballot) my vote: one answer, or up to N."""
    ballot = found(services.get(ballot_id), "ballots.view")
    redirect_refusals_to(url_for("ballots.show", ballot_id=ballot_id))  # closed, not open yet, already voted
    form = PageForm(schemas.VoteIn, shows_refusals=False)
    if not form.valid:
        return _render(ballot, form=form, which="vote"), 422
    services.vote(ballot, current_user.id, form.data["choices"])
    flash(_("Your vote is recorded."), "success")
    return redirect(url_for("ballots.show", ballot_id=ballot_id))


@bp.post("/<int:ballot_id>/veto")
@retry_when_locked
def veto(ballot_id: int):
    ballot = found(services.get(ballot_id), "ballots.veto")
    redirect_refusals_to(url_for("ballots.show", ballot_id=ballot_id))
    form = PageForm(schemas.VetoIn, shows_refusals=False)
    if not form.valid:
        return _render(ballot, form=form, which="veto"), 422
    services.veto(ballot, current_user.id, form.data["reason"])
    flash(_("Your veto is recorded with its reason."), "success")
    return redirect(url_for("ballots.show", ballot_id=ballot_id))


@bp.post("/<int:ballot_id>/paper-votes")
@retry_when_locked
def paper_vote(ballot_id: int):
    """A coordinator types in the paper vote of a member without a phone."""
    ballot = found(services.get(ballot_id), "ballots.record_paper")
    redirect_refusals_to(url_for("ballots.show", ballot_id=ballot_id))
    form = PageForm(schemas.PaperVoteIn, shows_refusals=False)
    if not form.valid:
        return _render(ballot, form=form, which="paper"), 422
    services.record_paper_vote(ballot, form.data["voter_id"], form.data["choices"], actor_id=current_user.id)
    flash(_("The paper vote is recorded in your name."), "success")
    return redirect(url_for("ballots.show", ballot_id=ballot_id))
