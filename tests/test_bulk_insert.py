"""A bulk INSERT of tenant rows is held by the same wall as a flush: the community is stamped from the
context, a row naming another community and a row with no community in context are refused."""
import pytest
from sqlalchemy import select

from app.core.extensions import db
from app.core.sql import inserted_rows
from app.history import StatusChange
from tenants.context import TenantContextMissing, tenant_context
from tests.factories import CommunityFactory


def _row(**extra) -> dict:
    return {"object_type": "need", "object_id": 1, "to_status": "submitted", "note": "", **extra}


def test_bulk_rows_get_the_community_of_the_context(app):
    a, b = CommunityFactory(slug="bulk-a"), CommunityFactory(slug="bulk-b")
    db.session.commit()
    with tenant_context(a.id):
        new = inserted_rows(StatusChange, [_row(), _row(object_id=2)], StatusChange.id)
        db.session.commit()
    assert len(new) == 2
    with tenant_context(a.id):  # the rows are A's (read back through both walls)
        assert db.session.execute(select(StatusChange.community_id)).scalars().all() == [a.id, a.id]
    with tenant_context(b.id):
        assert db.session.execute(select(StatusChange)).scalars().all() == []


def test_bulk_rows_of_another_community_or_of_none_are_refused(app):
    a, b = CommunityFactory(slug="bulk-c"), CommunityFactory(slug="bulk-d")
    db.session.commit()
    with tenant_context(a.id), pytest.raises(TenantContextMissing):
        inserted_rows(StatusChange, [_row(), _row(community_id=b.id)], StatusChange.id)
    db.session.rollback()
    with pytest.raises(TenantContextMissing):
        inserted_rows(StatusChange, [_row()], StatusChange.id)
    db.session.rollback()
    for community in (a, b):
        with tenant_context(community.id):
            assert db.session.execute(select(StatusChange)).scalars().all() == []
