"""The tenant context: which community the current request or job acts for.

A request sets it when the URL names a community; a job re-enters it from the tenant id it
carries; the CLI enters it explicitly. The ORM reads it to scope every query, and on PostgreSQL
`tenants.rls` copies it into the per-transaction settings that the row-level security policies
read, just before the next statement. This module only holds the values: it sends nothing.
"""
import contextlib
import contextvars
import logging

logger = logging.getLogger(__name__)

_tenant: contextvars.ContextVar[int | None] = contextvars.ContextVar("huzhu_tenant", default=None)
_user: contextvars.ContextVar[int | None] = contextvars.ContextVar("huzhu_user", default=None)

# The greppable opt-out: pass as execution option, e.g. `.execution_options(**unscoped())`.
UNSCOPED = "huzhu_unscoped"


class TenantContextMissing(RuntimeError):
    """A tenant-owned model was queried or written with no community in context."""


def unscoped() -> dict:
    """Execution options that switch the automatic tenant scoping off for one statement."""
    return {UNSCOPED: True}


def current_tenant_id() -> int | None:
    return _tenant.get()


def current_db_user_id() -> int | None:
    return _user.get()


def set_tenant(community_id: int | None) -> contextvars.Token:
    return _tenant.set(community_id)


def reset_tenant(token: contextvars.Token) -> None:
    _tenant.reset(token)


def set_db_user(user_id: int | None) -> contextvars.Token:
    return _user.set(user_id)


def reset_db_user(token: contextvars.Token) -> None:
    _user.reset(token)


def clear() -> None:
    """Forget tenant and user; called when a request ends so a thread never carries them over."""
    _tenant.set(None)
    _user.set(None)


@contextlib.contextmanager
def tenant_context(community_id: int | None):
    """Act for one community inside the block (jobs, CLI, tests)."""
    token = set_tenant(community_id)
    try:
        yield
    finally:
        reset_tenant(token)
