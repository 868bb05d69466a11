"""Public works rules: a request with its lines, the lifecycle with every step recorded, progress in
quantities, the resident's need moving along with it, and the yearly figures reports use."""
import logging
from collections import Counter, defaultdict
from datetime import UTC, date, datetime
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select

from app import history
from app.core.extensions import db
from app.core.pagination import keyset_page
from app.core.validation import Conflict, ValidationFailed, check_text
from app.needs import services as needs
from app.notifications import services as notifications
from app.publicworks.models import (
    CLOSED_STATUSES,
    MEASURES,
    OPEN_STATUSES,
    PublicWorksHelper,
    PublicWorksLine,
    PublicWorksRequest,
)
from app.publicworks.vocabulary import STATUS_LABELS
from app.residents import services as residents
from app.units import services as units
from tenants import clock

logger = logging.getLogger(__name__)

# The moves a person makes; recording progress on a filed request also moves it to in_progress.
MOVES = {
    "draft": {"filed", "cancelled"},
    "filed": {"in_progress", "done", "rejected", "cancelled"},
    "in_progress": {"done", "rejected", "cancelled"},
}
# Requests that still count for a need: a need has at most one of them at a time.
LIVE_STATUSES = ("draft", *OPEN_STATUSES, "done")
# What the resident whose need it was hears about.
TELL_RESIDENT = ("filed", "done", "rejected")


def today() -> date:
    """The community's date (Asia/Shanghai unless it says otherwise), not the server's."""
    return clock.today()


# --- reading --------------------------------------------------------------------------------------

def get_request(request_id: int) -> PublicWorksRequest | None:
    return db.session.execute(select(PublicWorksRequest).where(PublicWorksRequest.id == request_id)) \
        .scalar_one_or_none()


def list_requests(*, status: str | None = None, category: str | None = None, cursor: str | None = None,
                  limit: int = 50):
    """A page of requests, newest first, each with its lines (one query for the page, one for all lines)."""
    stmt = select(PublicWorksRequest)
    if status == "open":
        stmt = stmt.where(PublicWorksRequest.status.in_(OPEN_STATUSES))
    elif status:
        stmt = stmt.where(PublicWorksRequest.status == status)
    if category:
        stmt = stmt.where(PublicWorksRequest.category == category)
    return keyset_page(stmt, (PublicWorksRequest.id,), cursor=cursor, limit=limit, descending=True)


def requests_of_need(need_id: int) -> list[PublicWorksRequest]:
    return list(db.session.execute(select(PublicWorksRequest).where(PublicWorksRequest.need_id == need_id)
                                   .order_by(PublicWorksRequest.id)).scalars())


def history_of(request: PublicWorksRequest):
    return history.history_of(request)


# --- writing --------------------------------------------------------------------------------------

def _check_need(need_id: int, *, request_id: int | None = None):
    """The resident's need a request is filed for: a public works need, still open, with no other live request."""
    need = needs.get_need(need_id)
    if need is None:
        raise ValidationFailed({"need_id": [_("No such need in this community.")]})
    if need.kind != "public_works":
        raise ValidationFailed({"need_id": [_("Only a public works need can become a public works request.")]})
    other = db.session.execute(select(PublicWorksRequest).where(
        PublicWorksRequest.need_id == need.id, PublicWorksRequest.status.in_(LIVE_STATUSES),
        PublicWorksRequest.id != (request_id or 0))).scalars().first()
    if other is not None:
        raise ValidationFailed({"need_id": [_("This need already has a request: %(title)s.", title=other.title)]})
    if need.status not in ("submitted", "triaged"):
        raise ValidationFailed({"need_id": [_("This need is no longer waiting; it cannot become a request.")]})
    return need


