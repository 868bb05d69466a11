"""Home API: GET /api/v1/c/<slug>/home — what the member's home page shows, as items an app can list."""
import logging

from flask import abort, url_for
from flask_babel import gettext as _
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from app import sections
from app.home.services import BY_KIND, HOMES, homes_of
from app.members import services as members
from app.permissions import require
from app.units import services as units
from tenants.web import tenant_routes

logger = logging.getLogger(__name__)

blp = tenant_routes(Blueprint("home_api", __name__, url_prefix="/api/v1/c/<slug>/home",
                              description="Each member's home: what they can do and what waits for them"))


class HomeItem(Schema):
    id = fields.String(allow_none=True)
    kind = fields.String(metadata={"description": "a kind of aid, a message category, 'announcement'…"})
    title = fields.String()
    status = fields.String(allow_none=True, metadata={"description": "the item's status code"})
    label = fields.String(allow_none=True, metadata={"description": "the status in the caller's language"})
    when = fields.String(allow_none=True, metadata={"description": "ISO date or date-time"})
    count = fields.Integer(allow_none=True)
    url = fields.String(allow_none=True, metadata={"description": "the page that shows it"})


class HomeSection(Schema):
    name = fields.String(required=True, metadata={"description": "requests, messages, proposals, manifest…"})
    title = fields.String(required=True)
    url = fields.String(allow_none=True)
    count = fields.Integer(allow_none=True, metadata={"description": "in progress, unread, waiting…"})
    items = fields.List(fields.Nested(HomeItem), required=True)


class HomeOut(Schema):
    home = fields.String(required=True, validate=validate.OneOf([h.kind for h in HOMES]))
    homes = fields.List(fields.String(), required=True,
                        metadata={"description": "every home the member's roles open, most capable first"})
    sections = fields.List(fields.Nested(HomeSection), required=True)


class HomeArgs(Schema):
    home = fields.String(load_default=None, validate=validate.OneOf([h.kind for h in HOMES]),
                         metadata={"description": "another of the member's homes (default: the most capable)"})


def _staff_figures() -> list[dict]:
    """The overview's figures (the staff's home page); their work of the day has its own lists."""
    roles = members.count_by_role()
    items = [{"kind": "units", "title": _("Member units"), "count": units.count_units(),
              "url": url_for("units.index")}]
    items += [{"kind": role, "title": title, "count": roles.get(role, 0)}
              for role, title in (("resident", _("Residents")), ("representative", _("Resident representatives")),
                                  ("council", _("Council members")))]
    return [{"name": "figures", "title": _("At a glance"), "url": url_for("community.home"), "count": None,
             "items": items}]


@blp.get("")
@blp.arguments(HomeArgs, location="query")
@blp.response(200, HomeOut)
def home(args):
    """The sections of the caller's home (a resident's requests and messages, a unit's proposals, tomorrow's
    manifest and offers, what waits for a council member), the same items as the page."""
    require("community.view")
    mine = homes_of()
    if not mine:
        abort(403)
    chosen = BY_KIND[args["home"]] if args["home"] else mine[0]
    require(f"home.{chosen.kind}")
    parts = _staff_figures() if chosen.kind == "staff" else sections.data(chosen.kind)
    return {"home": chosen.kind, "homes": [h.kind for h in mine], "sections": parts}
