"""PostgreSQL plans each statement for its own parameters; the flag list's order indexed

psycopg prepares a statement on the server after its fifth run, and PostgreSQL may then switch
to a generic plan that ignores the parameters' values. For the client search that plan is a
sequential scan of the registry: an MRN prefix or a name part can only use the btree prefix
and trigram indexes when the planner sees the pattern (measured on 100k clients: 0.5 ms with
the value, 88 ms generic). `force_custom_plan` keeps the prepared statement (no re-parsing)
and plans it for the values given each time. Set on the database, like migration 0014's JIT
setting, so pooled, pgbouncer-shared and standby connections all have it. SQLite: nothing.

`ix_flags_severity_order` (both databases): the cross-client flag list's order (urgent first,
then warning, then the rest; oldest first), so its first page is read from the index instead
of sorting every flag of the centre. The expression is `intake.flags.models.SEVERITY_ORDER`.

Revision ID: 0015
Revises: 0014
"""

from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def _set(value):
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute(
        "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET plan_cache_mode = ' || "
        f"'{value}', current_database()); END $$"
    )


SEVERITY = "(CASE severity WHEN 'urgent' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END)"


def upgrade():
    _set('force_custom_plan')
    op.execute(f'CREATE INDEX ix_flags_severity_order ON flags ({SEVERITY}, raised_at, id)')


def downgrade():
    op.execute('DROP INDEX ix_flags_severity_order')
    _set('auto')
