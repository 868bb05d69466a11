"""The activities' part of the year (app.yearbook): activities held by kind, those with their record (text and
photo), the people who came (checked in, and walk-ins), the cultural activity points against their yearly target
(four a year unless set otherwise). Four statements whatever the number of activities (points_progress: two);
`activities_street(year)`, the street's figure alone (the activities held): one row."""
import logging

from flask_babel import gettext as _
from sqlalchemy import and_, func, select

from app import yearbook
from app.activities.models import KINDS, Activity, CulturalPoint, Registration
from app.activities.services import points_progress
from app.activities.vocabulary import KIND_LABELS
from app.core.charts import Chart, Series
from app.core.extensions import db
from app.core.fields import as_utc
from app.yearbook import Figure, Table
from tenants import clock

logger = logging.getLogger(__name__)

HELD = ("held", "recorded", "closed")
RECORDED = ("recorded", "closed")


def _held_in(year: int):
    start, end = clock.year_bounds(year)
    return and_(Activity.status.in_(HELD), Activity.starts_at >= start, Activity.starts_at < end)


def _street_figure(held: int) -> Figure:
    return Figure("activities", _("Activities held"), held, _("activities"), street=True)


def activities_street(year: int) -> yearbook.StreetQuery:
    """The part's street figure alone, when the part has something (activities held, or cultural points): one row."""

    def figures(row) -> list[Figure]:
        held, points = row
        return [_street_figure(held)] if held or points else []

    return yearbook.StreetQuery(select(
        select(func.count(Activity.id)).where(_held_in(year)).scalar_subquery().label("activities_held"),
        select(CulturalPoint.id).exists().label("cultural_points")), figures)


def activities_part(year: int) -> yearbook.Part | None:
    in_year = _held_in(year)
    rows = db.session.execute(select(Activity.kind, Activity.status, Activity.starts_at, Activity.walk_ins)
                              .where(in_year)).all()
    came = dict(db.session.execute(
        select(Activity.kind, func.count(Registration.id))
        .join(Activity, and_(Activity.id == Registration.activity_id,
                             Activity.community_id == Registration.community_id))
        .where(in_year, Registration.checked_in_at.is_not(None)).group_by(Activity.kind)).all())
    points = points_progress(year)
    if not rows and not points:
        return None
    zone = clock.zone()
    held = {k: 0 for k in KINDS}
    recorded = {k: 0 for k in KINDS}
    attendance = {k: came.get(k, 0) for k in KINDS}
    by_month = [0] * 12
    for kind, status, starts_at, walk_ins in rows:
        held[kind] = held.get(kind, 0) + 1
        recorded[kind] = recorded.get(kind, 0) + (status in RECORDED)
        attendance[kind] = attendance.get(kind, 0) + (walk_ins or 0)
        by_month[as_utc(starts_at).astimezone(zone).month - 1] += 1
    kinds = [k for k in held if held[k] or attendance.get(k)]
    labels = [str(KIND_LABELS.get(k, k)) for k in kinds]
    met = sum(1 for p in points if not p["behind"])
    figures = [_street_figure(len(rows)),
               Figure("activities_recorded", _("Activities with their record"), sum(recorded.values()),
                      _("activities")),
               Figure("attendance", _("People who came"), sum(attendance.values()), _("people"))]
    tables = [Table("activities_by_kind", _("Activities by type"),
                    [_("Type"), _("Held"), _("With record"), _("People who came")],
                    [[label, held[k], recorded[k], attendance[k]] for k, label in zip(kinds, labels, strict=True)])]
    if points:
        figures.append(Figure("cultural_points_met", _("Cultural activity points at their yearly target"),
                              f"{met}/{len(points)}"))
        tables.append(Table("cultural_points", _("Cultural activity points"),
                            [_("Point"), _("Recorded activities"), _("Yearly target")],
                            [[p["point"].name, p["done"], p["target"]] for p in points]))
    charts = []
    if kinds:
        charts.append(Chart(_("Activities by type"), labels, [Series(_("Held"), [held[k] for k in kinds]),
                                                              Series(_("With record"), [recorded[k] for k in kinds])],
                            unit=_("activities"), axis=_("Type")))
        charts.append(Chart(_("Activities held by month"), [str(m) for m in range(1, 13)],
                            [Series(_("Held"), by_month)], unit=_("activities"), axis=_("Month")))
    return yearbook.Part(figures=figures, tables=tables, charts=charts)
