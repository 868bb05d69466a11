"""Ballots API: /api/v1/c/<slug>/ballots — the ballots I am in, a free question put to the vote, my vote, a
representative's veto, a coordinator's paper vote, and the result (409 before closing)."""
import logging

from flask_login import current_user
from flask_smorest import Blueprint

from app.ballots import schemas, services
from app.core.apidoc import collection_schema
from app.core.validation import Conflict
from app.lifecycle import retry_when_locked
from app.permissions import can, found, require
from tenants.web import tenant_routes

logger = logging.getLogger(__name__)

blp = tenant_routes(Blueprint("ballots_api", __name__, url_prefix="/api/v1/c/<slug>/ballots",
                              description="Ballots (表决): unit applications, activity proposals, commendations and "
                                          "free questions put to the council and the resident representatives"))
BallotList = collection_schema(schemas.BallotOut, "BallotList")


def _with_mine(ballot):
    """The ballot with the caller's part in it (in the electorate, excluded and why, voted, what: open only)."""
    elector = ballot.elector(current_user.id)
    part = services.participation(ballot, current_user.id) if elector else None
    ballot.mine = {"in_electorate": elector is not None,
                   "excluded_reason": elector.excluded_reason if elector else None,
                   "voted": part is not None, "choices": services.choices_of(ballot, current_user.id) if part else [],
                   "vetoed": services.veto_of(ballot, current_user.id) is not None}
    return ballot


@blp.get("")
@blp.arguments(schemas.BallotListArgs, location="query")
@blp.response(200, BallotList)
def list_ballots(args):
    """The ballots I am in (staff and the council: every ballot), newest first; `status=waiting`: those
    waiting for my vote."""
    require("ballots.list")
    services.settle_due()  # a ballot past its time is listed closed (or open), not as the job last left it
    if args["status"] == "waiting":
        items = services.waiting_for(current_user.id, limit=200)
    else:
        mine = None if can("ballots.see_all") else current_user.id
        items = services.list_ballots(user_id=mine, status=args["status"], limit=200)
    return {"items": items, "next_cursor": None}


@blp.post("")
@blp.arguments(schemas.BallotIn)
@blp.response(201, schemas.BallotOut)
def create_ballot(args):
    """Put a free question to the vote (staff and the council): open now, or at `opens_at`."""
    require("ballots.create")
    return _with_mine(services.create(**schemas.service_arguments(args), actor_id=current_user.id))


@blp.get("/<int:ballot_id>")
@blp.response(200, schemas.BallotOut)
def get_ballot(ballot_id: int):
    """A ballot, without tallies (they come with the result, after closing)."""
    ballot = found(services.get_current(ballot_id), "ballots.view")  # past its close: closed now, with its result
    return _with_mine(ballot)


@blp.post("/<int:ballot_id>/votes")
@blp.arguments(schemas.VoteIn)
@blp.response(201, schemas.VoteOut)
@retry_when_locked
def cast_vote(args, ballot_id: int):
    """Cast my vote (an open ballot: change it until closing; a secret one: once, 409 after). 409 before
    opening or after closing, 403 outside the electorate or with a conflict of interest."""
    ballot = found(services.get(ballot_id), "ballots.view")
    choices = services.vote(ballot, current_user.id, args["choices"])
    return {"ballot_id": ballot.id, "voted": True, "choices": [] if ballot.secret else choices}


@blp.post("/<int:ballot_id>/veto")
@blp.arguments(schemas.VetoIn)
@blp.response(201, schemas.VetoCountOut)
@retry_when_locked
def veto(args, ballot_id: int):
    """A resident representative in the electorate vetoes, with a reason; at the ballot's limit of distinct
    vetoes it closes at once as vetoed."""
    ballot = found(services.get(ballot_id), "ballots.veto")
    count = services.veto(ballot, current_user.id, args["reason"])
    return {"ballot_id": ballot.id, "vetoes": count, "status": ballot.status}


@blp.post("/<int:ballot_id>/paper-votes")
@blp.arguments(schemas.PaperVoteIn)
@blp.response(201, schemas.VoteOut)
@retry_when_locked
def paper_vote(args, ballot_id: int):
    """Staff record the paper vote of an electorate member without a phone (audited; 409 on a secret ballot)."""
    ballot = found(services.get(ballot_id), "ballots.record_paper")
    choices = services.record_paper_vote(ballot, args["voter_id"], args["choices"], actor_id=current_user.id)
    return {"ballot_id": ballot.id, "voted": True, "choices": choices}


@blp.get("/<int:ballot_id>/results")
@blp.response(200, schemas.BallotResultOut)
def results(ballot_id: int):
    """The result, computed once at closing; 409 while the ballot is not closed."""
    ballot = found(services.get_current(ballot_id), "ballots.view")
    if not ballot.is_closed or ballot.result is None:
        raise Conflict(services.no_results_yet(), "not_closed")
    return {**ballot.result, "ballot_id": ballot.id, "vetoes": services.vetoes(ballot),
            "votes": services.votes_by_voter(ballot)}
