"""The units' part of the year (app.yearbook): the member units active now by type (the registry keeps a unit's
status, not its past ones, so a past year's report shows the count of when it was made), the units admitted in the year
(decided applications, by name: units are organisations, not residents) and the units withdrawn in it (their
status history). Three statements; `units_street(year)`, the street's figure alone (the active units): one row."""
import logging

from flask_babel import gettext as _
from sqlalchemy import and_, func, select

from app import yearbook
from app.applications.models import UnitApplication
from app.core.charts import Chart, Series
from app.core.extensions import db
from app.history import StatusChange
from app.units.models import Unit
from app.units.vocabulary import TYPE_LABELS
from app.yearbook import Figure, Table
from tenants import clock

logger = logging.getLogger(__name__)


ACTIVE = Unit.status == "active"


def _admitted_in(start, end):
    return and_(UnitApplication.status == "admitted", UnitApplication.decided_at >= start,
                UnitApplication.decided_at < end)


def _withdrawn_in(start, end):
    return and_(StatusChange.object_type == "unit", StatusChange.to_status == "withdrawn", StatusChange.at >= start,
                StatusChange.at < end)


def _street_figure(active: int) -> Figure:
    return Figure("units", _("Active member units"), active, _("units"), street=True)


def units_street(year: int) -> yearbook.StreetQuery:
    """The part's street figure alone, and only when the part has something for the year: one row."""
    start, end = clock.year_bounds(year)

    def figures(row) -> list[Figure]:
        active, admitted, withdrawn = row
        return [_street_figure(active)] if active or admitted or withdrawn else []

    return yearbook.StreetQuery(select(
        select(func.count(Unit.id)).where(ACTIVE).scalar_subquery().label("units_active"),
        select(UnitApplication.id).where(_admitted_in(start, end)).exists().label("units_admitted"),
        select(StatusChange.id).where(_withdrawn_in(start, end)).exists().label("units_withdrawn")), figures)


def units_part(year: int) -> yearbook.Part | None:
    start, end = clock.year_bounds(year)
    by_type = dict(db.session.execute(select(Unit.type, func.count(Unit.id)).where(ACTIVE)
                                      .group_by(Unit.type)).all())
    admitted = db.session.execute(select(UnitApplication.unit_name, UnitApplication.unit_type).where(
        _admitted_in(start, end)).order_by(UnitApplication.decided_at, UnitApplication.id)).all()
    withdrawn = db.session.execute(select(func.count(StatusChange.id)).where(_withdrawn_in(start, end))).scalar_one()
    if not by_type and not admitted and not withdrawn:
        return None
    types = [t for t in TYPE_LABELS if by_type.get(t)] + sorted(t for t in by_type if t not in TYPE_LABELS)
    labels = [str(TYPE_LABELS.get(t, t)) for t in types]
    total = sum(by_type.values())
    return yearbook.Part(
        figures=[_street_figure(total),
                 Figure("units_admitted", _("Units admitted this year"), len(admitted), _("units")),
                 Figure("units_withdrawn", _("Units withdrawn this year"), withdrawn, _("units"))],
        tables=[Table("units_by_type", _("Active units by type"), [_("Type"), _("Units")],
                      [[label, by_type[t]] for t, label in zip(types, labels, strict=True)]),
                Table("units_admitted", _("Units admitted this year"), [_("Unit"), _("Type")],
                      [[name, str(TYPE_LABELS.get(kind, kind))] for name, kind in admitted])],
        charts=[Chart(_("Active units by type"), labels, [Series(_("Units"), [by_type[t] for t in types])],
                      unit=_("units"), axis=_("Type"))] if types else [])
