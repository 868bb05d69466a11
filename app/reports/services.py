"""The yearly report to the street office (街道): the draft, its submission as frozen numbered versions, what
changed between two versions, the community's deadline and its reminders, and the report's status for a year.

The draft of a year is the live yearbook (`yearbook.parts(year)`: every domain's figures, tables and charts, read
from the records now) with the coordinator's narrative (总结). Submitting freezes both into a `ReportVersion`
numbered 1, 2, … per year; a version is never changed again (`edit_version` says so with a 409): submitting once
more after a correction makes the next version, and its page shows what changed from the one before.

The deadline rule: the report of year Y is due on the community's month and day *of year Y itself* (default
10 November: the street collects the year's figures before the year ends, as the source says "by 10 November").
"""
import logging
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import func, literal, select, true
from sqlalchemy.exc import IntegrityError

from app import yearbook
from app.core.extensions import db
from app.core.validation import Conflict, ValidationFailed, text_problems
from app.notifications import services as notifications
from app.reports.models import DEFAULT_DUE, REMINDER_DAYS, ReportDraft, ReportReminder, ReportSettings, ReportVersion
from app.yearbook import Part
from tenants import clock

logger = logging.getLogger(__name__)

STATUSES = ("submitted", "late", "missing", "draft")
NARRATIVE_MAX = 5000
FIRST_YEAR = 2000
STAFF_ROLES = ("admin", "coordinator")


# --- the deadline ---------------------------------------------------------------------------------

def settings() -> ReportSettings:
    """The community's report settings (not stored until changed: the defaults)."""
    found = db.session.execute(select(ReportSettings)).scalar_one_or_none()
    return found or settings_default()


def settings_default() -> ReportSettings:
    return ReportSettings(due_month=DEFAULT_DUE[0], due_day=DEFAULT_DUE[1])


def set_deadline(*, due_month: int, due_day: int, actor_id: int | None) -> ReportSettings:
    """Change the month and day the report of a year is due in that year (29 February is refused: not every
    year has it)."""
    try:
        date(2025, due_month, due_day)  # a year without 29 February
    except (TypeError, ValueError):
        raise ValidationFailed({"due_day": [_("There is no such day in that month (29 February is not every "
                                              "year's).")]}) from None
    row = db.session.execute(select(ReportSettings)).scalar_one_or_none()
    if row is None:
        row = ReportSettings()
        db.session.add(row)
    row.due_month, row.due_day, row.updated_by_id = due_month, due_day, actor_id
    db.session.flush()
    return row


def due_on(year: int, current: ReportSettings | None = None) -> date:
    """The day the report of `year` is due: the community's month and day in that same year."""
    current = current or settings()
    return date(year, current.due_month, current.due_day)


def check_year(year: int) -> int:
    """A year a report can be about: from 2000 up to the current one."""
    if not FIRST_YEAR <= year <= clock.today().year:
        raise ValidationFailed({"year": [_("Choose a year from %(first)s to %(last)s.", first=FIRST_YEAR,
                                           last=clock.today().year)]})
    return year


# --- the draft and its narrative -----------------------------------------------------------------

@dataclass
class Draft:
    year: int
    parts: list[Part]
    narrative: str
    due_on: date


def narrative(year: int) -> str:
    row = db.session.execute(select(ReportDraft).where(ReportDraft.year == year)).scalar_one_or_none()
    return row.narrative if row else ""


def draft(year: int) -> Draft:
    """The report as it would be submitted now: the live parts of the year and the narrative."""
    return Draft(year, yearbook.parts(year), narrative(year), due_on(year))


def _check_narrative(text: str | None) -> str:
    text = (text or "").strip()
    problems = text_problems(text, max_length=NARRATIVE_MAX, multiline=True)
    if problems:
        raise ValidationFailed({"narrative": problems})
    return text


def save_narrative(year: int, text: str | None, *, actor_id: int | None) -> ReportDraft:
    """Keep the coordinator's narrative (总结) of the year's draft."""
    check_year(year)
    text = _check_narrative(text)
    row = db.session.execute(select(ReportDraft).where(ReportDraft.year == year)).scalar_one_or_none()
    if row is None:
        row = ReportDraft(year=year)
        db.session.add(row)
    row.narrative, row.updated_by_id = text, actor_id
    db.session.flush()
    return row


