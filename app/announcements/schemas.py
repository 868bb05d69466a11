"""Announcement schemas: what sending one accepts, on the page and the API alike."""
import logging

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, post_load, validates

from app.announcements.services import BODY_MAX, TITLE_MAX
from app.core.fields import Text

logger = logging.getLogger(__name__)


class AnnouncementIn(Schema):
    title = Text(required=True, max_length=TITLE_MAX)
    body = Text(required=True, max_length=BODY_MAX, multiline=True)

    @validates("title", "body")
    def _not_blank(self, value, **kwargs):
        if not value.strip():
            raise ValidationError(_("This field is required."))

    @post_load
    def _trim(self, data, **kwargs):
        return {key: value.strip() for key, value in data.items()}
