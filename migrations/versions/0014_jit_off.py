"""PostgreSQL's JIT compiler off for this database; partial indexes for my day

- JIT off: the reports' statements cost enough for PostgreSQL to JIT-compile them, and
  compiling took far longer than running them (bench/: seconds at 100k clients). The reports
  used to say `SET LOCAL jit = off` in their own transaction; reads now run without a
  transaction block (core.app `_autocommit_reads`), where SET LOCAL does nothing, and a
  session-level SET would outlive the request on a pooled or pgbouncer-shared connection. So
  the database itself says so, for every connection, the standby's included.
- `ix_assessments_drafts_updated` (assessments in progress, newest first) and
  `ix_flags_urgent_unacknowledged` (the work queue's urgent flags nobody has acknowledged),
  both partial: they hold only the few rows my day lists, however long the history.

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

DRAFTS = "status = 'draft'"
URGENT_UNACKNOWLEDGED = "status = 'active' AND severity = 'urgent' AND acknowledged_at IS NULL"


def _set_jit(value):
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute(
        "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET jit = ' || "
        f"'{value}', current_database()); END $$"
    )


def upgrade():
    _set_jit('off')
    op.create_index(
        'ix_assessments_drafts_updated', 'assessments', ['updated_at'],
        sqlite_where=sa.text(DRAFTS), postgresql_where=sa.text(DRAFTS),
    )  # fmt: skip
    op.create_index(
        'ix_flags_urgent_unacknowledged', 'flags', ['raised_at'],
        sqlite_where=sa.text(URGENT_UNACKNOWLEDGED),
        postgresql_where=sa.text(URGENT_UNACKNOWLEDGED),
    )  # fmt: skip


def downgrade():
    op.drop_index('ix_flags_urgent_unacknowledged', table_name='flags')
    op.drop_index('ix_assessments_drafts_updated', table_name='assessments')
    _set_jit('on')