# --- submissions: frozen versions ----------------------------------------------------------------

def versions(year: int) -> list[ReportVersion]:
    """The year's submitted versions, the first first."""
    return list(db.session.execute(select(ReportVersion).where(ReportVersion.year == year)
                                   .order_by(ReportVersion.number)).scalars())


def get_version(year: int, number: int) -> ReportVersion | None:
    return db.session.execute(select(ReportVersion).where(ReportVersion.year == year,
                                                          ReportVersion.number == number)).scalar_one_or_none()


def latest_versions(years) -> dict[int, ReportVersion]:
    """The latest version of each of the years that has one (one statement)."""
    years = sorted(set(years))
    if not years:
        return {}
    newest = (select(ReportVersion.year, func.max(ReportVersion.number).label("number"))
              .where(ReportVersion.year.in_(years)).group_by(ReportVersion.year).subquery())
    rows = db.session.execute(select(ReportVersion).join(
        newest, (newest.c.year == ReportVersion.year) & (newest.c.number == ReportVersion.number))).scalars()
    return {row.year: row for row in rows}


def parts_of(version: ReportVersion) -> list[Part]:
    """A version's parts as they were submitted."""
    return [Part.from_dict(data) for data in version.parts]


def submit(year: int, *, actor_id: int | None, narrative_text: str | None = None) -> ReportVersion:
    """Freeze the year's draft as its next version and tell the staff and the council. `narrative_text`, when
    given, replaces the draft's narrative first."""
    check_year(year)
    if narrative_text is not None:
        save_narrative(year, narrative_text, actor_id=actor_id)
    current = draft(year)
    number = (db.session.execute(select(func.max(ReportVersion.number)).where(ReportVersion.year == year))
              .scalar() or 0) + 1
    version = ReportVersion(year=year, number=number, parts=[p.as_dict() for p in current.parts],
                            narrative=current.narrative, submitted_by_id=actor_id, submitted_at=clock.utcnow())
    try:
        with db.session.begin_nested():  # two coordinators submitting at once: one gets the number
            db.session.add(version)
    except IntegrityError as exc:
        raise Conflict(_("Someone else has just submitted this report; reload the page to see version "
                         "%(number)s.", number=number), "report_submitted") from exc
    notifications.emit("report.submitted", audience=notifications.to_roles(*STAFF_ROLES, "council"),
                       actor_id=actor_id,
                       payload={"year": year, "version": number, "link": f"/reports/{year}/versions/{number}"})
    db.session.flush()
    return version


def edit_version(version: ReportVersion) -> None:
    """A submitted version stays as it was sent: any change is a new submission."""
    raise Conflict(_("Version %(number)s of the %(year)s report was submitted and is frozen; submit the report "
                     "again to send a corrected version.", number=version.number, year=version.year),
                   "report_frozen")


# --- what changed ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Change:
    key: str
    label: str
    old: object
    new: object
    unit: str = ""


def _figures(parts: list[dict]) -> dict[str, dict]:
    return {f["key"]: f for p in parts for f in p.get("figures", ())}


def diff(old_parts: list[dict], new_parts: list[dict]) -> dict[str, list[Change]]:
    """The figures that changed between two versions' parts (by key): changed (old → new), added, removed."""
    old, new = _figures(old_parts), _figures(new_parts)
    changed = [Change(k, f["label"], old[k]["value"], f["value"], f.get("unit", ""))
               for k, f in new.items() if k in old and old[k]["value"] != f["value"]]
    added = [Change(k, f["label"], None, f["value"], f.get("unit", "")) for k, f in new.items() if k not in old]
    removed = [Change(k, f["label"], f["value"], None, f.get("unit", "")) for k, f in old.items() if k not in new]
    return {"changed": changed, "added": added, "removed": removed}


