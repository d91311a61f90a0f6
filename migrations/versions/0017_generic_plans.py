"""Prepared statements may use generic plans again

Migration 0015 made PostgreSQL plan every statement for its values
(`plan_cache_mode = force_custom_plan`), for one query: the client search, whose generic
plan could not see a bound LIKE pattern and scanned the registry. It cost every other
statement its plan on each run: planning the audited read of a case took 1.1 ms against
0.3 ms to execute it, measured at `--scale large`, most of the database's CPU per request.
The search now writes its patterns into the statement as literals
(`intake.clients.service._pattern`), so the default (`auto`: generic once it is no worse)
serves everything. SQLite: nothing.

Revision ID: 0017
Revises: 0016
"""

from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def _set(value):
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute(
        "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET plan_cache_mode = ' || "
        f"'{value}', current_database()); END $$"
    )


def upgrade():
    _set('auto')


def downgrade():
    _set('force_custom_plan')
