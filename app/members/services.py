"""Membership rules: who belongs to the community and with which roles."""
import logging
import secrets

from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from app.accounts import services as accounts
from app.accounts.models import User
from app.core import search
from app.core.extensions import db
from app.core.pagination import keyset_page
from app.core.validation import Conflict, ValidationFailed
from app.notifications import services as notifications
from tenants.models import ROLES, Membership, MembershipRole

logger = logging.getLogger(__name__)


def clean_roles(roles) -> list[str]:
    roles = [r.strip() for r in (roles or []) if isinstance(r, str) and r.strip()]
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise ValidationFailed({"roles": [_("Unknown role: %(role)s.", role=", ".join(unknown))]})
    if not roles:
        raise ValidationFailed({"roles": [_("Choose at least one role.")]})
    return sorted(set(roles))


def membership_of(user_id: int) -> Membership | None:
    return db.session.execute(select(Membership).where(Membership.user_id == user_id)).scalar_one_or_none()


def get_membership(membership_id: int) -> Membership | None:
    return db.session.execute(select(Membership).where(Membership.id == membership_id)).scalar_one_or_none()


def grant_roles(membership: Membership, roles: list[str]) -> Membership:
    membership.set_roles(sorted(set(membership.role_names) | set(roles)))
    db.session.flush()
    return membership


def add_member(user: User, roles) -> tuple[Membership, bool]:
    """Give the user roles here (adding to any they hold); returns (membership, created)."""
    roles = clean_roles(roles)
    membership = membership_of(user.id)
    created = membership is None
    if created:
        membership = Membership(user_id=user.id)
        db.session.add(membership)
    before = set(membership.role_names)
    grant_roles(membership, roles)
    if set(membership.role_names) != before:
        notifications.emit("membership.granted" if created else "membership.roles_changed",
                           audience=notifications.to_users(user.id), payload={"roles": membership.role_names})
    return membership, created


def invite(*, login: str, name: str | None, roles) -> tuple[Membership, str | None]:
    """Add a person by e-mail or mobile number; a new account gets a one-time password to pass on.

    Elderly residents often have no e-mail: the coordinator hands the password over in person.
    """
    roles = clean_roles(roles)
    login = (login or "").strip()
    if not login:
        raise ValidationFailed({"login": [_("Give an e-mail address or a mobile number.")]})
    user = accounts.find_user(login)
    initial_password = None
    if user is None:
        if not (name or "").strip():
            raise ValidationFailed({"name": [_("There is no account yet; give the person's name to create one.")]})
        initial_password = "hz-" + secrets.token_urlsafe(9)
        is_phone = accounts.PHONE_RE.match(login) is not None
        try:
            user = accounts.create_user(name=name, password=initial_password,
                                        email=None if is_phone else login, phone=login if is_phone else None)
        except ValidationFailed as err:
            raise ValidationFailed(
                {("login" if k in ("email", "phone") else k): v for k, v in err.fields.items()}) from None
    membership, _created = add_member(user, roles)
    return membership, initial_password


def _admin_count() -> int:
    return db.session.execute(
        select(func.count()).select_from(MembershipRole).where(MembershipRole.role == "admin")
    ).scalar_one()


def set_roles(membership: Membership, roles) -> Membership:
    roles = clean_roles(roles)
    if membership.has_role("admin") and "admin" not in roles and _admin_count() <= 1:
        raise Conflict(_("The community needs at least one admin."), "last_admin")
    changed = set(roles) != set(membership.role_names)
    membership.set_roles(roles)
    db.session.flush()
    if changed:
        notifications.emit("membership.roles_changed", audience=notifications.to_users(membership.user_id),
                           payload={"roles": membership.role_names})
    return membership


def remove_member(membership: Membership) -> None:
    if membership.has_role("admin") and _admin_count() <= 1:
        raise Conflict(_("The community needs at least one admin."), "last_admin")
    db.session.delete(membership)
    db.session.flush()


def list_members(*, role: str | None = None, q: str | None = None, cursor: str | None = None, limit: int = 50):
    """Members with their users, newest last, keyset-paged by membership id."""
    stmt = select(Membership).join(User, User.id == Membership.user_id)
    if role:
        stmt = stmt.where(Membership.id.in_(select(MembershipRole.membership_id).where(MembershipRole.role == role)))
    if q and q.strip():
        # Escape LIKE wildcards: a search for "_" (common in e-mail addresses) must not match everyone.
        escaped = q.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        term = f"%{escaped}%"
        stmt = stmt.where(or_(*(column.like(term, escape="\\") for column in (
            func.lower(User.name), func.lower(User.email), User.phone))))
    items, next_cursor = keyset_page(stmt, (Membership.id,), cursor=cursor, limit=limit)
    users = {u.id: u for u in db.session.execute(
        select(User).where(User.id.in_([m.user_id for m in items]))).scalars()} if items else {}
    return [(m, users[m.user_id]) for m in items], next_cursor


def search_members(q: str | None, *, limit: int = search.PICK_LIMIT) -> tuple[list[User], bool]:
    """The member picker's matches: the start of the name or e-mail, the pinyin initials, the phone's last
    four digits (app.core.search); in name order, and whether there are more."""
    cleaned = search.clean_query(q)
    condition = search.name_condition(cleaned, name=User.name, name_initials=User.name_initials,
                                      name_pinyin=User.name_pinyin, phone=User.phone, tail=User.phone_tail)
    if condition is None:
        return [], False
    if cleaned.isascii() and " " not in cleaned and not cleaned.isdigit():
        condition = or_(condition, search.starts_with(func.lower(User.email), cleaned.lower()))
    rows = list(db.session.execute(
        select(User).join(Membership, Membership.user_id == User.id).where(condition)
        .order_by(User.name_pinyin, User.id).limit(limit + 1)).scalars())
    return rows[:limit], len(rows) > limit


def pick_item(user: User) -> dict:
    detail = _("phone …%(tail)s", tail=user.phone_tail) if user.phone_tail else (user.email or "")
    return {"id": str(user.id), "label": user.name, "detail": detail}


def count_by_role() -> dict[str, int]:
    return dict(db.session.execute(select(MembershipRole.role, func.count()).group_by(MembershipRole.role)).all())
