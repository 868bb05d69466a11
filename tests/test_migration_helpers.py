"""The migration helper for tenant tables: one call creates the table and its row-level policy."""
import pytest
import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.pool import NullPool

from tenants import rls


def _owner(app):
    """Migrations run as the owner of the tables (the app's own role may create none)."""
    return create_engine(app.config["DATABASE_OWNER_URL"] or app.config["SQLALCHEMY_DATABASE_URI"], poolclass=NullPool)


def test_a_tenant_table_is_created_with_its_policy_in_one_call(app):
    with _owner(app).connect() as conn:
        op = Operations(MigrationContext.configure(conn))
        rls.create_tenant_table(op, "scratch_activities", sa.Column("id", sa.Integer, primary_key=True),
                                sa.Column("community_id", sa.Integer, nullable=False),
                                sa.Column("title", sa.String(100)))
        try:
            assert "scratch_activities" in inspect(conn).get_table_names()
            if conn.dialect.name == "postgresql":
                flags = conn.execute(text("SELECT relrowsecurity, relforcerowsecurity FROM pg_class "
                                          "WHERE relname = 'scratch_activities'")).one()
                assert tuple(flags) == (True, True)
                assert conn.execute(text("SELECT count(*) FROM pg_policies "
                                         "WHERE tablename = 'scratch_activities'")).scalar_one() >= 1
        finally:
            op.drop_table("scratch_activities")
            conn.commit()


def test_a_table_without_a_community_is_not_a_tenant_table(app):
    with _owner(app).connect() as conn:
        op = Operations(MigrationContext.configure(conn))
        with pytest.raises(ValueError):
            rls.create_tenant_table(op, "scratch_plain", sa.Column("id", sa.Integer, primary_key=True))
