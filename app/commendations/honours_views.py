"""The public face of the commendations (no log-in): /c/<slug>/honours, the honour roll of every announced
award by year and category, with the units and their citations, and the community's published good cases
(典型事例, app/cases); and
/c/<slug>/verify/<certificate_code>, what a certificate's QR code opens: it confirms the certificate or answers 404.
No person is named on either page. A suspended or unknown community answers 404 (tenants.web)."""
import logging

from flask import Blueprint, render_template

from app.cases import services as cases
from app.commendations import services
from tenants.web import current_community, public, tenant_routes

logger = logging.getLogger(__name__)

bp = tenant_routes(Blueprint("honours", __name__, url_prefix="/c/<slug>"))


@bp.get("/honours")
@public
def index():
    return render_template("commendations/honours.html", roll=services.honour_roll(), community=current_community(),
                           stories=cases.stories(cases.published()))


@bp.get("/verify/<certificate_code>")
@public
def verify(certificate_code: str):
    award = services.award_by_code(certificate_code)
    if award is None:
        return render_template("commendations/verify.html", award=None, campaign=None,
                               community=current_community()), 404
    return render_template("commendations/verify.html", award=award, campaign=services.get(award.campaign_id),
                           community=current_community())
