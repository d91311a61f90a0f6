"""Clinical notes and treatment plan routes (API.md "Placement and cases").

Writing needs `CLINICAL_RECORD_WRITE` (counsellors on their own caseload, clinicians);
reading needs `CLINICAL_RECORD_READ` (also managers). Cases and notes the caller may not see
answer 404. Rules (who signs, late notes on discharged cases, plan versions) are in
`cases.note_service`."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_smorest import Blueprint

from auth.permissions import Permission, current_actor, permission_required
from cases import note_service as service
from cases.note_schemas import (
    AddendumCreateSchema,
    NoteCreateSchema,
    NoteSchema,
    NoteUpdateSchema,
    TreatmentPlanInputSchema,
    TreatmentPlanRevisionSchema,
    TreatmentPlanSchema,
    stored_problems,
)
from core.extensions import db
from core.http import PageArgsSchema, check_if_match, page_schema, set_etag

bp = Blueprint("notes", __name__, url_prefix="/api/v1", description="Notes and treatment plans")


# --- notes ------------------------------------------------------------------------------------


@bp.post("/cases/<int:case_id>/notes")
@permission_required(Permission.CLINICAL_RECORD_WRITE)
@bp.arguments(NoteCreateSchema)
@bp.response(201, NoteSchema)
def create_note(data: dict[str, Any], case_id: int) -> Any:
    """Write a draft note. `body` is `{text}` for `progress` and `group`, `{data, assessment,
    plan}` for `dap`, `{subjective, objective, assessment, plan}` for `soap`. Discharged
    cases still take notes (late documentation)."""
    note = service.create_note(case_id, data["kind"], data["body"], actor=current_actor())
    db.session.commit()
    set_etag(note)
    return note


@bp.get("/cases/<int:case_id>/notes")
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
@permission_required(Permission.CLINICAL_RECORD_READ)
@bp.response(200, NoteSchema)
def get_note(note_id: int) -> Any:
    note = service.get_note(note_id, actor=current_actor())
    db.session.commit()
    set_etag(note)
    return note


@bp.patch("/notes/<int:note_id>")
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
    return note


@bp.post("/notes/<int:note_id>/sign")
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
    return note


@bp.post("/notes/<int:note_id>/addenda")
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
    return note


# --- treatment plans --------------------------------------------------------------------------


@bp.get("/cases/<int:case_id>/treatment-plan")
@permission_required(Permission.CLINICAL_RECORD_READ)
@bp.response(200, TreatmentPlanSchema)
def get_treatment_plan(case_id: int) -> Any:
    """The current plan; 404 when none has been saved yet."""
    plan = service.get_treatment_plan(case_id, actor=current_actor())
    db.session.commit()
    set_etag(plan)
    return plan


@bp.put("/cases/<int:case_id>/treatment-plan")
@permission_required(Permission.CLINICAL_RECORD_WRITE)
@bp.arguments(TreatmentPlanInputSchema)
@bp.response(200, TreatmentPlanSchema, description="The plan was replaced.")
@bp.alt_response(201, schema=TreatmentPlanSchema, description="The first plan was created.")
def save_treatment_plan(data: dict[str, Any], case_id: int) -> Any:
    """Create the plan (201, no If-Match needed) or replace it (200, If-Match required:
    428 without, 412 when stale). Each goal's `review_date` is on or before its
    `target_date`; every saved version is kept (`.../treatment-plan/versions`). 409 on a
    discharged case."""
    actor = current_actor()
    case, plan = service.treatment_plan_for_update(case_id, actor=actor)
    if plan is not None:
        check_if_match(plan)
    plan, created = service.save_treatment_plan(case, plan, stored_problems(data), actor=actor)
    db.session.commit()
    set_etag(plan)
    return plan, 201 if created else 200


@bp.get("/cases/<int:case_id>/treatment-plan/versions")
@permission_required(Permission.CLINICAL_RECORD_READ)
@bp.arguments(PageArgsSchema, location="query")
@bp.response(200, page_schema(TreatmentPlanRevisionSchema))
def list_treatment_plan_versions(args: dict[str, Any], case_id: int) -> Any:
    """Every saved version of the plan, newest first (empty before the first save)."""
    page = service.list_treatment_plan_versions(
        case_id, actor=current_actor(), page=args["page"], per_page=args["per_page"]
    )
    db.session.commit()
    return page
