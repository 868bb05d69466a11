"""Commendation rules: a campaign per year and category; opened to the members; scored from a frozen snapshot of
the evidence with the council's weights; nominations with a citation, only of units in the snapshot, one per unit;
a ballot of the council and the resident representatives (the ballots engine decides who votes); closed by
`ballot_closed`; announced: awards to the top N by votes, certificates, the honour roll, every member told.

Ties at the last award's place are broken by the higher frozen score (the formula the council set and published),
then by the earlier nomination; the result page says where a tie was broken.
"""
import logging
import math
import secrets
from datetime import timedelta

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy import update as sql_update

from app import history
from app.ballots import services as ballots
from app.commendations.models import NOMINATING, WEIGHABLE, Award, Campaign, Nomination
from app.commendations.vocabulary import fact_label
from app.contributions import services as contributions
from app.contributions.services import Record
from app.core import signals
from app.core.extensions import db
from app.core.pagination import keyset_page
from app.core.sql import inserted_rows
from app.core.validation import Conflict, ValidationFailed, text_problems
from app.notifications import services as notifications
from app.units.models import Unit, UnitRepresentative
from tenants import clock

logger = logging.getLogger(__name__)

MAX_NOMINATIONS = 20  # the ballot's options
MAX_WEIGHT = 1000
# A starting formula the council adjusts: services and activities weigh most; meals and people per head.
DEFAULT_WEIGHTS = {"matches": 2, "average_rating": 2, "meals": 0.1, "offers": 1, "venue_hours": 0.5,
                   "organised": 5, "co_organised": 3, "attended": 0.2}


def facts() -> list[str]:
    """The facts a weight may apply to: every count of the contribution record, and the average rating in place of
    its sum and count."""
    keys = [k for k in Record.keys() if k not in ("ratings", "rating_sum")]
    return keys[:1] + ["average_rating"] + keys[1:]


# --- reading --------------------------------------------------------------------------------------

def get(campaign_id: int) -> Campaign | None:
    return db.session.execute(select(Campaign).where(Campaign.id == campaign_id)).scalar_one_or_none()


def page_campaigns(*, cursor: str | None = None, limit: int = 50, year: int | None = None,
                   status: str | None = None):
    stmt = select(Campaign)
    if year is not None:
        stmt = stmt.where(Campaign.year == year)
    if status:
        stmt = stmt.where(Campaign.status == status)
    return keyset_page(stmt, (Campaign.id,), cursor=cursor, limit=limit, descending=True)


def nomination_counts(campaign_ids) -> dict[int, int]:
    ids = sorted(set(campaign_ids))
    if not ids:
        return {}
    return dict(db.session.execute(select(Nomination.campaign_id, func.count()).where(
        Nomination.campaign_id.in_(ids)).group_by(Nomination.campaign_id)).all())


def nominations(campaign: Campaign) -> list[Nomination]:
    return list(db.session.execute(select(Nomination).where(Nomination.campaign_id == campaign.id)
                                   .order_by(Nomination.id)).scalars())


def history_of(campaign: Campaign):
    return history.history_of(campaign)


def formula(campaign: Campaign) -> list[dict]:
    """The formula's terms that count (weight not 0): fact, its words, its weight."""
    return [{"fact": key, "label": str(fact_label(key)), "weight": _number(campaign.weights.get(key, 0))}
            for key in facts() if campaign.weights.get(key)]


def formula_text(campaign: Campaign) -> str:
    """The formula in words and numbers: 得分 = 2 × 服务次数 + 5 × 组织活动 + …"""
    terms = [f"{t['weight']:g} × {t['label']}" for t in formula(campaign)]
    return _("Score = %(terms)s", terms=" + ".join(terms) if terms else "0")


def _number(value) -> float:
    return float(value or 0)


def score_of(facts_: dict, weights: dict) -> float:
    """Σ weight × fact (a missing fact, or an average rating without ratings, is 0), to two decimals."""
    return round(sum(_number(w) * _number(facts_.get(key)) for key, w in weights.items()), 2)


def scores(campaign: Campaign) -> list[dict]:
    """Every unit of the snapshot with its facts and its score, best first (then by name): no query."""
    rows = [{"unit_id": int(u["unit_id"]), "name": u["name"], "facts": u["facts"],
             "score": score_of(u["facts"], campaign.weights or {})}
            for u in (campaign.snapshot or {}).get("units", ())]
    rows.sort(key=lambda r: (-r["score"], r["name"], r["unit_id"]))
    for rank, row in enumerate(rows, 1):
        row["rank"] = rank
    return rows


