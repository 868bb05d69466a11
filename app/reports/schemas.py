"""What the report's pages and API accept and answer. A part is answered as it is frozen (`Part.as_dict()`)."""
import logging

from marshmallow import Schema, fields, validate

from app.core.fields import Text, UtcDateTime
from app.reports.services import NARRATIVE_MAX, STATUSES

logger = logging.getLogger(__name__)

FORMATS = ("json", "xlsx", "pdf")


class NarrativeIn(Schema):
    narrative = Text(load_default="", max_length=NARRATIVE_MAX, multiline=True,
                     metadata={"description": "the coordinator's summary of the year (总结)"})


class SubmitIn(Schema):
    narrative = Text(load_default=None, allow_none=True, max_length=NARRATIVE_MAX, multiline=True,
                     metadata={"description": "replaces the draft's summary first; left out: the draft's as it is"})


class SettingsIn(Schema):
    due_month = fields.Integer(required=True, validate=validate.Range(min=1, max=12))
    due_day = fields.Integer(required=True, validate=validate.Range(min=1, max=31))


class FormatQuery(Schema):
    format = fields.String(load_default="json", validate=validate.OneOf(FORMATS),
                           metadata={"description": "json (default), xlsx or pdf"})


class FigureOut(Schema):
    key = fields.String()
    label = fields.String()
    value = fields.Raw(allow_none=True, metadata={"description": "a number, a text (e.g. 3/4) or null"})
    unit = fields.String()
    street = fields.Boolean(metadata={"description": "in the street office's comparison of its communities"})
    sensitive = fields.Boolean(metadata={"description": "a count of a sensitive category: suppressed when small"})


class TableOut(Schema):
    key = fields.String()
    title = fields.String()
    header = fields.List(fields.String())
    rows = fields.List(fields.List(fields.Raw(allow_none=True)))


class SeriesOut(Schema):
    name = fields.String()
    values = fields.List(fields.Float())


class ChartOut(Schema):
    title = fields.String()
    kind = fields.String()
    unit = fields.String()
    axis = fields.String()
    labels = fields.List(fields.String())
    series = fields.List(fields.Nested(SeriesOut))


class PartOut(Schema):
    name = fields.String()
    title = fields.String()
    figures = fields.List(fields.Nested(FigureOut))
    tables = fields.List(fields.Nested(TableOut))
    charts = fields.List(fields.Nested(ChartOut))


class StatusOut(Schema):
    status = fields.String(metadata={"enum": list(STATUSES)})
    version = fields.Integer(allow_none=True)
    submitted_at = UtcDateTime(allow_none=True)
    due_on = fields.Date()


class DraftOut(Schema):
    year = fields.Integer()
    narrative = fields.String()
    status = fields.Nested(StatusOut)
    parts = fields.List(fields.Nested(PartOut))


class ChangeOut(Schema):
    key = fields.String()
    label = fields.String()
    old = fields.Raw(allow_none=True)
    new = fields.Raw(allow_none=True)
    unit = fields.String()


class ChangesOut(Schema):
    changed = fields.List(fields.Nested(ChangeOut))
    added = fields.List(fields.Nested(ChangeOut))
    removed = fields.List(fields.Nested(ChangeOut))


def _submitter(version) -> str | None:
    found = version["submitted_by_id"] if isinstance(version, dict) else version.submitted_by_id
    return str(found) if found else None


class VersionSummaryOut(Schema):
    year = fields.Integer()
    number = fields.Integer()
    submitted_at = UtcDateTime()
    submitted_by_id = fields.Function(lambda v: _submitter(v), allow_none=True)


class VersionOut(VersionSummaryOut):
    narrative = fields.String()
    parts = fields.List(fields.Nested(PartOut), metadata={"description": "the parts as submitted"})
    changes = fields.Nested(ChangesOut, allow_none=True,
                            metadata={"description": "figures changed since the version before; null for the first"})