def _set_lines(request: PublicWorksRequest, lines: list[dict], *, at_least_one: bool = False) -> None:
    """Make the request's lines the given list: lines with an id keep their done quantity, the others are new;
    a line with work already done cannot be dropped or planned below it."""
    current = {line.id: line for line in request.lines}
    errors: dict[str, list[str]] = {}
    kept = []
    for i, data in enumerate(lines):
        line = None
        if data.get("id"):
            line = current.get(int(data["id"]))
            if line is None:
                errors[f"lines.{i}.id"] = [_("No such line in this request.")]
                continue
            if data["planned"] < line.done:
                errors[f"lines.{i}.planned"] = [_("%(done)s is already done; the plan cannot be less.",
                                                  done=quantity_text(line.done))]
            if data["measure"] != line.measure and line.done:
                errors[f"lines.{i}.measure"] = [_("Work is already recorded in this unit; it cannot change.")]
        kept.append((i, line, data))
    kept_ids = {line.id for _i, line, _data in kept if line is not None}
    dropped = [line for line in request.lines if line.id not in kept_ids and line.done]
    if dropped:
        errors["lines"] = [_("“%(line)s” already has work done; it cannot be removed.", line=dropped[0].description)]
    elif at_least_one and not kept and not errors:
        errors["lines"] = [_("A filed request needs at least one line of work.")]
    if errors:
        raise ValidationFailed(errors)
    new_lines = []
    for position, (_i, line, data) in enumerate(kept):
        if line is None:
            line = PublicWorksLine(done=Decimal("0"))
        line.position, line.description = position, data["description"].strip()
        line.measure, line.planned = data["measure"], data["planned"]
        new_lines.append(line)
    request.lines = new_lines


def create_request(data: dict, *, actor_id: int | None) -> PublicWorksRequest:
    """A new request from what PublicWorksRequestIn loaded, as a draft: nothing goes to the department until
    it is filed."""
    clean = data
    errors: dict[str, list[str]] = {}  # every problem at once: the need's and the lines'
    need = None
    if clean["need_id"]:
        try:
            need = _check_need(int(clean["need_id"]))
        except ValidationFailed as err:
            errors.update(err.fields)
    request = PublicWorksRequest(
        category=clean["category"], title=clean["title"].strip(), location=clean["location"].strip(),
        description=clean["description"].strip(), department=clean["department"].strip(), due_on=clean["due_on"],
        need_id=need.id if need else None, created_by_id=actor_id, status="draft")
    try:
        _set_lines(request, clean["lines"])
    except ValidationFailed as err:
        errors.update(err.fields)
    if errors:
        raise ValidationFailed(errors)
    db.session.add(request)
    db.session.flush()
    history.record(request, "draft", actor_id=actor_id, note="")
    db.session.flush()
    return request


def update_request(request: PublicWorksRequest, data: dict, *, actor_id: int | None) -> PublicWorksRequest:
    """Change what the request says (also while the department works on it); a closed request stays as it was."""
    if request.is_closed:
        raise Conflict(_("A closed request cannot be changed."), "closed")
    clean = dict(data)  # what PublicWorksRequestPatch loaded
    errors: dict[str, list[str]] = {}  # every problem at once
    if "department" in clean and not clean["department"].strip() and request.status != "draft":
        errors["department"] = [_("Say which department the request went to.")]
    if clean.get("due_on") and request.filed_on and clean["due_on"] < request.filed_on:
        errors["due_on"] = [_("The due date comes before the day it was filed (%(day)s).",
                              day=request.filed_on.isoformat())]
    if "lines" in clean:
        try:
            _set_lines(request, clean.pop("lines"), at_least_one=request.status != "draft")
        except ValidationFailed as err:
            errors.update(err.fields)
    if errors:
        raise ValidationFailed(errors)
    if "title" in clean:
        clean["title"] = clean["title"].strip()
    for key, value in clean.items():
        setattr(request, key, value.strip() if isinstance(value, str) else value)
    db.session.flush()
    return request