# --- the campaign ---------------------------------------------------------------------------------

def _claim(campaign: Campaign, from_status: str, to_status: str, message: str) -> None:
    """Take a step once: a conditional UPDATE on the status, so two people pressing the same button at once (or
    twice) make one ballot, one set of awards; the loser hears `message` (409). The caller then records the move
    with `history.record` (the loaded object still says `from_status`)."""
    claimed = db.session.execute(sql_update(Campaign).where(Campaign.id == campaign.id, Campaign.status == from_status)
                                 .values(status=to_status).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        db.session.refresh(campaign)
        raise Conflict(message, f"already_{to_status}")


def _check_weights(weights: dict | None, errors: dict) -> dict:
    clean = {}
    known = set(facts())
    for key, value in (weights or {}).items():
        if key not in known:
            errors.setdefault("weights", []).append(_("Unknown fact: %(fact)s", fact=key))
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) \
                or not 0 <= value <= MAX_WEIGHT or round(value, 2) != value:
            errors[f"weights.{key}"] = [_("A weight between 0 and %(max)s, with at most two decimals.",
                                          max=MAX_WEIGHT)]
            continue
        if value:
            clean[key] = value
    return clean


def _check_numbers(awards, max_choices, errors: dict) -> None:
    if isinstance(awards, bool) or not isinstance(awards, int) or not 1 <= awards <= MAX_NOMINATIONS:
        errors["awards"] = [_("Between 1 and %(n)s awards.", n=MAX_NOMINATIONS)]
    if isinstance(max_choices, bool) or not isinstance(max_choices, int) or not 1 <= max_choices <= MAX_NOMINATIONS:
        errors["max_choices"] = [_("Between 1 and %(n)s choices.", n=MAX_NOMINATIONS)]


def create(*, year: int, category: str, description: str = "", awards: int = 3, max_choices: int | None = None,
           weights: dict | None = None, actor_id: int | None) -> Campaign:
    errors: dict[str, list[str]] = {}
    category = (category or "").strip()
    if problems := text_problems(category, max_length=100, required=True):
        errors["category"] = problems
    if problems := text_problems(description, max_length=2000, multiline=True):
        errors["description"] = problems
    this_year = clock.today().year
    if isinstance(year, bool) or not isinstance(year, int) or not this_year - 5 <= year <= this_year:
        errors["year"] = [_("A year between %(first)s and %(last)s.", first=this_year - 5, last=this_year)]
    max_choices = awards if max_choices is None else max_choices
    _check_numbers(awards, max_choices, errors)
    clean = _check_weights(DEFAULT_WEIGHTS if weights is None else weights, errors)
    if not errors and db.session.execute(select(Campaign.id).where(
            Campaign.year == year, Campaign.category == category)).first():
        errors["category"] = [_("This year already has a campaign for this award.")]
    if errors:
        raise ValidationFailed(errors)
    campaign = Campaign(year=year, category=category, description=(description or "").strip(), awards=awards,
                        max_choices=max_choices, weights=clean, status="draft", created_by_id=actor_id)
    db.session.add(campaign)
    db.session.flush()
    history.created(campaign, actor_id=actor_id)
    db.session.flush()
    return campaign


def update(campaign: Campaign, *, awards: int, max_choices: int, description: str | None = None,
           actor_id: int | None) -> Campaign:
    if campaign.status not in WEIGHABLE:
        raise Conflict(_("Once the ballot is open the campaign no longer changes."))
    errors: dict[str, list[str]] = {}
    _check_numbers(awards, max_choices, errors)
    if description is not None and (problems := text_problems(description, max_length=2000, multiline=True)):
        errors["description"] = problems
    if errors:
        raise ValidationFailed(errors)
    campaign.awards, campaign.max_choices = awards, max_choices
    if description is not None:
        campaign.description = description.strip()
    db.session.flush()
    return campaign


def set_weights(campaign: Campaign, weights: dict, *, actor_id: int | None) -> Campaign:
    """The council's formula; re-scoring with new weights reads the same snapshot (nothing is read again)."""
    if campaign.status not in WEIGHABLE:
        raise Conflict(_("Once the ballot is open the formula no longer changes."))
    errors: dict[str, list[str]] = {}
    clean = _check_weights(weights, errors)
    if errors:
        raise ValidationFailed(errors)
    campaign.weights = clean
    db.session.flush()
    return campaign


