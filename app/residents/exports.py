"""A resident's data export: asked for on a page or the API, prepared by a background job, downloaded once
ready by whoever asked (or by staff), every download audited, purged when it expires.

The file holds everything the community keeps about the resident: the profile, the consents, their needs
with every status change, the matches that served them (offer, unit, status, rating), and the access log.
The sensitive attributes are in it only when the resident's own account asked for it — it is their data;
staff preparing a file for a resident get it without them (they read those fields on the resident's page,
where each look is audited). Reading them for the file is audited like any other read.
"""
import json
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import delete, or_, select

from app.accounts.models import User
from app.accounts.services import aware
from app.core.extensions import db
from app.core.fields import as_utc
from app.core.validation import Conflict
from app.notifications import services as notifications
from app.residents import services as residents
from app.residents.models import SENSITIVE_FIELDS, AuditEvent, DataExport, Resident
from jobs.queues import enqueue_after_commit
from tenants.clock import utcnow
from tenants.context import current_tenant_id

logger = logging.getLogger(__name__)

KEEP = timedelta(days=7)  # a prepared file waits this long for its download, then it is purged
PENDING_KEEP = timedelta(days=1)  # a file whose job never ran is given up after this long
STALE = timedelta(minutes=5)  # a file still pending after this long is queued again when asked for again
FORMAT = "huzhu-resident-export/1"


def iso(value):
    """Days as YYYY-MM-DD; moments in UTC with their offset, as the API writes them."""
    if isinstance(value, datetime):
        value = as_utc(value)
    return value.isoformat() if value is not None else None


# --- asking, listing, downloading ------------------------------------------------------------------

def request_export(resident: Resident, *, actor_id: int | None) -> DataExport:
    """Queue the preparation of the file; asking twice while one is being prepared returns that one."""
    if resident.status != "active":
        raise Conflict(_("This resident's data has been erased."), "erased")
    waiting = db.session.execute(select(DataExport).where(
        DataExport.resident_id == resident.id, DataExport.requested_by_id == actor_id,
        DataExport.status == "pending")).scalars().first()
    if waiting is not None:
        if utcnow() - aware(waiting.created_at) > STALE:
            # Its job was lost (Redis down at the commit, a worker killed): asking again queues it again.
            _enqueue(waiting)
        return waiting
    export = DataExport(resident_id=resident.id, requested_by_id=actor_id)
    db.session.add(export)
    db.session.flush()
    _enqueue(export)
    return export


def _enqueue(export: DataExport) -> None:
    enqueue_after_commit(build, export.id,
                         job_id=f"export-{current_tenant_id()}-{export.id}")


def get_export(export_id: int) -> DataExport | None:
    """An export that has not expired (an expired one is gone for its users even before the purge)."""
    export = db.session.execute(select(DataExport).where(DataExport.id == export_id)).scalar_one_or_none()
    if export is not None and export.expires_at is not None and aware(export.expires_at) <= utcnow():
        return None
    return export


def exports_of(resident: Resident, *, requested_by: int | None = None, everyone: bool = False) -> list[DataExport]:
    """The live exports of a resident, newest first: all of them (`everyone`) or those one user asked for."""
    stmt = select(DataExport).where(DataExport.resident_id == resident.id,
                                    or_(DataExport.expires_at.is_(None), DataExport.expires_at > utcnow()))
    if not everyone:
        stmt = stmt.where(DataExport.requested_by_id == requested_by)
    return list(db.session.execute(stmt.order_by(DataExport.id.desc())).scalars())


def download(export: DataExport, *, actor_id: int | None) -> str:
    """The prepared JSON; every download is audited, and the sensitive fields in it count as read."""
    if export.status != "ready" or export.content is None:
        raise Conflict(_("The file is still being prepared; you will be told when it is ready."), "not_ready")
    residents.audit(actor_id, "download", export.resident_id)
    if export.with_sensitive:
        for field in SENSITIVE_FIELDS:
            residents.audit(actor_id, "read", export.resident_id, field)
    db.session.flush()
    return export.content


def requester_names(found: list[DataExport]) -> dict[int, str]:
    """Who asked for each file (staff see every file of a resident), in one query."""

    ids = {e.requested_by_id for e in found if e.requested_by_id}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all()) if ids else {}


def filename(export: DataExport) -> str:
    return f"resident-{export.resident_id}-export-{export.id}.json"


# --- the job ---------------------------------------------------------------------------------------

def build(export_id: int) -> str:
    """Job: prepare the file, mark it ready and tell the person who asked, in one transaction (idempotent)."""
    export = db.session.execute(select(DataExport).where(DataExport.id == export_id)).scalar_one_or_none()
    if export is None or export.status != "pending":
        return "skipped"
    resident = residents.get_resident(export.resident_id)
    if resident is None or resident.status != "active":
        db.session.delete(export)
        return "gone"
    own = resident.account_id is not None and resident.account_id == export.requested_by_id
    document = assemble(resident, actor_id=export.requested_by_id, with_sensitive=own)
    now = utcnow()
    export.content = json.dumps(document, ensure_ascii=False, indent=2)
    export.with_sensitive = own and document["sensitive"] is not None
    export.status, export.ready_at, export.expires_at = "ready", now, now + KEEP
    if export.requested_by_id is not None:
        notifications.emit("resident.export_ready", audience=notifications.to_users(export.requested_by_id),
                           payload={"link": f"/residents/{resident.id}/exports", "days": KEEP.days})
    db.session.flush()
    return "ready"


# Parts of the file that other domains hold (their needs with history and matches): {key: part(resident)}.
# A domain above residents lends its part with @part("needs"); residents import none of them.
PARTS: dict[str, Callable[[Resident], object]] = {}


def part(key: str):
    """Lend the resident's file one part: `part(resident)` returns what stands under `key`."""

    def register(func: Callable[[Resident], object]):
        PARTS[key] = func
        return func

    return register


def assemble(resident: Resident, *, actor_id: int | None, with_sensitive: bool) -> dict:
    """Everything the community holds about the resident, as the file they download."""
    sensitive = residents.read_sensitive(resident, actor_id=actor_id) if with_sensitive else None
    residents.audit(actor_id, "export", resident.id)
    db.session.flush()
    profile = {key: getattr(resident, key) for key in (*residents.TEXT_FIELDS, "latitude", "longitude",
                                                        "account_relation", "status")}
    profile["birth_date"] = iso(resident.birth_date)
    accesses = db.session.execute(select(AuditEvent).where(AuditEvent.resident_id == resident.id)
                                  .order_by(AuditEvent.id)).scalars()
    return {
        "format": FORMAT,
        "generated_at": utcnow().isoformat(),
        "resident": {"id": str(resident.id), **profile, "created_at": iso(resident.created_at)},
        "sensitive_included": with_sensitive,
        "sensitive": sensitive,
        "consents": [{"purpose": c.purpose, "given_by": c.given_by, "method": c.method,
                      "given_at": iso(c.given_at), "withdrawn_at": iso(c.withdrawn_at)}
                     for c in residents.consents_of(resident)],
        **{key: contribute(resident) for key, contribute in PARTS.items()},
        "access_log": [{"action": a.action, "field": a.field, "at": iso(a.at)} for a in accesses],
    }


# --- retention and erasure -------------------------------------------------------------------------

def purge_expired() -> int:
    """Expired files, and files whose preparation never happened (for the current community)."""
    now = utcnow()
    return db.session.execute(delete(DataExport).where(or_(
        DataExport.expires_at < now,
        (DataExport.status == "pending") & (DataExport.created_at < now - PENDING_KEEP)))).rowcount
