"""Creating, suspending and restoring communities (the platform operator's work, and the CLI's)."""
import logging

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.core.extensions import db
from app.core.validation import ValidationFailed, text_problems
from tenants.context import tenant_context
from tenants.models import SLUG_RE, Community, Membership, Street

logger = logging.getLogger(__name__)

RESERVED = {"api", "static", "login", "logout", "platform", "admin", "new"}


def street_named(name: str) -> Street:
    name = name.strip()
    street = db.session.execute(select(Street).where(Street.name == name)).scalar_one_or_none()
    if street is None:
        street = Street(name=name)
        db.session.add(street)
        db.session.flush()
    return street


def create_community(*, slug: str, name: str, street: str | None = None) -> Community:
    slug, name, street = (slug or "").strip().lower(), (name or "").strip(), (street or "").strip()
    errors: dict[str, list[str]] = {}
    if not SLUG_RE.match(slug) or slug in RESERVED:
        errors["slug"] = [_("Use 1–40 lower-case letters, digits and hyphens (not at the ends).")]
    elif Community.by_slug(slug) is not None:
        errors["slug"] = [_("This short name is already taken.")]
    if problems := text_problems(name, max_length=100, required=True):
        errors["name"] = problems
    if problems := text_problems(street, max_length=100):
        errors["street"] = problems
    if errors:
        raise ValidationFailed(errors)
    community = Community(slug=slug, name=name, street=street_named(street) if street else None)
    db.session.add(community)
    db.session.flush()
    return community


def set_status(community: Community, status: str) -> Community:
    if status not in ("active", "suspended"):
        raise ValidationFailed({"status": [_("Must be one of: %(choices)s.", choices="active, suspended")]})
    community.status = status
    db.session.flush()
    return community


def count_members(community: Community) -> int:
    """How many people belong to the community (read inside it): what suspending it would lock out."""
    with tenant_context(community.id):
        return db.session.execute(select(func.count(Membership.id))).scalar_one()


def list_communities() -> list[Community]:
    return list(db.session.execute(select(Community).order_by(Community.created_at, Community.id)).scalars())


def count_communities() -> int:
    return db.session.execute(select(func.count(Community.id))).scalar_one()
