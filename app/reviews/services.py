"""The yearly review's rules: the council opens one review a year with every active unit listed (the list is
frozen), sees each unit's year so far, decides keep / warn / drop with a reason, and closes it once every unit
is decided. Closing makes the decisions take effect: the figures seen are stored with each entry (a closed
review does not change later), a dropped unit is withdrawn (dated, with the reason; its offers close), a
warned or dropped unit's representatives are told. Services flush; the request commits."""
import logging

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.core.extensions import db
from app.core.validation import Conflict, ValidationFailed, check_text
from app.notifications import services as notifications
from app.reviews.contributions import Figures, contributions
from app.reviews.models import DECISIONS, NEEDS_REASON, Review, ReviewEntry
from app.units import services as units
from app.units.models import Unit
from tenants import clock
from tenants.clock import utcnow

logger = logging.getLogger(__name__)

FIRST_YEAR = 2000  # no association here kept records before
REASON_MAX = 500
DUE_FROM = (12, 1)  # from 1 December, a year without its review is due


# --- reading --------------------------------------------------------------------------------------

def get_review(review_id: int) -> Review | None:
    return db.session.execute(select(Review).where(Review.id == review_id)).scalar_one_or_none()


def review_of_year(year: int) -> Review | None:
    return db.session.execute(select(Review).where(Review.year == year)).scalar_one_or_none()


def list_reviews() -> list[Review]:
    """Every review, the latest year first (one a year: a short list), with their entries."""
    return list(db.session.execute(select(Review).order_by(Review.year.desc())).scalars())


def get_entry(review: Review, entry_id: int) -> ReviewEntry | None:
    return next((entry for entry in review.entries if entry.id == entry_id), None)


def figures_of(review: Review) -> dict[int, Figures]:
    """{entry id: Figures}: an open review's are live (the year so far), a closed review's those stored when it
    closed."""
    if review.is_open:
        live = contributions(review.year, [entry.unit_id for entry in review.entries])
        return {entry.id: live.get(entry.unit_id, Figures()) for entry in review.entries}
    return {entry.id: Figures.from_dict(entry.figures) for entry in review.entries}


def flagged_ids(review: Review, figures: dict[int, Figures] | None = None) -> set[int]:
    """The entries whose unit had nothing in the year (本年度无贡献)."""
    figures = figures if figures is not None else figures_of(review)
    return {entry_id for entry_id, f in figures.items() if f.nothing}


def current_year() -> int:
    return clock.today().year


def due() -> dict | None:
    """What the council and the staff should know today: an open review with units still to decide, or — from
    1 December — this year's review not opened yet. None when nothing is due."""
    open_review = db.session.execute(select(Review).where(Review.status == "open")
                                     .order_by(Review.year.desc())).scalars().first()
    if open_review is not None:
        waiting = db.session.execute(select(func.count(ReviewEntry.id)).where(
            ReviewEntry.review_id == open_review.id, ReviewEntry.decision.is_(None))).scalar_one()
        return {"kind": "undecided", "review": open_review, "year": open_review.year, "waiting": waiting}
    today = clock.today()
    if (today.month, today.day) >= DUE_FROM and review_of_year(today.year) is None:
        return {"kind": "not_opened", "review": None, "year": today.year, "waiting": 0}
    return None


# --- writing --------------------------------------------------------------------------------------

def open_review(year: int, *, actor_id: int | None) -> Review:
    """Open the year's review with every unit that is active now, in pinyin order (the list is frozen: a
    unit admitted later waits for next year's). One review per year (409 for a second)."""
    this_year = current_year()
    if not FIRST_YEAR <= year <= this_year:
        raise ValidationFailed({"year": [_("Choose a year from %(first)s to %(last)s.", first=FIRST_YEAR,
                                           last=this_year)]})
    if review_of_year(year) is not None:
        raise Conflict(_("The review of %(year)s is already open or done.", year=year), "review_exists")
    review = Review(year=year, status="open", opened_by_id=actor_id, opened_at=utcnow())
    active = db.session.execute(select(Unit.id, Unit.name, Unit.type).where(Unit.status == "active")
                                .order_by(Unit.name_sort, Unit.id)).all()
    review.entries = [ReviewEntry(unit_id=unit_id, unit_name=name, unit_type=type_, position=i)
                      for i, (unit_id, name, type_) in enumerate(active)]
    try:
        with db.session.begin_nested():  # two council members opening the same year at once: one review
            db.session.add(review)
            db.session.flush()
    except IntegrityError:
        raise Conflict(_("The review of %(year)s is already open or done.", year=year), "review_exists") from None
    return review


def _check_open(review: Review) -> None:
    if not review.is_open:
        raise Conflict(_("The review of %(year)s is closed; its decisions stand.", year=review.year),
                       "review_closed")


