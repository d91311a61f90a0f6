"""The case page's notes: write (progress, group, DAP, SOAP; as a draft or signed at once),
edit a draft, sign, and add an addendum to a signed note — the API's schemas and
`cases.notes.service` (who may edit or sign is the service's rule). A refused form comes
back on the case page beside its fields, with the refusal's status."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Response, redirect, request, url_for

from auth.permissions import Permission, current_actor
from cases.episodes.models import client_of_case
from cases.notes import service
from cases.notes.models import Note, NoteKind, client_of_note
from cases.notes.schemas import AddendumCreateSchema, NoteCreateSchema, NoteUpdateSchema
from core.audit import finds_client
from core.errors import DomainError
from core.extensions import db
from web.cases import body_fields, bp, case_page
from web.forms import Errors, FormInvalid, domain_errors, flatten, form_is_current, load
from web.security import page

STALE_NOTE = "The note was changed since you opened this page; read it again before signing."
STALE_EDIT = (
    "The draft was saved in another window since you opened this page. The saved text is "
    "shown above; yours is in the form. Save again to replace the saved text with yours."
)


def _kind(raw: str | None) -> NoteKind | None:
    return NoteKind(raw) if raw in set(NoteKind) else None


def _body(kind: NoteKind) -> dict[str, str]:
    """The posted `body.<field>` inputs of a note kind (empty ones left out: the schema
    names them as missing)."""
    return {
        name: request.form[f"body.{name}"]
        for name in body_fields(kind)
        if request.form.get(f"body.{name}", "").strip()
    }


def _loaded(schema: ma.Schema, data: dict[str, Any]) -> dict[str, Any]:
    try:
        return schema.load(data)
    except ma.ValidationError as error:
        raise FormInvalid(flatten(error.messages)) from error


def _to_note(note: Note) -> Response:
    return redirect(url_for("web.cases.show", case_id=note.case_id) + f"#note-{note.id}", 303)


def _refused(case_id: int, status: int, **extra: Any) -> Response:
    db.session.rollback()
    return case_page(case_id, status, **extra)


def _errors_of(error: DomainError) -> Errors:
    if error.code == 404:
        raise error
    return domain_errors(error)


def _refused_by_service(
    case_id: int, note_id: int, error: DomainError, form: str | None = None
) -> Response:
    """A service's refusal of a note action: field errors (422) beside the note's `form`
    (`edit`, `addendum`), any other (403 not yours to sign, 409 signed or not yet) as a
    message on the note, where it shows whichever forms the note offers."""
    errors = _errors_of(error)
    if form is not None and error.code == 422:
        return _refused(
            case_id,
            422,
            **{f"{form}_errors": {note_id: errors}, f"{form}_forms": {note_id: request.form}},
        )
    return _refused(case_id, error.code, note_messages={note_id: [error.message]})


@bp.post("/cases/<int:case_id>/notes")
@finds_client("case_id", client_of_case)
@page(Permission.CLINICAL_RECORD_WRITE)
def create_note(case_id: int) -> Response:
    """Write a note; the "Save and sign" button signs it in the same step."""
    actor = current_actor()
    raw_kind = request.form.get("kind", "")
    kind = _kind(raw_kind)
    try:
        body = _body(kind) if kind else {}
        data = _loaded(NoteCreateSchema(), {"kind": raw_kind, "body": body})
        note = service.create_note(case_id, data["kind"], data["body"], actor=actor)
        if request.form.get("then") == "sign":
            service.sign_note(note, actor=actor)
    except FormInvalid as invalid:
        return _refused(
            case_id, 422, note_errors=invalid.errors, note_form=request.form, write_kind=kind
        )
    except DomainError as error:
        errors = _errors_of(error)
        return _refused(
            case_id, error.code, note_errors=errors, note_form=request.form, write_kind=kind
        )
    db.session.commit()
    return _to_note(note)


def _note_for_update(note_id: int) -> Note:
    return service.get_note(
        note_id, actor=current_actor(), action="note.read_for_update", for_update=True
    )


@bp.post("/notes/<int:note_id>")
@finds_client("note_id", client_of_note)
@page(Permission.CLINICAL_RECORD_WRITE)
def update_note(note_id: int) -> Response:
    """Edit a draft (its author only, the service says); the form names the version it
    was based on, and a stale one is refused with the current text shown."""
    note = _note_for_update(note_id)
    case_id = note.case_id
    if not form_is_current(note, request.form):
        return _refused(
            case_id,
            412,
            edit_errors={note_id: {"_form": [STALE_EDIT]}},
            edit_forms={note_id: request.form},
        )
    try:
        changes = _loaded(NoteUpdateSchema(), {"body": _body(note.kind)})
        service.update_note(note, changes, actor=current_actor())
    except FormInvalid as invalid:
        return _refused(
            case_id,
            422,
            edit_errors={note_id: invalid.errors},
            edit_forms={note_id: request.form},
        )
    except DomainError as error:
        return _refused_by_service(case_id, note_id, error, "edit")
    db.session.commit()
    return _to_note(note)


@bp.post("/notes/<int:note_id>/sign")
@finds_client("note_id", client_of_note)
@page(Permission.CLINICAL_RECORD_WRITE)
def sign_note(note_id: int) -> Response:
    """Sign (lock) a note: its author, or a clinician co-signing (the service decides)."""
    note = _note_for_update(note_id)
    case_id = note.case_id
    try:
        if request.form.get("version") and not form_is_current(note, request.form):
            return _refused(case_id, 412, note_messages={note_id: [STALE_NOTE]})
        service.sign_note(note, actor=current_actor())
    except DomainError as error:
        return _refused_by_service(case_id, note_id, error)
    db.session.commit()
    return _to_note(note)


@bp.post("/notes/<int:note_id>/addenda")
@finds_client("note_id", client_of_note)
@page(Permission.CLINICAL_RECORD_WRITE)
def add_addendum(note_id: int) -> Response:
    """Add to a signed note (a draft is edited instead)."""
    note = _note_for_update(note_id)
    case_id = note.case_id
    try:
        data = load(AddendumCreateSchema(), request.form)
        service.add_addendum(note, data["text"], actor=current_actor())
    except FormInvalid as invalid:
        return _refused(
            case_id,
            422,
            addendum_errors={note_id: invalid.errors},
            addendum_forms={note_id: request.form},
        )
    except DomainError as error:
        return _refused_by_service(case_id, note_id, error, "addendum")
    db.session.commit()
    return _to_note(note)
