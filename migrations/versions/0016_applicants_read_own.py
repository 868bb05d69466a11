"""An applicant reads their own applications in every community (the landing page lists them), as a user reads
their own memberships: a SELECT-only policy on the signed-in user's id; writing stays inside the community.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01
"""
from alembic import op

from tenants import rls

# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"CREATE POLICY own_rows_read ON unit_applications FOR SELECT "
               f"USING (applicant_id = {rls.CURRENT_USER_SQL})")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP POLICY IF EXISTS own_rows_read ON unit_applications")
