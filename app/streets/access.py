"""Who gets in under /s/<street-slug>/: a live viewer of that street, and nobody else.

Not a community role (app/permissions.py decides those, for members of a community): a street's viewers are
granted by the platform operator, as the operator's own pages check `is_operator`. Anyone else — a viewer of
another street, a community's admin, the operator — gets 404, as if the street did not exist.
"""
import logging

from flask import abort, g
from flask_login import current_user

from app.streets import services
from tenants.models import Street

logger = logging.getLogger(__name__)


def street_for_viewer(street_slug: str) -> Street:
    street = services.viewable_street(street_slug, current_user.id)
    if street is None:
        abort(404)
    g.street = street
    return street
