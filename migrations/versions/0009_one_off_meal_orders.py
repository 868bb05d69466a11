"""One-off meals on the manifest: a confirmed match of a meal need makes a meal order as a plan does.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('meal_orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('match_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('beneficiary', sa.String(length=200), server_default='', nullable=False))
        batch_op.add_column(sa.Column('quantity', sa.Integer(), server_default='1', nullable=False))
        batch_op.alter_column('plan_id', existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column('resident_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_unique_constraint(batch_op.f('uq_meal_orders_match_id'), ['match_id'])
        batch_op.create_foreign_key(batch_op.f('fk_meal_orders_community_id_match_id_matches'), 'matches',
                                    ['community_id', 'match_id'], ['community_id', 'id'], ondelete='CASCADE')


def downgrade():
    op.execute("DELETE FROM meal_orders WHERE plan_id IS NULL")
    with op.batch_alter_table('meal_orders', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_meal_orders_community_id_match_id_matches'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_meal_orders_match_id'), type_='unique')
        batch_op.alter_column('resident_id', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('plan_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('quantity')
        batch_op.drop_column('beneficiary')
        batch_op.drop_column('match_id')
