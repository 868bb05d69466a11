"""The needs' part of the year (app.yearbook): the needs registered in the year by kind, met (a match confirmed:
in service or done) or unmet, and the median days from a need's registration to its match being confirmed.

One statement whatever the number of needs: each need of the year with the moment its first match was confirmed
(from the matches' status history) and whether its beneficiary has a recorded disability; the median is computed
here, as PostgreSQL and SQLite share no median. The needs of residents with a disability are a count of a sensitive
category (`sensitive=True`): the street office sees them only above its threshold, and no resident is named.

`needs_street(year)`: the street figures alone (needs met, those of residents with a disability and met) counted in
one aggregate row over the same needs and the same "met" (`MET`), made by the same `_street_figures`."""
import logging
from statistics import median

from flask_babel import gettext as _
from sqlalchemy import and_, case, func, select

from app import yearbook
from app.core.charts import Chart, Series, number
from app.core.extensions import db
from app.core.fields import as_utc
from app.core.kinds import KIND_LABELS, KINDS
from app.history import StatusChange
from app.matching.models import Match
from app.needs.models import Need
from app.residents.models import SensitiveAttributes
from app.yearbook import Figure, Table
from tenants import clock

logger = logging.getLogger(__name__)

MET = ("in_service", "done")  # a need is met when its match is in service or done
WITH_DISABILITY = SensitiveAttributes.disability_category.is_not(None)


def _days(start, end) -> float:
    return round((as_utc(end) - as_utc(start)).total_seconds() / 86400, 1)


def _of_the_year(stmt, year: int):
    """The needs registered in the year, each with its beneficiary's sensitive attributes (if any)."""
    start, end = clock.year_bounds(year)
    return (stmt.outerjoin(SensitiveAttributes, and_(SensitiveAttributes.resident_id == Need.resident_id,
                                                     SensitiveAttributes.community_id == Need.community_id))
            .where(Need.created_at >= start, Need.created_at < end))


def _street_figures(met: int, disabled: int, disabled_met: int) -> list[Figure]:
    return [Figure("needs_met", _("Needs met"), met, _("needs"), street=True),
            Figure("needs_disabled", _("Needs of residents with a disability"), disabled, _("needs"), street=True,
                   sensitive=True),
            Figure("needs_disabled_met", _("Needs of residents with a disability met"), disabled_met, _("needs"),
                   street=True, sensitive=True)]


def needs_street(year: int) -> yearbook.StreetQuery:
    """The part's street figures alone: one aggregate row."""
    met = Need.status.in_(MET)

    def figures(row) -> list[Figure]:
        registered, *counts = row
        return _street_figures(*counts) if registered else []

    return yearbook.StreetQuery(_of_the_year(select(
        func.count(Need.id).label("needs"), func.count(case((met, 1))).label("needs_met"),
        func.count(case((WITH_DISABILITY, 1))).label("needs_disabled"),
        func.count(case((and_(WITH_DISABILITY, met), 1))).label("needs_disabled_met")), year), figures)


def needs_part(year: int) -> yearbook.Part | None:
    confirmed = (select(Match.need_id.label("need_id"), func.min(StatusChange.at).label("at"))
                 .join(StatusChange, and_(StatusChange.object_id == Match.id,
                                          StatusChange.community_id == Match.community_id))
                 .where(StatusChange.object_type == "match", StatusChange.to_status == "confirmed")
                 .group_by(Match.need_id).subquery())
    rows = db.session.execute(_of_the_year(
        select(Need.kind, Need.status, Need.created_at, confirmed.c.at, WITH_DISABILITY)
        .outerjoin(confirmed, confirmed.c.need_id == Need.id), year)).all()
    if not rows:
        return None
    zone = clock.zone()
    per = {}
    registered_month, met_month = [0] * 12, [0] * 12
    waits = []
    disabled = {"registered": 0, "met": 0}
    for kind, status, created_at, confirmed_at, with_disability in rows:
        if with_disability:
            disabled["registered"] += 1
            disabled["met"] += status in MET
        one = per.setdefault(kind, {"registered": 0, "met": 0, "unmet": 0, "waits": []})
        one["registered"] += 1
        registered_month[as_utc(created_at).astimezone(zone).month - 1] += 1
        if status in MET:
            one["met"] += 1
            if confirmed_at is not None:
                local = as_utc(confirmed_at).astimezone(zone)
                if local.year == year:
                    met_month[local.month - 1] += 1
        elif status == "unmet":
            one["unmet"] += 1
        if confirmed_at is not None:
            wait = _days(created_at, confirmed_at)
            one["waits"].append(wait)
            waits.append(wait)
    kinds = [k for k in KINDS if k in per] + sorted(k for k in per if k not in KINDS)

    def middle(values):
        return number(round(median(values), 1)) if values else None  # 4, not 4.0

    met, *disabled_figures = _street_figures(sum(p["met"] for p in per.values()), disabled["registered"],
                                             disabled["met"])
    return yearbook.Part(
        figures=[Figure("needs", _("Needs registered"), len(rows), _("needs")), met,
                 Figure("needs_unmet", _("Needs that could not be met"), sum(p["unmet"] for p in per.values()),
                        _("needs")),
                 Figure("median_days_to_match", _("Median days to a confirmed match"), middle(waits), _("days")),
                 *disabled_figures],
        tables=[Table("needs_by_kind", _("Needs by kind"),
                      [_("Kind"), _("Needs registered"), _("Met"), _("Unmet"), _("Median days to a confirmed match")],
                      [[str(KIND_LABELS.get(k, k)), per[k]["registered"], per[k]["met"], per[k]["unmet"],
                        middle(per[k]["waits"])] for k in kinds])],
        charts=[Chart(_("Needs met by month"), [str(m) for m in range(1, 13)],
                      [Series(_("Needs registered"), registered_month), Series(_("Met"), met_month)],
                      unit=_("needs"), axis=_("Month"))])
