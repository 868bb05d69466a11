"""Ballot rules: create (draft or open now), open (the electorate frozen in one INSERT … SELECT), vote (one per
voter by a unique key; open ballots keep who chose what, secret ones only that someone took part and a counter
per option), veto, paper votes, and the close that computes the result exactly once and tells everyone.

Other domains (unit applications, activities, commendations) call `create`, `get`, `for_subject`, `vote`,
`veto`, `close` and listen to `app.core.signals.ballot_closed`.
"""
import logging
from datetime import UTC, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import and_, case, func, literal, or_, select, update

from app import history
from app.accounts.models import User
from app.accounts.services import user_names  # noqa: F401 (the pages name who recorded a vote)
from app.ballots.models import (
    KINDS,
    SUBJECT_TYPES,
    THRESHOLDS,
    YES_NO,
    Ballot,
    BallotElector,
    BallotOption,
    BallotParticipation,
    BallotVeto,
    BallotVote,
    aware,
)
from app.core import signals
from app.core.errors import ApiError
from app.core.extensions import db
from app.core.sql import inserted_rows
from app.core.validation import Conflict, ValidationFailed, text_problems
from app.notifications import services as notifications
from tenants import clock
from tenants.clock import utcnow
from tenants.context import current_tenant_id
from tenants.models import ROLES, Membership, MembershipRole

logger = logging.getLogger(__name__)

MAX_OPTIONS = 20
REMIND_BEFORE = timedelta(days=1)


# --- reading --------------------------------------------------------------------------------------

def get(ballot_id: int) -> Ballot | None:
    return db.session.execute(select(Ballot).where(Ballot.id == ballot_id)).scalar_one_or_none()


def get_current(ballot_id: int) -> Ballot | None:
    """A ballot as it stands now: opened or closed here when its time has passed and the job has not yet
    (`close_if_due`), before the caller checks who may see it (a voter sees a due draft once it is open)."""
    ballot = get(ballot_id)
    if ballot is not None:
        close_if_due(ballot)
    return ballot


def for_subject(subject_type: str, subject_id: int | None) -> Ballot | None:
    """The latest ballot on a subject (an application may be put to a vote again)."""
    return db.session.execute(select(Ballot).where(
        Ballot.subject_type == subject_type, Ballot.subject_id == subject_id)
        .order_by(Ballot.id.desc()).limit(1)).scalar_one_or_none()


def list_ballots(*, user_id: int | None = None, status: str | None = None, limit: int = 100) -> list[Ballot]:
    """Ballots newest first; with `user_id`, only those whose frozen electorate holds the member (or that they
    own)."""
    stmt = select(Ballot)
    if status:
        stmt = stmt.where(Ballot.status == status)
    if user_id is not None:
        stmt = stmt.where(or_(
            Ballot.id.in_(select(BallotElector.ballot_id).where(BallotElector.user_id == user_id)),
            Ballot.created_by_id == user_id))
    return list(db.session.execute(stmt.order_by(Ballot.id.desc()).limit(limit)).scalars())


def waiting_for(user_id: int, *, limit: int = 50) -> list[Ballot]:
    """Open ballots where the member may vote and has not yet."""
    return list(db.session.execute(select(Ballot).where(
        Ballot.status == "open",
        Ballot.id.in_(select(BallotElector.ballot_id).where(
            BallotElector.user_id == user_id, BallotElector.excluded_reason.is_(None))),
        Ballot.id.not_in(select(BallotParticipation.ballot_id).where(BallotParticipation.user_id == user_id)))
        .order_by(Ballot.closes_at, Ballot.id).limit(limit)).scalars())


def closing_within(hours: int = 24, *, now: datetime | None = None) -> list[Ballot]:
    now = now or utcnow()
    return list(db.session.execute(select(Ballot).where(
        Ballot.status == "open", Ballot.closes_at <= now + timedelta(hours=hours))
        .order_by(Ballot.closes_at, Ballot.id)).scalars())


