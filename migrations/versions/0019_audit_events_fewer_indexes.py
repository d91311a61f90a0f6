"""audit_events without the indexes its composite indexes repeat

Reviewed by hand. Every request writes an audit row, and each row was entered in six
b-trees. Two of them, `ix_audit_events_actor_id (actor_id)` and `ix_audit_events_client_id
(client_id)`, are the leading columns of `ix_audit_events_actor_order (actor_id, id)` and
`ix_audit_events_client_order (client_id, id)`, which serve every lookup they served (an
equality on the actor or the client, with or without the id order). Dropping them leaves
four index entries per row: less CPU and WAL per audited request (PostgreSQL's CPU per
audited case read, bench.run (b) at `--scale large`: 0.55 → 0.51 ms) and a smaller trail.

On PostgreSQL the indexes are on the partitioned parent: dropping one drops it on every
partition; the downgrade creates them on the parent again, and so on every partition.
SQLite: the same two indexes, dropped and recreated alike.

Revision ID: 0019
Revises: 0018
"""

from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

REPEATED = (
    ('ix_audit_events_actor_id', 'actor_id'),
    ('ix_audit_events_client_id', 'client_id'),
)


def upgrade():
    for name, _column in REPEATED:
        op.drop_index(name, table_name='audit_events')


def downgrade():
    for name, column in REPEATED:
        op.create_index(name, 'audit_events', [column])
