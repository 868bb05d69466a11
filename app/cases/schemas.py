"""Good case schemas: what the pages and the API accept and the API answers (ids as strings). Pages read the
same schemas as the API."""
import logging

from flask import url_for
from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validate, validates

from app.cases.models import LINK_TYPES, STATUSES
from app.core.fields import Id, Length, Text, UtcDateTime
from app.core.pagination import PageArgs
from app.photos.schemas import PhotoOut

logger = logging.getLogger(__name__)


class CaseIn(Schema):
    title = Text(required=True, min_length=1, max_length=200, strip=True)
    story = Text(required=True, min_length=1, max_length=10000, multiline=True,
                 metadata={"description": "the story; public once published: name no resident"})
    happened_on = fields.Date(required=True, metadata={"description": "the case's date: the year it counts in"})
    unit_ids = fields.List(Id(), required=True, validate=Length(min=1, max=20),
                           metadata={"description": "the member units the case is about"})
    link_type = fields.String(load_default=None, allow_none=True, metadata={"enum": list(LINK_TYPES)})
    link_id = Id(load_default=None, allow_none=True,
                 metadata={"description": "the match, activity or public works request behind the case"})

    @validates("link_type")
    def _link_type(self, value, **kwargs):
        if value is not None and value not in LINK_TYPES:
            raise ValidationError(_("Choose what the case is the story of."))


class CasePatch(CaseIn):
    """A change: only the fields given."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("partial", True)
        super().__init__(*args, **kwargs)


class CaseForm(CaseIn):
    """The page's form: `unit_add` is a unit just picked (added to the ticked ones)."""

    unit_ids = fields.List(Id(), load_default=list, validate=Length(max=20))
    unit_add = Id(load_default=None, allow_none=True)
    link_type = fields.String(load_default=None, allow_none=True)


class CaseListArgs(PageArgs):
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))
    unit_id = Id(load_default=None)


class WithdrawIn(Schema):
    note = Text(load_default="", max_length=500, strip=True, metadata={"description": "why it is withdrawn"})


class CaseUnitOut(Schema):
    id = fields.Function(lambda link: str(link.unit_id))
    name = fields.String()


class CaseOut(Schema):
    id = Id()
    title = fields.String()
    story = fields.String()
    happened_on = fields.Date()
    status = fields.String(metadata={"enum": list(STATUSES)})
    units = fields.List(fields.Nested(CaseUnitOut))
    link_type = fields.String(allow_none=True, metadata={"enum": list(LINK_TYPES)})
    link_id = Id(allow_none=True)
    published_on = fields.Date(allow_none=True)
    published_by_id = Id(allow_none=True)
    created_at = UtcDateTime()
    updated_at = UtcDateTime()
    public_url = fields.Method("_public_url", allow_none=True)

    def _public_url(self, case):
        return url_for("cases.story", case_id=case.id, _external=False) if case.status == "published" else None


class CaseChangeOut(Schema):
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    actor_id = Id(allow_none=True)
    note = fields.String()
    at = UtcDateTime()


__all__ = ["CaseChangeOut", "CaseForm", "CaseIn", "CaseListArgs", "CaseOut", "CasePatch", "PhotoOut", "WithdrawIn"]
