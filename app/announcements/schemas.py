"""Announcement schemas: what sending one accepts, on the page and the API alike."""
import logging

from marshmallow import Schema

from app.announcements.services import BODY_MAX, TITLE_MAX
from app.core.fields import Text

logger = logging.getLogger(__name__)


class AnnouncementIn(Schema):
    """The texts come stripped; a blank one is "required"."""

    title = Text(required=True, min_length=1, max_length=TITLE_MAX, strip=True)
    body = Text(required=True, min_length=1, max_length=BODY_MAX, multiline=True, strip=True)
