"""The street office's API: the caller's streets, and a street's communities with their figures for a year
(aggregates only; a suppressed figure has no value). A person who is not a viewer of the street gets 404."""
import logging

from flask import abort
from flask_login import current_user, login_required
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from app.core.apidoc import collection_schema
from app.core.fields import UtcDateTime
from app.streets import services
from app.streets.access import street_for_viewer
from app.streets.schemas import YearQuery
from tenants import clock

logger = logging.getLogger(__name__)

blp = Blueprint("streets_api", __name__, url_prefix="/api/v1/s", description="The street office (街道)")


class StreetOut(Schema):
    id = fields.Function(lambda s: str(s.id), required=True)
    slug = fields.String(required=True)
    name = fields.String(required=True)
    suppress_below = fields.Integer(required=True, metadata={
        "description": "sensitive counts from 1 to this minus one come without a value (suppressed)"})


class StreetFigureOut(Schema):
    key = fields.String(required=True)
    label = fields.String(required=True)
    value = fields.Raw(allow_none=True, required=True, metadata={"description": "null when suppressed"})
    unit = fields.String(required=True)
    suppressed = fields.Boolean(required=True)


class StreetReportStatusOut(Schema):
    status = fields.String(required=True, metadata={"description": "submitted, late, missing or draft (not due yet)"})
    version = fields.Integer(allow_none=True, required=True, metadata={"description": "the latest submitted version"})
    submitted_at = UtcDateTime(allow_none=True, required=True)
    due_on = fields.Date(required=True)


class StreetVersionOut(Schema):
    number = fields.Function(lambda v: v[0], required=True)
    submitted_at = UtcDateTime(getter=lambda v: v[1], required=True)


class CommunityFiguresOut(Schema):
    id = fields.Function(lambda r: str(r.community.id), required=True)
    slug = fields.Function(lambda r: r.community.slug, required=True)
    name = fields.Function(lambda r: r.community.name, required=True)
    year = fields.Integer(required=True)
    figures = fields.List(fields.Nested(StreetFigureOut), required=True)
    report = fields.Nested(StreetReportStatusOut, required=True)
    versions = fields.List(fields.Nested(StreetVersionOut), required=True)


class SubmittedReportOut(Schema):
    community = fields.Function(lambda r: {"id": str(r.community.id), "slug": r.community.slug,
                                           "name": r.community.name}, required=True)
    year = fields.Integer(required=True)
    number = fields.Integer(required=True)
    submitted_at = UtcDateTime(required=True)
    newer_versions = fields.Function(lambda r: r.count - r.number, required=True)
    narrative = fields.String(required=True)
    parts = fields.Function(lambda r: [p.as_dict() for p in r.parts], required=True, metadata={
        "description": "the frozen parts of the year (name, title, figures, tables, charts); small sensitive counts "
                       "as \"<5\""})


StreetList = collection_schema(StreetOut, "StreetList")
CommunityFiguresList = collection_schema(CommunityFiguresOut, "CommunityFiguresList")


def _year(args) -> int:
    return args.get("year") or clock.today().year


@blp.get("/")
@blp.response(200, StreetList)
@login_required
def my_streets():
    """The streets the caller may look at (404 for someone who is a viewer of none)."""
    mine = services.streets_of(current_user.id)
    if not mine:
        abort(404)
    return {"items": mine, "next_cursor": None}


@blp.get("/<street_slug>")
@blp.response(200, StreetOut)
@login_required
def get_street(street_slug: str):
    return street_for_viewer(street_slug)


@blp.get("/<street_slug>/communities")
@blp.arguments(YearQuery, location="query")
@blp.response(200, CommunityFiguresList)
@login_required
def communities(args, street_slug: str):
    """The street's active communities with their figures for `year` (this year when left out), by name.
    A street holds a few dozen communities: one page, `next_cursor` is always null."""
    street = street_for_viewer(street_slug)
    return {"items": services.compare(street, _year(args)).rows, "next_cursor": None}


@blp.get("/<street_slug>/reports/<community_slug>/<int:year>/<int:number>")
@blp.response(200, SubmittedReportOut)
@login_required
def submitted_report(street_slug: str, community_slug: str, year: int, number: int):
    """A community's submitted report of `year`, version `number`, as it was frozen."""
    found = services.submitted_report(street_for_viewer(street_slug), community_slug, year, number)
    if found is None:
        abort(404)
    return found