def _payload(campaign: Campaign, **extra) -> dict:
    return {"campaign_id": campaign.id, "title": campaign.title, "category": campaign.category,
            "year": campaign.year, "link": f"/commendations/{campaign.id}", **extra}


def open_campaign(campaign: Campaign, *, actor_id: int | None) -> Campaign:
    """Draft → open: every member hears that the campaign has begun."""
    if campaign.status != "draft":
        raise Conflict(_("This campaign is already open."))
    history.record(campaign, "open", actor_id=actor_id)
    db.session.flush()
    notifications.emit("commendation.opened", audience=notifications.ALL_MEMBERS, actor_id=actor_id,
                       payload=_payload(campaign, link="/honours"))
    return campaign


def _snapshot(campaign: Campaign) -> dict:
    """Every active unit's record of the campaign's year, frozen as JSON (names as they are now)."""
    units = db.session.execute(select(Unit.id, Unit.name).where(Unit.status == "active")
                               .order_by(Unit.name_sort, Unit.id)).all()
    found = contributions.record(campaign.year, [u.id for u in units]) if units else {}
    taken = clock.utcnow()
    campaign.snapshot_at = taken
    return {"taken_at": taken.isoformat(), "year": campaign.year,
            "units": [{"unit_id": u.id, "name": u.name, "facts": found.get(u.id, Record()).as_dict()}
                      for u in units]}


def score(campaign: Campaign, *, actor_id: int | None) -> Campaign:
    """Open → scored: the evidence is frozen now; nominations may begin."""
    if campaign.status != "open":
        raise Conflict(_("Only an open campaign is scored; it is scored once (refresh the evidence instead)."))
    campaign.snapshot = _snapshot(campaign)
    history.record(campaign, "scored", actor_id=actor_id)
    db.session.flush()
    return campaign


def refresh(campaign: Campaign, *, actor_id: int | None) -> Campaign:
    """A new snapshot of the evidence, asked for explicitly, and only before the first nomination (a nomination
    was made on the evidence shown then)."""
    if campaign.status != "scored":
        raise Conflict(_("The evidence is refreshed only while nominations are open."))
    if nomination_counts([campaign.id]).get(campaign.id):
        raise Conflict(_("The evidence can no longer be refreshed: units have been nominated on it."))
    campaign.snapshot = _snapshot(campaign)
    history.record(campaign, "scored", actor_id=actor_id, note="refreshed")
    db.session.flush()
    return campaign


# --- nominations ----------------------------------------------------------------------------------

def nominate(campaign: Campaign, *, unit_id: int, citation: str, actor_id: int | None) -> Nomination:
    """A council member nominates a unit of the snapshot with a citation (推荐理由); one nomination per unit."""
    if campaign.status not in NOMINATING:
        raise Conflict(_("Nominations are open once the campaign is scored and until the ballot opens."))
    errors: dict[str, list[str]] = {}
    citation = (citation or "").strip()
    if problems := text_problems(citation, max_length=1000, required=True, multiline=True):
        errors["citation"] = problems if citation else [_("Say why this unit deserves the award.")]
    if unit_id not in campaign.snapshot_unit_ids:
        errors["unit_id"] = [_("Only a unit of this campaign's evidence (an active member unit) can be nominated.")]
    elif nomination_counts([campaign.id]).get(campaign.id, 0) >= MAX_NOMINATIONS:
        errors["unit_id"] = [_("At most %(n)s nominations.", n=MAX_NOMINATIONS)]
    if errors:
        raise ValidationFailed(errors)
    # The unique key (campaign, unit) decides, also for two nominations of one unit at once.
    made = inserted_rows(Nomination, [{"campaign_id": campaign.id, "unit_id": unit_id, "citation": citation,
                                       "nominated_by_id": actor_id, "created_at": clock.utcnow()}], Nomination.id)
    if not made:
        raise ValidationFailed({"unit_id": [_("This unit is already nominated.")]})
    nomination = db.session.get(Nomination, made[0][0])
    name = next((u["name"] for u in campaign.snapshot["units"] if int(u["unit_id"]) == unit_id), "")
    notifications.emit("commendation.nominated", audience=notifications.to_roles("council", "admin", "coordinator"),
                       actor_id=actor_id, payload=_payload(campaign, unit=name))
    return nomination


def withdraw_nomination(campaign: Campaign, nomination: Nomination, *, actor_id: int | None) -> None:
    if campaign.status not in NOMINATING or nomination.campaign_id != campaign.id:
        raise Conflict(_("Nominations are open once the campaign is scored and until the ballot opens."))
    db.session.delete(nomination)
    db.session.flush()


