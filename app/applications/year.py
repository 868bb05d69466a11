"""The units' part of the year (app.yearbook): the member units active now by type (the registry keeps a unit's
status, not its past ones, so a past year's report shows the count of when it was made), the units admitted in the year
(decided applications, by name: units are organisations, not residents) and the units withdrawn in it (their
status history). Three statements."""
import logging

from flask_babel import gettext as _
from sqlalchemy import func, select

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


def units_part(year: int) -> yearbook.Part | None:
    start, end = clock.year_bounds(year)
    by_type = dict(db.session.execute(select(Unit.type, func.count(Unit.id)).where(Unit.status == "active")
                                      .group_by(Unit.type)).all())
    admitted = db.session.execute(select(UnitApplication.unit_name, UnitApplication.unit_type).where(
        UnitApplication.status == "admitted", UnitApplication.decided_at >= start,
        UnitApplication.decided_at < end).order_by(UnitApplication.decided_at, UnitApplication.id)).all()
    withdrawn = db.session.execute(select(func.count(StatusChange.id)).where(
        StatusChange.object_type == "unit", StatusChange.to_status == "withdrawn", StatusChange.at >= start,
        StatusChange.at < end)).scalar_one()
    if not by_type and not admitted and not withdrawn:
        return None
    types = [t for t in TYPE_LABELS if by_type.get(t)] + sorted(t for t in by_type if t not in TYPE_LABELS)
    labels = [str(TYPE_LABELS.get(t, t)) for t in types]
    total = sum(by_type.values())
    return yearbook.Part(
        figures=[Figure("units", _("Active member units"), total, _("units"), street=True),
                 Figure("units_admitted", _("Units admitted this year"), len(admitted), _("units")),
                 Figure("units_withdrawn", _("Units withdrawn this year"), withdrawn, _("units"))],
        tables=[Table("units_by_type", _("Active units by type"), [_("Type"), _("Units")],
                      [[label, by_type[t]] for t, label in zip(types, labels, strict=True)]),
                Table("units_admitted", _("Units admitted this year"), [_("Unit"), _("Type")],
                      [[name, str(TYPE_LABELS.get(kind, kind))] for name, kind in admitted])],
        charts=[Chart(_("Active units by type"), labels, [Series(_("Units"), [by_type[t] for t in types])],
                      unit=_("units"), axis=_("Type"))] if types else [])
