"""A unit's application to join the association, and the community's rules for admitting one."""
import logging
from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.extensions import db
from tenants.clock import utcnow
from tenants.scoping import TenantScoped

logger = logging.getLogger(__name__)

# submitted → under_review (taken by a council member or staff) → info_requested → resubmitted → under_review
# → ballot → admitted | rejected; withdrawn by the applicant before a decision.
STATUSES = ("submitted", "under_review", "info_requested", "resubmitted", "ballot", "admitted", "rejected",
            "withdrawn")
WAITING = ("submitted", "resubmitted")  # nobody has taken it (again) yet
PENDING = ("submitted", "under_review", "info_requested", "resubmitted", "ballot")  # no decision yet
DECIDED = ("admitted", "rejected", "withdrawn")
THRESHOLDS = ("majority", "two_thirds")
VETO_ACTIONS = ("return", "reject")


class UnitApplication(TenantScoped, db.Model):
    __tablename__ = "unit_applications"
    __tenant_table_args__ = (
        Index("ix_unit_applications_status", "community_id", "status", "id"),
        Index("ix_unit_applications_credit_code", "community_id", "credit_code"),
        Index("ix_unit_applications_mobile", "community_id", "contact_mobile"),
        Index("ix_unit_applications_applicant", "community_id", "applicant_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_name: Mapped[str] = mapped_column(String(100))
    unit_type: Mapped[str] = mapped_column(String(30))
    credit_code: Mapped[str] = mapped_column(String(18))
    address: Mapped[str] = mapped_column(String(200))
    contact_name: Mapped[str] = mapped_column(String(50))
    contact_mobile: Mapped[str] = mapped_column(String(20))
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    offers: Mapped[list] = mapped_column(JSON, default=list)  # kinds of the docking (app/core/kinds.py)
    needs: Mapped[str] = mapped_column(Text, default="")
    motivation: Mapped[str] = mapped_column(Text, default="")
    consent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(20), default="submitted")
    applicant_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    info_request: Mapped[str] = mapped_column(Text, default="")
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    # The ballot that decides it, and what its close said (vetoes' reasons when it came back to the council).
    ballot_id: Mapped[int | None] = mapped_column(Integer)
    ballot_result: Mapped[dict | None] = mapped_column(JSON)
    # The unit made at admission; no key, so deleting the unit later keeps the record of its application.
    unit_id: Mapped[int | None] = mapped_column(Integer)
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    @property
    def is_pending(self) -> bool:
        return self.status in PENDING

    @property
    def is_decided(self) -> bool:
        return self.status in DECIDED


class AdmissionRules(TenantScoped, db.Model):
    """How the community admits a unit: the ballot's length, quorum, threshold, secrecy and the veto limit.
    One row per community; without one, the defaults below apply."""

    __tablename__ = "admission_rules"
    __tenant_table_args__ = (UniqueConstraint("community_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    ballot_days: Mapped[int] = mapped_column(Integer, default=7)
    quorum_pct: Mapped[int] = mapped_column(Integer, default=50)
    threshold: Mapped[str] = mapped_column(String(20), default="majority")
    secret: Mapped[bool] = mapped_column(Boolean, default=False)
    veto_limit: Mapped[int] = mapped_column(Integer, default=3)  # distinct vetoes that stop an admission
    veto_action: Mapped[str] = mapped_column(String(20), default="return")  # back to the council, or rejected
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    DEFAULTS = {"ballot_days": 7, "quorum_pct": 50, "threshold": "majority", "secret": False, "veto_limit": 3,
                "veto_action": "return"}
