"""Membership queries that cross communities, for the one user asking about themself."""
import logging

from sqlalchemy import select

from app.core.extensions import db
from tenants.context import unscoped
from tenants.models import Community, Membership

logger = logging.getLogger(__name__)


def communities_of(user_id: int) -> list[dict]:
    """Where the user belongs: [{"community", "roles"}], by community name.

    Deliberately unscoped (a user's own rows across tenants); on PostgreSQL the `own_rows_read`
    policy allows exactly these rows.
    """
    rows = db.session.execute(
        select(Membership, Community)
        .join(Community, Community.id == Membership.community_id)
        .where(Membership.user_id == user_id)
        .order_by(Community.name)
        .execution_options(**unscoped())
    ).all()
    return [{"community": community, "roles": membership.role_names} for membership, community in rows]
