"""Commendations API: /api/v1/c/<slug>/commendations — campaigns (cursor-paged), the formula, opening, the frozen
snapshot and its scores, nominations with citations, the ballot, the announcement, the awards and their
certificates (PDF)."""
import logging

from flask import url_for
from flask_login import current_user
from flask_smorest import Blueprint

from app.commendations import schemas, services
from app.commendations.certificate import certificate_pdf
from app.core import pdf
from app.core.apidoc import collection_schema
from app.permissions import found, require
from app.units import services as units
from tenants.web import current_community, tenant_routes

logger = logging.getLogger(__name__)

blp = tenant_routes(Blueprint("commendations_api", __name__, url_prefix="/api/v1/c/<slug>",
                              description="Commendation campaigns (评优): frozen evidence, the council's formula, "
                                          "nominations, the ballot, awards and certificates"))
CampaignPage = collection_schema(schemas.CampaignOut, "CommendationCampaignPage")
NominationList = collection_schema(schemas.NominationOut, "CommendationNominationList")
AwardList = collection_schema(schemas.AwardOut, "CommendationAwardList")
ResultList = collection_schema(schemas.ResultOut, "CommendationResultList")


def _campaign(campaign_id: int, action: str = "commendations.view"):
    return found(services.get(campaign_id), action)


def _with_urls(awards):
    for award in awards:
        award.verify_url = url_for("honours.verify", certificate_code=award.code, _external=True)
    return awards


@blp.get("/commendations")
@blp.arguments(schemas.CampaignQuery, location="query")
@blp.response(200, CampaignPage)
def list_campaigns(args):
    """The campaigns, newest first (filters: year, status)."""
    require("commendations.view")
    items, next_cursor = services.page_campaigns(**args)
    return {"items": items, "next_cursor": next_cursor}


@blp.post("/commendations")
@blp.arguments(schemas.CampaignIn)
@blp.response(201, schemas.CampaignOut)
def create_campaign(args):
    """A campaign for a year and an award (draft), with the default formula."""
    require("commendations.run")
    return services.create(actor_id=current_user.id, **args)


@blp.get("/commendations/<int:campaign_id>")
@blp.response(200, schemas.CampaignOut)
def get_campaign(campaign_id: int):
    return _campaign(campaign_id)


@blp.patch("/commendations/<int:campaign_id>")
@blp.arguments(schemas.CampaignPatch)
@blp.response(200, schemas.CampaignOut)
def update_campaign(args, campaign_id: int):
    """The number of awards, the choices per voter, the description (until the ballot opens; else 409)."""
    return services.update(_campaign(campaign_id, "commendations.run"), actor_id=current_user.id, **args)


@blp.put("/commendations/<int:campaign_id>/weights")
@blp.arguments(schemas.WeightsBody)
@blp.response(200, schemas.CampaignOut)
def put_weights(args, campaign_id: int):
    """The formula: a weight per fact (0 leaves it out); re-scoring reads the same snapshot."""
    return services.set_weights(_campaign(campaign_id, "commendations.run"), args["weights"],
                                actor_id=current_user.id)


@blp.post("/commendations/<int:campaign_id>/open")
@blp.response(200, schemas.CampaignOut)
def open_campaign(campaign_id: int):
    """Draft → open; every member is told."""
    return services.open_campaign(_campaign(campaign_id, "commendations.run"), actor_id=current_user.id)


@blp.post("/commendations/<int:campaign_id>/score")
@blp.response(200, schemas.CampaignOut)
def score(campaign_id: int):
    """Open → scored: the evidence (every active unit's contribution record of the year) is frozen now."""
    return services.score(_campaign(campaign_id, "commendations.run"), actor_id=current_user.id)


@blp.post("/commendations/<int:campaign_id>/refresh")
@blp.response(200, schemas.CampaignOut)
def refresh(campaign_id: int):
    """A new snapshot of the evidence, only before the first nomination (else 409)."""
    return services.refresh(_campaign(campaign_id, "commendations.run"), actor_id=current_user.id)


@blp.get("/commendations/<int:campaign_id>/snapshot")
@blp.response(200, schemas.SnapshotOut)
def snapshot(campaign_id: int):
    """The frozen evidence: each unit's facts as they were when the campaign was scored."""
    campaign = _campaign(campaign_id)
    return campaign.snapshot or {"taken_at": None, "year": campaign.year, "units": []}


@blp.get("/commendations/<int:campaign_id>/scores")
@blp.response(200, schemas.ScoresOut)
def scores(campaign_id: int):
    """The units of the snapshot with their facts and scores, best first, and the formula in words."""
    campaign = _campaign(campaign_id)
    return {"formula": services.formula_text(campaign), "weights": campaign.weights, "items": services.scores(campaign)}


@blp.get("/commendations/<int:campaign_id>/nominations")
@blp.response(200, NominationList)
def list_nominations(campaign_id: int):
    return {"items": services.nominations(_campaign(campaign_id)), "next_cursor": None}


@blp.post("/commendations/<int:campaign_id>/nominations")
@blp.arguments(schemas.NominationIn)
@blp.response(201, schemas.NominationOut)
def nominate(args, campaign_id: int):
    """Nominate a unit of the snapshot with a citation; a unit outside it, or nominated already: 422 on unit_id."""
    return services.nominate(_campaign(campaign_id, "commendations.nominate"), actor_id=current_user.id, **args)


@blp.post("/commendations/<int:campaign_id>/ballot")
@blp.arguments(schemas.CommendationBallotIn)
@blp.response(201, schemas.CampaignOut)
def open_ballot(args, campaign_id: int):
    """The nominated units to the vote of the council and the representatives (at most N choices); vote through
    /ballots/<ballot_id>/votes."""
    campaign = _campaign(campaign_id, "commendations.run")
    services.open_ballot(campaign, actor_id=current_user.id, **args)
    return campaign


@blp.get("/commendations/<int:campaign_id>/results")
@blp.response(200, ResultList)
def results(campaign_id: int):
    """After the ballot closed: the nominated units by votes (ties by the frozen score) and which are awarded."""
    return {"items": services.results(_campaign(campaign_id)), "next_cursor": None}


@blp.post("/commendations/<int:campaign_id>/announce")
@blp.response(200, AwardList)
def announce(campaign_id: int):
    """Closed → announced: the awards, the honour roll, every member told."""
    made = services.announce(_campaign(campaign_id, "commendations.announce"), actor_id=current_user.id)
    return {"items": _with_urls(made), "next_cursor": None}


@blp.get("/commendations/<int:campaign_id>/awards")
@blp.response(200, AwardList)
def list_awards(campaign_id: int):
    return {"items": _with_urls(services.awards_of(_campaign(campaign_id))), "next_cursor": None}


@blp.get("/commendations/awards/mine")
@blp.response(200, AwardList)
def my_awards():
    """The awards of the units I represent."""
    require("commendations.mine")
    rows = services.awards_of_units(units.represented_unit_ids(current_user.id))
    return {"items": _with_urls([award for award, _c in rows]), "next_cursor": None}


@blp.get("/commendations/awards/<int:award_id>/certificate.pdf")
@blp.response(200, {"format": "binary", "type": "string"}, content_type="application/pdf")
def certificate(award_id: int):
    """The award's certificate (A4 landscape, Chinese, with its number and a QR code to the verification page)."""
    award = found(services.get_award(award_id), "commendations.certificate")
    campaign = services.get(award.campaign_id)
    url = url_for("honours.verify", certificate_code=award.code, _external=True)
    return pdf.response(certificate_pdf(award, campaign, community=current_community().name, verify_url=url),
                        f"certificate-{award.number}.pdf")


