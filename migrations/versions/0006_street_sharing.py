"""Street sharing: offers a unit shares with the street, and referrals between communities of one street.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op

from tenants import rls

# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

# Columns a referral keeps as inserted (the PostgreSQL trigger refuses any change to them).
IMMUTABLE = ("need_id", "offer_id", "kind", "slot", "window_start", "window_end", "quantity", "urgency",
             "latitude", "longitude", "elderly", "source", "created_at")


def upgrade():
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shared_with_street', sa.Boolean(), server_default=sa.false(), nullable=False))

    op.create_table('street_referrals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('need_id', sa.Integer(), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('slot', sa.String(length=20), nullable=True),
    sa.Column('window_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('window_end', sa.DateTime(timezone=True), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('urgency', sa.String(length=10), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('elderly', sa.Boolean(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('origin_status', sa.String(length=20), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('taken_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('street_id', sa.Integer(), nullable=False),
    sa.Column('from_community_id', sa.Integer(), nullable=False),
    sa.Column('to_community_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_street_referrals_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['taken_by_id'], ['users.id'], name=op.f('fk_street_referrals_taken_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['from_community_id', 'need_id'], ['needs.community_id', 'needs.id'], name=op.f('fk_street_referrals_from_community_id_need_id_needs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['to_community_id', 'offer_id'], ['offers.community_id', 'offers.id'], name=op.f('fk_street_referrals_to_community_id_offer_id_offers')),
    sa.ForeignKeyConstraint(['from_community_id'], ['communities.id'], name=op.f('fk_street_referrals_from_community_id_communities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['to_community_id'], ['communities.id'], name=op.f('fk_street_referrals_to_community_id_communities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['street_id'], ['streets.id'], name=op.f('fk_street_referrals_street_id_streets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_street_referrals'))
    )
    with op.batch_alter_table('street_referrals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_street_referrals_need_id'), ['need_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_street_referrals_street_id'), ['street_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_street_referrals_from_community_id'), ['from_community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_street_referrals_to_community_id'), ['to_community_id'], unique=False)
        batch_op.create_index('ix_street_referrals_street_status', ['street_id', 'status'], unique=False)

    with op.batch_alter_table('needs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('referral_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_needs_referral_id'), ['referral_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_needs_referral_id_street_referrals'), 'street_referrals',
                                    ['referral_id'], ['id'], ondelete='SET NULL')

    rls.share_with_street(op, 'offers')
    rls.share_with_street(op, 'offer_closures', via=('offers', 'offer_id'))
    rls.share_with_street(op, 'offer_occurrences', via=('offers', 'offer_id'))
    rls.enable_street(op, 'street_referrals', immutable=IMMUTABLE)


def downgrade():
    rls.disable_street(op, 'street_referrals')
    for table in ('offer_occurrences', 'offer_closures', 'offers'):
        rls.unshare_with_street(op, table)
    with op.batch_alter_table('needs', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_needs_referral_id_street_referrals'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_needs_referral_id'))
        batch_op.drop_column('referral_id')
    op.drop_table('street_referrals')
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.drop_column('shared_with_street')
