"""Status changes of anything with a lifecycle (needs, matches, …): who moved it from what to what, when."""
import logging
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column

from app.core.extensions import db
from tenants.clock import utcnow
from tenants.scoping import TenantScoped

logger = logging.getLogger(__name__)


class StatusChange(TenantScoped, db.Model):
    __tablename__ = "status_changes"
    __tenant_table_args__ = (Index("ix_status_changes_object", "community_id", "object_type", "object_id", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    object_type: Mapped[str] = mapped_column(String(20))  # need, match
    object_id: Mapped[int] = mapped_column(Integer)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(String(500), default="")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


def record(obj, to_status: str, *, actor_id: int | None, note: str = "") -> None:
    """Move `obj` to a status and write down the change (the caller checked the move is allowed)."""
    change = StatusChange(object_type=type(obj).__name__.lower(), object_id=obj.id, from_status=obj.status,
                          to_status=to_status, actor_id=actor_id, note=(note or "")[:500])
    obj.status = to_status
    db.session.add(change)


def created(obj, *, actor_id: int | None, note: str = "") -> None:
    """Write down that a (flushed) object came into being in its current status."""
    db.session.add(StatusChange(object_type=type(obj).__name__.lower(), object_id=obj.id, from_status=None,
                                to_status=obj.status, actor_id=actor_id, note=(note or "")[:500]))


def history_of(obj) -> list[StatusChange]:
    return list(db.session.execute(select(StatusChange).where(
        StatusChange.object_type == type(obj).__name__.lower(), StatusChange.object_id == obj.id)
        .order_by(StatusChange.id)).scalars())


def histories(object_type: str, object_ids) -> dict[int, list[StatusChange]]:
    """The changes of many objects of one type in one query: {object_id: [change, …]} in order."""
    ids = sorted(set(object_ids))
    found: dict[int, list[StatusChange]] = {i: [] for i in ids}
    if not ids:
        return found
    for change in db.session.execute(select(StatusChange).where(
            StatusChange.object_type == object_type, StatusChange.object_id.in_(ids)).order_by(StatusChange.id)
    ).scalars():
        found[change.object_id].append(change)
    return found