def get_nomination(nomination_id: int) -> Nomination | None:
    return db.session.execute(select(Nomination).where(Nomination.id == nomination_id)).scalar_one_or_none()


# --- the ballot -----------------------------------------------------------------------------------

def open_ballot(campaign: Campaign, *, days: int = 7, secret: bool = True, quorum_pct: int = 50,
                actor_id: int | None):
    """The nominated units put to the vote of the council and the resident representatives (at most N choices):
    the ballots engine freezes the electorate and refuses a vote from outside it. Whoever represents a nominated
    unit does not vote (shown as the reason)."""
    if campaign.status != "scored":
        raise Conflict(_("The ballot opens once the campaign is scored, and once."))
    errors: dict[str, list[str]] = {}
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 30:
        errors["days"] = [_("A ballot lasts one to thirty days.")]
    rows = nominations(campaign)
    if len(rows) < 2:
        errors["_schema"] = [_("At least two nominated units are needed for a ballot.")]
    if errors:
        raise ValidationFailed(errors)
    _claim(campaign, "scored", "voting", _("The ballot opens once the campaign is scored, and once."))
    names = {int(u["unit_id"]): u["name"] for u in campaign.snapshot["units"]}
    for i, nomination in enumerate(rows):
        nomination.option_key = str(i + 1)  # the engine numbers the options in the order given
    unit_ids = [n.unit_id for n in rows]
    reps = db.session.execute(select(UnitRepresentative.user_id, UnitRepresentative.unit_id)
                              .where(UnitRepresentative.unit_id.in_(unit_ids))).all()
    with force_locale("zh_CN"):
        title = _("Commendation %(title)s: choose at most %(n)s", title=campaign.title,
                  n=min(campaign.max_choices, len(rows)))
        excluded = {user_id: _("Represents a nominated unit (%(unit)s)", unit=names.get(unit_id, ""))
                    for user_id, unit_id in reps}
    ballot = ballots.create(
        subject_type="commendation", subject_id=campaign.id, title=title, body=campaign.description or "",
        kind="choice", options=[names[n.unit_id] for n in rows], max_choices=min(campaign.max_choices, len(rows)),
        electorate={"roles": ["council", "representative"], "user_ids": []}, excluded=excluded,
        closes_at=clock.utcnow() + timedelta(days=days), quorum_pct=quorum_pct, secret=bool(secret),
        owner_ids=[actor_id] if actor_id else [], actor_id=actor_id)
    campaign.ballot_id = ballot.id
    history.record(campaign, "voting", actor_id=actor_id)
    db.session.flush()
    return ballot


@signals.ballot_closed.connect
def _on_ballot_closed(sender, *, subject_type: str = "", subject_id=None, outcome: str = "", result=None,
                      **_ignored) -> None:
    """The ballot closed: its tallies are kept with the campaign (results to announce); without a quorum the
    campaign returns to its nominations, so the council may open a new ballot."""
    if subject_type != "commendation" or subject_id is None:
        return
    campaign = get(int(subject_id))
    if campaign is None or campaign.status != "voting" or campaign.ballot_id != sender.id:
        return
    if outcome == "approved":
        campaign.result = result
        history.record(campaign, "closed", actor_id=None)
    else:
        campaign.ballot_id = None
        history.record(campaign, "scored", actor_id=None, note=outcome)
    db.session.flush()


def results(campaign: Campaign) -> list[dict]:
    """The nominated units by votes, then by their frozen score, then by the order of nomination; the first N are
    awarded. `tie_broken`: an awarded unit with as many votes as one that is not (its score placed it)."""
    if not campaign.result:
        return []
    votes = {t["key"]: int(t["votes"]) for t in campaign.result.get("tallies", ())}
    by_unit = {r["unit_id"]: r for r in scores(campaign)}
    rows = [{"nomination_id": n.id, "unit_id": n.unit_id, "name": by_unit.get(n.unit_id, {}).get("name", ""),
             "votes": votes.get(n.option_key, 0), "score": by_unit.get(n.unit_id, {}).get("score", 0.0),
             "citation": n.citation} for n in nominations(campaign)]
    rows.sort(key=lambda r: (-r["votes"], -r["score"], r["nomination_id"]))
    first_out = rows[campaign.awards]["votes"] if len(rows) > campaign.awards else None
    for rank, row in enumerate(rows, 1):
        row["rank"] = rank
        row["awarded"] = rank <= campaign.awards and row["votes"] > 0
        row["tie_broken"] = row["awarded"] and first_out is not None and row["votes"] == first_out
    return rows


