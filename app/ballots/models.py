"""A ballot, its options, its frozen electorate, who took part, the open votes, the vetoes.

Secrecy is in the tables' shape: a secret ballot stores THAT a voter took part (`ballot_participations`:
ballot and voter, no choice, no time) apart from WHAT was chosen (`ballot_options.votes`, one counter per
option, incremented in the voter's transaction). No row holds a choice next to a voter, a time or an id that
would order the choices, so nothing can join a choice back to its voter. An open ballot also keeps one
`ballot_votes` row per voter and chosen option (who voted what is shown after closing, and may change
until then); its counters stay at 0 and its tallies are counted from those rows when it closes.
"""
import logging
from datetime import UTC, datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.extensions import db
from tenants.clock import utcnow
from tenants.scoping import TenantScoped, tenant_fk

logger = logging.getLogger(__name__)

SUBJECT_TYPES = ("application", "activity", "commendation", "question", "expense")
KINDS = ("yes_no", "choice")
THRESHOLDS = ("majority", "two_thirds")
STATUSES = ("draft", "open", "closed")
OUTCOMES = ("approved", "rejected", "no_quorum", "vetoed")
YES_NO = ("yes", "no", "abstain")
ROLES_THAT_VOTE = ("council", "representative", "coordinator", "admin", "unit")  # the form's checkboxes


def aware(value: datetime | None) -> datetime | None:
    """SQLite hands stored times back naive; they are UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


class Ballot(TenantScoped, db.Model):
    __tablename__ = "ballots"
    __tenant_table_args__ = (
        Index("ix_ballots_status", "community_id", "status", "closes_at"),
        Index("ix_ballots_subject", "community_id", "subject_type", "subject_id", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    subject_type: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(10), default="yes_no")
    max_choices: Mapped[int] = mapped_column(Integer, default=1)
    # Who may vote, as asked: {"roles": [...], "user_ids": [...]}; the voters themselves are frozen at opening.
    electorate: Mapped[dict] = mapped_column(JSON, default=dict)
    excluded: Mapped[dict] = mapped_column(JSON, default=dict)  # {"user id": "reason"}: conflicts of interest
    owner_ids: Mapped[list] = mapped_column(JSON, default=list)  # told the result besides the electorate
    quorum_pct: Mapped[int] = mapped_column(Integer, default=50)
    threshold: Mapped[str] = mapped_column(String(12), default="majority")
    secret: Mapped[bool] = mapped_column(Boolean, default=False)
    veto_limit: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="draft")
    opens_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closes_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    opened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # the day-before reminder, once
    # The electorate's size, counted once when it is frozen at opening (the quorum's base; excluded: not in it).
    voters: Mapped[int | None] = mapped_column(Integer)
    excluded_count: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[str | None] = mapped_column(String(12))
    result: Mapped[dict | None] = mapped_column(JSON)  # computed once, at closing
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    options: Mapped[list["BallotOption"]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="BallotOption.position")

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    @property
    def is_closed(self) -> bool:
        return self.status == "closed"

    @property
    def closes(self) -> datetime:
        return aware(self.closes_at)

    @property
    def opens(self) -> datetime | None:
        return aware(self.opens_at)

    def option_keys(self) -> list[str]:
        return [o.key for o in self.options]

    def elector(self, user_id: int | None) -> "BallotElector | None":
        """The member's row in the frozen electorate (None before opening or when they are not in it)."""
        if not user_id:
            return None
        return db.session.execute(select(BallotElector).where(
            BallotElector.ballot_id == self.id, BallotElector.user_id == user_id)).scalar_one_or_none()


class BallotOption(TenantScoped, db.Model):
    """One answer: yes / no / abstain, or one of a list. `votes` counts a secret ballot's choices."""

    __tablename__ = "ballot_options"
    __tenant_table_args__ = (tenant_fk(["ballot_id"], "ballots"), UniqueConstraint("ballot_id", "key"))
    id: Mapped[int] = mapped_column(primary_key=True)
    ballot_id: Mapped[int] = mapped_column(Integer, index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    key: Mapped[str] = mapped_column(String(20))
    label: Mapped[str] = mapped_column(String(200), default="")
    votes: Mapped[int] = mapped_column(Integer, default=0)


class BallotElector(TenantScoped, db.Model):
    """A member of the electorate as frozen at opening; an excluded one is listed with the reason."""

    __tablename__ = "ballot_electors"
    __tenant_table_args__ = (tenant_fk(["ballot_id"], "ballots"), UniqueConstraint("ballot_id", "user_id"),
                             Index("ix_ballot_electors_user", "community_id", "user_id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    ballot_id: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    excluded_reason: Mapped[str | None] = mapped_column(String(300))

    @property
    def excluded(self) -> bool:
        return self.excluded_reason is not None


class BallotParticipation(TenantScoped, db.Model):
    """THAT a voter took part: the unique key is the one-vote-per-voter rule. No choice and no time here."""

    __tablename__ = "ballot_participations"
    __tenant_table_args__ = (tenant_fk(["ballot_id"], "ballots"), UniqueConstraint("ballot_id", "user_id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    ballot_id: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # A paper vote on an open ballot: the coordinator who typed it in (never on a secret ballot).
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class BallotVote(TenantScoped, db.Model):
    """WHAT a voter chose, on an open ballot only: one row per chosen option."""

    __tablename__ = "ballot_votes"
    __tenant_table_args__ = (tenant_fk(["ballot_id"], "ballots"),
                             UniqueConstraint("ballot_id", "user_id", "option_key"))
    id: Mapped[int] = mapped_column(primary_key=True)
    ballot_id: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    option_key: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class BallotVeto(TenantScoped, db.Model):
    """A representative's veto with its reason; distinct vetoers are counted against the ballot's limit."""

    __tablename__ = "ballot_vetoes"
    __tenant_table_args__ = (tenant_fk(["ballot_id"], "ballots"), UniqueConstraint("ballot_id", "user_id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    ballot_id: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(500))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
