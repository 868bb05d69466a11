"""The street office's work: who may look at a street (granted by the platform operator) and the comparison of its
communities for a year.

The comparison reads each community's `yearbook.street_figures_of(year)` (the figures marked `street=True`, each part's
cheap street loader: aggregates, never a resident's data) and its report's status and versions (one statement)
inside that community's tenant context, so the ORM's scoping and PostgreSQL's row-level security (the settings follow
the context, tenants/rls.py) hold as it moves from one community to the next.

**Suppression.** A figure marked `sensitive=True` (a count of a sensitive category: disability, 低保) whose value is
more than 0 and less than the street's threshold (`Street.suppress_below`, default 5) is not shown: the page says
"<5", the API and the spreadsheet give no value and `suppressed: true`. Zero is shown (it names nobody); so is a
value at or above the threshold. Figures that are not sensitive (units, meals served) are shown as they are.
"""
import logging
import secrets
from dataclasses import dataclass, field, replace

from flask_babel import gettext as _
from sqlalchemy import func, select

from app import yearbook
from app.accounts import services as accounts
from app.accounts.models import User
from app.core.extensions import db
from app.core.validation import Conflict, ValidationFailed
from app.reports import services as reports
from app.streets.models import StreetViewer
from tenants import clock
from tenants.clock import utcnow
from tenants.context import tenant_context
from tenants.models import SLUG_RE, Community, Street

logger = logging.getLogger(__name__)

YEARS_SHOWN = 5  # the year picker offers this year and the four before


# --- who may look -------------------------------------------------------------------------------------------

def streets_of(user_id: int) -> list[Street]:
    """The streets a person is a (live) viewer of, by name."""
    return list(db.session.execute(
        select(Street).join(StreetViewer, StreetViewer.street_id == Street.id)
        .where(StreetViewer.user_id == user_id, StreetViewer.revoked_at.is_(None))
        .order_by(Street.name, Street.id)).scalars())


def viewable_street(slug: str, user_id: int) -> Street | None:
    """The street of `slug` when the person is one of its viewers, else None (the caller answers 404)."""
    if not SLUG_RE.match(slug or ""):
        return None
    return db.session.execute(
        select(Street).join(StreetViewer, StreetViewer.street_id == Street.id)
        .where(Street.slug == slug, StreetViewer.user_id == user_id, StreetViewer.revoked_at.is_(None))
    ).scalar_one_or_none()


def viewers_of(street: Street, *, with_history: bool = False) -> list[StreetViewer]:
    stmt = select(StreetViewer).where(StreetViewer.street_id == street.id)
    if not with_history:
        stmt = stmt.where(StreetViewer.revoked_at.is_(None))
    return list(db.session.execute(stmt.order_by(StreetViewer.granted_at.desc(), StreetViewer.id.desc())).scalars())


def grant(street: Street, *, login: str, name: str | None, granted_by: User) -> tuple[StreetViewer, str | None]:
    """Make the person of `login` (an existing account, or a new one named `name`) a viewer of the street;
    returns the grant and, for a new account, its one-time password to pass on."""
    login = (login or "").strip()
    if not login:
        raise ValidationFailed({"login": [_("Give an e-mail address or a mobile number.")]})
    user = accounts.find_user(login)
    password = None
    if user is None:
        if not (name or "").strip():
            raise ValidationFailed({"name": [_("There is no account yet; give the person's name to create one.")]})
        password = "hz-" + secrets.token_urlsafe(9)  # one-time, as members.invite makes them
        is_phone = accounts.PHONE_RE.match(login) is not None
        try:
            user = accounts.create_user(name=name, password=password, email=None if is_phone else login,
                                        phone=login if is_phone else None)
        except ValidationFailed as err:
            raise ValidationFailed({("login" if k in ("email", "phone") else k): v
                                    for k, v in err.fields.items()}) from None
    elif live_grant(street, user.id) is not None:
        raise Conflict(_("%(name)s can already see this street.", name=user.name), "already_viewer")
    viewer = StreetViewer(street=street, user=user, granted_by=granted_by)
    db.session.add(viewer)
    db.session.flush()
    logger.info("street %s: viewer %s granted by %s", street.id, user.id, granted_by.id)
    return viewer, password


def live_grant(street: Street, user_id: int) -> StreetViewer | None:
    """The person's current grant on the street (None: not a viewer)."""
    return db.session.execute(select(StreetViewer).where(
        StreetViewer.street_id == street.id, StreetViewer.user_id == user_id,
        StreetViewer.revoked_at.is_(None))).scalar_one_or_none()


def revoke(viewer: StreetViewer, *, revoked_by: User) -> StreetViewer:
    """End a grant at once; the row stays as the history."""
    if viewer.revoked_at is not None:
        raise Conflict(_("This person can no longer see the street already."), "already_revoked")
    viewer.revoked_at, viewer.revoked_by = utcnow(), revoked_by
    db.session.flush()
    logger.info("street %s: viewer %s revoked by %s", viewer.street_id, viewer.user_id, revoked_by.id)
    return viewer


