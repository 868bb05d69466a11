"""Residents: profiles, sensitive attributes under consent, consents, audit events.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op

from tenants import rls

TENANT_TABLES = ("residents", "resident_sensitive", "resident_consents", "audit_events")

# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=True),
    sa.Column('field', sa.String(length=40), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_audit_events_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_audit_events_community_id_communities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events')),
    sa.UniqueConstraint('community_id', 'id', name=op.f('uq_audit_events_community_id_id'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_events_community_id'), ['community_id'], unique=False)
        batch_op.create_index('ix_audit_events_resident', ['community_id', 'resident_id', 'id'], unique=False)

    op.create_table('residents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('name_sort', sa.String(length=400), nullable=False),
    sa.Column('phone', sa.String(length=30), nullable=False),
    sa.Column('building', sa.String(length=20), nullable=False),
    sa.Column('entrance', sa.String(length=20), nullable=False),
    sa.Column('room', sa.String(length=20), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('household', sa.String(length=200), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('diet_notes', sa.String(length=500), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.Column('account_relation', sa.String(length=20), nullable=False),
    sa.Column('registered_by_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('deletion_requested_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['users.id'], name=op.f('fk_residents_account_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_residents_community_id_communities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['registered_by_id'], ['users.id'], name=op.f('fk_residents_registered_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_residents')),
    sa.UniqueConstraint('community_id', 'id', name=op.f('uq_residents_community_id_id'))
    )
    with op.batch_alter_table('residents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_residents_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_residents_community_id'), ['community_id'], unique=False)
        batch_op.create_index('ix_residents_community_sort', ['community_id', 'name_sort', 'id'], unique=False)

    op.create_table('resident_consents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=40), nullable=False),
    sa.Column('given_by', sa.String(length=100), nullable=False),
    sa.Column('method', sa.String(length=20), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('given_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_by_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['community_id', 'resident_id'], ['residents.community_id', 'residents.id'], name=op.f('fk_resident_consents_community_id_resident_id_residents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_resident_consents_community_id_communities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_resident_consents_recorded_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['withdrawn_by_id'], ['users.id'], name=op.f('fk_resident_consents_withdrawn_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resident_consents')),
    sa.UniqueConstraint('community_id', 'id', name=op.f('uq_resident_consents_community_id_id'))
    )
    with op.batch_alter_table('resident_consents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_resident_consents_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_resident_consents_resident_id'), ['resident_id'], unique=False)

    op.create_table('resident_sensitive',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('disability_category', sa.String(length=20), nullable=True),
    sa.Column('disability_grade', sa.Integer(), nullable=True),
    sa.Column('low_income', sa.Boolean(), nullable=False),
    sa.Column('living_alone', sa.Boolean(), nullable=False),
    sa.Column('special_hardship', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['community_id', 'resident_id'], ['residents.community_id', 'residents.id'], name=op.f('fk_resident_sensitive_community_id_resident_id_residents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_resident_sensitive_community_id_communities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resident_sensitive')),
    sa.UniqueConstraint('community_id', 'id', name=op.f('uq_resident_sensitive_community_id_id')),
    sa.UniqueConstraint('resident_id', name=op.f('uq_resident_sensitive_resident_id'))
    )
    with op.batch_alter_table('resident_sensitive', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_resident_sensitive_community_id'), ['community_id'], unique=False)


    for table in TENANT_TABLES:
        rls.enable(op, table)


def downgrade():
    for table in TENANT_TABLES:
        rls.disable(op, table)
    with op.batch_alter_table('resident_sensitive', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_resident_sensitive_community_id'))

    op.drop_table('resident_sensitive')
    with op.batch_alter_table('resident_consents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_resident_consents_resident_id'))
        batch_op.drop_index(batch_op.f('ix_resident_consents_community_id'))

    op.drop_table('resident_consents')
    with op.batch_alter_table('residents', schema=None) as batch_op:
        batch_op.drop_index('ix_residents_community_sort')
        batch_op.drop_index(batch_op.f('ix_residents_community_id'))
        batch_op.drop_index(batch_op.f('ix_residents_account_id'))

    op.drop_table('residents')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_resident')
        batch_op.drop_index(batch_op.f('ix_audit_events_community_id'))

    op.drop_table('audit_events')
