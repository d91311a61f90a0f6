"""audit_events partitioned by month (PostgreSQL)

Reviewed by hand. On PostgreSQL `audit_events` becomes a table PARTITIONED BY RANGE
(occurred_at), one partition per calendar month in UTC (`audit_partitions.audit_events_YYYY_MM`,
in a schema of their own so the public schema still lists one table), plus a DEFAULT
partition (`audit_partitions.audit_events_default`) so an insert never fails. The partitions
cover every month from the oldest row to three months past the current one; later months are
added by `core.audit_partitions.ensure_partitions` (daily task, `flask audit-partitions`),
through the function `audit_events_add_partition(month)` created here.

- The primary key becomes (id, occurred_at): PostgreSQL requires the partition key in it. The
  id sequence is kept (moved from the old table to the new one), so ids continue.
- The indexes are those of the model, on the partitioned parent (so on every partition).
- The append-only triggers: the row trigger refusing UPDATE and DELETE is on the parent, which
  PostgreSQL clones onto every partition, present and future; TRUNCATE triggers are statement
  triggers and are not cloned, so the parent has one and `audit_events_add_partition` gives
  each partition its own (ensure_partitions also repairs a partition attached by hand).
- The rows are copied to the new table and the old one dropped, in this one transaction
  (ACCESS EXCLUSIVE lock on audit_events meanwhile; writes wait).

Downgrade copies every row back to a plain table (primary key id, same sequence, indexes and
triggers). SQLite: nothing changes, both ways.

Revision ID: 0013
Revises: 0012
"""

from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

SCHEMA = 'audit_partitions'
INDEXES = (
    ('ix_audit_events_occurred_at', 'occurred_at'),
    ('ix_audit_events_actor_id', 'actor_id'),
    ('ix_audit_events_client_id', 'client_id'),
    ('ix_audit_events_client_order', 'client_id, id'),
    ('ix_audit_events_actor_order', 'actor_id, id'),
)
NO_TRUNCATE = (
    "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON {table} "
    "FOR EACH STATEMENT EXECUTE FUNCTION refuse_change()"
)
# month: any day of it. Returns 'created', 'exists', or 'blocked' when the DEFAULT partition
# holds rows of that month (see docs/audit.md: `flask audit-partitions --adopt-default`).
ADD_PARTITION = f"""
CREATE OR REPLACE FUNCTION audit_events_add_partition(month date) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    first date := date_trunc('month', month)::date;
    name text := 'audit_events_' || to_char(first, 'YYYY_MM');
    low text := to_char(first, 'YYYY-MM-DD') || ' 00:00:00+00';
    high text := to_char((first + interval '1 month')::date, 'YYYY-MM-DD') || ' 00:00:00+00';
    blocked boolean;
BEGIN
    IF to_regclass('{SCHEMA}.' || quote_ident(name)) IS NOT NULL THEN
        RETURN 'exists';
    END IF;
    IF to_regclass('{SCHEMA}.audit_events_default') IS NOT NULL THEN
        EXECUTE 'SELECT EXISTS (SELECT 1 FROM {SCHEMA}.audit_events_default '
            'WHERE occurred_at >= $1::timestamptz AND occurred_at < $2::timestamptz)'
            INTO blocked USING low, high;
        IF blocked THEN
            RETURN 'blocked';
        END IF;
    END IF;
    EXECUTE format(
        'CREATE TABLE {SCHEMA}.%I PARTITION OF audit_events FOR VALUES FROM (%L) TO (%L)',
        name, low, high
    );
    EXECUTE format('{NO_TRUNCATE.format(table=SCHEMA + '.%I')}', name);
    RETURN 'created';
END $$
"""  # fmt: skip


def postgresql():
    return op.get_bind().dialect.name == 'postgresql'


def attach_sequence():
    """The old table's sequence, owned by the new table's id, continuing past every id."""
    op.execute('ALTER SEQUENCE audit_events_id_seq OWNED BY audit_events.id')
    op.execute(
        "SELECT setval('audit_events_id_seq', max(id)) FROM audit_events "
        "HAVING max(id) > (SELECT last_value FROM audit_events_id_seq)"
    )


def set_aside_old_table(new_name):
    """Rename audit_events, drop its keys and indexes (their names are reused)."""
    op.execute('LOCK TABLE audit_events IN ACCESS EXCLUSIVE MODE')
    op.execute('ALTER SEQUENCE audit_events_id_seq OWNED BY NONE')
    op.execute(f'ALTER TABLE audit_events RENAME TO {new_name}')
    op.execute(f'ALTER TABLE {new_name} DROP CONSTRAINT pk_audit_events')
    for name, _columns in INDEXES:
        op.execute(f'DROP INDEX IF EXISTS {name}')


def keys_indexes_and_triggers(primary_key):
    op.execute(
        f'ALTER TABLE audit_events ADD CONSTRAINT pk_audit_events PRIMARY KEY ({primary_key})'
    )
    for name, columns in INDEXES:
        op.execute(f'CREATE INDEX {name} ON audit_events ({columns})')
    op.execute(
        "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
        "FOR EACH ROW EXECUTE FUNCTION refuse_change()"
    )
    op.execute(NO_TRUNCATE.format(table='audit_events'))


def create_partitions():
    """Every month from the oldest row's to three past the current one (UTC), and DEFAULT."""
    op.execute(ADD_PARTITION)
    op.execute(
        "SELECT audit_events_add_partition(month::date) FROM generate_series("
        "date_trunc('month', coalesce((SELECT min(occurred_at) FROM audit_events_unpartitioned),"
        " now()) AT TIME ZONE 'UTC'), "
        "date_trunc('month', GREATEST((SELECT max(occurred_at) FROM audit_events_unpartitioned),"
        " now() + interval '3 months') AT TIME ZONE 'UTC'), "
        "interval '1 month') AS month"
    )
    op.execute(f'CREATE TABLE {SCHEMA}.audit_events_default PARTITION OF audit_events DEFAULT')
    op.execute(NO_TRUNCATE.format(table=f'{SCHEMA}.audit_events_default'))


def upgrade():
    if not postgresql():
        return
    op.execute(f'CREATE SCHEMA IF NOT EXISTS {SCHEMA}')
    set_aside_old_table('audit_events_unpartitioned')
    op.execute(
        'CREATE TABLE audit_events (LIKE audit_events_unpartitioned INCLUDING DEFAULTS) '
        'PARTITION BY RANGE (occurred_at)'
    )
    create_partitions()
    op.execute('INSERT INTO audit_events SELECT * FROM audit_events_unpartitioned')
    op.execute('DROP TABLE audit_events_unpartitioned')
    attach_sequence()
    keys_indexes_and_triggers('id, occurred_at')


def downgrade():
    if not postgresql():
        return
    set_aside_old_table('audit_events_partitioned')
    op.execute('CREATE TABLE audit_events (LIKE audit_events_partitioned INCLUDING DEFAULTS)')
    op.execute('INSERT INTO audit_events SELECT * FROM audit_events_partitioned')
    op.execute('DROP TABLE audit_events_partitioned')  # and its partitions
    op.execute('DROP FUNCTION audit_events_add_partition(date)')
    attach_sequence()
    keys_indexes_and_triggers('id')
    # a partition detached by an operator (cold storage) stays, and so does its schema.
    op.execute(
        f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n "
        f"ON n.oid = c.relnamespace WHERE n.nspname = '{SCHEMA}') "
        f"THEN DROP SCHEMA IF EXISTS {SCHEMA}; END IF; END $$"
    )