def update_street(street: Street, data: dict) -> Street:
    """The operator sets the street's web address (slug) and its suppression threshold."""
    errors: dict[str, list[str]] = {}
    if "slug" in data:
        slug = (data["slug"] or "").strip().lower()
        if not SLUG_RE.match(slug):
            errors["slug"] = [_("Use 1–40 lower-case letters, digits and hyphens (not at the ends).")]
        elif slug != street.slug and db.session.execute(select(Street.id).where(Street.slug == slug)).first():
            errors["slug"] = [_("This short name is already taken.")]
        else:
            street.slug = slug
    if "suppress_below" in data:
        value = data["suppress_below"]
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 100:
            errors["suppress_below"] = [_("Give a whole number from 1 to 100.")]
        else:
            street.suppress_below = value
    if errors:
        raise ValidationFailed(errors)
    db.session.flush()
    return street


def list_streets() -> list[tuple[Street, int, int]]:
    """Every street with how many communities and live viewers it has, by name (the operator's list)."""
    communities = (select(func.count(Community.id)).where(Community.street_id == Street.id)
                   .correlate(Street).scalar_subquery())
    viewers = (select(func.count(StreetViewer.id)).where(StreetViewer.street_id == Street.id,
                                                        StreetViewer.revoked_at.is_(None))
               .correlate(Street).scalar_subquery())
    return [tuple(row) for row in db.session.execute(
        select(Street, communities, viewers).order_by(Street.name, Street.id)).all()]


# --- the comparison -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Cell:
    """One figure of one community as the street may see it."""

    key: str
    label: str
    value: int | float | str | None
    unit: str = ""
    suppressed: bool = False
    shown: str = ""  # what the page prints ("<5" when suppressed)


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    unit: str = ""


@dataclass
class Row:
    community: Community
    year: int
    cells: dict[str, Cell] = field(default_factory=dict)
    report: dict = field(default_factory=dict)  # reports.status_of(year): status, version, submitted_at, due_on
    versions: list = field(default_factory=list)  # [(number, submitted_at)] of the year's submitted versions

    @property
    def figures(self) -> list[Cell]:
        return list(self.cells.values())


@dataclass
class Comparison:
    street: Street
    year: int
    columns: list[Column]
    rows: list[Row]


def communities_of(street: Street) -> list[Community]:
    """The street's active communities, by name."""
    return list(db.session.execute(select(Community).where(
        Community.street_id == street.id, Community.status == "active").order_by(Community.name, Community.id)
    ).scalars())


def _shown(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def street_cell(figure: yearbook.Figure, threshold: int) -> Cell:
    """The figure as the street sees it: a sensitive count 0 < n < threshold suppressed (see the module's rule)."""
    value = figure.value
    numeric = isinstance(value, int | float) and not isinstance(value, bool)
    # A sensitive figure that is not a number is never shown: it could say anything.
    if figure.sensitive and value is not None and (not numeric or 0 < value < threshold):
        return Cell(figure.key, str(figure.label), None, str(figure.unit), True, f"<{threshold}")
    return Cell(figure.key, str(figure.label), value, str(figure.unit), False, _shown(value))


def compare(street: Street, year: int) -> Comparison:
    """The street's communities side by side for `year`: each community's street figures (read inside it)."""
    columns: dict[str, Column] = {}
    rows = []
    plans: dict[str, yearbook.StreetPlan] = {}  # one per time zone: the year's bounds are the community's
    for community in communities_of(street):
        row = Row(community, year)
        with tenant_context(community.id):
            clock.know_zone(community)  # loaded already: its year's bounds need not read it again
            plan = plans.get(community.timezone) or plans.setdefault(community.timezone, yearbook.street_plan(year))
            for figure in plan.figures():
                columns.setdefault(figure.key, Column(figure.key, str(figure.label), str(figure.unit)))
                row.cells[figure.key] = street_cell(figure, street.suppress_below)
            row.report, row.versions = reports.status_and_versions(year)
        rows.append(row)
    return Comparison(street, year, list(columns.values()), rows)


def year_choices(today_year: int) -> list[int]:
    return list(range(today_year, today_year - YEARS_SHOWN, -1))


def get_grant(street: Street, viewer_id: int) -> StreetViewer | None:
    viewer = db.session.get(StreetViewer, viewer_id)
    return viewer if viewer is not None and viewer.street_id == street.id else None


# --- the submitted reports --------------------------------------------------------------------------------

@dataclass
class SubmittedReport:
    community: Community
    year: int
    number: int
    submitted_at: object
    narrative: str
    parts: list[yearbook.Part]
    count: int  # how many versions the year has


def community_in(street: Street, community_slug: str) -> Community | None:
    """An active community of the street by its slug (None: not in this street)."""
    community = Community.by_slug(community_slug)
    if community is None or community.street_id != street.id or not community.is_active:
        return None
    return community


def street_part(part: yearbook.Part, threshold: int) -> yearbook.Part:
    """A frozen part as the street may read it: its small sensitive counts suppressed like the comparison's."""
    figures = []
    for figure in part.figures:
        cell = street_cell(figure, threshold)
        figures.append(replace(figure, value=cell.shown) if cell.suppressed else figure)
    return replace(part, figures=figures)


def submitted_report(street: Street, community_slug: str, year: int, number: int) -> SubmittedReport | None:
    """Version `number` of a community's report of `year`, as submitted (read inside the community)."""
    community = community_in(street, community_slug)
    if community is None:
        return None
    with tenant_context(community.id):
        version = reports.get_version(year, number)
        if version is None:
            return None
        parts = [street_part(p, street.suppress_below) for p in reports.parts_of(version)]
        count = len(reports.versions(year))
        return SubmittedReport(community, year, version.number, version.submitted_at, version.narrative, parts, count)
