"""Follow-ups indexed in their list's order

The follow-up list is ordered by due date, then id. With an index on `due_on` alone, page 500
of it fetched 25,000 rows from the table to read their ids and sorted every day's follow-ups
by id (48 ms at `--scale large`); an index on `(due_on, id)` holds the whole order, so the
late row lookup's offset walks index entries only. It replaces the `due_on` index, whose
queries it serves as well.

Revision ID: 0018
Revises: 0017
"""

from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_follow_ups_due_order', 'follow_ups', ['due_on', 'id'])
    op.drop_index('ix_follow_ups_due_on', table_name='follow_ups')


def downgrade():
    op.create_index('ix_follow_ups_due_on', 'follow_ups', ['due_on'])
    op.drop_index('ix_follow_ups_due_order', table_name='follow_ups')
