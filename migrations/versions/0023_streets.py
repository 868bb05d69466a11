"""The street office: a street's slug (its web address) and its suppression threshold, and its viewers, granted
and revoked by the platform operator (a revoked grant stays, as the history).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

from tenants.models import street_slug_for


# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('streets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('slug', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('suppress_below', sa.Integer(), nullable=False, server_default='5'))
    bind = op.get_bind()
    taken = set()
    for street_id, name in bind.execute(sa.text("SELECT id, name FROM streets ORDER BY id")).all():
        slug = street_slug_for(name, taken.__contains__)
        taken.add(slug)
        bind.execute(sa.text("UPDATE streets SET slug = :slug WHERE id = :id"), {"slug": slug, "id": street_id})
    with op.batch_alter_table('streets', schema=None) as batch_op:
        batch_op.alter_column('slug', existing_type=sa.String(length=40), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_streets_slug'), ['slug'])

    op.create_table('street_viewers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('street_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('granted_by_id', sa.Integer(), nullable=True),
    sa.Column('granted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['street_id'], ['streets.id'], name=op.f('fk_street_viewers_street_id_streets'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_street_viewers_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['granted_by_id'], ['users.id'], name=op.f('fk_street_viewers_granted_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['users.id'], name=op.f('fk_street_viewers_revoked_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_street_viewers'))
    )
    with op.batch_alter_table('street_viewers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_street_viewers_street_id'), ['street_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_street_viewers_user_id'), ['user_id'], unique=False)
        batch_op.create_index('uq_street_viewers_live', ['street_id', 'user_id'], unique=True,
                              sqlite_where=sa.text('revoked_at IS NULL'),
                              postgresql_where=sa.text('revoked_at IS NULL'))


def downgrade():
    with op.batch_alter_table('street_viewers', schema=None) as batch_op:
        batch_op.drop_index('uq_street_viewers_live')
        batch_op.drop_index(batch_op.f('ix_street_viewers_user_id'))
        batch_op.drop_index(batch_op.f('ix_street_viewers_street_id'))
    op.drop_table('street_viewers')
    with op.batch_alter_table('streets', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_streets_slug'), type_='unique')
        batch_op.drop_column('suppress_below')
        batch_op.drop_column('slug')
