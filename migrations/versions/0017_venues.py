"""Venues that units lend, their closed periods, bookings and one row per occurrence; the existing venue
offers become venues (one concept: the offer is what matching reads, the venue its calendar).

Confirmed occurrences of a venue never overlap: on PostgreSQL an exclusion constraint over the occupied range
(btree_gist, a trusted extension the database owner may create), on SQLite triggers that refuse the row.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

from tenants import rls

# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

TABLES = ('booking_occurrences', 'bookings', 'venue_closures', 'venues')

# The same test in both triggers: another confirmed occurrence of the venue whose range meets this one's
# (ranges are half-open: one that ends at 10:00 and one that starts at 10:00 do not overlap).
_SQLITE_OVERLAP = """
    SELECT RAISE(ABORT, 'booking_overlap') WHERE EXISTS (
        SELECT 1 FROM booking_occurrences o
        WHERE o.community_id = NEW.community_id AND o.venue_id = NEW.venue_id AND o.status = 'confirmed'
          AND o.id IS NOT NEW.id AND o.starts_at < NEW.ends_at AND o.ends_at > NEW.starts_at);
"""


def _fk(table, columns, target, ondelete='CASCADE'):
    return sa.ForeignKeyConstraint(
        ['community_id', *columns], [f'{target}.community_id', f'{target}.id'],
        name=op.f(f"fk_{table}_community_id_{'_'.join(columns)}_{target}"), ondelete=ondelete)


def _community(table):
    return sa.ForeignKeyConstraint(['community_id'], ['communities.id'],
                                   name=op.f(f'fk_{table}_community_id_communities'), ondelete='CASCADE')


def _keys(table):
    return (sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{table}')),
            sa.UniqueConstraint('community_id', 'id', name=op.f(f'uq_{table}_community_id_id')))


def upgrade():
    rls.create_tenant_table(
        op, 'venues',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('offer_id', sa.Integer(), nullable=True),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('capacity', sa.Integer(), nullable=False),
        sa.Column('hours', sa.JSON(), nullable=False),
        sa.Column('needs_confirmation', sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column('book_ahead_days', sa.Integer(), nullable=False),
        sa.Column('step_free', sa.Boolean(), nullable=False),
        sa.Column('accessible_toilet', sa.Boolean(), nullable=False),
        sa.Column('lift', sa.Boolean(), nullable=False),
        sa.Column('hearing_loop', sa.Boolean(), nullable=False),
        sa.Column('accessibility_note', sa.String(length=500), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('community_id', sa.Integer(), nullable=False),
        _fk('venues', ['unit_id'], 'units'),
        _fk('venues', ['offer_id'], 'offers', ondelete='SET NULL'),
        _community('venues'),
        *_keys('venues'),
        sa.UniqueConstraint('offer_id', name=op.f('uq_venues_offer_id')),
    )
    with op.batch_alter_table('venues', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_venues_community_id'), ['community_id'], unique=False)
        batch_op.create_index('ix_venues_unit', ['community_id', 'unit_id'], unique=False)

    rls.create_tenant_table(
        op, 'venue_closures',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('venue_id', sa.Integer(), nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('ends_on', sa.Date(), nullable=False),
        sa.Column('reason', sa.String(length=200), nullable=False),
        sa.Column('community_id', sa.Integer(), nullable=False),
        _fk('venue_closures', ['venue_id'], 'venues'),
        _community('venue_closures'),
        *_keys('venue_closures'),
    )
    with op.batch_alter_table('venue_closures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_venue_closures_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_venue_closures_venue_id'), ['venue_id'], unique=False)

    rls.create_tenant_table(
        op, 'bookings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('venue_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=True),
        sa.Column('requested_by_id', sa.Integer(), nullable=True),
        sa.Column('purpose', sa.String(length=200), nullable=False),
        sa.Column('recurrence', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('community_id', sa.Integer(), nullable=False),
        _fk('bookings', ['venue_id'], 'venues'),
        _fk('bookings', ['unit_id'], 'units', ondelete='SET NULL'),
        _community('bookings'),
        sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_bookings_requested_by_id_users'),
                                ondelete='SET NULL'),
        *_keys('bookings'),
    )
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bookings_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bookings_venue_id'), ['venue_id'], unique=False)

    rls.create_tenant_table(
        op, 'booking_occurrences',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('booking_id', sa.Integer(), nullable=False),
        sa.Column('venue_id', sa.Integer(), nullable=False),
        sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('community_id', sa.Integer(), nullable=False),
        _fk('booking_occurrences', ['booking_id'], 'bookings'),
        _fk('booking_occurrences', ['venue_id'], 'venues'),
        _community('booking_occurrences'),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'],
                                name=op.f('fk_booking_occurrences_decided_by_id_users'), ondelete='SET NULL'),
        sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_booking_occurrences_ends_after_start')),
        *_keys('booking_occurrences'),
    )
    with op.batch_alter_table('booking_occurrences', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_booking_occurrences_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_booking_occurrences_booking_id'), ['booking_id'], unique=False)
        batch_op.create_index('ix_booking_occurrences_venue_time', ['community_id', 'venue_id', 'starts_at'],
                              unique=False)

    if op.get_bind().dialect.name == 'postgresql':
        op.execute('CREATE EXTENSION IF NOT EXISTS btree_gist')
        op.execute("ALTER TABLE booking_occurrences ADD CONSTRAINT booking_occurrences_no_overlap "
                   "EXCLUDE USING gist (venue_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) "
                   "WHERE (status = 'confirmed')")
    else:
        op.execute("CREATE TRIGGER booking_occurrences_no_overlap_insert BEFORE INSERT ON booking_occurrences "
                   f"WHEN NEW.status = 'confirmed' BEGIN {_SQLITE_OVERLAP} END")
        op.execute("CREATE TRIGGER booking_occurrences_no_overlap_update "
                   "BEFORE UPDATE OF status, starts_at, ends_at, venue_id ON booking_occurrences "
                   f"WHEN NEW.status = 'confirmed' BEGIN {_SQLITE_OVERLAP} END")

    _venues_from_offers()


def _venues_from_offers():
    """Each offer of kind venue becomes a venue of its unit: its title, capacity, weekly pattern as the hours,
    its closed days as closed periods of one day. Bookings need the owner's confirmation, as requests did.
    On PostgreSQL the owner is subject to the forced row-level policies too: they are lifted for this step."""
    postgres = op.get_bind().dialect.name == 'postgresql'
    copied = ('offers', 'offer_closures', 'venues', 'venue_closures')
    if postgres:
        for table in copied:
            op.execute(f'ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY')
    op.execute(
        "INSERT INTO venues (community_id, unit_id, offer_id, name, description, capacity, hours, "
        "needs_confirmation, book_ahead_days, step_free, accessible_toilet, lift, hearing_loop, "
        "accessibility_note, status, created_at) "
        "SELECT community_id, unit_id, id, title, description, capacity, weekly, true, 180, false, false, false, "
        "false, '', CASE WHEN status = 'ended' THEN 'retired' ELSE 'active' END, created_at "
        "FROM offers WHERE kind = 'venue'")
    op.execute(
        "INSERT INTO venue_closures (community_id, venue_id, starts_on, ends_on, reason) "
        "SELECT c.community_id, v.id, c.day, c.day, c.note FROM offer_closures c "
        "JOIN venues v ON v.community_id = c.community_id AND v.offer_id = c.offer_id")
    if postgres:
        for table in copied:
            op.execute(f'ALTER TABLE {table} FORCE ROW LEVEL SECURITY')


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        op.execute('DROP TRIGGER IF EXISTS booking_occurrences_no_overlap_insert')
        op.execute('DROP TRIGGER IF EXISTS booking_occurrences_no_overlap_update')
    for table in TABLES:
        rls.disable(op, table)
        op.drop_table(table)
