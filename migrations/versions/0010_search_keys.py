"""Search keys for the pickers: pinyin initials (zsf for 张三丰), the whole pinyin (zhangsanfeng) and the phone's
last four digits of residents, units and users, indexed per community, filled in for the rows already there.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

from app.core.search import initials, key_column, phone_tail, pinyin

# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

# table → (key column, source column, function)
KEYS = {
    "residents": (("name_initials", "name", initials, 40), ("name_pinyin", "name", pinyin, 200),
                  ("phone_tail", "phone", phone_tail, 4)),
    "units": (("name_initials", "name", initials, 40), ("name_pinyin", "name", pinyin, 200)),
    "users": (("name_initials", "name", initials, 40), ("name_pinyin", "name", pinyin, 200),
              ("phone_tail", "phone", phone_tail, 4)),
}
TENANT_TABLES = ("residents", "units")  # under forced row-level security on PostgreSQL


def _backfill(table: str) -> None:
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    if postgres and table in TENANT_TABLES:  # the owner is held by the policy too while it is forced
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
    keys = KEYS[table]
    sources = sorted({source for _key, source, _fn, _n in keys})
    rows = bind.execute(sa.text(f"SELECT id, {', '.join(sources)} FROM {table}")).mappings().all()
    updates = [{"row_id": row["id"], **{key: fn(row[source]) for key, source, fn, _n in keys}} for row in rows]
    if updates:
        assignments = ", ".join(f"{key} = :{key}" for key, _source, _fn, _n in keys)
        bind.execute(sa.text(f"UPDATE {table} SET {assignments} WHERE id = :row_id"), updates)
    if postgres and table in TENANT_TABLES:
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")


def upgrade():
    for table, keys in KEYS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for key, _source, _fn, length in keys:
                batch_op.add_column(sa.Column(key, key_column(length), nullable=False, server_default=""))
        _backfill(table)
    with op.batch_alter_table("residents", schema=None) as batch_op:
        batch_op.create_index("ix_residents_community_initials", ["community_id", "name_initials"], unique=False)
        batch_op.create_index("ix_residents_community_pinyin", ["community_id", "name_pinyin"], unique=False)
        batch_op.create_index("ix_residents_community_phone_tail", ["community_id", "phone_tail"], unique=False)
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.create_index("ix_units_community_initials", ["community_id", "name_initials"], unique=False)
        batch_op.create_index("ix_units_community_pinyin", ["community_id", "name_pinyin"], unique=False)
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_name_initials"), ["name_initials"], unique=False)
        batch_op.create_index(batch_op.f("ix_users_name_pinyin"), ["name_pinyin"], unique=False)
        batch_op.create_index(batch_op.f("ix_users_phone_tail"), ["phone_tail"], unique=False)


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_phone_tail"))
        batch_op.drop_index(batch_op.f("ix_users_name_pinyin"))
        batch_op.drop_index(batch_op.f("ix_users_name_initials"))
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.drop_index("ix_units_community_pinyin")
        batch_op.drop_index("ix_units_community_initials")
    with op.batch_alter_table("residents", schema=None) as batch_op:
        batch_op.drop_index("ix_residents_community_phone_tail")
        batch_op.drop_index("ix_residents_community_pinyin")
        batch_op.drop_index("ix_residents_community_initials")
    for table, keys in reversed(list(KEYS.items())):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for key, _source, _fn, _n in reversed(keys):
                batch_op.drop_column(key)
