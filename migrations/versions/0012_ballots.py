"""Ballots: a ballot and its options, the electorate frozen at opening, who took part, open votes, vetoes.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

from tenants import rls

TENANT_TABLES = ("ballots", "ballot_electors", "ballot_options", "ballot_participations", "ballot_vetoes",
                 "ballot_votes")


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    rls.create_tenant_table(op, 'ballots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject_type', sa.String(length=20), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('max_choices', sa.Integer(), nullable=False),
    sa.Column('electorate', sa.JSON(), nullable=False),
    sa.Column('excluded', sa.JSON(), nullable=False),
    sa.Column('owner_ids', sa.JSON(), nullable=False),
    sa.Column('quorum_pct', sa.Integer(), nullable=False),
    sa.Column('threshold', sa.String(length=12), nullable=False),
    sa.Column('secret', sa.Boolean(), nullable=False),
    sa.Column('veto_limit', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('opens_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closes_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('voters', sa.Integer(), nullable=True),
    sa.Column('excluded_count', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=12), nullable=True),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_ballots_community_id_communities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_ballots_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ballots')),
    sa.UniqueConstraint('community_id', 'id', name=op.f('uq_ballots_community_id_id'))
    )
    with op.batch_alter_table('ballots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ballots_community_id'), ['community_id'], unique=False)
        batch_op.create_index('ix_ballots_status', ['community_id', 'status', 'closes_at'], unique=False)
        batch_op.create_index('ix_ballots_subject', ['community_id', 'subject_type', 'subject_id', 'id'], unique=False)

    rls.create_tenant_table(op, 'ballot_electors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ballot_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('excluded_reason', sa.String(length=300), nullable=True),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['community_id', 'ballot_id'], ['ballots.community_id', 'ballots.id'], name=op.f('fk_ballot_electors_community_id_ballot_id_ballots'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_ballot_electors_community_id_communities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_ballot_electors_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ballot_electors')),
    sa.UniqueConstraint('ballot_id', 'user_id', name=op.f('uq_ballot_electors_ballot_id_user_id')),
    sa.UniqueConstraint('community_id', 'id', name=op.f('uq_ballot_electors_community_id_id'))
    )
    with op.batch_alter_table('ballot_electors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ballot_electors_community_id'), ['community_id'], unique=False)
        batch_op.create_index('ix_ballot_electors_user', ['community_id', 'user_id'], unique=False)

    rls.create_tenant_table(op, 'ballot_options',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ballot_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=20), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('votes', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['community_id', 'ballot_id'], ['ballots.community_id', 'ballots.id'], name=op.f('fk_ballot_options_community_id_ballot_id_ballots'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_ballot_options_community_id_communities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ballot_options')),
    sa.UniqueConstraint('ballot_id', 'key', name=op.f('uq_ballot_options_ballot_id_key')),
    sa.UniqueConstraint('community_id', 'id', name=op.f('uq_ballot_options_community_id_id'))
    )
    with op.batch_alter_table('ballot_options', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ballot_options_ballot_id'), ['ballot_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ballot_options_community_id'), ['community_id'], unique=False)

    rls.create_tenant_table(op, 'ballot_participations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ballot_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['community_id', 'ballot_id'], ['ballots.community_id', 'ballots.id'], name=op.f('fk_ballot_participations_community_id_ballot_id_ballots'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_ballot_participations_community_id_communities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_ballot_participations_recorded_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_ballot_participations_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ballot_participations')),
    sa.UniqueConstraint('ballot_id', 'user_id', name=op.f('uq_ballot_participations_ballot_id_user_id')),
    sa.UniqueConstraint('community_id', 'id', name=op.f('uq_ballot_participations_community_id_id'))
    )
    with op.batch_alter_table('ballot_participations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ballot_participations_community_id'), ['community_id'], unique=False)

    rls.create_tenant_table(op, 'ballot_vetoes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ballot_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['community_id', 'ballot_id'], ['ballots.community_id', 'ballots.id'], name=op.f('fk_ballot_vetoes_community_id_ballot_id_ballots'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_ballot_vetoes_community_id_communities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_ballot_vetoes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ballot_vetoes')),
    sa.UniqueConstraint('ballot_id', 'user_id', name=op.f('uq_ballot_vetoes_ballot_id_user_id')),
    sa.UniqueConstraint('community_id', 'id', name=op.f('uq_ballot_vetoes_community_id_id'))
    )
    with op.batch_alter_table('ballot_vetoes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ballot_vetoes_community_id'), ['community_id'], unique=False)

    rls.create_tenant_table(op, 'ballot_votes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ballot_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('option_key', sa.String(length=20), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['community_id', 'ballot_id'], ['ballots.community_id', 'ballots.id'], name=op.f('fk_ballot_votes_community_id_ballot_id_ballots'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_ballot_votes_community_id_communities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_ballot_votes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ballot_votes')),
    sa.UniqueConstraint('ballot_id', 'user_id', 'option_key', name=op.f('uq_ballot_votes_ballot_id_user_id_option_key')),
    sa.UniqueConstraint('community_id', 'id', name=op.f('uq_ballot_votes_community_id_id'))
    )
    with op.batch_alter_table('ballot_votes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ballot_votes_community_id'), ['community_id'], unique=False)



def downgrade():
    for table in TENANT_TABLES:
        rls.disable(op, table)
    with op.batch_alter_table('ballot_votes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ballot_votes_community_id'))

    op.drop_table('ballot_votes')
    with op.batch_alter_table('ballot_vetoes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ballot_vetoes_community_id'))

    op.drop_table('ballot_vetoes')
    with op.batch_alter_table('ballot_participations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ballot_participations_community_id'))

    op.drop_table('ballot_participations')
    with op.batch_alter_table('ballot_options', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ballot_options_community_id'))
        batch_op.drop_index(batch_op.f('ix_ballot_options_ballot_id'))

    op.drop_table('ballot_options')
    with op.batch_alter_table('ballot_electors', schema=None) as batch_op:
        batch_op.drop_index('ix_ballot_electors_user')
        batch_op.drop_index(batch_op.f('ix_ballot_electors_community_id'))

    op.drop_table('ballot_electors')
    with op.batch_alter_table('ballots', schema=None) as batch_op:
        batch_op.drop_index('ix_ballots_subject')
        batch_op.drop_index('ix_ballots_status')
        batch_op.drop_index(batch_op.f('ix_ballots_community_id'))

    op.drop_table('ballots')
