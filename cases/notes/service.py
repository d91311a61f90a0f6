"""Clinical notes and treatment plans of a case. Services flush and audit; views commit.

Notes
- A note is written on a case the actor may see (404 otherwise) as a draft that only its
  author may edit. Signing locks it for good; after that the record grows only by addenda
  (any clinical writer who may see the case may add one). Nothing is ever deleted.
- Who signs: the author, or a clinician (supervisory co-signature, or closing a note whose
  author has left). Another counsellor, even on the same care team, may not (403): a
  signature attests authorship or supervision.
- Discharged cases still take notes and addenda: documentation is often written after the
  event (a late entry for the discharge day, a follow-up call), and the primary counsellor
  keeps access for aftercare. Each note is timestamped, so late entries are visible as such.

- SUD counselling notes (kind `counselling`, 42 CFR §2.11) are kept apart: only the case's
  care team (its primary counsellor, its care team members, the note's author) reads their
  text or signs or adds to them; anyone else who may see the case sees that such a note
  exists, with its text and addenda withheld, and a write is a 403. No export, report or
  disclosure carries them.

Treatment plans
- One plan per case, replaced whole by PUT. Every saved version (the first included) is
  copied into `TreatmentPlanRevision`, so no version is lost. A PUT that changes nothing
  saves nothing: same version, no new revision.
- A discharged case's plan is closed with the episode (409 on PUT); the aftercare plan takes
  over. It can still be read.

Every read and write records an audit event with the client's id."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import marshmallow as ma
import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from auth.credentials import RecordRead
from auth.models import Role, User
from cases.episodes.models import Case
from cases.episodes.service import get_case
from cases.notes.models import Note, NoteAddendum, NoteKind
from cases.notes.schemas import load_note_body
from core import audit
from core.db import utcnow
from core.errors import Forbidden, InvalidTransition, ValidationFailed
from core.extensions import db
from core.shown import Shown

#: Roles that may sign a note they did not write (supervisory co-signature).
CO_SIGNING_ROLES = frozenset({Role.CLINICIAN})


# --- notes ------------------------------------------------------------------------------------


def _client_id_of(case_id: int) -> int:
    return db.session.execute(sa.select(Case.client_id).where(Case.id == case_id)).scalar_one()


def _audit_note(
    action: str, note: Note, actor: User, client_id: int | None = None, **detail: Any
) -> None:
    audit.record(
        action,
        actor=actor,
        record_type="note",
        record_id=note.id,
        client_id=client_id if client_id is not None else _client_id_of(note.case_id),
        detail=detail or None,
    )


def create_note(case_id: int, kind: NoteKind, body: dict[str, Any], *, actor: User) -> Note:
    """Write a draft note on a case (open or discharged) the actor may see."""
    case = get_case(case_id, actor=actor, action="case.read_for_note")
    note = Note(case_id=case.id, kind=kind, body=body, author_id=actor.id)
    db.session.add(note)
    db.session.flush()
    _audit_note("note.create", note, actor, kind=kind.value)
    return note


def list_notes(case_id: int, *, actor: User, page: int, per_page: int) -> dict[str, Any]:
    """One page of a case's notes, newest first, each with its addenda."""
    case = get_case(case_id, actor=actor, action="case.read_for_notes")
    stmt = (
        sa.select(Note)
        .where(Note.case_id == case.id)
        .order_by(Note.created_at.desc(), Note.id.desc())
    )
    return audit.audited_page(
        stmt,
        page,
        per_page,
        actor=actor,
        action="note.list",
        record_type="note",
        client_of=case.client_id,
        shown=lambda row: shown(row[0], actor, case),
    )


#: What a counselling note shows outside the case's care team.
WITHHELD_BODY = {
    "text": "A counselling note, kept apart under 42 CFR Part 2: only the care team reads it."
}


@dataclass(frozen=True)
class WithheldNote(Shown):
    """A counselling note as someone outside the care team sees it: that it exists."""

    record: Note
    body: dict[str, Any]
    addenda: list[Any]
    withheld: bool = True


