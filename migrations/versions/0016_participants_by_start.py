"""Session participations indexed by their start time

The caseload report's 30-day attendance read every participation the centre ever booked
(a sequential scan of 1M rows at `--scale large`) to keep the month's. Participations carry
their session's times (kept on every move, for the client-overlap check), so an index on
`starts_at` reads just the month.

Revision ID: 0016
Revises: 0015
"""

from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_session_participants_starts', 'session_participants', ['starts_at'])


def downgrade():
    op.drop_index('ix_session_participants_starts', table_name='session_participants')
