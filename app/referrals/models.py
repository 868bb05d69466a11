"""A street referral: the minimised copy of a need that crosses to a neighbouring community."""
import logging
from datetime import datetime

from sqlalchemy import Boolean, DateTime, Float, ForeignKey, ForeignKeyConstraint, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.extensions import db
from tenants.clock import utcnow
from tenants.street import StreetScoped

logger = logging.getLogger(__name__)

REFERRAL_STATUSES = ("open", "taken", "confirmed", "served", "withdrawn", "expired")
LIVE_REFERRAL_STATUSES = ("open", "taken", "confirmed")
# What a referral carries of the need: nothing that names, reaches or describes the person.
REFERRAL_COPY = ("need_id", "offer_id", "kind", "slot", "window_start", "window_end", "quantity", "urgency",
                 "latitude", "longitude", "elderly", "source")


class StreetReferral(StreetScoped, db.Model):
    """A need handed to a neighbouring community of the street, as a minimised copy.

    No name, phone, address, free text or sensitive fact: the kind, the time, how many, how urgent,
    a position rounded to about 100 m, and whether the beneficiary is elderly (the one eligibility that
    is not sensitive). The origin's coordinator is the contact. Addressed to one community (and one of
    its shared offers) when the coordinator chose it, or to the whole street by the escalation sweep;
    the community that takes it becomes the target.
    """

    __tablename__ = "street_referrals"
    __table_args__ = (
        ForeignKeyConstraint(["from_community_id", "need_id"], ["needs.community_id", "needs.id"],
                             ondelete="CASCADE"),
        ForeignKeyConstraint(["to_community_id", "offer_id"], ["offers.community_id", "offers.id"]),
        Index("ix_street_referrals_street_status", "street_id", "status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(Integer, index=True)  # in the origin
    offer_id: Mapped[int | None] = mapped_column(Integer)  # a shared offer of the target
    kind: Mapped[str] = mapped_column(String(20))
    slot: Mapped[str | None] = mapped_column(String(20))
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    window_end: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    urgency: Mapped[str] = mapped_column(String(10), default="normal")
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    elderly: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(20), default="proposed")  # proposed, escalated
    status: Mapped[str] = mapped_column(String(20), default="open")
    # The last status the origin has followed (its need, its staff told): the follow-up is idempotent.
    origin_status: Mapped[str] = mapped_column(String(20), default="open")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    taken_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    taken_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