def changes_of(version: ReportVersion) -> dict[str, list[Change]] | None:
    """What changed from the version before (None for a first version)."""
    if version.number == 1:
        return None
    before = get_version(version.year, version.number - 1)
    return diff(before.parts, version.parts) if before is not None else None


# --- the status of a year ------------------------------------------------------------------------

def status_of(year: int, *, today: date | None = None) -> dict:
    """The report of `year` in the current community, for the street and the today page:

    - "submitted": at least one version was submitted (`version` the latest's number, `submitted_at` its time),
      whether before or after the deadline;
    - "late": nothing submitted, the deadline (`due_on`, in year Y) has passed and year Y is not over yet;
    - "missing": nothing submitted and year Y is over (its deadline necessarily passed too);
    - "draft": nothing submitted and the deadline has not passed yet (today is on or before `due_on`).
    """
    today = today or clock.today()
    latest = latest_versions([year]).get(year)
    return status(year, (latest.number, latest.submitted_at) if latest else None, due_on(year), today)


def status_and_versions(year: int) -> tuple[dict, list[tuple[int, datetime]]]:
    """`status_of(year)` and the year's submitted versions [(number, submitted_at)], the first first, in one
    statement (the street's comparison reads both for every community): the settings and the versions outer-joined
    to a single row, so a community with neither still answers one row."""
    anchor = select(literal(1).label("one")).subquery()
    rows = db.session.execute(
        select(ReportSettings.due_month, ReportSettings.due_day, ReportVersion.number, ReportVersion.submitted_at)
        .select_from(anchor).outerjoin(ReportSettings, true()).outerjoin(ReportVersion, ReportVersion.year == year)
        .order_by(ReportVersion.number)).all()
    month, day = rows[0].due_month, rows[0].due_day
    current = ReportSettings(due_month=month, due_day=day) if month is not None else settings_default()
    versions = [(row.number, row.submitted_at) for row in rows if row.number is not None]
    return status(year, versions[-1] if versions else None, due_on(year, current), clock.today()), versions


def status(year: int, latest: tuple[int, datetime] | None, due: date, today: date) -> dict:
    """The status (see status_of) from the latest version (number, submitted_at), if any, and the due day."""
    if latest is not None:
        return {"status": "submitted", "version": latest[0], "submitted_at": latest[1], "due_on": due}
    if today.year > year:
        status = "missing"
    elif today > due:
        status = "late"
    else:
        status = "draft"
    return {"status": status, "version": None, "submitted_at": None, "due_on": due}


def current_year_status() -> dict:
    """This year's report status, with the days left until the deadline (negative once passed)."""
    today = clock.today()
    found = status_of(today.year, today=today)
    return found | {"year": today.year, "days_left": (found["due_on"] - today).days}


# --- reminders ---------------------------------------------------------------------------------------

def _claim(year: int, days_before: int) -> bool:
    """Claim one reminder (False when it was sent already, or another run claimed it just now)."""
    if db.session.execute(select(ReportReminder.id).where(ReportReminder.year == year,
                                                          ReportReminder.days_before == days_before)).first():
        return False
    try:
        with db.session.begin_nested():
            db.session.add(ReportReminder(year=year, days_before=days_before))
    except IntegrityError:
        return False
    return True


def remind_due(now: datetime | None = None) -> int:
    """Remind the staff 30, 7 and 1 day before this year's deadline while nothing is submitted; each reminder
    once. A run that missed its day sends the nearest reminder passed (and claims the earlier ones with it),
    up to the deadline day itself."""
    today = (now or clock.utcnow()).astimezone(clock.zone()).date()
    year = today.year
    left = (due_on(year) - today).days
    passed = [d for d in REMINDER_DAYS if 0 <= left <= d]
    if not passed or latest_versions([year]):
        return 0
    claimed = [d for d in sorted(passed) if _claim(year, d)]
    if not claimed or min(claimed) != min(passed):
        return 0
    notifications.emit("report.due", audience=notifications.to_roles(*STAFF_ROLES),
                       payload={"year": year, "days": left, "due_on": due_on(year).isoformat(),
                                "link": f"/reports/{year}"})
    db.session.flush()
    return 1

