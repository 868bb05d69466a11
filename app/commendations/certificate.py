"""An award's certificate (荣誉证书): A4 landscape, in Chinese, with the community's name, the award, the unit, the
year, the citation, the certificate number, the date of issue and a QR code to the public verification page."""
import logging

from flask_babel import gettext as _

from app.commendations.models import Award, Campaign
from app.core import pdf

logger = logging.getLogger(__name__)


def certificate_pdf(award: Award, campaign: Campaign, *, community: str, verify_url: str) -> bytes:
    doc = pdf.Document(_("Certificate of honour"), subtitle=community, landscape=True,
                       author=community, footer=_("Certificate No. %(number)s", number=award.number))
    doc.paragraph(award.unit_name, style="big")
    doc.paragraph(_("is commended by %(community)s as %(category)s of the year %(year)s.", community=community,
                    category=campaign.category, year=campaign.year), style="centred")
    if award.citation:
        doc.spacer(3)
        doc.paragraph(award.citation, style="centred")
    doc.spacer(5)
    doc.paragraph(_("Certificate No. %(number)s · issued on %(date)s", number=award.number,
                    date=award.issued_on.strftime("%Y-%m-%d")), style="centred")
    doc.spacer(3)
    doc.qr(verify_url, size_mm=26, caption=_("Verify this certificate: %(url)s", url=verify_url))
    return doc.bytes()
