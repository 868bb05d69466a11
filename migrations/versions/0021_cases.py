"""Good cases (典型事例) naming the units behind them, and the units that helped with a public works request.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

from tenants import rls


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    rls.create_tenant_table(op, 'good_cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('story', sa.Text(), nullable=False),
    sa.Column('happened_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('link_type', sa.String(length=20), nullable=True),
    sa.Column('link_id', sa.Integer(), nullable=True),
    sa.Column('published_on', sa.Date(), nullable=True),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_good_cases_community_id_communities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], name=op.f('fk_good_cases_published_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_good_cases_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_good_cases')),
    sa.UniqueConstraint('community_id', 'id', name=op.f('uq_good_cases_community_id_id'))
    )
    with op.batch_alter_table('good_cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_good_cases_community_id'), ['community_id'], unique=False)
        batch_op.create_index('ix_good_cases_status', ['community_id', 'status', 'happened_on'], unique=False)

    rls.create_tenant_table(op, 'good_case_units',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['community_id', 'case_id'], ['good_cases.community_id', 'good_cases.id'], name=op.f('fk_good_case_units_community_id_case_id_good_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['community_id', 'unit_id'], ['units.community_id', 'units.id'], name=op.f('fk_good_case_units_community_id_unit_id_units'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_good_case_units_community_id_communities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_good_case_units')),
    sa.UniqueConstraint('community_id', 'id', name=op.f('uq_good_case_units_community_id_id'))
    )
    with op.batch_alter_table('good_case_units', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_good_case_units_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_good_case_units_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index('uq_good_case_units', ['community_id', 'case_id', 'unit_id'], unique=True)

    rls.create_tenant_table(op, 'public_works_helpers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('what', sa.String(length=200), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['community_id', 'request_id'], ['public_works_requests.community_id', 'public_works_requests.id'], name=op.f('fk_public_works_helpers_community_id_request_id_public_works_requests'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['community_id', 'unit_id'], ['units.community_id', 'units.id'], name=op.f('fk_public_works_helpers_community_id_unit_id_units'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_public_works_helpers_community_id_communities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['added_by_id'], ['users.id'], name=op.f('fk_public_works_helpers_added_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_public_works_helpers')),
    sa.UniqueConstraint('community_id', 'id', name=op.f('uq_public_works_helpers_community_id_id'))
    )
    with op.batch_alter_table('public_works_helpers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_public_works_helpers_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_public_works_helpers_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index('uq_public_works_helpers', ['community_id', 'request_id', 'unit_id'], unique=True)


def downgrade():
    for table, indexes in (('public_works_helpers', ('uq_public_works_helpers', 'ix_public_works_helpers_unit_id',
                                                     'ix_public_works_helpers_community_id')),
                           ('good_case_units', ('uq_good_case_units', 'ix_good_case_units_unit_id',
                                                'ix_good_case_units_community_id')),
                           ('good_cases', ('ix_good_cases_status', 'ix_good_cases_community_id'))):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for index in indexes:
                batch_op.drop_index(index)
        rls.disable(op, table)
        op.drop_table(table)
