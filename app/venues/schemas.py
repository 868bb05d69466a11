"""Venue and booking schemas: what the API accepts and answers (ids as strings, moments in UTC)."""
import logging
import re
from datetime import date

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates

from app.core.fields import Id, Length, Text, UtcDateTime
from app.core.kinds import WEEKDAYS
from app.core.vocabulary import WEEKDAY_LABELS
from app.venues.models import FREQUENCIES, OCCURRENCE_STATUSES

logger = logging.getLogger(__name__)


class VenueClosureIn(Schema):
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(load_default=None, allow_none=True, metadata={"description": "included; default: one day"})
    reason = Text(load_default="", max_length=200, strip=True)


class VenueIn(Schema):
    unit_id = Id(required=True, metadata={"description": "the owner unit; its representatives confirm bookings"})
    name = Text(required=True, min_length=1, max_length=200, strip=True)
    description = Text(load_default="", max_length=4000, multiline=True)
    capacity = fields.Integer(required=True, metadata={"description": "people at a time"})
    hours = fields.Dict(keys=fields.String(validate=validate.OneOf(WEEKDAYS)),
                        values=fields.List(fields.List(fields.String(), validate=Length(equal=2))),
                        load_default=dict,
                        metadata={"description": 'bookable weekly hours, community time: {"sat": [["08:00", "12:00"]]}'
                                                 "; empty: any time"})
    needs_confirmation = fields.Boolean(load_default=True)
    book_ahead_days = fields.Integer(load_default=180, validate=validate.Range(min=1, max=3650))
    step_free = fields.Boolean(load_default=False)
    accessible_toilet = fields.Boolean(load_default=False)
    lift = fields.Boolean(load_default=False)
    hearing_loop = fields.Boolean(load_default=False)
    accessibility_note = Text(load_default="", max_length=500, strip=True)
    closures = fields.List(fields.Nested(VenueClosureIn), load_default=list, validate=Length(max=100))


