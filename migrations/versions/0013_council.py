"""The council's seats: who sits in which position, for which term (ended terms kept as history).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

from tenants import rls

# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('council_seats',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.String(length=20), nullable=False),
    sa.Column('term_start', sa.Date(), nullable=False),
    sa.Column('term_end', sa.Date(), nullable=True),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('appointed_by_id', sa.Integer(), nullable=True),
    sa.Column('ended_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['appointed_by_id'], ['users.id'], name=op.f('fk_council_seats_appointed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_council_seats_community_id_communities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ended_by_id'], ['users.id'], name=op.f('fk_council_seats_ended_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_council_seats_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_council_seats')),
    sa.UniqueConstraint('community_id', 'id', name=op.f('uq_council_seats_community_id_id'))
    )
    with op.batch_alter_table('council_seats', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_council_seats_community_id'), ['community_id'], unique=False)
        batch_op.create_index('ix_council_seats_held', ['community_id', 'ended_on', 'term_start'], unique=False)
        batch_op.create_index(batch_op.f('ix_council_seats_user_id'), ['user_id'], unique=False)

    rls.enable(op, 'council_seats')


def downgrade():
    rls.disable(op, 'council_seats')
    with op.batch_alter_table('council_seats', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_council_seats_user_id'))
        batch_op.drop_index('ix_council_seats_held')
        batch_op.drop_index(batch_op.f('ix_council_seats_community_id'))

    op.drop_table('council_seats')
