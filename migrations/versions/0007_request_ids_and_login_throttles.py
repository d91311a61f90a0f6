"""client request ids beside the server's, one login throttle row per email

Reviewed by hand: `audit_events.client_request_id` keeps a client's well-formed
`X-Request-ID` beside the server's own `request_id` (plain ADD/DROP COLUMN on both databases:
a batch rebuild on SQLite would drop the append-only triggers). `login_throttles` replaces
`login_failures` and `login_lockouts`: one row per submitted email, locked while an attempt is
counted, so parallel attempts cannot all pass under the limit. Lockouts in force are carried
over (both ways); failure counts below the limit start again from zero.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 10:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

import core.db


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('audit_events', sa.Column('client_request_id', sa.String(length=36), nullable=True))

    op.create_table('login_throttles',
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('window_started_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('locked_until', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('email', name=op.f('pk_login_throttles'))
    )
    op.execute(
        "INSERT INTO login_throttles (email, failures, window_started_at, locked_until) "
        "SELECT email, 0, locked_until, locked_until FROM login_lockouts"
    )
    op.drop_table('login_lockouts')
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.drop_index('ix_login_failures_email_failed_at')
    op.drop_table('login_failures')


def downgrade():
    op.create_table('login_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('failed_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failures'))
    )
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.create_index('ix_login_failures_email_failed_at', ['email', 'failed_at'], unique=False)
    op.create_table('login_lockouts',
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('locked_until', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('email', name=op.f('pk_login_lockouts'))
    )
    op.execute(
        "INSERT INTO login_lockouts (email, locked_until) "
        "SELECT email, locked_until FROM login_throttles WHERE locked_until IS NOT NULL"
    )
    op.drop_table('login_throttles')

    if op.get_bind().dialect.name == 'sqlite':
        # SQLite >= 3.35 drops a column in place, keeping the table's triggers.
        op.execute('ALTER TABLE audit_events DROP COLUMN client_request_id')
    else:
        op.drop_column('audit_events', 'client_request_id')