class VenuePatch(VenueIn):
    """A change: only the fields given; the owner unit and the closed periods change elsewhere."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("partial", True)
        kwargs.setdefault("exclude", ("unit_id", "closures"))
        super().__init__(*args, **kwargs)


class VenueClosureOut(Schema):
    id = Id(dump_only=True)
    starts_on = fields.Date()
    ends_on = fields.Date()
    reason = fields.String()


class VenueOut(Schema):
    id = Id()
    unit_id = Id()
    offer_id = Id(allow_none=True, metadata={"description": "the venue offer matching reads, if any"})
    name = fields.String()
    description = fields.String()
    capacity = fields.Integer()
    hours = fields.Dict()
    needs_confirmation = fields.Boolean()
    book_ahead_days = fields.Integer()
    step_free = fields.Boolean()
    accessible_toilet = fields.Boolean()
    lift = fields.Boolean()
    hearing_loop = fields.Boolean()
    accessibility_note = fields.String()
    closures = fields.List(fields.Nested(VenueClosureOut))


class VenueList(Schema):
    items = fields.List(fields.Nested(VenueOut), required=True)
    next_cursor = fields.String(allow_none=True, required=True)


class BookingOccurrenceOut(Schema):
    id = Id()
    booking_id = Id()
    starts_at = UtcDateTime()
    ends_at = UtcDateTime()
    status = fields.String(metadata={"enum": list(OCCURRENCE_STATUSES)})


FIRST_WEEK, LAST_WEEK = date(1900, 1, 1), date(2999, 12, 31)  # a week's edges must stay inside the calendar


class VenueWeekArgs(Schema):
    week = fields.Date(load_default=None, allow_none=True, validate=validate.Range(min=FIRST_WEEK, max=LAST_WEEK),
                       metadata={"description": "any day of the week; default: this week"})


class VenueWeekOut(Schema):
    monday = fields.Date()
    items = fields.List(fields.Nested(BookingOccurrenceOut))


class BookingIn(Schema):
    venue_id = Id(required=True)
    unit_id = Id(load_default=None, allow_none=True, metadata={"description": "the unit asking (a representative)"})
    purpose = Text(required=True, min_length=1, max_length=200, strip=True)
    starts_at = UtcDateTime(required=True, metadata={"description": "the first date's start"})
    ends_at = UtcDateTime(required=True)
    frequency = fields.String(load_default="once", metadata={"enum": list(FREQUENCIES)})
    interval = fields.Integer(load_default=1, validate=validate.Range(min=1, max=52))
    until = fields.Date(load_default=None, allow_none=True, metadata={"description": "last possible date, included"})
    count = fields.Integer(load_default=None, allow_none=True)
    skip = fields.List(fields.Integer(), load_default=list, validate=Length(max=500),
                       metadata={"description": "positions (from 0) of dates left out, as a dry run lists them"})
    dry_run = fields.Boolean(load_default=False, metadata={"description": "check every date, save nothing"})

    @validates("frequency")
    def _frequency(self, value, **kwargs):
        if value not in FREQUENCIES:
            raise ValidationError(_("Choose once, weekly or monthly."))


class BookingCandidateOut(Schema):
    position = fields.Integer()
    starts_at = UtcDateTime()
    ends_at = UtcDateTime()
    ok = fields.Boolean()
    problems = fields.List(fields.String())


class BookingPreviewOut(Schema):
    dates = fields.List(fields.Nested(BookingCandidateOut))


class BookingOut(Schema):
    id = Id()
    venue_id = Id()
    unit_id = Id(allow_none=True)
    requested_by_id = Id(allow_none=True)
    purpose = fields.String()
    recurrence = fields.Dict()
    status = fields.String()
    occurrences = fields.List(fields.Nested(BookingOccurrenceOut))


class BookingDecisionIn(Schema):
    occurrence_ids = fields.List(Id(), load_default=None, allow_none=True,
                                 metadata={"description": "which pending dates; default: all of them"})


class BookingDecisionOut(Schema):
    booking = fields.Nested(BookingOut)
    declined = fields.List(fields.Nested(BookingOccurrenceOut),
                           metadata={"description": "other requests' dates declined"})


class PendingOccurrencesOut(Schema):
    items = fields.List(fields.Nested(BookingOccurrenceOut))


class OccurrenceMoveIn(Schema):
    starts_at = UtcDateTime(required=True)
    ends_at = UtcDateTime(required=True)


class BookingForm(BookingIn):
    """The request form of the pages: the venue comes from the URL; "check" previews, "send" asks."""

    class Meta:
        exclude = ("venue_id", "dry_run")


class OccurrenceMoveForm(OccurrenceMoveIn):
    pass


HOUR = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
SPANS_PER_DAY = 2  # the form offers two bookable spans a day (a morning and an afternoon)


class VenueForm(VenueIn):
    """The venue form of the pages: each weekday's bookable hours as up to two spans of two inputs
    (`hours_mon_1_from`, `hours_mon_1_to`, `hours_mon_2_from` …); the closed periods have their own forms."""

    book_ahead_days = fields.Integer(load_default=180)

    class Meta:
        exclude = ("closures",)

    @validates("capacity")
    def _capacity(self, value, **kwargs):  # told with the other mistakes, not after them by the service
        if value < 1:
            raise ValidationError(_("Capacity is at least one person."))

    @validates("book_ahead_days")
    def _book_ahead_days(self, value, **kwargs):
        if not 1 <= value <= 3650:
            raise ValidationError(_("Between 1 and 3650 days."))

    @pre_load
    def _hours_inputs(self, data, **kwargs):
        data = dict(data)
        hours = {}
        for day in WEEKDAYS:
            for n in range(1, SPANS_PER_DAY + 1):
                start = (data.pop(f"hours_{day}_{n}_from", "") or "").strip()
                end = (data.pop(f"hours_{day}_{n}_to", "") or "").strip()
                if start or end:
                    hours.setdefault(day, []).append([start, end])
        data["hours"] = hours
        return data

    @validates("hours")
    def _hours(self, value, **kwargs):
        messages = []
        for day in WEEKDAYS:
            for start, end in value.get(day, []):
                if not start or not end:
                    messages.append(_("Give both the start and the end of each span (%(day)s).",
                                      day=WEEKDAY_LABELS[day]))
                elif not (HOUR.match(start) and HOUR.match(end)):
                    messages.append(_("Hours are written as 08:00–12:00 (%(day)s).", day=WEEKDAY_LABELS[day]))
                elif end <= start:
                    messages.append(_("The end must come after the start (%(day)s).", day=WEEKDAY_LABELS[day]))
        if messages:
            raise ValidationError(messages)


class VenueEditForm(VenueForm):
    """Editing: the owner unit stays."""

    class Meta:
        exclude = ("closures", "unit_id")


def hours_inputs(hours: dict | None) -> dict:
    """A venue's weekly hours as the form's inputs show them."""
    values = {}
    for day in WEEKDAYS:
        spans = list((hours or {}).get(day) or [])[:SPANS_PER_DAY]
        spans += [["", ""]] * (SPANS_PER_DAY - len(spans))
        for n, (start, end) in enumerate(spans, start=1):
            values[f"hours_{day}_{n}_from"], values[f"hours_{day}_{n}_to"] = start, end
    return values


class ClosureForm(VenueClosureIn):
    pass


class OccurrenceAddForm(Schema):
    """A date added to a booking (one skipped, put back): its day and times, in community time."""

    day = fields.Date(required=True)
    starts_at = fields.Time(required=True)
    ends_at = fields.Time(required=True)
