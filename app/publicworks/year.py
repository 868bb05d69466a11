"""The public works' part of the year (app.yearbook): the requests filed with the departments in the year and
those done, and the quantities of their lines planned and done by unit of measure. Two statements."""
import logging
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import and_, case, func, or_, select

from app import yearbook
from app.core.charts import Chart, Series, number
from app.core.extensions import db
from app.publicworks.models import MEASURES, PublicWorksLine, PublicWorksRequest
from app.publicworks.vocabulary import MEASURE_LABELS
from app.yearbook import Figure, Table

logger = logging.getLogger(__name__)


def public_works_part(year: int) -> yearbook.Part | None:
    first, after = date(year, 1, 1), date(year + 1, 1, 1)
    filed_in = and_(PublicWorksRequest.filed_on >= first, PublicWorksRequest.filed_on < after)
    done_in = and_(PublicWorksRequest.status == "done", PublicWorksRequest.done_on >= first,
                   PublicWorksRequest.done_on < after)
    filed, done = db.session.execute(select(func.count(case((filed_in, 1))), func.count(case((done_in, 1))))
                                     .where(or_(filed_in, done_in))).one()
    rows = db.session.execute(
        select(PublicWorksLine.measure, func.sum(PublicWorksLine.planned), func.sum(PublicWorksLine.done))
        .join(PublicWorksRequest, and_(PublicWorksRequest.id == PublicWorksLine.request_id,
                                       PublicWorksRequest.community_id == PublicWorksLine.community_id))
        .where(or_(filed_in, done_in)).group_by(PublicWorksLine.measure)).all()
    if not filed and not done:
        return None
    per = {measure: (number(float(planned or 0)), number(float(made or 0))) for measure, planned, made in rows}
    measures = [m for m in MEASURES if m in per] + sorted(m for m in per if m not in MEASURES)
    labels = [str(MEASURE_LABELS.get(m, m)) for m in measures]
    return yearbook.Part(
        figures=[Figure("public_works_filed", _("Public works requests filed"), filed, _("requests")),
                 Figure("public_works_done", _("Public works requests done"), done, _("requests"))],
        tables=[Table("public_works_by_measure", _("Quantities by unit of measure"),
                      [_("Unit of measure"), _("Planned"), _("Done")],
                      [[label, *per[m]] for m, label in zip(measures, labels, strict=True)])],
        charts=[Chart(_("Public works quantities"), labels,
                      [Series(_("Planned"), [per[m][0] for m in measures]),
                       Series(_("Done"), [per[m][1] for m in measures])], axis=_("Unit of measure"))]
        if measures else [])
