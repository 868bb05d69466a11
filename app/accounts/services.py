"""Account rules: users, passwords, log-in sessions and API tokens. Services flush; the caller commits."""
import functools
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, bindparam, func, select
from sqlalchemy.orm import contains_eager

from app.accounts.models import ApiToken, PasswordReset, User, UserSession, digest
from app.core import signals
from app.core.extensions import db
from app.core.fields import EMAIL_RE, MOBILE_RE
from app.core.validation import ValidationFailed, text_problems
from tenants import rls
from tenants.clock import utcnow
from tenants.context import unscoped
from tenants.models import Community, Membership, MembershipRole

logger = logging.getLogger(__name__)

PHONE_RE = MOBILE_RE  # a log-in by phone is a mobile number
_COMMON = {"12345678", "123456789", "1234567890", "password", "password1", "qwertyui", "11111111", "88888888",
           "abcdefgh", "abc12345", "iloveyou", "00000000", "66666666", "huzhu123", "a1234567"}
# Resident accounts are often made for elderly people by a coordinator; the rule stays simple to explain.
MIN_PASSWORD = 8


def aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; they are UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def normalize_email(email: str | None) -> str | None:
    email = (email or "").strip().lower()
    return email or None


def password_problems(password: str) -> list[str]:
    problems = []
    if len(password or "") < MIN_PASSWORD:
        problems.append(_("At least %(n)s characters.", n=MIN_PASSWORD))
    elif password.lower() in _COMMON or len(set(password)) < 4:
        problems.append(_("This password is too easy to guess."))
    elif password.isdigit():
        problems.append(_("Use letters as well as digits."))
    return problems


def find_user(login: str) -> User | None:
    """By e-mail or by mobile phone number."""
    login = (login or "").strip()
    if not login:
        return None
    column = User.phone if PHONE_RE.match(login) else User.email
    value = login if column is User.phone else login.lower()
    return db.session.execute(select(User).where(column == value)).scalar_one_or_none()


def create_user(*, name: str, password: str, email: str | None = None, phone: str | None = None,
                locale: str | None = None, is_operator: bool = False, check_password: bool = True) -> User:
    email, phone, name = normalize_email(email), (phone or "").strip() or None, (name or "").strip()
    errors: dict[str, list[str]] = {}
    if problems := text_problems(name, max_length=100, required=True):
        errors["name"] = problems
    if not email and not phone:
        errors["email"] = [_("Give an e-mail address or a mobile number.")]
    if email and (not EMAIL_RE.match(email) or len(email) > 254):
        errors["email"] = [_("Must be a valid e-mail address.")]
    elif email and db.session.execute(select(User.id).where(User.email == email)).first():
        errors["email"] = [_("An account with this e-mail address already exists.")]
    if phone and not PHONE_RE.match(phone):
        errors["phone"] = [_("Must be an 11-digit mobile number.")]
    elif phone and db.session.execute(select(User.id).where(User.phone == phone)).first():
        errors["phone"] = [_("An account with this mobile number already exists.")]
    if check_password and (problems := password_problems(password)):
        errors["password"] = problems
    if errors:
        raise ValidationFailed(errors)
    user = User(name=name, email=email, phone=phone, locale=locale, is_operator=is_operator)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(login: str, password: str) -> User | None:
    user = find_user(login)
    if user is None or not user.active or not user.check_password(password or ""):
        return None
    return user


# --- who is asking: a session or a token, in one query ----------------------------------------------

@dataclass(frozen=True)
class SignedIn:
    """The user of a live session or token; for a request that names a community, that community (None when
    there is no such community) and the user's membership of it with its roles (None when not a member)."""

    user: User
    community: Community | None = None
    membership: Membership | None = None


