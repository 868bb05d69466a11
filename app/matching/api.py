"""Matches API: /api/v1/c/<slug>/matches and the batch assignment /api/v1/c/<slug>/matching/batch."""
import logging

from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from app.core.apidoc import collection_schema
from app.core.fields import Id, Length, UtcDateTime
from app.lifecycle import retry_when_locked
from app.matching import disclosure, services
from app.matching.schemas import BatchIn, DeclineIn, RatingIn
from app.matching.words import reasons_text
from app.needs.services import get_need
from app.permissions import can, found, require
from app.units.services import units_of_user
from tenants.web import tenant_routes

logger = logging.getLogger(__name__)

blp = tenant_routes(Blueprint("matches_api", __name__, url_prefix="/api/v1/c/<slug>",
                              description="Matches of needs with offers, and the batch assignment"))


class MatchNeedOut(Schema):
    kind = fields.String()
    title = fields.String()
    details = fields.String()
    slot = fields.String(allow_none=True)
    quantity = fields.Integer()
    window_start = UtcDateTime()
    window_end = UtcDateTime()
    urgency = fields.String()
    requesting_unit = fields.String(allow_none=True, metadata={"description": "for a unit↔unit need"})
    status = fields.String(metadata={"description": "staff only"})
    resident_id = fields.String(allow_none=True, metadata={"description": "staff only"})
    unit_id = fields.String(allow_none=True, metadata={"description": "staff only"})


class BeneficiaryOut(Schema):
    """A unit gets `diet_notes` for meals, and name, home and phone only while the match is accepted or
    confirmed; the staff get the profile (never the sensitive attributes: those are read, audited, on the
    resident's page)."""

    id = fields.String(metadata={"description": "the resident (staff only)"})
    name = fields.String()
    phone = fields.String()
    building = fields.String()
    entrance = fields.String()
    room = fields.String()
    address = fields.String()
    diet_notes = fields.String()
    birth_date = fields.Date(allow_none=True)
    age = fields.Integer(allow_none=True)
    household = fields.String()


class MatchOut(Schema):
    """A match as the caller may see it (app/matching/disclosure.py): fields a unit may not see are absent."""

    id = fields.Function(lambda v: str(v["id"]), required=True)
    need_id = fields.Function(lambda v: str(v["need_id"]))
    offer_id = fields.Function(lambda v: str(v["offer_id"]))
    offer_title = fields.String()
    unit_name = fields.String()
    occurrence = fields.String()
    quantity = fields.Integer()
    score = fields.Float(metadata={"description": "staff only"})
    reasons = fields.List(fields.Dict())
    reasons_text = fields.Function(lambda v: reasons_text(v["reasons"]))
    status = fields.String()
    rating = fields.Integer(allow_none=True)
    comment = fields.String()
    created_at = UtcDateTime()
    need = fields.Nested(MatchNeedOut)
    beneficiary = fields.Nested(BeneficiaryOut, allow_none=True)


class ProposeIn(Schema):
    need_id = Id(required=True)
    offer_id = Id(required=True)


class MatchListArgs(Schema):
    status = fields.String(load_default=None, validate=Length(max=20))
    need_id = Id(load_default=None)


class BatchOut(Schema):
    kind = fields.String()
    day = fields.String()
    slot = fields.String(allow_none=True)
    needs = fields.Integer()
    served = fields.Integer()
    greedy_served = fields.Integer()
    seconds = fields.Float()
    optimal = fields.Dict(keys=fields.String(), values=fields.Integer())
    greedy = fields.Dict(keys=fields.String(), values=fields.Integer())
    proposed = fields.Integer(load_default=0)


MatchList = type("MatchList", (Schema,), {"items": fields.List(fields.Nested(MatchOut)),
                                          "next_cursor": fields.String(allow_none=True)})


def _audience() -> str:
    return disclosure.STAFF if can("matching.propose") else disclosure.UNIT


def _shown(match):
    return disclosure.view_of(match, audience=_audience())


@blp.get("/matches")
@blp.arguments(MatchListArgs, location="query")
@blp.response(200, MatchList)
def list_matches(args):
    """Staff: every match; a unit representative: the matches of their unit's offers, minimised."""
    unit_ids = None if can("matching.propose") else [u.id for u in units_of_user(current_user.id)]
    items = disclosure.match_views([args["status"]] if args["status"] else None, audience=_audience(),
                                   unit_ids=unit_ids, need_id=args["need_id"])
    return {"items": items, "next_cursor": None}