def on_care_team(case: Case, actor: User) -> bool:
    """The case's primary counsellor or a current member of its care team."""
    if actor.id == case.primary_counsellor_id:
        return True
    return any(m.staff_id == actor.id and m.removed_at is None for m in case.care_team)


def _open_to_all_readers(note: Note, actor: User) -> bool:
    """Any note but a counselling note, and a counselling note to its author: no case asked."""
    return note.kind is not NoteKind.COUNSELLING or note.author_id == actor.id


def _readable(note: Note, case: Case, actor: User) -> bool:
    return _open_to_all_readers(note, actor) or on_care_team(case, actor)


def shown(note: Note, actor: User, case: Case | None = None) -> Note | WithheldNote:
    """The note as `actor` may read it (a counselling note outside the care team withheld)."""
    if _open_to_all_readers(note, actor):
        return note
    case = case if case is not None else db.session.get(Case, note.case_id)
    if _readable(note, case, actor):
        return note
    return WithheldNote(note, dict(WITHHELD_BODY), [])


#: A note as `GET /notes/{id}` shows it, with its case's client and its addenda (in the same
#: statement); read with the credential on a GET.
NOTE_READ = RecordRead(
    "note_id",
    Note,
    Case.client_id,
    joins=((Case, Case.id == Note.case_id),),
    columns=(Case.client_id,),
    options=(joinedload(Note.addenda),),
)


def get_note(
    note_id: int, *, actor: User, action: str = "note.read", for_update: bool = False
) -> Note:
    """A note on a case the actor may see; any other id is 404 alike. `for_update` locks the
    note's row (PostgreSQL) so that sign, edit and addendum see one another in turn."""
    note, client_id = NOTE_READ.row(note_id, actor, "note", for_update=for_update)
    _audit_note(action, note, actor, client_id)
    if for_update and not _readable(note, db.session.get(Case, note.case_id), actor):
        raise Forbidden("Counselling notes are written and signed by the case's care team only.")
    return note


def _require_draft(note: Note, what: str) -> None:
    if note.signed_at is not None:
        raise InvalidTransition(f"The note is signed and locked; {what}")


def update_note(note: Note, changes: dict[str, Any], *, actor: User) -> Note:
    """Edit a draft: only its author, only before signing (409 after). The body that results
    must fit the kind that results (changing `progress` to `soap` needs a SOAP body)."""
    _require_draft(note, "add an addendum instead.")
    if note.author_id != actor.id:
        raise Forbidden("Only the note's author may edit it.")
    kind = changes.get("kind", note.kind)
    try:
        body = load_note_body(kind, changes.get("body", note.body))
    except ma.ValidationError as err:
        raise ValidationFailed(
            f"The body does not fit a {kind.value} note.", errors={"json": err.messages}
        ) from err
    note.kind = kind
    note.body = body
    db.session.flush()
    _audit_note("note.update", note, actor, fields=sorted(changes))
    return note


def sign_note(note: Note, *, actor: User) -> Note:
    """Lock a draft: by its author or a clinician (409 when already signed)."""
    _require_draft(note, "it cannot be signed again.")
    if note.author_id != actor.id and actor.role not in CO_SIGNING_ROLES:
        raise Forbidden("Only the note's author or a clinician may sign it.")
    note.signed_at = utcnow()
    note.signed_by_id = actor.id
    db.session.flush()
    _audit_note("note.sign", note, actor, co_signed=note.author_id != actor.id)
    return note


def add_addendum(note: Note, text: str, *, actor: User) -> Note:
    """Append to a signed note (409 on a draft: edit it instead). The note itself, and so
    its version, stays as signed."""
    if note.signed_at is None:
        raise InvalidTransition("The note is not signed yet; edit the draft instead.")
    addendum = NoteAddendum(note_id=note.id, text=text, author_id=actor.id)
    db.session.add(addendum)
    db.session.flush()
    db.session.expire(note, ["addenda"])
    _audit_note("note.addendum", note, actor, addendum_id=addendum.id)
    return note