@functools.cache
def _lookups(credential: type) -> tuple:
    """The statements that find who holds a credential (an ApiToken or a UserSession, by the digest of its
    secret), built once: (the credential and its user; the same with the community of a slug, the user's
    membership and its roles; the row-level security settings for the latter)."""
    key = credential.token_hash if credential is ApiToken else credential.id
    plain = select(credential, User).join(User, User.id == credential.user_id).where(key == bindparam("digest"))
    in_community = (
        plain.add_columns(Community, Membership)
        .outerjoin(Community, Community.slug == bindparam("slug"))
        .outerjoin(Membership, and_(Membership.community_id == Community.id, Membership.user_id == User.id))
        .outerjoin(MembershipRole, and_(MembershipRole.community_id == Membership.community_id,
                                        MembershipRole.membership_id == Membership.id))
        .options(contains_eager(Membership.roles))
        .order_by(MembershipRole.role)
        # The joins name the community and the user themselves; on PostgreSQL row-level security still holds.
        .execution_options(**unscoped())
    )
    settings = rls.settings_select(
        tenant=select(Community.id).where(Community.slug == bindparam("slug")).scalar_subquery(),
        user=select(credential.user_id).where(key == bindparam("digest")).scalar_subquery())
    return plain, in_community, settings


def _credential(credential: type, hashed: str, community_slug: str | None):
    """The credential's row and its user, + the community and the user's membership (with its roles) when the
    request names a community, in one query; None when no such credential.

    On PostgreSQL the membership is read under row-level security, so the settings go first, found by the
    database from the same slug and digest in one statement; the caller sets the context to what it has
    checked, and when that is what was found nothing is sent again.
    """
    plain, in_community, settings = _lookups(credential)
    if community_slug is None:
        row = db.session.execute(plain, {"digest": hashed}).first()
        return None if row is None else (*row, None, None)
    params = {"digest": hashed, "slug": community_slug}
    with rls.settings_from(db.session, settings, params):
        rows = db.session.execute(in_community, params).unique().all()  # a row per role: all of them fill roles
    return rows[0] if rows else None


# --- sessions ------------------------------------------------------------------------------------

def start_session(user: User, user_agent: str | None = None) -> str:
    """A fresh server-side session; the returned secret goes into the signed cookie."""
    secret = secrets.token_urlsafe(32)
    db.session.add(UserSession(id=digest(secret), user_id=user.id, user_agent=(user_agent or "")[:200]))
    user.session_id = secret
    return secret


def load_session(secret: str, community_slug: str | None = None) -> SignedIn | None:
    """The user of a live session, or None when it ended or sat idle too long; with a community slug, also the
    community and the user's membership (see `SignedIn`), in the same query."""
    found = _credential(UserSession, digest(secret), community_slug)
    if found is None:
        return None
    record, user, community, membership = found
    if record.ended_at is not None:
        return None
    now = utcnow()
    idle = timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])
    if now - aware(record.last_seen_at) > idle:
        record.ended_at = now
        db.session.commit()
        return None
    # Touch at most once a minute so reading pages does not write on every request. The touch (like the
    # idle ending above) is bookkeeping committed at once, before the view's unit of work begins: left to
    # the end of the request it would hold a write lock (on SQLite, the whole database) the whole request.
    if now - aware(record.last_seen_at) > timedelta(minutes=1):
        record.last_seen_at = now
        db.session.commit()
    if not user.active:
        return None
    user.session_id = secret
    return SignedIn(user, community, membership)


def end_session(secret: str | None) -> None:
    if not secret:
        return
    record = db.session.get(UserSession, digest(secret))
    if record is not None and record.ended_at is None:
        record.ended_at = utcnow()


def end_all_sessions(user: User) -> None:
    db.session.execute(
        UserSession.__table__.update()
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )


def update_profile(user: User, data: dict) -> User:
    """Change what MeUpdate (or the profile form) loaded: the name, the language, the text size."""
    for key, value in data.items():
        setattr(user, key, value.strip() if isinstance(value, str) else value)
    return user


def change_password(user: User, current: str, new: str) -> None:
    """The account page's change: the current password proves it is the person, the new one follows the rules
    (both told at once); then as `set_new_password`."""
    errors: dict[str, list[str]] = {}
    if not user.check_password(current or ""):
        errors["current"] = [_("The current password is wrong.")]
    if problems := password_problems(new):
        errors["new"] = problems
    if errors:
        raise ValidationFailed(errors)
    set_new_password(user, new)


