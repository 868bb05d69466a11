"""Notification schemas: a person's preferences, on the page and the API alike."""
import logging

from marshmallow import Schema, fields, pre_load, validate

from app.notifications.events import CATEGORIES, CHANNELS

logger = logging.getLogger(__name__)


class PreferencesIO(Schema):
    channels = fields.Dict(keys=fields.String(validate=validate.OneOf(list(CATEGORIES))),
                           values=fields.Dict(keys=fields.String(validate=validate.OneOf(CHANNELS)),
                                              values=fields.Boolean()),
                           metadata={"description": "{category: {channel: enabled}}; the inbox is always on"})
    quiet_start = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=23))
    quiet_end = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=23))


class PreferencesForm(PreferencesIO):
    """The preferences page: a checkbox per category and channel (`need.email`), and quiet hours only while
    their box is ticked."""

    @pre_load
    def _inputs(self, data, **kwargs):
        data = dict(data)
        data["channels"] = {category: {channel: data.pop(f"{category}.{channel}", "") == "on" for channel in CHANNELS}
                            for category in CATEGORIES}
        if data.pop("quiet", "") == "on":
            data.setdefault("quiet_start", "22")
            data.setdefault("quiet_end", "7")
        else:
            data["quiet_start"] = data["quiet_end"] = None
        return data
