"""The yearly report to the street office: the deadline setting, the draft's narrative, frozen numbered versions,
the deadline reminders sent.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

from tenants import rls


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def _tenant(name):
    return [sa.Column('community_id', sa.Integer(), nullable=False),
            sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f(f'fk_{name}_community_id_communities'), ondelete='CASCADE'),
            sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{name}')),
            sa.UniqueConstraint('community_id', 'id', name=op.f(f'uq_{name}_community_id_id'))]


def upgrade():
    rls.create_tenant_table(op, 'report_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('due_month', sa.Integer(), nullable=False),
    sa.Column('due_day', sa.Integer(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_report_settings_updated_by_id_users'), ondelete='SET NULL'),
    *_tenant('report_settings'),
    )
    with op.batch_alter_table('report_settings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_settings_community_id'), ['community_id'], unique=False)
        batch_op.create_index('uq_report_settings_community', ['community_id'], unique=True)

    rls.create_tenant_table(op, 'report_drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('narrative', sa.Text(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_report_drafts_updated_by_id_users'), ondelete='SET NULL'),
    *_tenant('report_drafts'),
    )
    with op.batch_alter_table('report_drafts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_drafts_community_id'), ['community_id'], unique=False)
        batch_op.create_index('uq_report_drafts_year', ['community_id', 'year'], unique=True)

    rls.create_tenant_table(op, 'report_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('parts', sa.JSON(), nullable=False),
    sa.Column('narrative', sa.Text(), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_report_versions_submitted_by_id_users'), ondelete='SET NULL'),
    *_tenant('report_versions'),
    )
    with op.batch_alter_table('report_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_versions_community_id'), ['community_id'], unique=False)
        batch_op.create_index('uq_report_versions_number', ['community_id', 'year', 'number'], unique=True)

    rls.create_tenant_table(op, 'report_reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('days_before', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    *_tenant('report_reminders'),
    )
    with op.batch_alter_table('report_reminders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_reminders_community_id'), ['community_id'], unique=False)
        batch_op.create_index('uq_report_reminders', ['community_id', 'year', 'days_before'], unique=True)


def downgrade():
    for name, index in (('report_reminders', 'uq_report_reminders'), ('report_versions', 'uq_report_versions_number'),
                        ('report_drafts', 'uq_report_drafts_year'), ('report_settings', 'uq_report_settings_community')):
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.drop_index(index)
            batch_op.drop_index(batch_op.f(f'ix_{name}_community_id'))
        rls.disable(op, name)
        op.drop_table(name)
