"""42 CFR Part 2: consents, disclosures, emergency access

Reviewed by hand: `consents` (the elements of §2.31; never edited, revocation recorded on the
row), `disclosures` (the accounting of disclosures: under a consent, or in a medical emergency
without one, exactly one of the two), `emergency_access_grants` (break the glass: the reason
and the manager's review). The access a grant gives is a caseload membership of the new kind
`emergency`, written with its end (the CHECK on `caseload_memberships.kind` is replaced as in
0003). Downgrade drops the three tables and the emergency memberships (no emergency access
survives it), then restores the old CHECK.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 12:10:00.000000

"""
from alembic import op
import sqlalchemy as sa

import core.db

MEMBERSHIP_CHECK = 'ck_caseload_memberships_membershipkind'
OLD_KINDS = ('primary', 'care_team', 'aftercare')
NEW_KINDS = ('primary', 'care_team', 'aftercare', 'emergency')


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def set_membership_kinds(kinds):
    """Replace the CHECK constraint on caseload_memberships.kind."""
    condition = "kind IN (" + ", ".join(f"'{k}'" for k in kinds) + ")"
    with op.batch_alter_table('caseload_memberships') as batch_op:
        batch_op.drop_constraint(op.f(MEMBERSHIP_CHECK), type_='check')
        batch_op.create_check_constraint('membershipkind', sa.text(condition))


def upgrade():
    set_membership_kinds(NEW_KINDS)
    op.create_table('consents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('discloser', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.Enum('tpo', 'specific', name='consentkind', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('recipient_name', sa.String(length=200), nullable=True),
    sa.Column('recipient_class', sa.String(length=200), nullable=True),
    sa.Column('purpose', sa.String(length=500), nullable=False),
    sa.Column('information', sa.JSON(), nullable=False),
    sa.Column('counselling_notes', sa.Boolean(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('expiry_event', sa.String(length=500), nullable=True),
    sa.Column('signed_on', sa.Date(), nullable=False),
    sa.Column('signature_method', sa.Enum('wet', 'typed', 'electronic', name='signaturemethod', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('signed_by', sa.String(length=200), nullable=False),
    sa.Column('recorded_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('revoked_on', sa.Date(), nullable=True),
    sa.Column('revoke_reason', sa.Text(), nullable=True),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.Column('revoked_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('expires_on IS NOT NULL OR expiry_event IS NOT NULL', name=op.f('ck_consents_expiry')),
    sa.CheckConstraint('recipient_name IS NOT NULL OR recipient_class IS NOT NULL', name=op.f('ck_consents_recipient')),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_consents_client_id_clients')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_consents_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['users.id'], name=op.f('fk_consents_revoked_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consents'))
    )
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consents_client_id'), ['client_id'], unique=False)

    op.create_table('disclosures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('consent_id', sa.Integer(), nullable=True),
    sa.Column('disclosed_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('disclosed_by_id', sa.Integer(), nullable=False),
    sa.Column('recipient_name', sa.String(length=200), nullable=False),
    sa.Column('recipient_class', sa.String(length=200), nullable=True),
    sa.Column('recipient_affiliation', sa.String(length=200), nullable=True),
    sa.Column('purpose', sa.String(length=500), nullable=True),
    sa.Column('information', sa.JSON(), nullable=False),
    sa.Column('counselling_notes', sa.Boolean(), nullable=False),
    sa.Column('format', sa.String(length=20), nullable=False),
    sa.Column('notice', sa.Text(), nullable=False),
    sa.Column('nature_of_emergency', sa.Text(), nullable=True),
    sa.Column('bundle_sha256', sa.String(length=64), nullable=True),
    sa.CheckConstraint('(consent_id IS NOT NULL AND nature_of_emergency IS NULL) OR (consent_id IS NULL AND nature_of_emergency IS NOT NULL)', name=op.f('ck_disclosures_basis')),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_disclosures_client_id_clients')),
    sa.ForeignKeyConstraint(['consent_id'], ['consents.id'], name=op.f('fk_disclosures_consent_id_consents')),
    sa.ForeignKeyConstraint(['disclosed_by_id'], ['users.id'], name=op.f('fk_disclosures_disclosed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disclosures'))
    )
    with op.batch_alter_table('disclosures', schema=None) as batch_op:
        batch_op.create_index('ix_disclosures_client_disclosed', ['client_id', 'disclosed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_disclosures_consent_id'), ['consent_id'], unique=False)

    op.create_table('emergency_access_grants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('membership_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('reviewed_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.Enum('appropriate', 'inappropriate', name='reviewoutcome', native_enum=False, create_constraint=True, length=30), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['membership_id'], ['caseload_memberships.id'], name=op.f('fk_emergency_access_grants_membership_id_caseload_memberships')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_emergency_access_grants_reviewed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_emergency_access_grants')),
    sa.UniqueConstraint('membership_id', name=op.f('uq_emergency_access_grants_membership_id'))
    )
    with op.batch_alter_table('emergency_access_grants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_emergency_access_grants_reviewed_at'), ['reviewed_at'], unique=False)


def downgrade():
    with op.batch_alter_table('emergency_access_grants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_emergency_access_grants_reviewed_at'))
    op.drop_table('emergency_access_grants')

    with op.batch_alter_table('disclosures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_disclosures_consent_id'))
        batch_op.drop_index('ix_disclosures_client_disclosed')
    op.drop_table('disclosures')

    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consents_client_id'))
    op.drop_table('consents')

    op.execute("DELETE FROM caseload_memberships WHERE kind = 'emergency'")
    set_membership_kinds(OLD_KINDS)
