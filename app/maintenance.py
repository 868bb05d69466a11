"""Retention: data that has served its purpose is deleted on schedule."""
import logging
from datetime import timedelta

from sqlalchemy import delete, or_

from app.accounts.models import ApiToken, PasswordReset, UserSession
from app.core.extensions import db
from app.residents import exports
from app.units.models import UnitImport
from tenants.clock import utcnow
from tenants.context import tenant_context
from tenants.services import list_communities

logger = logging.getLogger(__name__)

SESSION_KEEP = timedelta(days=30)
TOKEN_KEEP = timedelta(days=90)
IMPORT_KEEP = timedelta(days=7)


def purge_expired() -> dict:
    """Ended sessions, used or expired reset codes, long-revoked tokens, old import previews, expired data
    exports."""
    now = utcnow()
    counts = {
        "sessions": db.session.execute(delete(UserSession).where(or_(
            UserSession.ended_at < now - SESSION_KEEP, UserSession.last_seen_at < now - SESSION_KEEP))).rowcount,
        "password_resets": db.session.execute(delete(PasswordReset).where(
            or_(PasswordReset.expires_at < now, PasswordReset.used_at.is_not(None)))).rowcount,
        "tokens": db.session.execute(delete(ApiToken).where(or_(
            ApiToken.revoked_at < now - TOKEN_KEEP, ApiToken.expires_at < now - TOKEN_KEEP))).rowcount,
        "imports": 0,
        "exports": 0,
    }
    for community in list_communities():
        with tenant_context(community.id):
            counts["imports"] += db.session.execute(
                delete(UnitImport).where(UnitImport.created_at < now - IMPORT_KEEP)).rowcount
            counts["exports"] += exports.purge_expired()
            db.session.commit()
    db.session.commit()
    logger.info("retention purge: %s", counts)
    return counts
