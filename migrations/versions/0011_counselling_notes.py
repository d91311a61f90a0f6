"""SUD counselling notes: a note kind kept apart from the rest of the record

42 CFR §2.11 and §2.31(b): psychotherapy-style counselling notes are disclosed only under a
consent that names them alone. The note kind `counselling` is added to the notes' CHECK
constraint; its text is readable by the case's care team only (cases.notes.service).
Downgrade refuses while counselling notes exist (they are never deleted, and turning them
into ordinary notes would expose them).

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

NOTE_CHECK = 'ck_notes_notekind'
OLD_KINDS = ('progress', 'dap', 'soap', 'group')
NEW_KINDS = (*OLD_KINDS, 'counselling')


def set_note_kinds(kinds):
    """Replace the CHECK constraint on notes.kind. SQLite rebuilds the table (note_addenda
    refers to it), so its foreign-key checks wait for the commit, when the rebuilt table
    stands under the old name again."""
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('PRAGMA defer_foreign_keys = ON')
    condition = "kind IN (" + ", ".join(f"'{k}'" for k in kinds) + ")"
    with op.batch_alter_table('notes') as batch_op:
        batch_op.drop_constraint(op.f(NOTE_CHECK), type_='check')
        batch_op.create_check_constraint('notekind', sa.text(condition))


def upgrade():
    set_note_kinds(NEW_KINDS)


def downgrade():
    held = op.get_bind().execute(sa.text("SELECT count(*) FROM notes WHERE kind = 'counselling'"))
    if held.scalar():
        raise RuntimeError('Counselling notes exist: they cannot be downgraded away.')
    set_note_kinds(OLD_KINDS)