def move(request: PublicWorksRequest, to_status: str, *, actor_id: int | None, on: date | None = None,
         note: str = "") -> PublicWorksRequest:
    """File, start, complete, reject or cancel, checked against the lifecycle and recorded with who and when."""
    if to_status not in MOVES.get(request.status, set()):
        raise Conflict(_("A request that is “%(status)s” cannot become “%(to)s”.",
                         status=STATUS_LABELS[request.status], to=STATUS_LABELS.get(to_status, to_status)),
                       "invalid_transition")
    note = check_text("note", (note or "").strip(), multiline=True)
    now = today()
    if on is not None and on > now:
        raise ValidationFailed({"on": [_("This day has not come yet.")]})
    if to_status == "filed":
        errors = {}
        if not request.department.strip():
            errors["department"] = [_("Say which department the request goes to.")]
        if not request.lines:
            errors["lines"] = [_("Add at least one line of work with its planned quantity.")]
        filed_on = on or now
        if request.due_on and request.due_on < filed_on:
            errors["due_on"] = [_("The due date comes before the day it was filed (%(day)s).",
                                  day=filed_on.isoformat())]
        if errors:
            raise ValidationFailed(errors)
        request.filed_on = filed_on
    elif to_status == "done":
        done_on = on or now
        if request.filed_on and done_on < request.filed_on:
            raise ValidationFailed({"on": [_("The work cannot be done before the request was filed (%(day)s).",
                                             day=request.filed_on.isoformat())]})
        request.done_on = done_on
    elif to_status == "rejected" and not note:
        raise ValidationFailed({"note": [_("Say why the department rejected it.")]})
    history.record(request, to_status, actor_id=actor_id, note=note)
    _follow_need(request, to_status, actor_id=actor_id, note=note)
    if to_status == "done":
        notifications.emit("public_works.done", audience=notifications.to_roles("admin", "coordinator"),
                           payload={"title": request.title, "department": request.department,
                                    "link": f"/public-works/{request.id}"}, actor_id=actor_id)
    db.session.flush()
    return request


# --- the units that helped -------------------------------------------------------------------------

def get_helper(request: PublicWorksRequest, helper_id: int) -> PublicWorksHelper | None:
    return next((h for h in request.helpers if h.id == helper_id), None)


def add_helper(request: PublicWorksRequest, data: dict, *, actor_id: int | None) -> PublicWorksHelper:
    """Name a member unit that helped (from what PublicWorksHelperIn loaded); naming it again changes what it did.
    A rejected or cancelled request had no work to help with."""
    if request.status in ("rejected", "cancelled"):
        raise Conflict(_("A rejected or cancelled request had no work to help with."), "closed")
    unit = units.get_unit(int(data["unit_id"]))
    if unit is None:
        raise ValidationFailed({"unit_id": [_("No such unit in this community.")]})
    what = check_text("what", (data.get("what") or "").strip())
    helper = next((h for h in request.helpers if h.unit_id == unit.id), None)
    if helper is None:
        helper = PublicWorksHelper(unit_id=unit.id, added_by_id=actor_id)
        request.helpers.append(helper)
    helper.what = what
    db.session.flush()
    return helper


def remove_helper(request: PublicWorksRequest, helper: PublicWorksHelper) -> None:
    request.helpers.remove(helper)
    db.session.flush()


def _follow_need(request: PublicWorksRequest, to_status: str, *, actor_id: int | None, note: str) -> None:
    """The need the request came from moves with it, and the resident who asked hears the news."""
    if not request.need_id:
        return
    need = needs.get_need(request.need_id)
    if need is None:
        return
    moved = needs.follow_public_works(need, to_status, actor_id=actor_id,
                                      note=note or _("Public works request: %(title)s", title=request.title))
    if not moved or to_status not in TELL_RESIDENT or not need.resident_id:
        return
    resident = residents.get_resident(need.resident_id)
    if resident is None or not resident.account_id:
        return
    notifications.emit("public_works.need_update", audience=notifications.to_users(resident.account_id),
                       payload={"title": need.title, "outcome": to_status, "department": request.department,
                                "note": note, "link": f"/needs/{need.id}"}, actor_id=actor_id)


