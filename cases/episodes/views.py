"""Placement and case routes (API.md "Placement and cases"): cases, beds, waitlist."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from auth.credentials import reads_record
from auth.permissions import Permission, allowed, current_actor, permission_required
from cases.episodes import beds, service
from cases.episodes.models import client_of_case
from cases.episodes.schemas import (
    BedBoardEntrySchema,
    BedCreateSchema,
    BedSchema,
    BedUpdateSchema,
    CaseCreateSchema,
    CaseQuerySchema,
    CaseSchema,
    CaseUpdateSchema,
    WaitlistEntrySchema,
)
from core.audit import finds_client
from core.errors import Forbidden
from core.extensions import db
from core.http import PageArgsSchema, check_if_match, page_schema, set_etag

bp = Blueprint(
    "episodes",
    __name__,
    url_prefix="/api/v1",
    description="Placement, cases, beds and the waitlist",
)


@bp.post("/cases")
@permission_required(Permission.CASE_PLACE)
@bp.arguments(CaseCreateSchema)
@bp.response(201, CaseSchema)
def open_case(data: dict[str, Any]) -> Any:
    """Place a client from a submitted assessment. A level other than the recommendation
    needs `override_reason`; inpatient levels take the named or first free bed, or join the
    waitlist; one open case per client (409)."""
    case = service.open_case(data, actor=current_actor())
    db.session.commit()
    set_etag(case)
    return case


@bp.get("/cases")
@permission_required(Permission.CASE_READ)
@bp.arguments(CaseQuerySchema, location="query")
@bp.response(200, page_schema(CaseSchema))
def list_cases(args: dict[str, Any]) -> Any:
    """Cases, newest first; counsellors see their caseload only."""
    actor = current_actor()
    page = service.list_cases_page(actor=actor, **args)
    db.session.commit()
    return page


@bp.get("/cases/<int:case_id>")
@reads_record(service.CASE_READ)
@finds_client("case_id", client_of_case)
@permission_required(Permission.CASE_READ)
@bp.response(200, CaseSchema)
def get_case(case_id: int) -> Any:
    case = service.get_case(case_id, actor=current_actor())
    db.session.commit()
    set_etag(case)
    return case


@bp.patch("/cases/<int:case_id>")
@finds_client("case_id", client_of_case)
@permission_required(Permission.CASE_REASSIGN)
@bp.arguments(CaseUpdateSchema)
@bp.response(200, CaseSchema)
def update_case(data: dict[str, Any], case_id: int) -> Any:
    """Reassign (`primary_counsellor_id`, `care_team_ids`: clinicians and managers) or change
    the level with a `change_reason` (clinicians). If-Match required."""
    actor = current_actor()
    if "level" in data and not allowed(actor.role, Permission.CASE_PLACE):
        raise Forbidden("Only clinicians change a case's level of care.")
    case = service.get_case(case_id, actor=actor, action="case.read_for_update", for_update=True)
    check_if_match(case)
    service.update_case(case, data, actor=actor)
    db.session.commit()
    set_etag(case)
    return case


@bp.get("/waitlist")
@permission_required(Permission.CASE_READ)
@bp.arguments(PageArgsSchema, location="query")
@bp.response(200, page_schema(WaitlistEntrySchema))
def get_waitlist(args: dict[str, Any]) -> Any:
    """Waitlisted cases in admission order: `requires_urgent_review` first, then the time
    each joined the waitlist. `position` counts from 1 within what the caller may see."""
    page = beds.waitlist(actor=current_actor(), page=args["page"], per_page=args["per_page"])
    db.session.commit()
    return page


@bp.get("/beds")
@permission_required(Permission.FACILITY_READ)
@bp.arguments(PageArgsSchema, location="query")
@bp.response(200, page_schema(BedBoardEntrySchema))
def bed_board(args: dict[str, Any]) -> Any:
    """The bed board, one page in unit, room and label order: each bed with `occupied` and,
    when the caller may see that client, `occupant: {case_id, client_id, initials}` (null
    otherwise). Every occupant shown is audited."""
    page = beds.bed_board(actor=current_actor(), page=args["page"], per_page=args["per_page"])
    db.session.commit()
    return page


@bp.post("/beds")
@permission_required(Permission.FACILITY_MANAGE)
@bp.arguments(BedCreateSchema)
@bp.response(201, BedSchema)
def create_bed(data: dict[str, Any]) -> Any:
    bed = beds.create_bed(data, actor=current_actor())
    db.session.commit()
    set_etag(bed)
    return bed


@bp.patch("/beds/<int:bed_id>")
@permission_required(Permission.FACILITY_MANAGE)
@bp.arguments(BedUpdateSchema)
@bp.response(200, BedSchema)
def update_bed(data: dict[str, Any], bed_id: int) -> Any:
    """Relabel a bed or take it out of service (`active: false`, 409 while occupied)."""
    bed = beds.get_bed(bed_id)
    check_if_match(bed)
    beds.update_bed(bed, data, actor=current_actor())
    db.session.commit()
    set_etag(bed)
    return bed
