"""Units' applications to join the association, and each community's admission rules.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

from tenants import rls

TENANT_TABLES = ("admission_rules", "unit_applications")


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('admission_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ballot_days', sa.Integer(), nullable=False),
    sa.Column('quorum_pct', sa.Integer(), nullable=False),
    sa.Column('threshold', sa.String(length=20), nullable=False),
    sa.Column('secret', sa.Boolean(), nullable=False),
    sa.Column('veto_limit', sa.Integer(), nullable=False),
    sa.Column('veto_action', sa.String(length=20), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_admission_rules_community_id_communities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_admission_rules_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_admission_rules')),
    sa.UniqueConstraint('community_id', 'id', name=op.f('uq_admission_rules_community_id_id')),
    sa.UniqueConstraint('community_id', name=op.f('uq_admission_rules_community_id'))
    )
    with op.batch_alter_table('admission_rules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_admission_rules_community_id'), ['community_id'], unique=False)

    op.create_table('unit_applications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_name', sa.String(length=100), nullable=False),
    sa.Column('unit_type', sa.String(length=30), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('contact_name', sa.String(length=50), nullable=False),
    sa.Column('contact_mobile', sa.String(length=20), nullable=False),
    sa.Column('contact_email', sa.String(length=254), nullable=False),
    sa.Column('offers', sa.JSON(), nullable=False),
    sa.Column('needs', sa.Text(), nullable=False),
    sa.Column('motivation', sa.Text(), nullable=False),
    sa.Column('consent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('applicant_id', sa.Integer(), nullable=True),
    sa.Column('reviewer_id', sa.Integer(), nullable=True),
    sa.Column('info_request', sa.Text(), nullable=False),
    sa.Column('decision_reason', sa.Text(), nullable=False),
    sa.Column('ballot_id', sa.Integer(), nullable=True),
    sa.Column('ballot_result', sa.JSON(), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['applicant_id'], ['users.id'], name=op.f('fk_unit_applications_applicant_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_unit_applications_community_id_communities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'], name=op.f('fk_unit_applications_reviewer_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unit_applications')),
    sa.UniqueConstraint('community_id', 'id', name=op.f('uq_unit_applications_community_id_id'))
    )
    with op.batch_alter_table('unit_applications', schema=None) as batch_op:
        batch_op.create_index('ix_unit_applications_applicant', ['community_id', 'applicant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_unit_applications_community_id'), ['community_id'], unique=False)
        batch_op.create_index('ix_unit_applications_credit_code', ['community_id', 'credit_code'], unique=False)
        batch_op.create_index('ix_unit_applications_mobile', ['community_id', 'contact_mobile'], unique=False)
        batch_op.create_index('ix_unit_applications_status', ['community_id', 'status', 'id'], unique=False)

    for table in TENANT_TABLES:
        rls.enable(op, table)


def downgrade():
    for table in TENANT_TABLES:
        rls.disable(op, table)
    with op.batch_alter_table('unit_applications', schema=None) as batch_op:
        batch_op.drop_index('ix_unit_applications_status')
        batch_op.drop_index('ix_unit_applications_mobile')
        batch_op.drop_index('ix_unit_applications_credit_code')
        batch_op.drop_index(batch_op.f('ix_unit_applications_community_id'))
        batch_op.drop_index('ix_unit_applications_applicant')

    op.drop_table('unit_applications')
    with op.batch_alter_table('admission_rules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_admission_rules_community_id'))

    op.drop_table('admission_rules')
