"""Joint activities: co-organising units, registrations with a waiting list and check-in codes, registrants'
accessibility needs (kept apart: sensitive), the community's approval rules, cultural activity points.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

from tenants import rls


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    rls.create_tenant_table(op, 'activity_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ballot_kinds', sa.JSON(), nullable=False),
    sa.Column('ballot_days', sa.Integer(), nullable=False),
    sa.Column('promotion_hours', sa.Integer(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_activity_rules_community_id_communities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_activity_rules_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity_rules')),
    sa.UniqueConstraint('community_id', 'id', name=op.f('uq_activity_rules_community_id_id'))
    )
    with op.batch_alter_table('activity_rules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activity_rules_community_id'), ['community_id'], unique=False)
        batch_op.create_index('uq_activity_rules_community', ['community_id'], unique=True)

    rls.create_tenant_table(op, 'cultural_points',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('venue_id', sa.Integer(), nullable=True),
    sa.Column('yearly_target', sa.Integer(), nullable=False),
    sa.Column('designated_on', sa.DateTime(timezone=True), nullable=False),
    sa.Column('autumn_reminded_year', sa.Integer(), nullable=True),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['community_id', 'unit_id'], ['units.community_id', 'units.id'], name=op.f('fk_cultural_points_community_id_unit_id_units'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['community_id', 'venue_id'], ['venues.community_id', 'venues.id'], name=op.f('fk_cultural_points_community_id_venue_id_venues'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_cultural_points_community_id_communities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cultural_points')),
    sa.UniqueConstraint('community_id', 'id', name=op.f('uq_cultural_points_community_id_id')),
    sa.UniqueConstraint('unit_id', name=op.f('uq_cultural_points_unit_id')),
    sa.UniqueConstraint('venue_id', name=op.f('uq_cultural_points_venue_id'))
    )
    with op.batch_alter_table('cultural_points', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cultural_points_community_id'), ['community_id'], unique=False)

    rls.create_tenant_table(op, 'activities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('organiser_unit_id', sa.Integer(), nullable=True),
    sa.Column('guests', sa.String(length=500), nullable=False),
    sa.Column('speakers', sa.String(length=500), nullable=False),
    sa.Column('audience', sa.String(length=20), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.Column('taken', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('registration_opens_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('registration_closes_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('venue_id', sa.Integer(), nullable=True),
    sa.Column('booking_id', sa.Integer(), nullable=True),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('public', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('ballot_id', sa.Integer(), nullable=True),
    sa.Column('proposed_by_id', sa.Integer(), nullable=True),
    sa.Column('record_text', sa.Text(), nullable=False),
    sa.Column('walk_ins', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancel_reason', sa.String(length=500), nullable=False),
    sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['ballot_id'], ['ballots.id'], name=op.f('fk_activities_ballot_id_ballots'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['community_id', 'booking_id'], ['bookings.community_id', 'bookings.id'], name=op.f('fk_activities_community_id_booking_id_bookings')),
    sa.ForeignKeyConstraint(['community_id', 'organiser_unit_id'], ['units.community_id', 'units.id'], name=op.f('fk_activities_community_id_organiser_unit_id_units')),
    sa.ForeignKeyConstraint(['community_id', 'venue_id'], ['venues.community_id', 'venues.id'], name=op.f('fk_activities_community_id_venue_id_venues')),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_activities_community_id_communities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['users.id'], name=op.f('fk_activities_proposed_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activities')),
    sa.UniqueConstraint('community_id', 'id', name=op.f('uq_activities_community_id_id'))
    )
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activities_community_id'), ['community_id'], unique=False)
        batch_op.create_index('ix_activities_starts', ['community_id', 'starts_at'], unique=False)
        batch_op.create_index('ix_activities_status', ['community_id', 'status'], unique=False)

    rls.create_tenant_table(op, 'activity_units',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['community_id', 'activity_id'], ['activities.community_id', 'activities.id'], name=op.f('fk_activity_units_community_id_activity_id_activities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['community_id', 'unit_id'], ['units.community_id', 'units.id'], name=op.f('fk_activity_units_community_id_unit_id_units'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_activity_units_community_id_communities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity_units')),
    sa.UniqueConstraint('community_id', 'id', name=op.f('uq_activity_units_community_id_id'))
    )
    with op.batch_alter_table('activity_units', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activity_units_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_activity_units_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index('uq_activity_units', ['community_id', 'activity_id', 'unit_id'], unique=True)

    rls.create_tenant_table(op, 'registrations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('phone_tail', sa.String(length=4), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('offered_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('walk_in', sa.Boolean(), nullable=False),
    sa.Column('registered_by_id', sa.Integer(), nullable=True),
    sa.Column('registered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('checked_in_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('checked_in_by_id', sa.Integer(), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['checked_in_by_id'], ['users.id'], name=op.f('fk_registrations_checked_in_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['community_id', 'activity_id'], ['activities.community_id', 'activities.id'], name=op.f('fk_registrations_community_id_activity_id_activities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['community_id', 'resident_id'], ['residents.community_id', 'residents.id'], name=op.f('fk_registrations_community_id_resident_id_residents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['community_id', 'unit_id'], ['units.community_id', 'units.id'], name=op.f('fk_registrations_community_id_unit_id_units'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_registrations_community_id_communities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['registered_by_id'], ['users.id'], name=op.f('fk_registrations_registered_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registrations')),
    sa.UniqueConstraint('code', name=op.f('uq_registrations_code')),
    sa.UniqueConstraint('community_id', 'id', name=op.f('uq_registrations_community_id_id'))
    )
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.create_index('ix_registrations_activity', ['community_id', 'activity_id', 'status', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_registrations_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_registrations_resident_id'), ['resident_id'], unique=False)
        batch_op.create_index('uq_registrations_resident', ['activity_id', 'resident_id'], unique=True, sqlite_where=sa.text("status IN ('registered', 'waiting', 'offered') AND resident_id IS NOT NULL"), postgresql_where=sa.text("status IN ('registered', 'waiting', 'offered') AND resident_id IS NOT NULL"))

    rls.create_tenant_table(op, 'registration_needs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('needs', sa.JSON(), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.Column('consent_by_id', sa.Integer(), nullable=True),
    sa.Column('consent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['community_id', 'registration_id'], ['registrations.community_id', 'registrations.id'], name=op.f('fk_registration_needs_community_id_registration_id_registrations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_registration_needs_community_id_communities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['consent_by_id'], ['users.id'], name=op.f('fk_registration_needs_consent_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registration_needs')),
    sa.UniqueConstraint('community_id', 'id', name=op.f('uq_registration_needs_community_id_id')),
    sa.UniqueConstraint('registration_id', name=op.f('uq_registration_needs_registration_id'))
    )
    with op.batch_alter_table('registration_needs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registration_needs_community_id'), ['community_id'], unique=False)



def downgrade():
    with op.batch_alter_table('registration_needs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registration_needs_community_id'))

    rls.disable(op, 'registration_needs')
    op.drop_table('registration_needs')
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_index('uq_registrations_resident', sqlite_where=sa.text("status IN ('registered', 'waiting', 'offered') AND resident_id IS NOT NULL"), postgresql_where=sa.text("status IN ('registered', 'waiting', 'offered') AND resident_id IS NOT NULL"))
        batch_op.drop_index(batch_op.f('ix_registrations_resident_id'))
        batch_op.drop_index(batch_op.f('ix_registrations_community_id'))
        batch_op.drop_index('ix_registrations_activity')

    rls.disable(op, 'registrations')
    op.drop_table('registrations')
    with op.batch_alter_table('activity_units', schema=None) as batch_op:
        batch_op.drop_index('uq_activity_units')
        batch_op.drop_index(batch_op.f('ix_activity_units_unit_id'))
        batch_op.drop_index(batch_op.f('ix_activity_units_community_id'))

    rls.disable(op, 'activity_units')
    op.drop_table('activity_units')
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.drop_index('ix_activities_status')
        batch_op.drop_index('ix_activities_starts')
        batch_op.drop_index(batch_op.f('ix_activities_community_id'))

    rls.disable(op, 'activities')
    op.drop_table('activities')
    with op.batch_alter_table('cultural_points', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cultural_points_community_id'))

    rls.disable(op, 'cultural_points')
    op.drop_table('cultural_points')
    with op.batch_alter_table('activity_rules', schema=None) as batch_op:
        batch_op.drop_index('uq_activity_rules_community')
        batch_op.drop_index(batch_op.f('ix_activity_rules_community_id'))

    rls.disable(op, 'activity_rules')
    op.drop_table('activity_rules')
