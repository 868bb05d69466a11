"""A photo as the API shows it; other domains nest PhotoOut in their own answers (an activity's record)."""
import logging

from flask import url_for
from marshmallow import Schema, fields

from app.core.fields import UtcDateTime

logger = logging.getLogger(__name__)


class PhotoOut(Schema):
    id = fields.Function(lambda p: str(p.id), required=True)
    alt = fields.String(metadata={"description": "what the photo shows, for those who cannot see it"})
    public = fields.Boolean(metadata={"description": "may be shown to visitors when its owner is public"})
    width = fields.Integer()
    height = fields.Integer()
    mime = fields.String(metadata={"enum": ["image/jpeg", "image/png"]})
    url = fields.Function(lambda p: url_for("photos.photo", photo_id=p.id), metadata={
        "description": "the picture (at most 2000 px), served to who may see it"})
    thumbnail_url = fields.Function(lambda p: url_for("photos.thumb", photo_id=p.id), metadata={
        "description": "its thumbnail (at most 400 px)"})
    uploaded_at = UtcDateTime()
