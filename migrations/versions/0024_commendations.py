"""Commendation campaigns (评优): a campaign per year and award with its frozen evidence and weights, the
nominations with their citations, the awards with their certificate numbers and verification codes.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

from tenants import rls


# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    rls.create_tenant_table(op, 'commendation_campaigns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=100), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('awards', sa.Integer(), nullable=False),
    sa.Column('max_choices', sa.Integer(), nullable=False),
    sa.Column('weights', sa.JSON(), nullable=False),
    sa.Column('snapshot', sa.JSON(), nullable=True),
    sa.Column('snapshot_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('ballot_id', sa.Integer(), nullable=True),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('announced_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['ballot_id'], ['ballots.id'], name=op.f('fk_commendation_campaigns_ballot_id_ballots'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_commendation_campaigns_community_id_communities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_commendation_campaigns_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commendation_campaigns')),
    sa.UniqueConstraint('community_id', 'id', name=op.f('uq_commendation_campaigns_community_id_id')),
    sa.UniqueConstraint('community_id', 'year', 'category', name=op.f('uq_commendation_campaigns_community_id_year_category'))
    )
    with op.batch_alter_table('commendation_campaigns', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_commendation_campaigns_community_id'), ['community_id'], unique=False)
        batch_op.create_index('ix_commendation_campaigns_status', ['community_id', 'status'], unique=False)

    rls.create_tenant_table(op, 'commendation_awards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('unit_name', sa.String(length=200), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('votes', sa.Integer(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('tie_broken', sa.Boolean(), nullable=False),
    sa.Column('citation', sa.Text(), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['community_id', 'campaign_id'], ['commendation_campaigns.community_id', 'commendation_campaigns.id'], name=op.f('fk_commendation_awards_community_id_campaign_id_commendation_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['community_id', 'unit_id'], ['units.community_id', 'units.id'], name=op.f('fk_commendation_awards_community_id_unit_id_units')),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_commendation_awards_community_id_communities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commendation_awards')),
    sa.UniqueConstraint('campaign_id', 'unit_id', name=op.f('uq_commendation_awards_campaign_id_unit_id')),
    sa.UniqueConstraint('code', name=op.f('uq_commendation_awards_code')),
    sa.UniqueConstraint('community_id', 'id', name=op.f('uq_commendation_awards_community_id_id'))
    )
    with op.batch_alter_table('commendation_awards', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_commendation_awards_community_id'), ['community_id'], unique=False)
        batch_op.create_index('ix_commendation_awards_unit', ['community_id', 'unit_id'], unique=False)

    rls.create_tenant_table(op, 'commendation_nominations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('citation', sa.Text(), nullable=False),
    sa.Column('option_key', sa.String(length=20), nullable=True),
    sa.Column('nominated_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['community_id', 'campaign_id'], ['commendation_campaigns.community_id', 'commendation_campaigns.id'], name=op.f('fk_commendation_nominations_community_id_campaign_id_commendation_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['community_id', 'unit_id'], ['units.community_id', 'units.id'], name=op.f('fk_commendation_nominations_community_id_unit_id_units')),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_commendation_nominations_community_id_communities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['nominated_by_id'], ['users.id'], name=op.f('fk_commendation_nominations_nominated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commendation_nominations')),
    sa.UniqueConstraint('campaign_id', 'unit_id', name=op.f('uq_commendation_nominations_campaign_id_unit_id')),
    sa.UniqueConstraint('community_id', 'id', name=op.f('uq_commendation_nominations_community_id_id'))
    )
    with op.batch_alter_table('commendation_nominations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_commendation_nominations_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_commendation_nominations_community_id'), ['community_id'], unique=False)



def downgrade():
    with op.batch_alter_table('commendation_nominations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_commendation_nominations_community_id'))
        batch_op.drop_index(batch_op.f('ix_commendation_nominations_campaign_id'))

    rls.disable(op, 'commendation_nominations')
    op.drop_table('commendation_nominations')
    with op.batch_alter_table('commendation_awards', schema=None) as batch_op:
        batch_op.drop_index('ix_commendation_awards_unit')
        batch_op.drop_index(batch_op.f('ix_commendation_awards_community_id'))

    rls.disable(op, 'commendation_awards')
    op.drop_table('commendation_awards')
    with op.batch_alter_table('commendation_campaigns', schema=None) as batch_op:
        batch_op.drop_index('ix_commendation_campaigns_status')
        batch_op.drop_index(batch_op.f('ix_commendation_campaigns_community_id'))

    rls.disable(op, 'commendation_campaigns')
    op.drop_table('commendation_campaigns')