def set_new_password(user: User, password: str) -> None:
    """A new password shuts every door the old one opened: web sessions and API tokens alike."""
    user.set_password(password)
    end_all_sessions(user)
    revoke_all_tokens(user)


# --- API tokens ----------------------------------------------------------------------------------

TOKEN_PREFIX = "hz_"


def create_token(user: User, name: str = "") -> tuple[ApiToken, str]:
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    days = current_app.config["API_TOKEN_DAYS"]
    token = ApiToken(user_id=user.id, name=(name or "")[:100], token_hash=digest(secret), prefix=secret[:10],
                     expires_at=utcnow() + timedelta(days=days) if days else None)
    db.session.add(token)
    db.session.flush()
    return token, secret


def load_token(secret: str, community_slug: str | None = None) -> SignedIn | None:
    """The user of a live token; with a community slug, also the community and the membership (see `SignedIn`),
    in the same query."""
    found = _credential(ApiToken, digest(secret), community_slug)
    if found is None:
        return None
    token, user, community, membership = found
    if token.revoked_at is not None:
        return None
    now = utcnow()
    if token.expires_at is not None and aware(token.expires_at) <= now:
        return None
    if token.last_used_at is None or now - aware(token.last_used_at) > timedelta(minutes=5):
        token.last_used_at = now
        db.session.commit()  # bookkeeping, committed at once (see load_session)
    return SignedIn(user, community, membership) if user.active else None


def list_tokens(user: User) -> list[ApiToken]:
    return list(db.session.execute(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    ).scalars())


def revoke_token(user: User, token_id: int) -> ApiToken | None:
    token = db.session.execute(
        select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id)
    ).scalar_one_or_none()
    if token is not None and token.revoked_at is None:
        token.revoked_at = utcnow()
    return token


def revoke_all_tokens(user: User) -> None:
    db.session.execute(
        ApiToken.__table__.update()
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def count_users() -> int:
    return db.session.execute(select(func.count(User.id))).scalar_one()


# --- password reset ------------------------------------------------------------------------------

RESET_MINUTES = 30


def request_password_reset(login: str) -> None:
    """Send a one-time code by e-mail and SMS; says nothing about whether the account exists."""
    user = find_user(login)
    if user is None or not user.active:
        logger.info("password reset asked for an unknown login")
        return
    code = secrets.token_urlsafe(12)
    db.session.add(PasswordReset(user_id=user.id, token_hash=digest(code),
                                 expires_at=utcnow() + timedelta(minutes=RESET_MINUTES)))
    db.session.flush()
    # An account message belongs to no community: it is sent from the platform's own outbox.
    signals.password_reset_requested.send(user, code=code, minutes=RESET_MINUTES)


def reset_password(code: str, new_password: str) -> User:

    reset = db.session.execute(
        select(PasswordReset).where(PasswordReset.token_hash == digest(code or ""))).scalar_one_or_none()
    if reset is None or reset.used_at is not None or aware(reset.expires_at) <= utcnow():
        raise ValidationFailed({"code": [_("This code is not valid or has expired; ask for a new one.")]})
    if problems := password_problems(new_password):
        raise ValidationFailed({"password": problems})
    user = db.session.get(User, reset.user_id)
    set_new_password(user, new_password)
    reset.used_at = utcnow()
    db.session.flush()
    return user


def user_contacts(user_ids) -> dict[int, dict]:
    """{user id: {"name", "email"}}: how a neighbouring community reaches the coordinator who referred a need."""
    ids = {i for i in user_ids if i}
    rows = db.session.execute(select(User.id, User.name, User.email).where(User.id.in_(ids))).all() if ids else []
    return {i: {"name": name, "email": email} for i, name, email in rows}


def user_names(user_ids) -> dict[int, str]:
    ids = {i for i in user_ids if i}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all()) if ids else {}
