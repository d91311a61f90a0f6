"""multi-factor authentication: TOTP factors, recovery codes, two credential kinds

Reviewed by hand: `mfa_totp` (one authenticator per user: the base32 secret, when enrolment
was confirmed, the last 30-second step used), `mfa_recovery_codes` (argon2id hashes, each used
once). Two new credential kinds, `enrolment` (an enrolment-only session) and `mfa_pending` (the
web sign-in waiting for the code): the CHECK on `credentials.kind` is replaced as in 0008
(SQLite rebuilds the table; `credentials` has no triggers). Downgrade drops the two tables and
the credentials of the new kinds (an enrolment-only or pending session does not survive it),
then restores the old CHECK.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 11:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import core.db

CREDENTIAL_CHECK = 'ck_credentials_credentialkind'
OLD_KINDS = ('cookie', 'bearer', 'calendar')
NEW_KINDS = ('cookie', 'bearer', 'calendar', 'enrolment', 'mfa_pending')


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def set_credential_kinds(kinds):
    """Replace the CHECK constraint on credentials.kind."""
    condition = "kind IN (" + ", ".join(f"'{k}'" for k in kinds) + ")"
    with op.batch_alter_table('credentials') as batch_op:
        batch_op.drop_constraint(op.f(CREDENTIAL_CHECK), type_='check')
        batch_op.create_check_constraint('credentialkind', sa.text(condition))


def upgrade():
    set_credential_kinds(NEW_KINDS)
    op.create_table('mfa_totp',
    sa.Column('user_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('secret', sa.String(length=64), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_used_step', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_mfa_totp_user_id_users')),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_mfa_totp'))
    )
    op.create_table('mfa_recovery_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=255), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_mfa_recovery_codes_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mfa_recovery_codes'))
    )
    with op.batch_alter_table('mfa_recovery_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mfa_recovery_codes_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('mfa_recovery_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mfa_recovery_codes_user_id'))
    op.drop_table('mfa_recovery_codes')
    op.drop_table('mfa_totp')

    op.execute("DELETE FROM credentials WHERE kind IN ('enrolment', 'mfa_pending')")
    set_credential_kinds(OLD_KINDS)
