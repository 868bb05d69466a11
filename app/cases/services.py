"""Good cases: the rules (what a case must name, the links it may have, its lifecycle), the published stories
for the public pages (`published(unit_id=None, year=None)`, read by the honour roll) and what a visitor may
read of the match, activity or public works request behind a story — the kind of help and the unit, never
the resident."""
import logging
from collections import defaultdict
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import and_, select

from app import history
from app.activities.models import SHOWN, Activity
from app.activities.vocabulary import KIND_LABELS as ACTIVITY_KIND_LABELS
from app.cases.models import LINK_TYPES, PHOTO_OWNER, CaseUnit, GoodCase
from app.core.extensions import db
from app.core.fields import as_utc
from app.core.kinds import KIND_LABELS
from app.core.pagination import keyset_page
from app.core.validation import Conflict, ValidationFailed
from app.matching.models import Match
from app.notifications import services as notifications
from app.offers.models import Offer
from app.photos import services as photos
from app.publicworks.models import PublicWorksRequest
from app.publicworks.vocabulary import CATEGORY_LABELS
from app.units import services as units
from app.units.models import Unit
from tenants import clock

logger = logging.getLogger(__name__)

MOVES = {"draft": {"published"}, "published": {"withdrawn"}, "withdrawn": {"published"}}
MAX_UNITS = 20


# --- reading --------------------------------------------------------------------------------------

def get_case(case_id: int) -> GoodCase | None:
    return db.session.execute(select(GoodCase).where(GoodCase.id == case_id)).scalar_one_or_none()


def published_case(case_id: int) -> GoodCase | None:
    """The case when it is published (a draft or a withdrawn one does not exist for visitors)."""
    case = get_case(case_id)
    return case if case is not None and case.is_published else None


def list_cases(*, status: str | None = None, unit_id: int | None = None, cursor: str | None = None,
               limit: int = 50):
    """A page of cases, newest first (one query for the page, one for all their units)."""
    stmt = select(GoodCase)
    if status:
        stmt = stmt.where(GoodCase.status == status)
    if unit_id:
        stmt = stmt.where(GoodCase.id.in_(select(CaseUnit.case_id).where(CaseUnit.unit_id == unit_id)))
    return keyset_page(stmt, (GoodCase.id,), cursor=cursor, limit=limit, descending=True)


def published(unit_id: int | None = None, year: int | None = None) -> list[GoodCase]:
    """The published cases, latest first: of one unit, of one year (by the case's date), or all."""
    stmt = select(GoodCase).where(GoodCase.status == "published")
    if unit_id is not None:
        stmt = stmt.where(GoodCase.id.in_(select(CaseUnit.case_id).where(CaseUnit.unit_id == unit_id)))
    if year is not None:
        stmt = stmt.where(GoodCase.happened_on >= date(year, 1, 1), GoodCase.happened_on <= date(year, 12, 31))
    return list(db.session.execute(stmt.order_by(GoodCase.happened_on.desc(), GoodCase.id.desc())).scalars())


def history_of(case: GoodCase):
    return history.history_of(case)


# --- what a story shows --------------------------------------------------------------------------