def record_progress(request: PublicWorksRequest, data: dict, *, actor_id: int | None) -> PublicWorksRequest:
    """The quantities done so far, per line; more than planned is refused (raise the plan first), and the
    first work recorded on a filed request moves it to in_progress."""
    if request.is_closed:
        raise Conflict(_("A closed request cannot be changed."), "closed")
    clean = data  # what PublicWorksProgressIn loaded
    lines = {line.id: line for line in request.lines}
    errors: dict[str, list[str]] = {}
    for i, item in enumerate(clean["lines"]):
        line = lines.get(int(item["id"]))
        if line is None:
            errors[f"lines.{i}.id"] = [_("No such line in this request.")]
        elif request.status == "draft" and item["done"]:
            errors[f"lines.{i}.done"] = [_("Nothing can be done before the request is filed with the department.")]
        elif item["done"] > line.planned:
            errors[f"lines.{i}.done"] = [_("More than the %(planned)s planned; if the department did more, "
                                           "raise the planned quantity first.", planned=quantity_text(line.planned))]
    if errors:
        raise ValidationFailed(errors)
    for item in clean["lines"]:
        lines[int(item["id"])].done = item["done"]
    if request.status == "filed" and any(line.done for line in request.lines):
        history.record(request, "in_progress", actor_id=actor_id, note=clean["note"] or _("Work recorded."))
    db.session.flush()
    return request


def quantity_text(value: Decimal) -> str:
    """12.50 → "12.5", 3.00 → "3": quantities as people write them."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


# --- figures --------------------------------------------------------------------------------------

def summary(year: int | None = None) -> dict:
    """The year's figures for reports: requests by status and category, and planned and done quantities per
    unit of measure (and per category). A request counts in the year it was filed; one never filed, in the
    year it was written. Quantities count only what went to a department and was not rejected or cancelled."""
    year = year or today().year
    start, end = date(year, 1, 1), date(year + 1, 1, 1)
    # created_at is stored in UTC; the year's bounds are the community's, close enough for unfiled drafts.
    in_year = or_(and_(PublicWorksRequest.filed_on >= start, PublicWorksRequest.filed_on < end),
                  and_(PublicWorksRequest.filed_on.is_(None),
                       PublicWorksRequest.created_at >= datetime(year, 1, 1, tzinfo=UTC),
                       PublicWorksRequest.created_at < datetime(year + 1, 1, 1, tzinfo=UTC)))
    by_status, by_category = Counter(), Counter()
    overdue = 0
    now = today()
    for status, category, due_on, count in db.session.execute(
            select(PublicWorksRequest.status, PublicWorksRequest.category, PublicWorksRequest.due_on, func.count())
            .where(in_year).group_by(PublicWorksRequest.status, PublicWorksRequest.category,
                                     PublicWorksRequest.due_on)):
        by_status[status] += count
        by_category[category] += count
        if due_on is not None and due_on < now and status not in CLOSED_STATUSES:
            overdue += count
    totals: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal("0"), Decimal("0")])
    per_category = []
    for category, measure, planned, done in db.session.execute(
            select(PublicWorksRequest.category, PublicWorksLine.measure, func.sum(PublicWorksLine.planned),
                   func.sum(PublicWorksLine.done))
            .join(PublicWorksLine, PublicWorksLine.request_id == PublicWorksRequest.id)
            .where(in_year, PublicWorksRequest.status.in_((*OPEN_STATUSES, "done")))
            .group_by(PublicWorksRequest.category, PublicWorksLine.measure)
            .order_by(PublicWorksRequest.category, PublicWorksLine.measure)):
        planned, done = _decimal(planned), _decimal(done)
        totals[measure][0] += planned
        totals[measure][1] += done
        per_category.append({"category": category, "measure": measure, "planned": planned, "done": done})
    return {
        "year": year, "total": sum(by_status.values()), "by_status": dict(by_status),
        "by_category": dict(by_category), "overdue": overdue,
        "quantities": [{"measure": m, "planned": totals[m][0], "done": totals[m][1]} for m in MEASURES if m in totals],
        "quantities_by_category": per_category,
    }


def _decimal(value) -> Decimal:
    """Sums come back as Decimal on PostgreSQL and as float on SQLite; two decimals either way."""
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))
