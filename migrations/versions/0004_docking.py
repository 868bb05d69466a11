"""The docking: offers (with closures and capacity counters), needs, matches, status changes.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op

from tenants import rls

TENANT_TABLES = ("offers", "offer_closures", "offer_occurrences", "needs", "matches", "status_changes")

# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('status_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('object_type', sa.String(length=20), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=True),
    sa.Column('to_status', sa.String(length=20), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_status_changes_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_status_changes_community_id_communities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_status_changes')),
    sa.UniqueConstraint('community_id', 'id', name=op.f('uq_status_changes_community_id_id'))
    )
    with op.batch_alter_table('status_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_status_changes_community_id'), ['community_id'], unique=False)
        batch_op.create_index('ix_status_changes_object', ['community_id', 'object_type', 'object_id', 'id'], unique=False)

    op.create_table('needs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('details', sa.Text(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('window_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('window_end', sa.DateTime(timezone=True), nullable=False),
    sa.Column('slot', sa.String(length=20), nullable=True),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('urgency', sa.String(length=10), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('escalated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['community_id', 'resident_id'], ['residents.community_id', 'residents.id'], name=op.f('fk_needs_community_id_resident_id_residents')),
    sa.ForeignKeyConstraint(['community_id', 'unit_id'], ['units.community_id', 'units.id'], name=op.f('fk_needs_community_id_unit_id_units')),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_needs_community_id_communities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_needs_submitted_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_needs')),
    sa.UniqueConstraint('community_id', 'id', name=op.f('uq_needs_community_id_id'))
    )
    with op.batch_alter_table('needs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_needs_community_id'), ['community_id'], unique=False)
        batch_op.create_index('ix_needs_open', ['community_id', 'kind', 'status', 'window_start'], unique=False)
        batch_op.create_index(batch_op.f('ix_needs_resident_id'), ['resident_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_needs_unit_id'), ['unit_id'], unique=False)

    op.create_table('offers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('terms', sa.String(length=20), nullable=False),
    sa.Column('price_cents', sa.Integer(), nullable=False),
    sa.Column('eligibility', sa.JSON(), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('radius_m', sa.Integer(), nullable=True),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('slots', sa.JSON(), nullable=False),
    sa.Column('delivery', sa.Boolean(), nullable=False),
    sa.Column('weekly', sa.JSON(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('rating_sum', sa.Integer(), nullable=False),
    sa.Column('rating_count', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['community_id', 'unit_id'], ['units.community_id', 'units.id'], name=op.f('fk_offers_community_id_unit_id_units'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_offers_community_id_communities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_offers')),
    sa.UniqueConstraint('community_id', 'id', name=op.f('uq_offers_community_id_id'))
    )
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offers_community_id'), ['community_id'], unique=False)
        batch_op.create_index('ix_offers_match', ['community_id', 'kind', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_offers_unit_id'), ['unit_id'], unique=False)

    op.create_table('matches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('need_id', sa.Integer(), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('occurrence', sa.String(length=30), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('proposed_by_id', sa.Integer(), nullable=True),
    sa.Column('rating', sa.Integer(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['community_id', 'need_id'], ['needs.community_id', 'needs.id'], name=op.f('fk_matches_community_id_need_id_needs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['community_id', 'offer_id'], ['offers.community_id', 'offers.id'], name=op.f('fk_matches_community_id_offer_id_offers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_matches_community_id_communities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['users.id'], name=op.f('fk_matches_proposed_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_matches')),
    sa.UniqueConstraint('community_id', 'id', name=op.f('uq_matches_community_id_id'))
    )
    with op.batch_alter_table('matches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_matches_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_matches_need_id'), ['need_id'], unique=False)
        batch_op.create_index('ix_matches_offer_status', ['community_id', 'offer_id', 'status'], unique=False)

    op.create_table('offer_closures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['community_id', 'offer_id'], ['offers.community_id', 'offers.id'], name=op.f('fk_offer_closures_community_id_offer_id_offers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_offer_closures_community_id_communities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_offer_closures')),
    sa.UniqueConstraint('community_id', 'id', name=op.f('uq_offer_closures_community_id_id')),
    sa.UniqueConstraint('offer_id', 'day', name=op.f('uq_offer_closures_offer_id_day'))
    )
    with op.batch_alter_table('offer_closures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offer_closures_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_offer_closures_offer_id'), ['offer_id'], unique=False)

    op.create_table('offer_occurrences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=30), nullable=False),
    sa.Column('booked', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['community_id', 'offer_id'], ['offers.community_id', 'offers.id'], name=op.f('fk_offer_occurrences_community_id_offer_id_offers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_offer_occurrences_community_id_communities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_offer_occurrences')),
    sa.UniqueConstraint('community_id', 'id', name=op.f('uq_offer_occurrences_community_id_id')),
    sa.UniqueConstraint('offer_id', 'key', name=op.f('uq_offer_occurrences_offer_id_key'))
    )
    with op.batch_alter_table('offer_occurrences', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offer_occurrences_community_id'), ['community_id'], unique=False)


    for table in TENANT_TABLES:
        rls.enable(op, table)


def downgrade():
    for table in TENANT_TABLES:
        rls.disable(op, table)
    with op.batch_alter_table('offer_occurrences', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_offer_occurrences_community_id'))

    op.drop_table('offer_occurrences')
    with op.batch_alter_table('offer_closures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_offer_closures_offer_id'))
        batch_op.drop_index(batch_op.f('ix_offer_closures_community_id'))

    op.drop_table('offer_closures')
    with op.batch_alter_table('matches', schema=None) as batch_op:
        batch_op.drop_index('ix_matches_offer_status')
        batch_op.drop_index(batch_op.f('ix_matches_need_id'))
        batch_op.drop_index(batch_op.f('ix_matches_community_id'))

    op.drop_table('matches')
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_offers_unit_id'))
        batch_op.drop_index('ix_offers_match')
        batch_op.drop_index(batch_op.f('ix_offers_community_id'))

    op.drop_table('offers')
    with op.batch_alter_table('needs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_needs_unit_id'))
        batch_op.drop_index(batch_op.f('ix_needs_resident_id'))
        batch_op.drop_index('ix_needs_open')
        batch_op.drop_index(batch_op.f('ix_needs_community_id'))

    op.drop_table('needs')
    with op.batch_alter_table('status_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_status_changes_object')
        batch_op.drop_index(batch_op.f('ix_status_changes_community_id'))

    op.drop_table('status_changes')