def announce(campaign: Campaign, *, actor_id: int | None) -> list[Award]:
    """Closed → announced: an award (with its certificate number and verification code) to each of the top N,
    the honour roll shows them, every member hears the results."""
    if campaign.status != "closed":
        raise Conflict(_("Results are announced once the ballot has closed, and once."),
                       "already_announced" if campaign.status == "announced" else "conflict")
    _claim(campaign, "closed", "announced", _("Results are announced once the ballot has closed, and once."))
    today = clock.today()
    made = []
    for row in results(campaign):
        if not row["awarded"]:
            continue
        made.append(Award(campaign_id=campaign.id, unit_id=row["unit_id"], unit_name=row["name"], rank=row["rank"],
                          votes=row["votes"], score=row["score"], tie_broken=row["tie_broken"],
                          citation=row["citation"], number=f"{campaign.year}-{campaign.id:03d}-{row['rank']:02d}",
                          code=secrets.token_urlsafe(16), issued_on=today))
    db.session.add_all(made)
    campaign.announced_at = clock.utcnow()
    history.record(campaign, "announced", actor_id=actor_id)
    db.session.flush()
    notifications.emit("commendation.results", audience=notifications.ALL_MEMBERS, actor_id=actor_id,
                       payload=_payload(campaign, units=[a.unit_name for a in made], link="/honours"))
    return made


# --- awards ---------------------------------------------------------------------------------------

def get_award(award_id: int) -> Award | None:
    return db.session.execute(select(Award).where(Award.id == award_id)).scalar_one_or_none()


def award_by_code(code: str) -> Award | None:
    if not code or len(code) > 40:
        return None
    return db.session.execute(select(Award).where(Award.code == code)).scalar_one_or_none()


def awards_of(campaign: Campaign) -> list[Award]:
    return list(db.session.execute(select(Award).where(Award.campaign_id == campaign.id)
                                   .order_by(Award.rank, Award.id)).scalars())


def awards_of_units(unit_ids) -> list[tuple[Award, Campaign]]:
    ids = sorted(set(unit_ids))
    if not ids:
        return []
    return list(db.session.execute(select(Award, Campaign).join(Campaign, Campaign.id == Award.campaign_id)
                                   .where(Award.unit_id.in_(ids))
                                   .order_by(Campaign.year.desc(), Campaign.category, Award.rank)).all())


def _announced(stmt, year: int | None):
    stmt = stmt.join(Campaign, Campaign.id == Award.campaign_id).where(Campaign.status == "announced")
    return stmt if year is None else stmt.where(Campaign.year == year)


def awards_of_year_select(year: int):
    """One row: how many awards the year's announced campaigns gave (the honour roll's, counted)."""
    return _announced(select(func.count(Award.id)).select_from(Award), year)


def honour_roll(year: int | None = None) -> list[dict]:
    """The announced awards by year (newest first) and category: [{"year", "categories": [{"campaign", "awards"}]}]
    in one statement. Units and citations only: no person is named."""
    stmt = _announced(select(Award, Campaign), year)
    years: dict[int, dict[int, dict]] = {}
    for award, campaign in db.session.execute(
            stmt.order_by(Campaign.year.desc(), Campaign.category, Campaign.id, Award.rank)).all():
        by_campaign = years.setdefault(campaign.year, {})
        by_campaign.setdefault(campaign.id, {"campaign": campaign, "awards": []})["awards"].append(award)
    return [{"year": y, "categories": list(c.values())} for y, c in years.items()]


def counts() -> dict[str, int]:
    """What waits (the today page and the digest), in one statement: campaigns waiting for nominations (open, or
    scored with fewer than two), a ballot to open (scored with two or more), results to announce (closed)."""
    noms = select(func.count()).where(Nomination.campaign_id == Campaign.id).correlate(Campaign).scalar_subquery()
    rows = db.session.execute(select(Campaign.status, noms).where(
        Campaign.status.in_(("open", "scored", "closed")))).all()
    waiting = sum(1 for s, n in rows if s == "open" or (s == "scored" and n < 2))
    ballot = sum(1 for s, n in rows if s == "scored" and n >= 2)
    announce_ = sum(1 for s, _n in rows if s == "closed")
    return {"commendations_nominating": waiting, "commendations_ballot_due": ballot,
            "commendations_to_announce": announce_}
