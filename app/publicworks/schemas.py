"""Public works schemas: what a request and its lines accept, and what the API answers."""
import logging
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates

from app.core.fields import Id, Length, Text, UtcDateTime
from app.publicworks.models import CATEGORIES, MEASURES, STATUSES

logger = logging.getLogger(__name__)

MAX_QUANTITY = Decimal("9999999.99")
MAX_LINES = 50


class Quantity(fields.Field):
    """A quantity of work: a number (or its text, as a form sends it) with at most two decimals, never negative.

    The messages are written here, in the reader's language, because "Not a valid number" says nothing
    about what to type instead.
    """

    def __init__(self, *args, **kwargs):
        kwargs["metadata"] = {"type": "number", "example": 12.5, **kwargs.get("metadata", {})}
        super().__init__(*args, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or value is None:
            raise ValidationError(_("Give a number, for example 12.5."))
        text = str(value).strip().replace(",", "").replace("，", "") if isinstance(value, str) else value
        if text == "":
            raise ValidationError(_("Give the quantity."))
        try:
            number = Decimal(str(text))
        except (InvalidOperation, ValueError):
            raise ValidationError(_("Give a number, for example 12.5.")) from None
        if not number.is_finite():
            raise ValidationError(_("Give a number, for example 12.5."))
        if number < 0:
            raise ValidationError(_("A quantity cannot be negative."))
        if number > MAX_QUANTITY:  # first: quantizing a huge number would overflow the decimal context
            raise ValidationError(_("At most %(n)s.", n=MAX_QUANTITY))
        if number != number.quantize(Decimal("0.01")):
            raise ValidationError(_("At most two decimals."))
        return number.quantize(Decimal("0.01"))

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else float(value)


class PublicWorksLineIn(Schema):
    id = Id(load_default=None, allow_none=True,
            metadata={"description": "an existing line's id (to change it); none for a new line"})
    description = Text(required=True, min_length=1, max_length=200, strip=True,
                       metadata={"description": "the work, e.g. 破损路面修补"})
    measure = fields.String(required=True, metadata={"description": "unit of measure", "enum": list(MEASURES)})
    planned = Quantity(required=True, metadata={"description": "planned quantity, more than 0"})

    @validates("measure")
    def _measure(self, value, **kwargs):
        if value not in MEASURES:
            raise ValidationError(_("Choose a unit of measure: m², m, pieces or truckloads."))

    @validates("planned")
    def _planned(self, value, **kwargs):
        if value <= 0:
            raise ValidationError(_("The planned quantity must be more than 0."))


class PublicWorksRequestIn(Schema):
    category = fields.String(required=True, metadata={"enum": list(CATEGORIES)})
    title = Text(required=True, min_length=1, max_length=200, strip=True)
    location = Text(load_default="", max_length=200, metadata={"description": "where: street, building, the spot"})
    description = Text(load_default="", max_length=4000, multiline=True)
    department = Text(load_default="", max_length=100, metadata={"description": "the municipal department it goes to"})
    due_on = fields.Date(load_default=None, allow_none=True)
    need_id = Id(load_default=None, allow_none=True,
                 metadata={"description": "the resident's need (kind public_works) it comes from"})
    lines = fields.List(fields.Nested(PublicWorksLineIn), load_default=list, validate=Length(max=MAX_LINES))

    @validates("category")
    def _category(self, value, **kwargs):
        if value not in CATEGORIES:
            raise ValidationError(_("Choose what the request is about."))


class PublicWorksRequestPatch(PublicWorksRequestIn):
    """A change: only the fields given; `lines`, when given, is the whole new list (ids keep done quantities).
    The need a request came from stays the same."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("partial", True)
        kwargs.setdefault("exclude", ("need_id",))
        super().__init__(*args, **kwargs)


class PublicWorksForm(PublicWorksRequestIn):
    """The request form of the pages: its lines are rows of inputs (`line-0-description`, `line-0-measure`,
    `line-0-planned`, `line-0-id`; `line_count` of them); a blank row is left over or emptied to remove it.

    After loading, `rows` are the rows as sent (to show again) and `input_of` names the input of a field.
    """

    ROW_KEYS = ("id", "description", "measure", "planned")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows: list[dict] = []
        self.row_of: list[int] = []

    @pre_load
    def _rows(self, data, **kwargs):
        data = dict(data)
        count = data.pop("line_count", "")
        count = min(int(count), 60) if str(count).isdigit() else 0
        self.rows, self.row_of, lines = [], [], []
        for i in range(count):
            row = {key: str(data.pop(f"line-{i}-{key}", "")).strip() for key in self.ROW_KEYS}
            self.rows.append(row)
            if not (row["description"] or row["planned"]):
                continue
            lines.append({"id": row["id"] or None, "description": row["description"], "measure": row["measure"],
                          "planned": row["planned"]})
            self.row_of.append(i)
        data["lines"] = lines
        return data

    def input_of(self, key: str) -> str:
        """"lines.2.planned" is the planned quantity of the form row the third line came from."""
        parts = str(key).split(".")
        if parts[0] == "lines" and len(parts) >= 3 and parts[1].isdigit() and int(parts[1]) < len(self.row_of):
            return f"line-{self.row_of[int(parts[1])]}-{parts[2]}"
        return parts[0]


class PublicWorksMoveIn(Schema):
    to = fields.String(required=True, validate=validate.OneOf(["filed", "in_progress", "done", "rejected",
                                                               "cancelled"]))
    on = fields.Date(load_default=None, allow_none=True,
                     metadata={"description": "filed: the day it was filed; done: the day the work was finished "
                                              "(default: today)"})
    note = Text(load_default="", max_length=500, multiline=True,
                metadata={"description": "why (required when the department rejected it)"})


class PublicWorksProgressLineIn(Schema):
    id = Id(required=True)
    done = Quantity(required=True, metadata={"description": "the quantity done so far, in the line's unit"})


class PublicWorksProgressIn(Schema):
    lines = fields.List(fields.Nested(PublicWorksProgressLineIn), required=True,
                        validate=Length(min=1, max=MAX_LINES))
    note = Text(load_default="", max_length=500, multiline=True)


class PublicWorksProgressForm(PublicWorksProgressIn):
    """The progress form of a request's page: one input per line (`done-<line id>`), the day the work was
    finished (for "save and mark as done") and a note."""

    on = fields.Date(load_default=None, allow_none=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.line_ids: list[str] = []

    @pre_load
    def _lines(self, data, **kwargs):
        data = dict(data)
        self.line_ids = [key[5:] for key in data if key.startswith("done-")]
        data["lines"] = [{"id": line_id, "done": data.pop(f"done-{line_id}")} for line_id in self.line_ids]
        return data

    def input_of(self, key: str) -> str:
        parts = str(key).split(".")
        if parts[0] == "lines" and len(parts) >= 3 and parts[1].isdigit() and int(parts[1]) < len(self.line_ids):
            return f"done-{self.line_ids[int(parts[1])]}"
        return parts[0]


class PublicWorksLineOut(Schema):
    id = fields.Function(lambda line: str(line.id), required=True)
    description = fields.String()
    measure = fields.String(metadata={"enum": list(MEASURES)})
    planned = Quantity()
    done = Quantity()
    percent = fields.Integer(metadata={"description": "done of planned, 0–100"})


class PublicWorksHelperIn(Schema):
    unit_id = Id(required=True, metadata={"description": "the member unit that helped"})
    what = Text(load_default="", max_length=200, strip=True,
                metadata={"description": "what it did, e.g. 清理了施工现场"})


class PublicWorksHelperOut(Schema):
    id = fields.Function(lambda h: str(h.id), required=True)
    unit_id = fields.Function(lambda h: str(h.unit_id))
    unit_name = fields.String()
    what = fields.String()
    added_at = UtcDateTime()


class PublicWorksRequestOut(Schema):
    id = fields.Function(lambda r: str(r.id), required=True)
    category = fields.String(metadata={"enum": list(CATEGORIES)})
    title = fields.String()
    location = fields.String()
    description = fields.String()
    department = fields.String()
    need_id = fields.Function(lambda r: str(r.need_id) if r.need_id else None, allow_none=True)
    status = fields.String(metadata={"enum": list(STATUSES)})
    due_on = fields.Date(allow_none=True)
    filed_on = fields.Date(allow_none=True)
    done_on = fields.Date(allow_none=True)
    created_at = UtcDateTime()
    lines = fields.List(fields.Nested(PublicWorksLineOut))
    helpers = fields.List(fields.Nested(PublicWorksHelperOut), metadata={
        "description": "the member units that helped with it (counted in their contribution record when done)"})


class PublicWorksChangeOut(Schema):
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    actor_id = fields.Function(lambda c: str(c.actor_id) if c.actor_id else None, allow_none=True)
    note = fields.String()
    at = UtcDateTime()


class PublicWorksTotalOut(Schema):
    measure = fields.String()
    planned = Quantity()
    done = Quantity()


class PublicWorksCategoryTotalOut(PublicWorksTotalOut):
    category = fields.String()


class PublicWorksSummaryOut(Schema):
    year = fields.Integer()
    total = fields.Integer(metadata={"description": "requests of the year (filed that year; unfiled: created)"})
    by_status = fields.Dict(keys=fields.String(), values=fields.Integer())
    by_category = fields.Dict(keys=fields.String(), values=fields.Integer())
    quantities = fields.List(fields.Nested(PublicWorksTotalOut),
                             metadata={"description": "planned and done per unit of measure, filed requests only"})
    quantities_by_category = fields.List(fields.Nested(PublicWorksCategoryTotalOut))
    overdue = fields.Integer(metadata={"description": "with the department past their due date"})


class PublicWorksSummaryArgs(Schema):
    year = fields.Integer(load_default=None, validate=validate.Range(min=2000, max=2100))
