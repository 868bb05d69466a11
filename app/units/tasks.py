"""Units' periodic work: import previews are kept a week."""
import logging
from datetime import time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete

from app.core.extensions import db
from app.units.models import UnitImport
from jobs.scheduler import periodic
from tenants.clock import utcnow

logger = logging.getLogger(__name__)

IMPORT_KEEP = timedelta(days=7)


@periodic("imports_purge", daily_at=time(3, 0), description=_l("Delete import previews older than a week"))
def purge_old_imports() -> int:
    return db.session.execute(delete(UnitImport).where(UnitImport.created_at < utcnow() - IMPORT_KEEP)).rowcount