def counts(*, now: datetime | None = None) -> dict:
    """The digest's figures: ballots open, and those of them closing within a day (one query)."""
    now = now or utcnow()
    open_, closing = db.session.execute(select(
        func.count(), func.count().filter(Ballot.closes_at <= now + timedelta(hours=24)))
        .where(Ballot.status == "open")).one()
    return {"ballots_open": int(open_), "ballots_closing": int(closing)}


def electors(ballot: Ballot) -> list[dict]:
    """The frozen electorate with names and participation (staff's page; one query)."""
    rows = db.session.execute(
        select(BallotElector.user_id, BallotElector.excluded_reason, User.name,
               BallotParticipation.id.is_not(None), BallotParticipation.recorded_by_id)
        .join(User, User.id == BallotElector.user_id)
        .outerjoin(BallotParticipation, and_(BallotParticipation.ballot_id == BallotElector.ballot_id,
                                             BallotParticipation.user_id == BallotElector.user_id,
                                             BallotParticipation.community_id == BallotElector.community_id))
        .where(BallotElector.ballot_id == ballot.id).order_by(User.name_pinyin, User.id)).all()
    return [{"user_id": r[0], "excluded_reason": r[1], "name": r[2], "voted": bool(r[3]), "recorded_by_id": r[4]}
            for r in rows]


def participation(ballot: Ballot, user_id: int) -> BallotParticipation | None:
    return db.session.execute(select(BallotParticipation).where(
        BallotParticipation.ballot_id == ballot.id, BallotParticipation.user_id == user_id)).scalar_one_or_none()


def choices_of(ballot: Ballot, user_id: int) -> list[str]:
    """What a voter chose on an open ballot (a secret ballot has no such record: always [])."""
    if ballot.secret:
        return []
    return list(db.session.execute(select(BallotVote.option_key).where(
        BallotVote.ballot_id == ballot.id, BallotVote.user_id == user_id).order_by(BallotVote.option_key)).scalars())


def votes_by_voter(ballot: Ballot) -> list[dict]:
    """Who voted what, for an open ballot after it closed (never a secret one, never before closing)."""
    if ballot.secret or not ballot.is_closed:
        return []
    rows = db.session.execute(
        select(BallotVote.user_id, User.name, BallotVote.option_key)
        .join(User, User.id == BallotVote.user_id)
        .where(BallotVote.ballot_id == ballot.id)
        .order_by(User.name_pinyin, User.id, BallotVote.option_key)).all()
    labels = {o.key: o.label for o in ballot.options}
    voters: dict[int, dict] = {}
    for user_id, name, key in rows:
        voters.setdefault(user_id, {"user_id": user_id, "name": name, "choices": []})["choices"].append(
            {"key": key, "label": labels.get(key, key)})
    return list(voters.values())


def vetoes(ballot: Ballot) -> list[dict]:
    rows = db.session.execute(select(BallotVeto.user_id, User.name, BallotVeto.reason, BallotVeto.at)
                              .join(User, User.id == BallotVeto.user_id)
                              .where(BallotVeto.ballot_id == ballot.id).order_by(BallotVeto.id)).all()
    return [{"user_id": r[0], "name": r[1], "reason": r[2], "at": aware(r[3])} for r in rows]


def veto_of(ballot: Ballot, user_id: int) -> BallotVeto | None:
    return db.session.execute(select(BallotVeto).where(
        BallotVeto.ballot_id == ballot.id, BallotVeto.user_id == user_id)).scalar_one_or_none()


def no_results_yet() -> str:
    return _("The result is shown once voting has closed.")


def history_of(ballot: Ballot):
    return history.history_of(ballot)


def is_representative(user_id: int) -> bool:
    return db.session.execute(select(MembershipRole.id).join(
        Membership, Membership.id == MembershipRole.membership_id).where(
        Membership.user_id == user_id, MembershipRole.role == "representative").limit(1)).first() is not None


# --- creating and opening -------------------------------------------------------------------------

