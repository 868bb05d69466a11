"""The activity pages' forms: the API's schemas, with the checks across fields made at once with the others, so
the proposal form tells every mistake in one go."""
import logging

from flask_babel import gettext as _
from marshmallow import ValidationError, fields, validates_schema

from app.activities import schemas
from app.core.fields import Id, as_utc
from tenants import clock

logger = logging.getLogger(__name__)


class ActivityForm(schemas.ActivityIn):
    """The propose and edit form. `co_add`: a co-organising unit just picked (added to the ticked ones)."""

    co_add = Id(load_default=None, allow_none=True)
    check_past = True

    @validates_schema(skip_on_field_errors=False)
    def _times(self, data, **kwargs):
        errors: dict[str, list[str]] = {}
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts is not None and self.check_past and as_utc(starts) < clock.utcnow():
            errors["starts_at"] = [_("This date has passed.")]
        if starts is not None and ends is not None and as_utc(ends) <= as_utc(starts):
            errors["ends_at"] = [_("An activity must end after it starts.")]
        opens, closes = data.get("registration_opens_at"), data.get("registration_closes_at")
        if opens is not None and closes is not None and as_utc(closes) <= as_utc(opens):
            errors["registration_closes_at"] = [_("Sign-ups must close after they open.")]
        elif closes is not None and ends is not None and as_utc(closes) > as_utc(ends):
            errors["registration_closes_at"] = [_("Sign-ups close at the latest when the activity ends.")]
        if errors:
            raise ValidationError(errors)


class ActivityEditForm(ActivityForm):
    check_past = False  # an activity already under way keeps its start


class RejectForm(schemas.ReasonIn):
    pass


class CancelForm(schemas.ReasonIn):
    pass


class RulesForm(schemas.RulesIn):
    pass


class PointForm(schemas.PointIn):
    """Designate a unit (picked) or a venue (chosen)."""

    which = fields.String(load_default="unit")
