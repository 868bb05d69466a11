"""The street's inputs: the year of the comparison, the operator's street settings and a viewer to grant."""
import logging

from marshmallow import Schema, fields, validate

from app.core.fields import Length, Login, Text

logger = logging.getLogger(__name__)


class YearQuery(Schema):
    year = fields.Integer(load_default=None, allow_none=True, strict=False,
                          validate=validate.Range(min=2000, max=2100),
                          metadata={"description": "the year compared (this year when left out)"})


class StreetIn(Schema):
    slug = fields.String(validate=Length(min=1, max=40), metadata={"description": "the street's web address"})
    suppress_below = fields.Integer(strict=False, validate=validate.Range(min=1, max=100), metadata={
        "description": "sensitive counts from 1 to this minus one are suppressed (default 5)"})


class ViewerIn(Schema):
    login = Login(required=True, metadata={"description": "e-mail or mobile number of the viewer"})
    name = Text(load_default=None, allow_none=True, max_length=100,
                metadata={"description": "the name, when a new account is made"})
