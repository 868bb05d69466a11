"""Referrals API: /api/v1/c/<slug>/referrals — needs handed between the communities of one street."""
import logging

from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from app.core.apidoc import collection_schema
from app.core.fields import Id, UtcDateTime
from app.lifecycle import retry_when_locked
from app.needs.services import get_need
from app.permissions import found, require
from app.referrals import services as referrals
from app.referrals.models import REFERRAL_STATUSES
from tenants.web import tenant_routes

logger = logging.getLogger(__name__)

blp = tenant_routes(Blueprint(
    "referrals_api", __name__, url_prefix="/api/v1/c/<slug>/referrals",
    description="Needs referred between the communities of one street: a minimised copy (no name, phone, "
                "address or sensitive data), taken on by a neighbour whose unit shares an offer with the street"))


def _ref(item, key):
    return getattr(item["referral"], key)


def _id(value):
    return str(value) if value is not None else None


class ReferralOut(Schema):
    id = fields.Function(lambda i: str(i["referral"].id), required=True)
    direction = fields.Function(lambda i: i["direction"], metadata={"description": "incoming or outgoing"})
    status = fields.Function(lambda i: _ref(i, "status"))
    source = fields.Function(lambda i: _ref(i, "source"), metadata={"description": "proposed or escalated"})
    summary = fields.Function(lambda i: i["summary"])
    beneficiary = fields.Function(lambda i: i["beneficiary"])
    kind = fields.Function(lambda i: _ref(i, "kind"))
    slot = fields.Function(lambda i: _ref(i, "slot"), allow_none=True)
    window_start = UtcDateTime(getter=lambda i: _ref(i, "window_start"))
    window_end = UtcDateTime(getter=lambda i: _ref(i, "window_end"))
    quantity = fields.Function(lambda i: _ref(i, "quantity"))
    urgency = fields.Function(lambda i: _ref(i, "urgency"))
    elderly = fields.Function(lambda i: _ref(i, "elderly"))
    from_community = fields.Function(lambda i: {"id": str(_ref(i, "from_community_id")), "name": i["from_name"]})
    to_community = fields.Function(lambda i: {"id": _id(_ref(i, "to_community_id")), "name": i["to_name"]}
                                   if _ref(i, "to_community_id") else None, allow_none=True)
    offer_id = fields.Function(lambda i: _id(_ref(i, "offer_id")), allow_none=True)
    offer_title = fields.Function(lambda i: i["offer_title"], allow_none=True)
    need_id = fields.Function(lambda i: _id(i["need_id"]), allow_none=True,
                              metadata={"description": "this community's need for it (the origin's, or the one "
                                                       "registered when taken)"})
    created_at = UtcDateTime(getter=lambda i: _ref(i, "created_at"))
    taken_at = UtcDateTime(getter=lambda i: _ref(i, "taken_at"), allow_none=True)


ReferralList = collection_schema(ReferralOut, "ReferralList")


class ReferralListArgs(Schema):
    box = fields.String(load_default="incoming", validate=validate.OneOf(["incoming", "outgoing"]))
    status = fields.String(load_default=None, validate=validate.OneOf([*REFERRAL_STATUSES, "live"]))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=200))


class ReferIn(Schema):
    need_id = Id(required=True)
    offer_id = Id(required=True,
                  metadata={"description": "a neighbour's shared offer, from the need's proposals"})


def _one(referral):
    return referrals.described([referral])[0]


@blp.get("")
@blp.arguments(ReferralListArgs, location="query")
@blp.response(200, ReferralList)
def list_referrals(args):
    """incoming: referred to this community, or to the whole street, by a neighbour; outgoing: referred from here."""
    require("referrals.view")
    return {"items": referrals.described(referrals.list_referrals(**args)), "next_cursor": None}


@blp.post("")
@blp.arguments(ReferIn)
@blp.response(201, ReferralOut)
def refer(args):
    """Refer a need to the neighbouring community whose shared offer it chose (listed among the need's
    proposals with `community_id`). The need is then followed here as the neighbour takes and serves it."""
    require("referrals.refer")
    need = found(get_need(int(args["need_id"])), "matching.propose")
    return _one(referrals.refer(need, int(args["offer_id"]), actor_id=current_user.id))


@blp.get("/<int:referral_id>")
@blp.response(200, ReferralOut)
def get_referral(referral_id: int):
    return _one(found(referrals.get_referral(referral_id), "referrals.view"))


@blp.post("/<int:referral_id>/take")
@blp.response(200, ReferralOut)
@retry_when_locked
def take(referral_id: int):
    """Take an incoming referral on: a need is registered here for the neighbour's resident (see `need_id`)
    and the chosen shared offer is proposed to its unit. 409 when another community was faster."""
    referral = found(referrals.get_referral(referral_id), "referrals.take")
    referrals.take(referral, actor_id=current_user.id)
    return _one(referral)


@blp.post("/<int:referral_id>/withdraw")
@blp.response(200, ReferralOut)
def withdraw(referral_id: int):
    """The referring community takes the need back; a neighbour that had taken it cancels its own need."""
    referral = found(referrals.get_referral(referral_id), "referrals.withdraw")
    referrals.withdraw(referral, actor_id=current_user.id)
    return _one(referral)