def decide(review: Review, entry: ReviewEntry, decision: str, reason: str = "", *,
           actor_id: int | None) -> ReviewEntry:
    """Record (or change, while the review is open) the decision on one unit; warn and drop need a reason.
    The decision takes effect when the review closes."""
    _check_open(review)
    reason = (reason or "").strip()
    errors: dict[str, list[str]] = {}
    if decision not in DECISIONS:
        errors["decision"] = [_("Choose keep, warn or drop.")]
    problems = []
    if decision in NEEDS_REASON and not reason:
        problems = [_("Say why: the unit's representatives will read it.")]
    else:
        try:
            check_text("reason", reason, max_length=REASON_MAX, multiline=True)
        except ValidationFailed as err:
            problems = err.fields["reason"]
    if problems:
        errors["reason"] = problems
    if errors:
        raise ValidationFailed(errors)
    entry.decision, entry.reason = decision, reason
    entry.decided_by_id, entry.decided_at = actor_id, utcnow()
    db.session.flush()
    return entry


def keep_unflagged(review: Review, *, actor_id: int | None) -> int:
    """Keep every unit not yet decided that has something in the year (the flagged ones wait for a person).
    How many were kept."""
    _check_open(review)
    figures = figures_of(review)
    kept = 0
    for entry in review.entries:
        if entry.decision is None and not figures[entry.id].nothing:
            entry.decision, entry.reason = "keep", ""
            entry.decided_by_id, entry.decided_at = actor_id, utcnow()
            kept += 1
    db.session.flush()
    return kept


def close_review(review: Review, *, actor_id: int | None) -> Review:
    """Close the review once every unit is decided (409 otherwise): the year's figures as they stand now are
    stored with each entry, and the decisions take effect."""
    _check_open(review)
    if review.undecided:
        raise Conflict(_("%(n)s units are not decided yet; decide every unit before closing.",
                         n=review.undecided), "undecided")
    figures = figures_of(review)
    for entry in review.entries:
        entry.figures = figures[entry.id].as_dict()
    review.status, review.closed_by_id, review.closed_at = "closed", actor_id, utcnow()
    db.session.flush()
    _take_effect(review, actor_id=actor_id)
    db.session.flush()
    return review


def _take_effect(review: Review, *, actor_id: int | None) -> None:
    """A drop withdraws the unit (a dated change with the reason; its open offers close) and tells its
    representatives and the staff; a warning tells its representatives."""
    acted = [entry for entry in review.entries if entry.decision in NEEDS_REASON]
    if not acted:
        return
    by_id = {unit.id: unit for unit in db.session.execute(
        select(Unit).options(selectinload(Unit.representatives))
        .where(Unit.id.in_([entry.unit_id for entry in acted]))).scalars()}
    for entry in acted:
        unit = by_id.get(entry.unit_id)
        if unit is None:
            continue  # removed from the registry since the review opened
        payload = {"unit_name": unit.name, "year": review.year, "reason": entry.reason, "link": f"/units/{unit.id}"}
        representatives = [rep.user_id for rep in unit.representatives]
        if entry.decision == "drop":
            units.change_status(unit, "withdrawn", actor_id=actor_id, tell=False,
                                note=_("Yearly review %(year)s: %(reason)s", year=review.year, reason=entry.reason))
            if representatives:
                notifications.emit("review.dropped", audience=notifications.to_users(*representatives),
                                   payload=payload, actor_id=actor_id)
            notifications.emit("review.dropped", audience=notifications.to_roles("admin", "coordinator"),
                               payload=payload, actor_id=actor_id)
        elif representatives:
            notifications.emit("review.warned", audience=notifications.to_users(*representatives),
                               payload=payload, actor_id=actor_id)


# --- what pages and the API show --------------------------------------------------------------------

def entry_rows(review: Review) -> list[dict]:
    """Each entry with its figures (live or stored) and whether it is flagged, in the review's order."""
    figures = figures_of(review)
    return [{"id": entry.id, "unit_id": entry.unit_id, "unit_name": entry.unit_name, "unit_type": entry.unit_type,
             "decision": entry.decision, "reason": entry.reason, "decided_by_id": entry.decided_by_id,
             "decided_at": entry.decided_at, "figures": figures[entry.id], "flagged": figures[entry.id].nothing,
             "entry": entry}
            for entry in review.entries]


def detail(review: Review) -> dict:
    """The review as the API answers it, with its entries."""
    return {"id": review.id, "year": review.year, "status": review.status, "opened_by_id": review.opened_by_id,
            "opened_at": review.opened_at, "closed_by_id": review.closed_by_id, "closed_at": review.closed_at,
            "undecided": review.undecided, "entries": entry_rows(review)}
