"""Public works requests to municipal departments and their lines of work.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29
"""
import sqlalchemy as sa
from alembic import op

from tenants import rls

TENANT_TABLES = ("public_works_requests", "public_works_lines")

# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('public_works_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('location', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('department', sa.String(length=100), nullable=False),
    sa.Column('need_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('filed_on', sa.Date(), nullable=True),
    sa.Column('done_on', sa.Date(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['community_id', 'need_id'], ['needs.community_id', 'needs.id'], name=op.f('fk_public_works_requests_community_id_need_id_needs')),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_public_works_requests_community_id_communities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_public_works_requests_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_public_works_requests')),
    sa.UniqueConstraint('community_id', 'id', name=op.f('uq_public_works_requests_community_id_id'))
    )
    with op.batch_alter_table('public_works_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_public_works_requests_community_id'), ['community_id'], unique=False)
        batch_op.create_index('ix_public_works_requests_filed', ['community_id', 'filed_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_public_works_requests_need_id'), ['need_id'], unique=False)
        batch_op.create_index('ix_public_works_requests_status', ['community_id', 'status', 'category'], unique=False)

    op.create_table('public_works_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('measure', sa.String(length=20), nullable=False),
    sa.Column('planned', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('done', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['community_id', 'request_id'], ['public_works_requests.community_id', 'public_works_requests.id'], name=op.f('fk_public_works_lines_community_id_request_id_public_works_requests'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_public_works_lines_community_id_communities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_public_works_lines')),
    sa.UniqueConstraint('community_id', 'id', name=op.f('uq_public_works_lines_community_id_id'))
    )
    with op.batch_alter_table('public_works_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_public_works_lines_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_public_works_lines_request_id'), ['request_id'], unique=False)

    for table in TENANT_TABLES:
        rls.enable(op, table)


def downgrade():
    for table in TENANT_TABLES:
        rls.disable(op, table)
    with op.batch_alter_table('public_works_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_public_works_lines_request_id'))
        batch_op.drop_index(batch_op.f('ix_public_works_lines_community_id'))

    op.drop_table('public_works_lines')
    with op.batch_alter_table('public_works_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_public_works_requests_status')
        batch_op.drop_index(batch_op.f('ix_public_works_requests_need_id'))
        batch_op.drop_index('ix_public_works_requests_filed')
        batch_op.drop_index(batch_op.f('ix_public_works_requests_community_id'))

    op.drop_table('public_works_requests')
