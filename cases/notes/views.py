"""Clinical note routes (API.md "Placement and cases"): write, sign, addenda.

Writing needs `CLINICAL_RECORD_WRITE` (counsellors on their own caseload, clinicians);
reading needs `CLINICAL_RECORD_READ` (also managers). Cases and notes the caller may not see
answer 404. Rules (who signs, late notes on discharged cases) are in `cases.notes.service`."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_smorest import Blueprint

from auth.credentials import reads_record
from auth.permissions import Permission, current_actor, permission_required
from cases.episodes.models import client_of_case
from cases.notes import service
from cases.notes.models import client_of_note
from cases.notes.schemas import (
    AddendumCreateSchema,
    NoteCreateSchema,
    NoteSchema,
    NoteUpdateSchema,
)
from core.audit import finds_client
from core.extensions import db
from core.http import PageArgsSchema, check_if_match, page_schema, set_etag

bp = Blueprint("notes", __name__, url_prefix="/api/v1", description="Clinical notes")


# --- notes ------------------------------------------------------------------------------------


@bp.post("/cases/<int:case_id>/notes")
@finds_client("case_id", client_of_case)
@permission_required(Permission.CLINICAL_RECORD_WRITE)
@bp.arguments(NoteCreateSchema)
@bp.response(201, NoteSchema)
def create_note(data: dict[str, Any], case_id: int) -> Any:
    """Write a draft note. `body` is `{text}` for `progress` and `group`, `{data, assessment,
    plan}` for `dap`, `{subjective, objective, assessment, plan}` for `soap`. Discharged
    cases still take notes (late documentation)."""
    actor = current_actor()
    note = service.create_note(case_id, data["kind"], data["body"], actor=actor)
    db.session.commit()
    set_etag(note)
    return service.shown(note, actor)


@bp.get("/cases/<int:case_id>/notes")
@finds_client("case_id", client_of_case)
@permission_required(Permission.CLINICAL_RECORD_READ)
@bp.arguments(PageArgsSchema, location="query")
@bp.response(200, page_schema(NoteSchema))
def list_notes(args: dict[str, Any], case_id: int) -> Any:
    """The case's notes, newest first, each with its addenda."""
    page = service.list_notes(
        case_id, actor=current_actor(), page=args["page"], per_page=args["per_page"]
    )
    db.session.commit()
    return page


@bp.get("/notes/<int:note_id>")
@reads_record(service.NOTE_READ)
@finds_client("note_id", client_of_note)
@permission_required(Permission.CLINICAL_RECORD_READ)
@bp.response(200, NoteSchema)
def get_note(note_id: int) -> Any:
    actor = current_actor()
    note = service.get_note(note_id, actor=actor)
    db.session.commit()
    set_etag(note)
    return service.shown(note, actor)


@bp.patch("/notes/<int:note_id>")
@finds_client("note_id", client_of_note)
@permission_required(Permission.CLINICAL_RECORD_WRITE)
@bp.arguments(NoteUpdateSchema)
@bp.response(200, NoteSchema)
def update_note(data: dict[str, Any], note_id: int) -> Any:
    """Edit a draft (`body`, `kind`): its author only (403 for others), If-Match required;
    409 once signed."""
    actor = current_actor()
    note = service.get_note(note_id, actor=actor, action="note.read_for_update", for_update=True)
    check_if_match(note)
    service.update_note(note, data, actor=actor)
    db.session.commit()
    set_etag(note)
    return service.shown(note, actor)


@bp.post("/notes/<int:note_id>/sign")
@finds_client("note_id", client_of_note)
@permission_required(Permission.CLINICAL_RECORD_WRITE)
@bp.response(200, NoteSchema)
def sign_note(note_id: int) -> Any:
    """Lock the note: its author, or a clinician co-signing (403 for other counsellors);
    409 if already signed. An `If-Match`, when sent, must match (sign what you read)."""
    actor = current_actor()
    note = service.get_note(note_id, actor=actor, action="note.read_for_update", for_update=True)
    if request.headers.get("If-Match"):
        check_if_match(note)
    service.sign_note(note, actor=actor)
    db.session.commit()
    set_etag(note)
    return service.shown(note, actor)


@bp.post("/notes/<int:note_id>/addenda")
@finds_client("note_id", client_of_note)
@permission_required(Permission.CLINICAL_RECORD_WRITE)
@bp.arguments(AddendumCreateSchema)
@bp.response(201, NoteSchema)
def add_addendum(data: dict[str, Any], note_id: int) -> Any:
    """Append `{text}` to a signed note (409 before signing); answers the note with all its
    addenda."""
    actor = current_actor()
    note = service.get_note(note_id, actor=actor, action="note.read_for_update", for_update=True)
    service.add_addendum(note, data["text"], actor=actor)
    db.session.commit()
    set_etag(note)
    return service.shown(note, actor)
