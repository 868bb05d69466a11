"""Accounts' periodic work: forget ended sessions, spent reset codes and long-dead tokens."""
import logging
from datetime import time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, or_

from app.accounts.models import ApiToken, PasswordReset, UserSession
from app.core.extensions import db
from jobs.scheduler import periodic
from tenants.clock import utcnow

logger = logging.getLogger(__name__)

SESSION_KEEP = timedelta(days=30)
TOKEN_KEEP = timedelta(days=90)


@periodic("retention_purge", daily_at=time(3, 0), per_community=False,
          description=_l("Delete expired sessions, reset codes and tokens"))
def purge_expired() -> dict:
    """Ended sessions, used or expired reset codes, long-revoked or long-expired tokens."""
    now = utcnow()
    counts = {
        "sessions": db.session.execute(delete(UserSession).where(or_(
            UserSession.ended_at < now - SESSION_KEEP, UserSession.last_seen_at < now - SESSION_KEEP))).rowcount,
        "password_resets": db.session.execute(delete(PasswordReset).where(
            or_(PasswordReset.expires_at < now, PasswordReset.used_at.is_not(None)))).rowcount,
        "tokens": db.session.execute(delete(ApiToken).where(or_(
            ApiToken.revoked_at < now - TOKEN_KEEP, ApiToken.expires_at < now - TOKEN_KEEP))).rowcount,
    }
    logger.info("retention purge: %s", counts)
    return counts