def _options_for(kind: str, options, max_choices: int, errors: dict) -> list[BallotOption]:
    if kind == "yes_no":
        return [BallotOption(position=i, key=key, label="") for i, key in enumerate(YES_NO)]
    labels = [str(o).strip() for o in (options or []) if str(o).strip()]
    if len(labels) < 2:
        errors["options"] = [_("Give at least two options.")]
    elif len(labels) > MAX_OPTIONS:
        errors["options"] = [_("At most %(n)s options.", n=MAX_OPTIONS)]
    elif len(set(labels)) != len(labels):
        errors["options"] = [_("Two options say the same thing.")]
    else:
        for label in labels:
            problems = text_problems(label, max_length=200)
            if problems:
                errors["options"] = problems
                break
    if not isinstance(max_choices, int) or max_choices < 1 or (labels and max_choices > len(labels)):
        errors["max_choices"] = [_("Between 1 and the number of options.")]
    return [BallotOption(position=i, key=str(i + 1), label=label) for i, label in enumerate(labels)]


def create(*, subject_type: str, subject_id: int | None, title: str, body: str = "", kind: str = "yes_no",
           options: list[str] | None = None, max_choices: int = 1, electorate: dict | None = None,
           excluded: dict | None = None, opens_at: datetime | None = None, closes_at: datetime,
           quorum_pct: int = 50, threshold: str = "majority", secret: bool = False, veto_limit: int | None = None,
           owner_ids: list[int] | None = None, actor_id: int | None = None) -> Ballot:
    """A ballot: open now (its electorate frozen now) when `opens_at` is None or past, else a draft that the
    periodic job opens. Every problem is told at once (ValidationFailed, 422)."""
    errors: dict[str, list[str]] = {}
    now = utcnow()
    title = (title or "").strip()
    body = (body or "").strip()
    if subject_type not in SUBJECT_TYPES:
        errors["subject_type"] = [_("Unknown subject.")]
    if problems := text_problems(title, max_length=200, required=True):
        errors["title"] = problems
    if problems := text_problems(body, max_length=4000, multiline=True):
        errors["body"] = problems
    if kind not in KINDS:
        errors["kind"] = [_("Choose yes / no / abstain, or a list of options.")]
        kind = "yes_no"
    option_rows = _options_for(kind, options, max_choices if kind == "choice" else 1, errors)
    if threshold not in THRESHOLDS:
        errors["threshold"] = [_("Choose a simple majority or two thirds.")]
    if isinstance(quorum_pct, bool) or not isinstance(quorum_pct, int) or not 0 <= quorum_pct <= 100:
        errors["quorum_pct"] = [_("The quorum is a share between 0 and 100 %.")]
    if veto_limit is not None and (isinstance(veto_limit, bool) or not isinstance(veto_limit, int)
                                   or veto_limit < 1):
        errors["veto_limit"] = [_("At least one veto, or no veto at all.")]
    if closes_at is None or closes_at.tzinfo is None:
        errors["closes_at"] = [_("Give the closing time.")]
    else:
        start = opens_at if opens_at is not None and opens_at > now else now
        if opens_at is not None and opens_at.tzinfo is None:
            errors["opens_at"] = [_("Give the opening time.")]
        elif closes_at <= start:
            errors["closes_at"] = [_("The ballot must close after it opens.")]
    electorate = electorate or {}
    roles = sorted(set(electorate.get("roles") or []))
    user_ids = sorted({int(u) for u in electorate.get("user_ids") or []})
    if set(roles) - set(ROLES):
        errors["roles"] = [_("Unknown role.")]
    if not roles and not user_ids:
        errors["roles"] = [_("Choose who votes.")]
    clean_excluded = {}
    for user_id, reason in (excluded or {}).items():
        reason = (str(reason or "")).strip() or _("Conflict of interest")
        clean_excluded[str(int(user_id))] = reason[:300]
    if errors:
        raise ValidationFailed(errors)
    # Stored in UTC (SQLite compares the stored text, so every time in a column must have the same offset).
    closes_at = closes_at.astimezone(UTC)
    opens_at = opens_at.astimezone(UTC) if opens_at is not None else None
    ballot = Ballot(subject_type=subject_type, subject_id=subject_id, title=title, body=body, kind=kind,
                    max_choices=max_choices if kind == "choice" else 1,
                    electorate={"roles": roles, "user_ids": user_ids}, excluded=clean_excluded,
                    owner_ids=sorted({int(u) for u in owner_ids or []}), quorum_pct=quorum_pct, threshold=threshold,
                    secret=bool(secret), veto_limit=veto_limit, status="draft",
                    opens_at=opens_at or now, closes_at=closes_at, created_by_id=actor_id, options=option_rows)
    db.session.add(ballot)
    db.session.flush()
    history.created(ballot, actor_id=actor_id)
    if opens_at is None or opens_at <= now:
        open_ballot(ballot, actor_id=actor_id)
    db.session.flush()
    return ballot