def links_of(cases) -> dict[int, dict]:
    """{case_id: {"type", "kind", "unit", "title", "on"}}: what anyone may read of each case's link — for a match
    the kind of help and the unit that gave it; for an activity its kind and, when it is on the public calendar,
    its title; for a public works request its category and when it was done. Never a resident, a need's title
    or a request's title (both may name a person). At most three queries, whatever the number of cases."""
    wanted: dict[str, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    for case in cases:
        if case.link_type in LINK_TYPES and case.link_id:
            wanted[case.link_type][case.link_id].append(case.id)
    found: dict[int, dict] = {}
    if wanted.get("match"):
        for match_id, kind, unit_name in db.session.execute(
                select(Match.id, Offer.kind, Unit.name)
                .join(Offer, and_(Offer.id == Match.offer_id, Offer.community_id == Match.community_id))
                .join(Unit, and_(Unit.id == Offer.unit_id, Unit.community_id == Offer.community_id))
                .where(Match.id.in_(list(wanted["match"])))):
            for case_id in wanted["match"][match_id]:
                found[case_id] = {"type": "match", "kind": str(KIND_LABELS.get(kind, kind)), "unit": unit_name,
                                  "title": "", "on": None}
    if wanted.get("activity"):
        for activity in db.session.execute(select(Activity).where(Activity.id.in_(list(wanted["activity"])))
                                           ).scalars():
            shown = activity.public and activity.status in SHOWN
            for case_id in wanted["activity"][activity.id]:
                found[case_id] = {"type": "activity", "kind": str(ACTIVITY_KIND_LABELS.get(activity.kind, "")),
                                  "unit": "", "title": activity.title if shown else "",
                                  "on": as_utc(activity.starts_at).astimezone(clock.zone()).date() if shown else None}
    if wanted.get("public_works"):
        for request_id, category, done_on in db.session.execute(
                select(PublicWorksRequest.id, PublicWorksRequest.category, PublicWorksRequest.done_on)
                .where(PublicWorksRequest.id.in_(list(wanted["public_works"])))):
            for case_id in wanted["public_works"][request_id]:
                found[case_id] = {"type": "public_works", "kind": str(CATEGORY_LABELS.get(category, category)),
                                  "unit": "", "title": "", "on": done_on}
    return found


def stories(cases) -> list[dict]:
    """Each published case as a public page shows it: its units' names, its link, its public photos — in a
    fixed number of queries (names, links, photos) however many cases there are."""
    cases = list(cases)
    names = units.names_of(uid for case in cases for uid in case.unit_ids)
    links = links_of(cases)
    pictures = photos.photos_of(PHOTO_OWNER, [case.id for case in cases]) if cases else {}
    return [{"case": case, "units": [{"id": uid, "name": names.get(uid, "")} for uid in case.unit_ids],
             "link": links.get(case.id), "photos": [p for p in pictures.get(case.id, []) if p.public]}
            for case in cases]


# --- writing --------------------------------------------------------------------------------------

def _check_link(link_type: str | None, link_id: int | None) -> tuple[str | None, int | None]:
    """The object behind the case exists in this community (the ORM's scoping: another community's is not found)."""
    if not link_type and not link_id:
        return None, None
    if link_type not in LINK_TYPES:
        raise ValidationFailed({"link_type": [_("Choose what the case is the story of.")]})
    if not link_id:
        raise ValidationFailed({"link_id": [_("Give the number of the match, activity or request.")]})
    model = {"match": Match, "activity": Activity, "public_works": PublicWorksRequest}[link_type]
    exists = db.session.execute(select(model.id).where(model.id == link_id)).scalar_one_or_none()
    if exists is None:
        message = {"match": _("No such match in this community."),
                   "activity": _("No such activity in this community."),
                   "public_works": _("No such public works request in this community.")}[link_type]
        raise ValidationFailed({"link_id": [message]})
    return link_type, link_id


def _check_units(unit_ids) -> list[int]:
    ids = list(dict.fromkeys(int(i) for i in unit_ids or []))
    if not ids:
        raise ValidationFailed({"unit_ids": [_("Name at least one member unit the case is about.")]})
    if len(ids) > MAX_UNITS:
        raise ValidationFailed({"unit_ids": [_("At most %(n)s units.", n=MAX_UNITS)]})
    known = units.names_of(ids)
    if len(known) != len(ids):
        raise ValidationFailed({"unit_ids": [_("No such unit in this community.")]})
    return ids


def _apply(case: GoodCase, data: dict) -> None:
    errors: dict[str, list[str]] = {}  # every problem at once
    if "unit_ids" in data:
        try:
            ids = _check_units(data["unit_ids"])
            current = {link.unit_id: link for link in case.units}
            case.units = [current.get(uid) or CaseUnit(unit_id=uid) for uid in ids]
        except ValidationFailed as err:
            errors.update(err.fields)
    if "link_type" in data or "link_id" in data:
        try:
            case.link_type, case.link_id = _check_link(data.get("link_type", case.link_type),
                                                       data.get("link_id", case.link_id))
        except ValidationFailed as err:
            errors.update(err.fields)
    if data.get("happened_on") and data["happened_on"] > clock.today():
        errors["happened_on"] = [_("This day has not come yet.")]
    if errors:
        raise ValidationFailed(errors)
    for key in ("title", "story", "happened_on"):
        if key in data:
            setattr(case, key, data[key].strip() if isinstance(data[key], str) else data[key])


def create_case(data: dict, *, actor_id: int | None) -> GoodCase:
    """A new case as a draft, from what CaseIn loaded; nobody outside the staff sees it until it is published."""
    case = GoodCase(status="draft", created_by_id=actor_id, title="", story="")
    _apply(case, data)
    db.session.add(case)
    db.session.flush()
    history.created(case, actor_id=actor_id)
    db.session.flush()
    return case


def update_case(case: GoodCase, data: dict, *, actor_id: int | None) -> GoodCase:
    """Change what the case says (a published one too: the public page shows the change)."""
    _apply(case, dict(data))
    db.session.flush()
    return case


def delete_case(case: GoodCase) -> None:
    """Only a draft goes for good, with its photos; a published case is withdrawn instead."""
    if case.status != "draft":
        raise Conflict(_("Only a draft can be deleted; withdraw a published case instead."), "not_draft")
    for photo in photos.photos_of(PHOTO_OWNER, [case.id]).get(case.id, []):
        photos.delete_photo(photo)
    db.session.delete(case)
    db.session.flush()


def _move(case: GoodCase, to_status: str, *, actor_id: int | None, note: str = "") -> None:
    if to_status not in MOVES.get(case.status, set()):
        raise Conflict(_("This case cannot be moved that way now."), "invalid_transition")
    history.record(case, to_status, actor_id=actor_id, note=note)


def publish(case: GoodCase, *, actor_id: int | None) -> GoodCase:
    """Publish on the public pages (dated, by whom); the named units' representatives are told."""
    _move(case, "published", actor_id=actor_id)
    case.published_on, case.published_by_id = clock.today(), actor_id
    representatives = db.session.execute(select(Unit).where(Unit.id.in_(case.unit_ids))).scalars()
    user_ids = sorted({rep.user_id for unit in representatives for rep in unit.representatives})
    if user_ids:
        notifications.emit("case.published", audience=notifications.to_users(*user_ids), actor_id=actor_id,
                           payload={"title": case.title, "link": f"/cases/{case.id}"})
    db.session.flush()
    return case


def withdraw(case: GoodCase, *, actor_id: int | None, note: str = "") -> GoodCase:
    """Take a published case off the public pages (it no longer counts); it may be published again."""
    _move(case, "withdrawn", actor_id=actor_id, note=note)
    db.session.flush()
    return case


# --- photos ---------------------------------------------------------------------------------------

def photos_of(case: GoodCase) -> list:
    return photos.photos_of(PHOTO_OWNER, [case.id]).get(case.id, [])


def add_photos(case: GoodCase, files, alts, *, consent: bool, public: bool, actor_id: int | None) -> list:
    return photos.add_photos(PHOTO_OWNER, case.id, files, alts, consent, actor_id=actor_id, public=public)


def photo_of(case: GoodCase, photo_id: int):
    photo = photos.get_photo(photo_id)
    return photo if photo is not None and photo.owner_type == PHOTO_OWNER and photo.owner_id == case.id else None