@blp.post("/matches")
@blp.arguments(ProposeIn)
@blp.response(201, MatchOut)
def propose(args):
    """Propose an offer for a need (the unit is asked to accept)."""
    require("matching.propose")
    need = found(get_need(int(args["need_id"])), "matching.propose")
    return _shown(services.propose(need, int(args["offer_id"]), actor_id=current_user.id))


@blp.get("/matches/<int:match_id>")
@blp.response(200, MatchOut)
def get_match(match_id: int):
    return _shown(found(services.get_match(match_id), "matches.view"))


def _act(match_id: int, action: str, step):
    match = found(services.get_match(match_id), action)
    step(match)
    return _shown(match)


@blp.post("/matches/<int:match_id>/accept")
@blp.response(200, MatchOut)
@retry_when_locked
def accept(match_id: int):
    """The unit accepts the proposal."""
    return _act(match_id, "matches.answer", lambda m: services.accept(m, actor_id=current_user.id))


@blp.post("/matches/<int:match_id>/decline")
@blp.arguments(DeclineIn)
@blp.response(200, MatchOut)
@retry_when_locked
def decline(args, match_id: int):
    """The unit declines; the need returns to the pool."""
    return _act(match_id, "matches.answer",
                lambda m: services.decline(m, actor_id=current_user.id, note=args["note"]))


@blp.post("/matches/<int:match_id>/confirm")
@blp.response(200, MatchOut)
@retry_when_locked
def confirm(match_id: int):
    """Confirm an accepted match, booking its places (409 when none are left or someone was faster)."""
    require("matching.confirm")
    return _act(match_id, "matches.view", lambda m: services.confirm(m, actor_id=current_user.id))


@blp.post("/matches/<int:match_id>/deliver")
@blp.response(200, MatchOut)
@retry_when_locked
def deliver(match_id: int):
    return _act(match_id, "matches.deliver", lambda m: services.deliver(m, actor_id=current_user.id))


@blp.post("/matches/<int:match_id>/rating")
@blp.arguments(RatingIn)
@blp.response(200, MatchOut)
def rate(args, match_id: int):
    """The resident (or the coordinator for them) rates a delivered service 1–5."""
    match = found(services.get_match(match_id))
    require("matches.rate", get_need(match.need_id))
    services.rate(match, args["rating"], args["comment"], actor_id=current_user.id)
    return _shown(match)


@blp.post("/matching/batch")
@blp.arguments(BatchIn)
@blp.response(200, BatchOut)
def batch(args):
    """Assign all open needs of a kind on a day at once: most needs served, then best total score.
    The greedy (first come, first served) result is returned beside it."""
    require("matching.batch")
    plan = services.batch_plan(args["kind"], args["day"], args["slot"], actor_id=current_user.id)
    plan["proposed"] = len(services.apply_batch(plan, actor_id=current_user.id)) if args["apply"] else 0
    return plan


class ProposalOut(Schema):
    offer_id = fields.Function(lambda c: str(c.offer_id), required=True)
    score = fields.Float()
    left = fields.Integer()
    distance_m = fields.Float(allow_none=True)
    reasons = fields.List(fields.Dict())
    reasons_text = fields.Function(lambda c: reasons_text(c.reasons))
    community_id = fields.Function(lambda c: str(c.community_id) if c.community_id else None, allow_none=True,
                                   metadata={"description": "set for a neighbouring community's shared offer: "
                                                            "refer the need (POST referrals), it cannot be matched"})
    community_name = fields.Function(lambda c: c.community_name, allow_none=True)
    offer_title = fields.Function(lambda c: c.title, allow_none=True)


ProposalList = collection_schema(ProposalOut, "ProposalList")


@blp.get("/needs/<int:need_id>/proposals")
@blp.response(200, ProposalList)
def proposals(need_id: int):
    """The offers that can serve the need now, best first, with the reasons the coordinator reads; then the
    offers that neighbouring communities of the street share (with `community_id`)."""
    need = found(get_need(need_id), "matching.propose")
    return {"items": services.proposals(need, actor_id=current_user.id), "next_cursor": None}