def open_ballot(ballot: Ballot, *, actor_id: int | None = None) -> bool:
    """Draft → open, claimed by a conditional UPDATE (so the job and a person cannot both open it), the
    electorate frozen in one INSERT … SELECT: the members holding the roles, plus the named members; the
    excluded are listed with their reason and cannot vote."""
    now = utcnow()
    claimed = db.session.execute(update(Ballot).where(Ballot.id == ballot.id, Ballot.status == "draft")
                                 .values(status="open", opened_at=now)
                                 .execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        return False
    tenant = current_tenant_id()
    roles = ballot.electorate.get("roles") or []
    user_ids = [int(u) for u in ballot.electorate.get("user_ids") or []]
    chosen = []
    if roles:
        chosen.append(Membership.id.in_(select(MembershipRole.membership_id).where(
            MembershipRole.community_id == tenant, MembershipRole.role.in_(roles))))
    if user_ids:
        chosen.append(Membership.user_id.in_(user_ids))
    excluded = {int(k): v for k, v in (ballot.excluded or {}).items()}
    reason = case(excluded, value=Membership.user_id, else_=None) if excluded else literal(None)
    # The INSERT's own SELECT is not scoped by the ORM: the community is named here (and RLS holds it too).
    db.session.execute(BallotElector.__table__.insert().from_select(
        ["community_id", "ballot_id", "user_id", "excluded_reason"],
        select(Membership.community_id, literal(ballot.id), Membership.user_id, reason)
        .where(Membership.community_id == tenant, or_(*chosen) if chosen else literal(False))))
    ballot.opened_at = now
    ballot.voters, ballot.excluded_count = _count_electorate(ballot)
    history.record(ballot, "open", actor_id=actor_id)
    db.session.flush()
    if ballot.voters:  # the fan-out job pages the electorate itself: no list of voters in the outbox row
        notifications.emit("ballot.opened", audience=notifications.to_named(
            "ballot_electorate", ballot_id=ballot.id, with_excluded=False, not_voted=False),
            payload=_payload(ballot), actor_id=actor_id)
    return True


def _payload(ballot: Ballot, **extra) -> dict:
    closes = ballot.closes.astimezone(clock.zone()).strftime("%Y-%m-%d %H:%M")  # the community's time
    return {"ballot_id": ballot.id, "title": ballot.title, "closes_at": ballot.closes.isoformat(), "closes": closes,
            "link": f"/ballots/{ballot.id}", **extra}


# --- voting ---------------------------------------------------------------------------------------

def _check_open(ballot: Ballot) -> None:
    """Votes and vetoes go to an open ballot before its closing time. The ballot's row is read again under a
    share lock (PostgreSQL), so a close that claims it waits for the votes being cast and sees them."""
    status, closes_at = db.session.execute(
        select(Ballot.status, Ballot.closes_at).where(Ballot.id == ballot.id).with_for_update(read=True)).one()
    if status == "draft":
        raise Conflict(_("Voting has not opened yet."), "not_open")
    if status == "closed" or aware(closes_at) <= utcnow():
        raise Conflict(_("Voting has closed."), "closed")


def _check_elector(ballot: Ballot, user_id: int) -> BallotElector:
    elector = ballot.elector(user_id)
    if elector is None:
        raise ApiError(403, "not_in_electorate", _("You are not among the voters of this ballot."))
    if elector.excluded:
        raise ApiError(403, "excluded", _("You do not vote on this ballot: %(reason)s", reason=elector.excluded_reason))
    return elector


def check_choices(ballot: Ballot, choices) -> list[str]:
    keys = ballot.option_keys()
    picked = sorted({str(c) for c in choices or []}, key=lambda k: keys.index(k) if k in keys else -1)
    if not picked:
        raise ValidationFailed({"choices": [_("Choose an answer.")]})
    if any(k not in keys for k in picked):
        raise ValidationFailed({"choices": [_("This is not one of the ballot's answers.")]})
    if len(picked) > ballot.max_choices:
        raise ValidationFailed({"choices": [_("Choose at most %(n)s.", n=ballot.max_choices)]})
    return picked


def vote(ballot: Ballot, user_id: int, choices: list[str], *, recorded_by_id: int | None = None) -> list[str]:
    """Cast (or, on an open ballot, change) a member's vote; returns the choices kept.

    One vote per voter is the unique key of ballot_participations: two submissions at once insert one row, the
    other fails on the key and becomes a change (open ballot) or a 409 (secret ballot)."""
    _check_open(ballot)
    _check_elector(ballot, user_id)
    picked = check_choices(ballot, choices)
    if recorded_by_id is not None and ballot.secret:
        # The coordinator typing in a paper vote would learn the choice, which a secret ballot hides from
        # everyone; a kept paper ballot box (counted apart) is outside this product.
        raise Conflict(_("A secret ballot takes no paper votes: the person recording it would learn the choice."),
                       "secret_paper")
    first = _take_part(ballot, user_id, recorded_by_id)
    if not first and recorded_by_id is not None:
        # The member's own vote stands: a paper vote never replaces it (the unique key decides, also for a
        # member voting on the phone while the coordinator types the paper in).
        raise Conflict(already_voted_message(), "already_voted")
    if ballot.secret:
        if not first:
            raise Conflict(_("You have already voted; a secret vote cannot be changed."), "already_voted")
        # Only the counters move: nothing records which voter chose them.
        db.session.execute(update(BallotOption).where(BallotOption.ballot_id == ballot.id,
                                                      BallotOption.key.in_(picked))
                           .values(votes=BallotOption.votes + 1).execution_options(synchronize_session=False))
        return picked
    if not first:
        # A change: the participation row is locked first, so two changes at once run one after the other.
        db.session.execute(select(BallotParticipation.id).where(
            BallotParticipation.ballot_id == ballot.id, BallotParticipation.user_id == user_id).with_for_update())
        db.session.execute(update(BallotParticipation).where(
            BallotParticipation.ballot_id == ballot.id, BallotParticipation.user_id == user_id)
            .values(recorded_by_id=recorded_by_id).execution_options(synchronize_session=False))
        db.session.execute(BallotVote.__table__.delete().where(
            BallotVote.community_id == current_tenant_id(), BallotVote.ballot_id == ballot.id,
            BallotVote.user_id == user_id))
    now = utcnow()
    db.session.execute(BallotVote.__table__.insert(), [
        {"community_id": current_tenant_id(), "ballot_id": ballot.id, "user_id": user_id, "option_key": key,
         "at": now} for key in picked])
    if recorded_by_id is not None:
        signals.paper_vote_recorded.send(ballot, voter_id=user_id, recorded_by_id=recorded_by_id)
    db.session.flush()
    return picked


def already_voted_message() -> str:
    return _("This member has already voted; their vote cannot be recorded for them.")


def _take_part(ballot: Ballot, user_id: int, recorded_by_id: int | None) -> bool:
    """Insert the participation row; False when the voter already has one. The unique key decides, also for a
    submission racing this one (INSERT … ON CONFLICT DO NOTHING: PostgreSQL waits for the other transaction)."""
    return bool(inserted_rows(BallotParticipation, [{"ballot_id": ballot.id, "user_id": user_id,
                                                     "recorded_by_id": recorded_by_id}], BallotParticipation.id))


def record_paper_vote(ballot: Ballot, voter_id: int, choices: list[str], *, actor_id: int) -> list[str]:
    """A coordinator records the paper vote of an electorate member without a phone: marked as recorded by
    them and written to the audit log; refused on a secret ballot (see `vote`)."""
    if ballot.secret:
        raise Conflict(_("A secret ballot takes no paper votes: the person recording it would learn the choice."),
                       "secret_paper")
    return vote(ballot, voter_id, choices, recorded_by_id=actor_id)


def veto(ballot: Ballot, user_id: int, reason: str) -> int:
    """A representative in the electorate vetoes, with a reason; returns the distinct vetoes so far. At the
    ballot's limit it closes at once with the outcome "vetoed"."""
    reason = (reason or "").strip()
    if problems := text_problems(reason, max_length=500, required=True, multiline=True):
        raise ValidationFailed({"reason": problems if reason else [_("Say why you veto.")]})
    if ballot.veto_limit is None:
        raise Conflict(_("This ballot cannot be vetoed."), "no_veto")
    _check_open(ballot)
    _check_elector(ballot, user_id)
    if not is_representative(user_id):
        raise ApiError(403, "not_representative", _("Only resident representatives may veto."))
    if not inserted_rows(BallotVeto, [{"ballot_id": ballot.id, "user_id": user_id, "reason": reason,
                                       "at": utcnow()}], BallotVeto.id):
        raise Conflict(_("You have already vetoed this ballot."), "already_vetoed")
    count = _veto_count(ballot)
    if count >= ballot.veto_limit:
        close(ballot)
    return count


def _veto_count(ballot: Ballot) -> int:
    return int(db.session.execute(select(func.count(func.distinct(BallotVeto.user_id)))
                                  .where(BallotVeto.ballot_id == ballot.id)).scalar_one())


# --- closing --------------------------------------------------------------------------------------

def tallies(ballot: Ballot) -> dict[str, int]:
    """Votes per option key, in one statement: the counters of a secret ballot, a GROUP BY of an open one."""
    if ballot.secret:
        rows = db.session.execute(select(BallotOption.key, BallotOption.votes)
                                  .where(BallotOption.ballot_id == ballot.id)).all()
    else:
        rows = db.session.execute(select(BallotVote.option_key, func.count())
                                  .where(BallotVote.ballot_id == ballot.id).group_by(BallotVote.option_key)).all()
    counts = {o.key: 0 for o in ballot.options}
    counts.update({key: int(n) for key, n in rows})
    return counts


def electorate_of(ballot: Ballot) -> tuple[int, int]:
    """(voters, excluded): the electorate is frozen at opening, so its counts are taken then and kept on the
    ballot; a ballot opened before they were kept is counted (one statement)."""
    if ballot.voters is not None:
        return ballot.voters, ballot.excluded_count or 0
    return _count_electorate(ballot)


def _count_electorate(ballot: Ballot) -> tuple[int, int]:
    base, excluded = db.session.execute(select(
        func.count().filter(BallotElector.excluded_reason.is_(None)),
        func.count().filter(BallotElector.excluded_reason.is_not(None)))
        .where(BallotElector.ballot_id == ballot.id)).one()
    return int(base), int(excluded)


@notifications.audience("ballot_electorate")
def _electorate_page(params: dict, after_user_id: int, limit: int) -> list[int]:
    """The fan-out's page of a ballot's electorate: every elector (`with_excluded`: also those excluded, whom the
    result tells too), or with `not_voted` only the voters without a participation row yet; ascending user ids."""
    ballot_id = int(params["ballot_id"])
    stmt = select(BallotElector.user_id).where(BallotElector.ballot_id == ballot_id,
                                               BallotElector.user_id > after_user_id)
    if not params.get("with_excluded", True):
        stmt = stmt.where(BallotElector.excluded_reason.is_(None))
    if params.get("not_voted"):
        stmt = stmt.where(BallotElector.user_id.not_in(
            select(BallotParticipation.user_id).where(BallotParticipation.ballot_id == ballot_id)))
    return list(db.session.execute(stmt.order_by(BallotElector.user_id).limit(limit)).scalars())


def compute_result(ballot: Ballot, *, vetoed: bool = False, electorate: tuple | None = None) -> dict:
    """Turnout, tallies, quorum and outcome in a handful of statements whatever the electorate's size: the
    electorate (`electorate_of`, unless the caller has it already), the tallies, and the participation count only
    where a voter may choose more than one option (else the tallies add up to the turnout: one option per voter,
    counted in the voter's transaction)."""
    base, excluded = electorate or electorate_of(ballot)
    counts = tallies(ballot)
    if ballot.max_choices == 1:
        turnout = sum(counts.values())
    else:
        turnout = db.session.execute(select(func.count()).where(
            BallotParticipation.ballot_id == ballot.id)).scalar_one()
    veto_count = _veto_count(ballot) if ballot.veto_limit is not None else 0
    turnout = int(turnout)
    # Exactly at the quorum is enough: turnout / base >= quorum_pct / 100, in integers.
    quorum_met = turnout * 100 >= ballot.quorum_pct * base and (base > 0 or ballot.quorum_pct == 0)
    quorum_needed = -(-ballot.quorum_pct * base // 100)
    labels = {o.key: o.label for o in ballot.options}
    ranked = sorted(ballot.options, key=lambda o: (-counts[o.key], o.position))
    result = {"electorate": base, "excluded": excluded, "turnout": turnout,
              "turnout_pct": round(turnout * 100 / base, 1) if base else 0.0,
              "quorum_pct": ballot.quorum_pct, "quorum_needed": quorum_needed, "quorum_met": bool(quorum_met),
              "threshold": ballot.threshold, "vetoes": int(veto_count),
              "tallies": [{"key": o.key, "label": labels[o.key], "votes": counts[o.key]} for o in ranked]}
    if vetoed or (ballot.veto_limit is not None and veto_count >= ballot.veto_limit):
        outcome = "vetoed"
    elif not quorum_met:
        outcome = "no_quorum"
    elif ballot.kind == "choice":
        outcome = "approved"
    else:
        yes, no = counts.get("yes", 0), counts.get("no", 0)
        if ballot.threshold == "two_thirds":
            passed = yes > 0 and yes * 3 >= (yes + no) * 2
        else:
            passed = yes > no  # a tie is not a majority
        outcome = "approved" if passed else "rejected"
    result["outcome"] = outcome
    return result


def close(ballot: Ballot, *, now: datetime | None = None) -> bool:
    """Close and compute the result, exactly once: the ballot is claimed with a conditional UPDATE … WHERE
    status = 'open', so a second close (the job run twice, a veto racing the job) does nothing; on PostgreSQL the
    claim waits for the votes being cast (they hold a share lock on the ballot), and the counts that follow see
    them. In the same transaction: the signal to the subject's domain and the result notification."""
    now = now or utcnow()
    claimed = db.session.execute(update(Ballot).where(Ballot.id == ballot.id, Ballot.status == "open")
                                 .values(status="closed", closed_at=now)
                                 .execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        db.session.refresh(ballot)
        return False
    electorate = electorate_of(ballot)
    result = compute_result(ballot, electorate=electorate)
    ballot.closed_at, ballot.result, ballot.outcome = now, result, result["outcome"]
    history.record(ballot, "closed", actor_id=None, note=result["outcome"])
    db.session.flush()
    signals.ballot_closed.send(ballot, subject_type=ballot.subject_type, subject_id=ballot.subject_id,
                               outcome=result["outcome"], result=result)
    # Every elector (the excluded too) and the ballot's owners hear the result: the row names the electorate,
    # the fan-out job reads it page by page (it is frozen, so it is the same electorate then as now).
    if sum(electorate) or ballot.owner_ids:
        notifications.emit("ballot.result",
                           audience=notifications.to_named("ballot_electorate", ballot_id=ballot.id,
                                                           with_excluded=True, not_voted=False,
                                                           user_ids=ballot.owner_ids or []),
                           payload=_payload(ballot, outcome=result["outcome"], turnout=result["turnout"],
                                            electorate=result["electorate"]))
    db.session.flush()
    return True


def withdraw(ballot: Ballot, *, actor_id: int | None, reason: str = "") -> bool:
    """End a ballot whose subject is gone (an activity cancelled, a proposal rejected by the staff) without a
    result: it is closed as withdrawn, nobody is reminded or asked any more, and the subject's domain is not told
    (it withdrew it). Once: a conditional UPDATE from draft or open; False when it had already ended."""
    now = utcnow()
    claimed = db.session.execute(update(Ballot).where(Ballot.id == ballot.id, Ballot.status.in_(("draft", "open")))
                                 .values(status="closed", closed_at=now, outcome="withdrawn")
                                 .execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        db.session.refresh(ballot)
        return False
    history.record(ballot, "closed", actor_id=actor_id, note=(reason or "withdrawn")[:500])
    ballot.closed_at, ballot.outcome = now, "withdrawn"
    db.session.flush()
    return True


def open_due(now: datetime | None = None) -> int:
    now = now or utcnow()
    due = list(db.session.execute(select(Ballot).where(Ballot.status == "draft", Ballot.opens_at <= now)
                                  .order_by(Ballot.id)).scalars())
    return sum(open_ballot(b) for b in due)


def close_due(now: datetime | None = None) -> int:
    """The job's close: every open ballot past its closing time; returns how many this run closed."""
    now = now or utcnow()
    due = list(db.session.execute(select(Ballot).where(Ballot.status == "open", Ballot.closes_at <= now)
                                  .order_by(Ballot.id)).scalars())
    return sum(close(b, now=now) for b in due)


def remind_due(now: datetime | None = None) -> int:
    """A day before closing, those who have not voted hear it once (the claim on reminded_at remembers)."""
    now = now or utcnow()
    due = list(db.session.execute(select(Ballot).where(
        Ballot.status == "open", Ballot.reminded_at.is_(None), Ballot.closes_at > now,
        Ballot.closes_at <= now + REMIND_BEFORE).order_by(Ballot.id)).scalars())
    sent = 0
    for ballot in due:
        claimed = db.session.execute(update(Ballot).where(Ballot.id == ballot.id, Ballot.reminded_at.is_(None))
                                     .values(reminded_at=now).execution_options(synchronize_session=False)).rowcount
        if claimed != 1:
            continue
        # Is anyone still to vote (one row at most)? Who they are is read by the fan-out job, page by page, so
        # someone who votes in between is not reminded.
        if _electorate_page({"ballot_id": ballot.id, "with_excluded": False, "not_voted": True}, 0, 1):
            notifications.emit("ballot.closing",
                               audience=notifications.to_named("ballot_electorate", ballot_id=ballot.id,
                                                               with_excluded=False, not_voted=True),
                               payload=_payload(ballot))
            sent += 1
    return sent


def close_if_due(ballot: Ballot, *, now: datetime | None = None) -> bool:
    """Open a draft whose opening time has passed, and close an open ballot whose closing time has passed, when
    someone reads it (the periodic job may not have run yet: a ballot past its close never shows a vote form).
    Both claims are conditional UPDATEs, so this and the job (or two readers) do it once between them; returns
    whether anything changed."""
    now = now or utcnow()
    changed = False
    if ballot.status == "draft" and ballot.opens is not None and ballot.opens <= now:
        changed = open_ballot(ballot) or changed
        if not changed:
            db.session.refresh(ballot)
    if ballot.status == "open" and ballot.closes <= now:
        changed = close(ballot, now=now) or changed
    return changed


def settle_due(now: datetime | None = None) -> None:
    """Before a list of ballots is shown: open the due drafts and close the due ballots (two statements when
    none is due)."""
    now = now or utcnow()
    open_due(now)
    close_due(now)


def run_due(now: datetime | None = None) -> dict:
    """The periodic job: open due drafts, remind, close due ballots (each safe to run twice)."""
    now = now or utcnow()
    return {"opened": open_due(now), "reminded": remind_due(now), "closed": close_due(now)}
