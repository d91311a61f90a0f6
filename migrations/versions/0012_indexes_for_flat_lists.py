"""Indexes that keep lists flat as history grows

- `ix_clients_name_order`: the registry's order (last name, first name, id), so a page — the
  first or the 500th — is read from the index instead of sorting every client.
- PostgreSQL only: `pg_trgm` and two trigram (GIN) indexes on the lowered "first last" and
  "last first" names, so a name part anywhere in the name is found without scanning; an
  MRN-prefix index (`text_pattern_ops`). The expressions are exactly those of
  `intake.clients.models` (FIRST_LAST, LAST_FIRST, MRN_LOWER). SQLite keeps scanning: the
  same answers on a small database.
- `ix_flags_active_psychiatric`: the dual-diagnosis test per client (partial: active
  psychiatric flags only).
- `ix_cases_opened_order` (the case list, newest first) and `ix_cases_discharge_date` (the
  outcome report's window).
- `ix_audit_events_client_order`, `ix_audit_events_actor_order`: the audit trail of one
  client, or of one person, newest first.

`flask db migrate` would propose dropping the PostgreSQL-only ones: leave those lines out
(tests/test_migrations.py filters them by `POSTGRESQL_ONLY_INDEXES`). Downgrade drops them
(and leaves the pg_trgm extension, which other databases' objects may use).

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

PSYCHIATRIC = "status = 'active' AND category = 'psychiatric'"
INDEXES = (
    ('ix_clients_name_order', 'clients', ['last_name', 'first_name', 'id']),
    ('ix_cases_opened_order', 'cases', ['opened_at', 'id']),
    ('ix_cases_discharge_date', 'cases', ['discharge_date']),
    ('ix_audit_events_client_order', 'audit_events', ['client_id', 'id']),
    ('ix_audit_events_actor_order', 'audit_events', ['actor_id', 'id']),
)
POSTGRESQL_ONLY = {
    'ix_clients_first_last_trgm':
        "clients USING gin (lower((first_name || ' ') || last_name) gin_trgm_ops)",
    'ix_clients_last_first_trgm':
        "clients USING gin (lower((last_name || ' ') || first_name) gin_trgm_ops)",
    'ix_clients_mrn_prefix': "clients (lower(mrn) text_pattern_ops)",
}  # fmt: skip


def upgrade():
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)
    op.create_index(
        'ix_flags_active_psychiatric', 'flags', ['client_id'],
        sqlite_where=sa.text(PSYCHIATRIC), postgresql_where=sa.text(PSYCHIATRIC),
    )  # fmt: skip
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
        for name, target in POSTGRESQL_ONLY.items():
            op.execute(f'CREATE INDEX {name} ON {target}')


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        for name in POSTGRESQL_ONLY:
            op.execute(f'DROP INDEX {name}')
    op.drop_index('ix_flags_active_psychiatric', table_name='flags')
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
