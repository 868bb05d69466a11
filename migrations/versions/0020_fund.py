"""The fund: accounts, a double-entry ledger in fen (transactions and lines) and its totals per account and month,
donations, expenses, the community's fund settings; the database's own guard of the ledger's two rules (see
`_guard_postgresql` and `_guard_sqlite`) and its own keeping of the totals (`_totals_postgresql`, `_totals_sqlite`).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

from tenants import rls


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

IMMUTABLE = "posted ledger entries are never changed or deleted: post a reversing entry"
TOTALS_KEPT = "ledger_month_totals are kept by the trigger on ledger_lines alone"


def _fk(cols, table, name):
    return sa.ForeignKeyConstraint(['community_id', *cols], [f'{table}.community_id', f'{table}.id'],
                                   name=op.f(name))


def upgrade():
    sqlite = op.get_bind().dialect.name == 'sqlite'
    rls.create_tenant_table(op, 'fund_accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("kind IN ('fund', 'income', 'expense')", name=op.f('ck_fund_accounts_kind')),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_fund_accounts_community_id_communities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fund_accounts')),
    sa.UniqueConstraint('community_id', 'id', name=op.f('uq_fund_accounts_community_id_id'))
    )
    with op.batch_alter_table('fund_accounts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fund_accounts_community_id'), ['community_id'], unique=False)
        batch_op.create_index('uq_fund_accounts_code', ['community_id', 'code'], unique=True)

    if sqlite:
        # SQLite has no deferred trigger: a transaction is balanced when this row exists for it (kept by the
        # lines' trigger), and every transaction's row must exist at commit (a deferred foreign key).
        op.create_table('ledger_balanced', sa.Column('transaction_id', sa.Integer(), primary_key=True))
    rls.create_tenant_table(op, 'ledger_transactions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('memo', sa.String(length=300), nullable=False),
    sa.Column('counterparty', sa.String(length=200), nullable=False),
    sa.Column('booked_on', sa.Date(), nullable=False),
    sa.Column('reverses_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_ledger_transactions_community_id_communities'), ondelete='CASCADE'),
    _fk(['reverses_id'], 'ledger_transactions', 'fk_ledger_transactions_community_id_reverses_id_ledger_transactions'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_ledger_transactions_created_by_id_users'), ondelete='SET NULL'),
    *([sa.ForeignKeyConstraint(['id'], ['ledger_balanced.transaction_id'], name='fk_ledger_transactions_balanced',
                               deferrable=True, initially='DEFERRED')] if sqlite else []),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_transactions')),
    sa.UniqueConstraint('community_id', 'id', name=op.f('uq_ledger_transactions_community_id_id'))
    )
    with op.batch_alter_table('ledger_transactions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_transactions_community_id'), ['community_id'], unique=False)
        batch_op.create_index('ix_ledger_transactions_booked', ['community_id', 'booked_on', 'id'], unique=False)
        batch_op.create_index('uq_ledger_transactions_reverses', ['reverses_id'], unique=True)

    rls.create_tenant_table(op, 'ledger_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('transaction_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('amount_fen <> 0', name=op.f('ck_ledger_lines_amount_not_zero')),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_ledger_lines_community_id_communities'), ondelete='CASCADE'),
    _fk(['transaction_id'], 'ledger_transactions', 'fk_ledger_lines_community_id_transaction_id_ledger_transactions'),
    _fk(['account_id'], 'fund_accounts', 'fk_ledger_lines_community_id_account_id_fund_accounts'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_lines')),
    sa.UniqueConstraint('community_id', 'id', name=op.f('uq_ledger_lines_community_id_id'))
    )
    with op.batch_alter_table('ledger_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_lines_community_id'), ['community_id'], unique=False)
        batch_op.create_index('ix_ledger_lines_balance', ['community_id', 'account_id', 'month', 'amount_fen'], unique=False)
        batch_op.create_index('ix_ledger_lines_transaction', ['community_id', 'transaction_id'], unique=False)

    # The lines' sums per account and month, kept by the database's own trigger on ledger_lines (see
    # `_totals_postgresql` and `_totals_sqlite`): what the balances read, a handful of rows per account.
    rls.create_tenant_table(op, 'ledger_month_totals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_ledger_month_totals_community_id_communities'), ondelete='CASCADE'),
    _fk(['account_id'], 'fund_accounts', 'fk_ledger_month_totals_community_id_account_id_fund_accounts'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_month_totals')),
    sa.UniqueConstraint('community_id', 'id', name=op.f('uq_ledger_month_totals_community_id_id'))
    )
    with op.batch_alter_table('ledger_month_totals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_month_totals_community_id'), ['community_id'], unique=False)
        batch_op.create_index('uq_ledger_month_totals', ['community_id', 'account_id', 'month'], unique=True)

    rls.create_tenant_table(op, 'fund_donations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('donor_kind', sa.String(length=10), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('donor_name', sa.String(length=200), nullable=False),
    sa.Column('anonymous', sa.Boolean(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.Column('receipt_no', sa.String(length=30), nullable=False),
    sa.Column('transaction_id', sa.Integer(), nullable=False),
    sa.Column('reversed', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('amount_fen > 0', name=op.f('ck_fund_donations_amount_positive')),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_fund_donations_community_id_communities'), ondelete='CASCADE'),
    _fk(['unit_id'], 'units', 'fk_fund_donations_community_id_unit_id_units'),
    _fk(['account_id'], 'fund_accounts', 'fk_fund_donations_community_id_account_id_fund_accounts'),
    _fk(['transaction_id'], 'ledger_transactions', 'fk_fund_donations_community_id_transaction_id_ledger_transactions'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_fund_donations_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fund_donations')),
    sa.UniqueConstraint('community_id', 'id', name=op.f('uq_fund_donations_community_id_id')),
    sa.UniqueConstraint('transaction_id', name=op.f('uq_fund_donations_transaction_id'))
    )
    with op.batch_alter_table('fund_donations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fund_donations_community_id'), ['community_id'], unique=False)
        batch_op.create_index('uq_fund_donations_receipt', ['community_id', 'receipt_no'], unique=True)
        batch_op.create_index('ix_fund_donations_unit', ['community_id', 'unit_id', 'received_on'], unique=False)

    rls.create_tenant_table(op, 'fund_expenses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('purpose', sa.String(length=300), nullable=False),
    sa.Column('payee', sa.String(length=200), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('spent_on', sa.Date(), nullable=False),
    sa.Column('link_type', sa.String(length=20), nullable=True),
    sa.Column('link_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('proposed_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_note', sa.String(length=500), nullable=False),
    sa.Column('ballot_id', sa.Integer(), nullable=True),
    sa.Column('paid_by_id', sa.Integer(), nullable=True),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('paid_transaction_id', sa.Integer(), nullable=True),
    sa.Column('refund_transaction_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('amount_fen > 0', name=op.f('ck_fund_expenses_amount_positive')),
    # Never approved by the one who proposed it (the service says so first; this is the last wall).
    sa.CheckConstraint('decided_by_id IS NULL OR proposed_by_id IS NULL OR decided_by_id <> proposed_by_id',
                       name=op.f('ck_fund_expenses_not_self_approved')),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_fund_expenses_community_id_communities'), ondelete='CASCADE'),
    _fk(['account_id'], 'fund_accounts', 'fk_fund_expenses_community_id_account_id_fund_accounts'),
    _fk(['paid_transaction_id'], 'ledger_transactions', 'fk_fund_expenses_community_id_paid_transaction_id_ledger_transactions'),
    _fk(['refund_transaction_id'], 'ledger_transactions', 'fk_fund_expenses_community_id_refund_transaction_id_ledger_transactions'),
    sa.ForeignKeyConstraint(['ballot_id'], ['ballots.id'], name=op.f('fk_fund_expenses_ballot_id_ballots'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['users.id'], name=op.f('fk_fund_expenses_proposed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_fund_expenses_decided_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['paid_by_id'], ['users.id'], name=op.f('fk_fund_expenses_paid_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fund_expenses')),
    sa.UniqueConstraint('community_id', 'id', name=op.f('uq_fund_expenses_community_id_id'))
    )
    with op.batch_alter_table('fund_expenses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fund_expenses_community_id'), ['community_id'], unique=False)
        batch_op.create_index('ix_fund_expenses_status', ['community_id', 'status', 'id'], unique=False)

    rls.create_tenant_table(op, 'fund_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ballot_threshold_fen', sa.BigInteger(), nullable=False),
    sa.Column('ballot_days', sa.Integer(), nullable=False),
    sa.Column('receipt_prefix', sa.String(length=10), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_fund_settings_community_id_communities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_fund_settings_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fund_settings')),
    sa.UniqueConstraint('community_id', 'id', name=op.f('uq_fund_settings_community_id_id'))
    )
    with op.batch_alter_table('fund_settings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fund_settings_community_id'), ['community_id'], unique=False)
        batch_op.create_index('uq_fund_settings_community', ['community_id'], unique=True)

    (_guard_sqlite if sqlite else _guard_postgresql)()
    (_totals_sqlite if sqlite else _totals_postgresql)()


def _guard_postgresql():
    # 1. Balanced: checked at COMMIT (a constraint trigger, deferred), once all lines of a transaction are in;
    #    a transaction without lines fails too. 2. Immutable: no UPDATE or DELETE of a posted row, except a
    #    cascade (a community removed as a whole) and the tables' owner (maintenance, the test suite's reset).
    op.execute("""
    CREATE FUNCTION ledger_transaction_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE tx integer := (to_jsonb(NEW) ->> TG_ARGV[0])::integer;  -- the transaction's id column
            community integer := NEW.community_id; total bigint; n integer;
    BEGIN
      SELECT COALESCE(SUM(amount_fen), 0), COUNT(*) INTO total, n FROM ledger_lines
        WHERE community_id = community AND transaction_id = tx;  -- ix_ledger_lines_transaction
      IF total <> 0 OR n < 2 THEN
        RAISE EXCEPTION 'ledger transaction % does not balance (% fen over % lines)', tx, total, n
          USING ERRCODE = 'check_violation';
      END IF;
      RETURN NULL;
    END $$""")
    op.execute("""
    CREATE FUNCTION ledger_entry_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' AND (pg_trigger_depth() > 1 OR current_user = (
          SELECT tableowner FROM pg_tables WHERE schemaname = TG_TABLE_SCHEMA AND tablename = TG_TABLE_NAME)) THEN
        RETURN OLD;
      END IF;
      RAISE EXCEPTION '%s' USING ERRCODE = 'object_not_in_prerequisite_state';
    END $$""" % IMMUTABLE)
    for table, column in (('ledger_lines', 'transaction_id'), ('ledger_transactions', 'id')):
        op.execute(f"CREATE CONSTRAINT TRIGGER {table}_balanced AFTER INSERT ON {table} DEFERRABLE INITIALLY "
                   f"DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_transaction_balanced('{column}')")
        op.execute(f"CREATE TRIGGER {table}_immutable BEFORE UPDATE OR DELETE ON {table} "
                   f"FOR EACH ROW EXECUTE FUNCTION ledger_entry_immutable()")


def _guard_sqlite():
    # Balanced: after each line, the transaction's `ledger_balanced` row exists exactly when its lines sum to
    # zero; the transaction's deferred foreign key to that row is checked at COMMIT, so a transaction whose lines
    # do not sum to zero (or that has none) cannot be committed, whatever wrote it. Immutable: no UPDATE; no
    # DELETE while the community exists (a community removed as a whole takes its ledger with it).
    op.execute("""
    CREATE TRIGGER ledger_lines_balanced AFTER INSERT ON ledger_lines BEGIN
      DELETE FROM ledger_balanced WHERE transaction_id = NEW.transaction_id;
      INSERT INTO ledger_balanced (transaction_id) SELECT NEW.transaction_id
        WHERE (SELECT SUM(amount_fen) FROM ledger_lines  -- ix_ledger_lines_transaction
               WHERE community_id = NEW.community_id AND transaction_id = NEW.transaction_id) = 0;
    END""")
    for table in ('ledger_lines', 'ledger_transactions'):
        op.execute(f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                   f"BEGIN SELECT RAISE(ABORT, '{IMMUTABLE}'); END")
        op.execute(f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
                   f"WHEN EXISTS (SELECT 1 FROM communities WHERE id = OLD.community_id) "
                   f"BEGIN SELECT RAISE(ABORT, '{IMMUTABLE}'); END")


def _totals_postgresql():
    # One upsert per INSERT statement on ledger_lines (a posting's lines come in one statement), from the rows it
    # added, in the order of the totals' key so that two postings lock the rows they share in the same order. It
    # runs as the inserting role under its tenant setting: the lines passed the policy, so their totals do too.
    # The totals are written by nothing else: a direct INSERT, UPDATE or DELETE (trigger depth 1) is refused;
    # the upsert inside the lines' trigger, a community's cascade and the owner's DELETE (maintenance, the test
    # suite's reset) are let through.
    op.execute("""
    CREATE FUNCTION ledger_month_totals_add() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO ledger_month_totals AS t (community_id, account_id, month, amount_fen)
        SELECT community_id, account_id, month, SUM(amount_fen) FROM added
        GROUP BY community_id, account_id, month ORDER BY community_id, account_id, month
      ON CONFLICT (community_id, account_id, month) DO UPDATE SET amount_fen = t.amount_fen + excluded.amount_fen;
      RETURN NULL;
    END $$""")
    op.execute("""
    CREATE FUNCTION ledger_month_totals_kept() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' AND (pg_trigger_depth() > 1 OR current_user = (
          SELECT tableowner FROM pg_tables WHERE schemaname = TG_TABLE_SCHEMA AND tablename = TG_TABLE_NAME)) THEN
        RETURN OLD;
      END IF;
      IF TG_OP <> 'DELETE' AND pg_trigger_depth() > 1 THEN
        RETURN NEW;
      END IF;
      RAISE EXCEPTION '%s' USING ERRCODE = 'object_not_in_prerequisite_state';
    END $$""" % TOTALS_KEPT)
    op.execute("CREATE TRIGGER ledger_lines_month_totals AFTER INSERT ON ledger_lines REFERENCING NEW TABLE AS added "
               "FOR EACH STATEMENT EXECUTE FUNCTION ledger_month_totals_add()")
    op.execute("CREATE TRIGGER ledger_month_totals_kept BEFORE INSERT OR UPDATE OR DELETE ON ledger_month_totals "
               "FOR EACH ROW EXECUTE FUNCTION ledger_month_totals_kept()")


def _totals_sqlite():
    # SQLite has neither statement triggers nor a trigger depth: each line adds itself to its total, and after
    # any write a total must equal the sum of its lines (ix_ledger_lines_balance), so a direct change that would
    # make it anything else is refused; no DELETE while the community exists.
    op.execute("""
    CREATE TRIGGER ledger_lines_month_totals AFTER INSERT ON ledger_lines BEGIN
      INSERT INTO ledger_month_totals (community_id, account_id, month, amount_fen)
        VALUES (NEW.community_id, NEW.account_id, NEW.month, NEW.amount_fen)
      ON CONFLICT (community_id, account_id, month)
        DO UPDATE SET amount_fen = ledger_month_totals.amount_fen + excluded.amount_fen;
    END""")
    differs = ("NEW.amount_fen IS NOT (SELECT SUM(amount_fen) FROM ledger_lines WHERE community_id = "
               "NEW.community_id AND account_id = NEW.account_id AND month = NEW.month)")
    op.execute(f"CREATE TRIGGER ledger_month_totals_insert AFTER INSERT ON ledger_month_totals WHEN {differs} "
               f"BEGIN SELECT RAISE(ABORT, '{TOTALS_KEPT}'); END")
    op.execute(f"CREATE TRIGGER ledger_month_totals_update AFTER UPDATE ON ledger_month_totals WHEN {differs} "
               f"OR NEW.id IS NOT OLD.id OR NEW.community_id IS NOT OLD.community_id "
               f"OR NEW.account_id IS NOT OLD.account_id OR NEW.month IS NOT OLD.month "
               f"BEGIN SELECT RAISE(ABORT, '{TOTALS_KEPT}'); END")
    op.execute(f"CREATE TRIGGER ledger_month_totals_delete BEFORE DELETE ON ledger_month_totals "
               f"WHEN EXISTS (SELECT 1 FROM communities WHERE id = OLD.community_id) "
               f"BEGIN SELECT RAISE(ABORT, '{TOTALS_KEPT}'); END")


def downgrade():
    sqlite = op.get_bind().dialect.name == 'sqlite'
    if sqlite:
        for trigger in ('ledger_lines_month_totals', 'ledger_month_totals_insert', 'ledger_month_totals_update',
                        'ledger_month_totals_delete'):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    else:
        op.execute("DROP TRIGGER IF EXISTS ledger_lines_month_totals ON ledger_lines")
        op.execute("DROP TRIGGER IF EXISTS ledger_month_totals_kept ON ledger_month_totals")
        op.execute("DROP FUNCTION IF EXISTS ledger_month_totals_add()")
        op.execute("DROP FUNCTION IF EXISTS ledger_month_totals_kept()")
    for table in ('ledger_lines', 'ledger_transactions'):
        if sqlite:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_immutable ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_balanced ON {table}")
    if sqlite:
        op.execute("DROP TRIGGER IF EXISTS ledger_lines_balanced")
    else:
        op.execute("DROP FUNCTION IF EXISTS ledger_entry_immutable()")
        op.execute("DROP FUNCTION IF EXISTS ledger_transaction_balanced()")
    for table in ('fund_settings', 'fund_expenses', 'fund_donations', 'ledger_month_totals', 'ledger_lines',
                  'ledger_transactions', 'fund_accounts'):
        rls.disable(op, table)
        op.drop_table(table)
    if sqlite:
        op.drop_table('ledger_balanced')
