"""The council's yearly review of the member units, one entry per unit.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

from tenants import rls

# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    rls.create_tenant_table(
        op, 'reviews',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('opened_by_id', sa.Integer(), nullable=True),
        sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('closed_by_id', sa.Integer(), nullable=True),
        sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('community_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_reviews_community_id_communities'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['opened_by_id'], ['users.id'], name=op.f('fk_reviews_opened_by_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], name=op.f('fk_reviews_closed_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reviews')),
        sa.UniqueConstraint('community_id', 'id', name=op.f('uq_reviews_community_id_id')),
        sa.UniqueConstraint('community_id', 'year', name=op.f('uq_reviews_community_id_year')),
    )
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reviews_community_id'), ['community_id'], unique=False)

    rls.create_tenant_table(
        op, 'review_entries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('review_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('unit_name', sa.String(length=100), nullable=False),
        sa.Column('unit_type', sa.String(length=30), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('decision', sa.String(length=10), nullable=True),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('figures', sa.JSON(), nullable=True),
        sa.Column('community_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['community_id', 'review_id'], ['reviews.community_id', 'reviews.id'],
                                name=op.f('fk_review_entries_community_id_review_id_reviews'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['community_id'], ['communities.id'],
                                name=op.f('fk_review_entries_community_id_communities'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_review_entries_decided_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_review_entries')),
        sa.UniqueConstraint('community_id', 'id', name=op.f('uq_review_entries_community_id_id')),
        sa.UniqueConstraint('community_id', 'review_id', 'unit_id',
                            name=op.f('uq_review_entries_community_id_review_id_unit_id')),
    )
    with op.batch_alter_table('review_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_entries_community_id'), ['community_id'], unique=False)
        batch_op.create_index('ix_review_entries_unit', ['community_id', 'unit_id'], unique=False)


def downgrade():
    for table in ('review_entries', 'reviews'):
        rls.disable(op, table)
    with op.batch_alter_table('review_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_review_entries_unit')
        batch_op.drop_index(batch_op.f('ix_review_entries_community_id'))
    op.drop_table('review_entries')
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reviews_community_id'))
    op.drop_table('reviews')
