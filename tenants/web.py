"""Resolving the community from the URL and guarding its private pages and endpoints.

Pages live under /c/<slug>/…, the API under /api/v1/c/<slug>/…. A blueprint made tenant-aware
with `tenant_routes(bp)` pops the slug, loads the community into `g.community`, enters its tenant
context, and lets only members in: anyone else gets 404, as if the community did not exist.
`url_for` fills the slug in from `g.community`, so routes never pass it by hand.

The community and the membership are best found together with the user: the app's log-in loader
reads `requested_slug()` and hands back what its one query found through `resolved()`. When no
one is signed in (or the loader did not look), the guard looks them up itself.
"""
import logging

from flask import abort, current_app, g, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.core.errors import ApiError
from app.core.extensions import db
from tenants.context import set_db_user, set_tenant
from tenants.models import SLUG_RE, Community, Membership

logger = logging.getLogger(__name__)


def public(view):
    """Mark a community endpoint as open to visitors who are not members (e.g. applying to join)."""
    view.tenant_public = True
    return view


def current_community() -> Community | None:
    return g.get("community")


def current_membership() -> Membership | None:
    return g.get("membership")


def requested_slug() -> str | None:
    """The slug of the community the URL names, before the guard has resolved it (None outside one, or when
    no community could have it: the guard then answers 404 without asking the database)."""
    slug = g.get("community_slug")
    return slug if slug is not None and SLUG_RE.match(slug) else None


def resolved(slug: str, community: Community | None, membership: Membership | None) -> None:
    """What the signed-in user's loader found for `slug`: the community (None: no such community) and the
    user's membership of it (None: not a member). The guard takes it instead of asking the database again."""
    g.community_found = (slug, community, membership)


def _pull_slug(endpoint, values):
    if values is None or "slug" not in values:
        return
    g.community_slug = values.pop("slug")  # resolved by _guard, with the user when someone is signed in


def add_slug(endpoint, values):
    """App-wide url_defaults: links inside a community page keep pointing into that community."""
    community = g.get("community")
    if community is not None and "slug" not in values and current_app.url_map.is_endpoint_expecting(endpoint, "slug"):
        values["slug"] = community.slug


def _guard():
    slug = requested_slug()
    if slug is None:
        abort(404)
    signed_in = current_user.is_authenticated  # loading the user may resolve the community with it
    found = g.get("community_found")
    if found is None or found[0] != slug:
        found = _look_up(slug, signed_in)
    _slug, community, membership = found
    if community is None:
        abort(404)
    g.community = community
    set_tenant(community.id)
    if signed_in:
        set_db_user(current_user.id)
    g.membership = membership
    view = current_app.view_functions.get(_endpoint())
    if getattr(view, "tenant_public", False):
        if not community.is_active:
            abort(404)
        return
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if membership is None:
        abort(404)
    if not community.is_active:
        raise CommunitySuspended()


def _look_up(slug: str, signed_in: bool) -> tuple[str, Community | None, Membership | None]:
    community = Community.by_slug(slug)
    if community is None:
        return slug, None, None
    set_tenant(community.id)  # the membership is read inside the community
    return slug, community, db_membership(current_user.id) if signed_in else None


class CommunitySuspended(ApiError):
    """A member reached a suspended community: 403 with an explanation."""

    def __init__(self):
        super().__init__(403, "community_suspended", _("This community is suspended; contact the platform operator."))


def _endpoint():
    return request.endpoint


def db_membership(user_id: int) -> Membership | None:
    return db.session.execute(select(Membership).where(Membership.user_id == user_id)).scalar_one_or_none()


def tenant_routes(bp):
    """Make every route of the blueprint community-scoped and members-only unless marked @public."""
    bp.url_value_preprocessor(_pull_slug)
    bp.before_request(_guard)
    return bp
