"""Activity schemas: what the pages and the API accept and the API answers (ids as strings, moments in UTC; a
moment typed without an offset is read in the community's time). Pages read the same schemas as the API."""
import logging

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validate, validates

from app.activities.models import AUDIENCES, KINDS, NEEDS, REGISTRATION_STATUSES, STATUSES
from app.core.fields import Id, Length, Text, UtcDateTime

logger = logging.getLogger(__name__)


class ActivityIn(Schema):
    kind = fields.String(required=True, metadata={"enum": list(KINDS)})
    title = Text(required=True, min_length=1, max_length=200, strip=True)
    description = Text(load_default="", max_length=4000, multiline=True)
    organiser_unit_id = Id(load_default=None, allow_none=True,
                           metadata={"description": "the organising unit; none: the association itself"})
    co_organiser_ids = fields.List(Id(), load_default=list, validate=Length(max=50))
    guests = Text(load_default="", max_length=500, strip=True,
                  metadata={"description": "invited bodies, e.g. 区税务局"})
    speakers = Text(load_default="", max_length=500, strip=True)
    audience = fields.String(load_default="both", metadata={"enum": list(AUDIENCES)})
    capacity = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=100000),
                              metadata={"description": "places; none: no limit"})
    starts_at = UtcDateTime(required=True)
    ends_at = UtcDateTime(required=True)
    registration_opens_at = UtcDateTime(load_default=None, allow_none=True,
                                        metadata={"description": "default: as soon as it is approved"})
    registration_closes_at = UtcDateTime(load_default=None, allow_none=True,
                                         metadata={"description": "default: when it starts"})
    place = Text(load_default="", max_length=200, strip=True,
                 metadata={"description": "a place outside the venues (a venue is booked separately)"})
    public = fields.Boolean(load_default=True, metadata={"description": "shown on the public calendar"})

    @validates("kind")
    def _kind(self, value, **kwargs):
        if value not in KINDS:
            raise ValidationError(_("Choose a kind of activity."))

    @validates("audience")
    def _audience(self, value, **kwargs):
        if value not in AUDIENCES:
            raise ValidationError(_("Choose who may sign up."))


class ActivityPatch(ActivityIn):
    """A change: only the fields given."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("partial", True)
        super().__init__(*args, **kwargs)


class ActivityOut(Schema):
    id = Id()
    kind = fields.String(metadata={"enum": list(KINDS)})
    title = fields.String()
    description = fields.String()
    organiser_unit_id = Id(allow_none=True)
    co_organiser_ids = fields.List(Id())
    guests = fields.String()
    speakers = fields.String()
    audience = fields.String(metadata={"enum": list(AUDIENCES)})
    capacity = fields.Integer(allow_none=True)
    taken = fields.Integer(metadata={"description": "places held (registered, or offered to the waiting list)"})
    starts_at = UtcDateTime()
    ends_at = UtcDateTime()
    registration_opens_at = UtcDateTime(allow_none=True)
    registration_closes_at = UtcDateTime(allow_none=True)
    venue_id = Id(allow_none=True)
    booking_id = Id(allow_none=True)
    place = fields.String()
    public = fields.Boolean()
    status = fields.String(metadata={"enum": list(STATUSES)})
    ballot_id = Id(allow_none=True)
    record_text = fields.String()
    recorded_at = UtcDateTime(allow_none=True)
    cancel_reason = fields.String()


class ActivityList(Schema):
    items = fields.List(fields.Nested(ActivityOut), required=True)


class ActivityQuery(Schema):
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))
    kind = fields.String(load_default=None, validate=validate.OneOf(KINDS))
    unit_id = Id(load_default=None)
    since = UtcDateTime(load_default=None)
    until = UtcDateTime(load_default=None)
    cursor = fields.String(load_default=None, validate=Length(max=500))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class ReasonIn(Schema):
    reason = Text(required=True, min_length=1, max_length=500, strip=True)


class PlaceIn(Schema):
    place = Text(required=True, min_length=1, max_length=200, strip=True)


class VenueChoiceIn(Schema):
    venue_id = Id(required=True)


class RecordIn(Schema):
    record_text = Text(required=True, min_length=1, max_length=5000, multiline=True)
    walk_ins = fields.Integer(load_default=0, validate=validate.Range(min=0, max=100000),
                              metadata={"description": "people present who were not registered by name"})


class RulesIn(Schema):
    ballot_kinds = fields.List(fields.String(validate=validate.OneOf(KINDS)), load_default=list)
    ballot_days = fields.Integer(load_default=5, validate=validate.Range(min=1, max=30))
    promotion_hours = fields.Integer(load_default=24, validate=validate.Range(min=1, max=168))


class PointIn(Schema):
    name = Text(required=True, min_length=1, max_length=200, strip=True)
    unit_id = Id(load_default=None, allow_none=True)
    venue_id = Id(load_default=None, allow_none=True)
    yearly_target = fields.Integer(load_default=4, validate=validate.Range(min=1, max=52))


class SignUpIn(Schema):
    """A sign-up: a resident (by id; a resident signs up themself or someone they act for), or — for a unit —
    a person by name."""

    resident_id = Id(load_default=None, allow_none=True)
    unit_id = Id(load_default=None, allow_none=True, metadata={"description": "the unit registering its person"})
    name = Text(load_default="", max_length=100, strip=True)
    phone = Text(load_default="", max_length=30, strip=True)
    needs = fields.List(fields.String(validate=validate.OneOf(NEEDS)), load_default=list,
                        metadata={"description": "accessibility needs: " + ", ".join(NEEDS)})
    needs_note = Text(load_default="", max_length=300, strip=True)
    needs_consent = fields.Boolean(load_default=False,
                                   metadata={"description": "the person agrees that the organisers know the needs"})


class RegistrationOut(Schema):
    id = Id()
    activity_id = Id()
    resident_id = Id(allow_none=True)
    unit_id = Id(allow_none=True)
    name = fields.String()
    status = fields.String(metadata={"enum": list(REGISTRATION_STATUSES)})
    offered_until = UtcDateTime(allow_none=True)
    walk_in = fields.Boolean()
    registered_at = UtcDateTime()
    checked_in_at = UtcDateTime(allow_none=True)


class CheckInIn(Schema):
    code = fields.String(load_default=None, validate=Length(min=1, max=64),
                         metadata={"description": "the QR code's content"})
    registration_id = Id(load_default=None, metadata={"description": "or the registration, ticked by name"})


class WalkInIn(Schema):
    resident_id = Id(load_default=None, allow_none=True)
    unit_id = Id(load_default=None, allow_none=True)
    name = Text(load_default="", max_length=100, strip=True)


class AttendanceOut(Schema):
    registered = fields.Integer()
    waiting = fields.Integer()
    offered = fields.Integer()
    present = fields.Integer()
    walk_ins = fields.Integer()
    no_shows = fields.Integer()


class NeedsOut(Schema):
    registration_id = Id()
    name = fields.String()
    needs = fields.List(fields.String(metadata={"enum": list(NEEDS)}))
    note = fields.String()


class RegistrationHeld(RegistrationOut):
    """One registration as the API answers it: the code only to its holder (who signed them up, or the
    account acting for the resident), null to anyone else."""

    code = fields.String(attribute="shown_code", allow_none=True,
                         metadata={"description": "what the registrant's QR code carries (its holder only)"})


class CheckInOut(Schema):
    registration = fields.Nested(RegistrationOut, required=True)
    first_time = fields.Boolean(required=True, metadata={"description": "false: already checked in, nothing changed"})
