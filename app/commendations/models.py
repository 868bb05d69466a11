"""A commendation campaign (评优) per year and award category, its nominations and its awards.

The evidence is frozen: scoring stores `contributions.services.record(year)` of every active unit in
`Campaign.snapshot` (JSON), so later edits of matches, meals or activities never move a score; a new snapshot is
taken only when the council asks for it, before the first nomination. Scores are the snapshot's facts times the
council's weights, computed when read (a pure function, no query). An award carries a random verification code
(the certificate's QR code opens `/c/<slug>/verify/<code>`) and a readable certificate number.
"""
import logging
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.extensions import db
from tenants.clock import utcnow
from tenants.scoping import TenantScoped, tenant_fk

logger = logging.getLogger(__name__)

# draft → open (members told) → scored (the snapshot taken; nominations) → voting (the ballot) → closed (results
# to announce) → announced (awards, honour roll, certificates). A ballot without quorum returns it to scored.
STATUSES = ("draft", "open", "scored", "voting", "closed", "announced")
NOMINATING = ("scored",)
WEIGHABLE = ("draft", "open", "scored")  # the formula may change until the ballot opens


class Campaign(TenantScoped, db.Model):
    __tablename__ = "commendation_campaigns"
    __tenant_table_args__ = (
        UniqueConstraint("community_id", "year", "category"),
        Index("ix_commendation_campaigns_status", "community_id", "status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(String(100))  # 优秀会员单位, 热心公益单位, … as the council names it
    description: Mapped[str] = mapped_column(Text, default="")
    awards: Mapped[int] = mapped_column(Integer, default=3)  # how many units are commended
    max_choices: Mapped[int] = mapped_column(Integer, default=3)  # each voter chooses at most this many
    weights: Mapped[dict] = mapped_column(JSON, default=dict)  # {fact: weight}
    snapshot: Mapped[dict | None] = mapped_column(JSON)  # {"taken_at", "units": [{"unit_id", "name", "facts"}]}
    snapshot_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    ballot_id: Mapped[int | None] = mapped_column(ForeignKey("ballots.id", ondelete="SET NULL"))
    result: Mapped[dict | None] = mapped_column(JSON)  # the ballot's tallies as closed
    announced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @property
    def title(self) -> str:
        return f"{self.year} {self.category}"

    @property
    def snapshot_unit_ids(self) -> set[int]:
        return {int(u["unit_id"]) for u in (self.snapshot or {}).get("units", ())}


class Nomination(TenantScoped, db.Model):
    __tablename__ = "commendation_nominations"
    __tenant_table_args__ = (
        tenant_fk(["campaign_id"], "commendation_campaigns"),
        tenant_fk(["unit_id"], "units", ondelete=None),  # a nominated unit stays
        UniqueConstraint("campaign_id", "unit_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(Integer, index=True)
    unit_id: Mapped[int] = mapped_column(Integer)
    citation: Mapped[str] = mapped_column(Text)  # 推荐理由
    option_key: Mapped[str | None] = mapped_column(String(20))  # the ballot's option for this unit
    nominated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Award(TenantScoped, db.Model):
    __tablename__ = "commendation_awards"
    __tenant_table_args__ = (
        tenant_fk(["campaign_id"], "commendation_campaigns"),
        tenant_fk(["unit_id"], "units", ondelete=None),
        UniqueConstraint("campaign_id", "unit_id"),
        UniqueConstraint("code"),
        Index("ix_commendation_awards_unit", "community_id", "unit_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(Integer)
    unit_id: Mapped[int] = mapped_column(Integer)
    unit_name: Mapped[str] = mapped_column(String(200))  # as it was called when commended
    rank: Mapped[int] = mapped_column(Integer)
    votes: Mapped[int] = mapped_column(Integer, default=0)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    tie_broken: Mapped[bool] = mapped_column(Boolean, default=False)  # placed above an equal vote by its score
    citation: Mapped[str] = mapped_column(Text, default="")
    number: Mapped[str] = mapped_column(String(40))  # the certificate number, e.g. 2026-01-003
    code: Mapped[str] = mapped_column(String(40))  # random, for /verify/<code>
    issued_on: Mapped[date] = mapped_column(Date)
