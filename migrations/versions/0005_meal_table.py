"""The meal table: canteen settings (prices, cutoff), meal plans, daily orders, sent manifests.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op

from tenants import rls

TENANT_TABLES = ("meal_settings", "meal_plans", "meal_orders", "meal_manifests")


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('meal_manifests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('meals', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['community_id', 'offer_id'], ['offers.community_id', 'offers.id'], name=op.f('fk_meal_manifests_community_id_offer_id_offers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_meal_manifests_community_id_communities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meal_manifests')),
    sa.UniqueConstraint('community_id', 'id', name=op.f('uq_meal_manifests_community_id_id')),
    sa.UniqueConstraint('offer_id', 'day', name=op.f('uq_meal_manifests_offer_id_day'))
    )
    with op.batch_alter_table('meal_manifests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meal_manifests_community_id'), ['community_id'], unique=False)

    op.create_table('meal_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('weekdays', sa.JSON(), nullable=False),
    sa.Column('slots', sa.JSON(), nullable=False),
    sa.Column('mode', sa.String(length=10), nullable=False),
    sa.Column('diet_notes', sa.String(length=500), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['community_id', 'offer_id'], ['offers.community_id', 'offers.id'], name=op.f('fk_meal_plans_community_id_offer_id_offers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['community_id', 'resident_id'], ['residents.community_id', 'residents.id'], name=op.f('fk_meal_plans_community_id_resident_id_residents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_meal_plans_community_id_communities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_meal_plans_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meal_plans')),
    sa.UniqueConstraint('community_id', 'id', name=op.f('uq_meal_plans_community_id_id'))
    )
    with op.batch_alter_table('meal_plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meal_plans_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meal_plans_offer_id'), ['offer_id'], unique=False)
        batch_op.create_index('ix_meal_plans_resident', ['community_id', 'resident_id', 'status'], unique=False)

    op.create_table('meal_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('prices', sa.JSON(), nullable=False),
    sa.Column('cutoff', sa.String(length=5), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['community_id', 'offer_id'], ['offers.community_id', 'offers.id'], name=op.f('fk_meal_settings_community_id_offer_id_offers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_meal_settings_community_id_communities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meal_settings')),
    sa.UniqueConstraint('community_id', 'id', name=op.f('uq_meal_settings_community_id_id')),
    sa.UniqueConstraint('offer_id', name=op.f('uq_meal_settings_offer_id'))
    )
    with op.batch_alter_table('meal_settings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meal_settings_community_id'), ['community_id'], unique=False)

    op.create_table('meal_orders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('slot', sa.String(length=20), nullable=False),
    sa.Column('mode', sa.String(length=10), nullable=False),
    sa.Column('diet_notes', sa.String(length=500), nullable=False),
    sa.Column('price_cents', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['changed_by_id'], ['users.id'], name=op.f('fk_meal_orders_changed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['community_id', 'offer_id'], ['offers.community_id', 'offers.id'], name=op.f('fk_meal_orders_community_id_offer_id_offers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['community_id', 'plan_id'], ['meal_plans.community_id', 'meal_plans.id'], name=op.f('fk_meal_orders_community_id_plan_id_meal_plans'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['community_id', 'resident_id'], ['residents.community_id', 'residents.id'], name=op.f('fk_meal_orders_community_id_resident_id_residents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_meal_orders_community_id_communities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meal_orders')),
    sa.UniqueConstraint('community_id', 'id', name=op.f('uq_meal_orders_community_id_id')),
    sa.UniqueConstraint('plan_id', 'day', 'slot', name=op.f('uq_meal_orders_plan_id_day_slot'))
    )
    with op.batch_alter_table('meal_orders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meal_orders_community_id'), ['community_id'], unique=False)
        batch_op.create_index('ix_meal_orders_offer_day', ['community_id', 'offer_id', 'day'], unique=False)
        batch_op.create_index('ix_meal_orders_resident_day', ['community_id', 'resident_id', 'day'], unique=False)
        batch_op.create_index('ix_meal_orders_status_day', ['community_id', 'status', 'day'], unique=False)
    for table in TENANT_TABLES:
        rls.enable(op, table)


def downgrade():
    for table in TENANT_TABLES:
        rls.disable(op, table)
    with op.batch_alter_table('meal_orders', schema=None) as batch_op:
        batch_op.drop_index('ix_meal_orders_status_day')
        batch_op.drop_index('ix_meal_orders_resident_day')
        batch_op.drop_index('ix_meal_orders_offer_day')
        batch_op.drop_index(batch_op.f('ix_meal_orders_community_id'))

    op.drop_table('meal_orders')
    with op.batch_alter_table('meal_settings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meal_settings_community_id'))

    op.drop_table('meal_settings')
    with op.batch_alter_table('meal_plans', schema=None) as batch_op:
        batch_op.drop_index('ix_meal_plans_resident')
        batch_op.drop_index(batch_op.f('ix_meal_plans_offer_id'))
        batch_op.drop_index(batch_op.f('ix_meal_plans_community_id'))

    op.drop_table('meal_plans')
    with op.batch_alter_table('meal_manifests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meal_manifests_community_id'))

    op.drop_table('meal_manifests')
