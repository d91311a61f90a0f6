"""Aftercare routes (API.md "Aftercare"): relapse-prevention plans, discharge, follow-ups.

Plans: writing needs `CLINICAL_RECORD_WRITE` (counsellors on their own caseload, clinicians),
reading `CLINICAL_RECORD_READ` (also managers). Discharge needs `CASE_PLACE` (clinicians).
Follow-ups: completing needs `CLINICAL_RECORD_WRITE`, reading `CLINICAL_RECORD_READ`;
counsellors see their caseload only. Records the caller may not see answer 404. Rules are
in `aftercare.service`."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_smorest import Blueprint

from aftercare import (
    models,  # noqa: F401  (mapped before the first request)
    service,
)
from aftercare.schemas import (
    AftercarePlanInputSchema,
    AftercarePlanSchema,
    AftercarePlanVersionSchema,
    DischargedCaseSchema,
    FollowUpCompleteSchema,
    FollowUpQuerySchema,
    FollowUpSchema,
    plan_content,
)
from auth.permissions import Permission, current_actor, permission_required
from cases.schemas import DischargeSchema
from core.extensions import db
from core.http import PageArgsSchema, check_if_match, page_schema, set_etag

bp = Blueprint("aftercare", __name__, url_prefix="/api/v1", description="Aftercare")


# --- relapse-prevention plans -----------------------------------------------------------------


@bp.get("/cases/<int:case_id>/aftercare-plan")
@permission_required(Permission.CLINICAL_RECORD_READ)
@bp.response(200, AftercarePlanSchema)
def get_aftercare_plan(case_id: int) -> Any:
    """The current version of the case's relapse-prevention plan; 404 when none yet."""
    plan = service.get_plan(case_id, actor=current_actor())
    db.session.commit()
    set_etag(plan)
    return plan


@bp.put("/cases/<int:case_id>/aftercare-plan")
@permission_required(Permission.CLINICAL_RECORD_WRITE)
@bp.arguments(AftercarePlanInputSchema)
@bp.response(200, AftercarePlanSchema, description="A new version was saved.")
@bp.alt_response(201, schema=AftercarePlanSchema, description="The first version was saved.")
def save_aftercare_plan(data: dict[str, Any], case_id: int) -> Any:
    """Save the whole plan as a new version: 201 the first time (no If-Match), then 200 with
    If-Match required (428 without, 412 when stale). Open or discharged cases. Agreeing
    (`status: agreed`) needs triggers, coping strategies, a lapse plan and a crisis plan
    with a crisis line and safety steps (plus naloxone offered when the assessment lists
    opioids, and safe storage with a medication plan): 422 naming what is `missing`."""
    actor = current_actor()
    case, plan = service.plan_for_update(case_id, actor=actor)
    if plan is not None:
        check_if_match(plan)
    plan, created = service.save_plan(case, plan, plan_content(data), data["status"], actor=actor)
    db.session.commit()
    set_etag(plan)
    return plan, 201 if created else 200


@bp.get("/cases/<int:case_id>/aftercare-plan/versions")
@permission_required(Permission.CLINICAL_RECORD_READ)
@bp.arguments(PageArgsSchema, location="query")
@bp.response(200, page_schema(AftercarePlanVersionSchema))
def list_aftercare_plan_versions(args: dict[str, Any], case_id: int) -> Any:
    """Every saved version of the plan, oldest first (empty before the first save)."""
    page = service.list_plan_versions(
        case_id, actor=current_actor(), page=args["page"], per_page=args["per_page"]
    )
    db.session.commit()
    return page


# --- discharge --------------------------------------------------------------------------------


@bp.post("/cases/<int:case_id>/discharge")
@permission_required(Permission.CASE_PLACE)
@bp.arguments(DischargeSchema)
@bp.response(200, DischargedCaseSchema)
def discharge_case(data: dict[str, Any], case_id: int) -> Any:
    """Discharge `{reason, date, summary}`: `completed` needs an agreed aftercare plan (409
    with `missing`); other reasons without one raise an `aftercare_missing` flag. Frees the
    bed, admits the first case on the waitlist, schedules the follow-ups (answered in
    `follow_ups`) and withdraws the case from every session that has not started
    (`withdrawn_session_count`; `cancelled_session_ids` for those left without a client),
    all at once or not at all."""
    case = service.discharge(case_id, actor=current_actor(), **data)
    db.session.commit()
    set_etag(case)
    return case


# --- follow-ups -------------------------------------------------------------------------------


@bp.get("/follow-ups")
@permission_required(Permission.CLINICAL_RECORD_READ)
@bp.arguments(FollowUpQuerySchema, location="query")
@bp.response(200, page_schema(FollowUpSchema))
def list_follow_ups(args: dict[str, Any]) -> Any:
    """Follow-ups by due date, filtered by `status` (due, overdue: due before today in
    CENTRE_TIMEZONE, completed), `counsellor_id` (assigned to), `case_id`, `client_id`.
    Counsellors see their caseload only."""
    page = service.list_follow_ups(actor=current_actor(), **args)
    db.session.commit()
    return page


@bp.get("/follow-ups/<int:follow_up_id>")
@permission_required(Permission.CLINICAL_RECORD_READ)
@bp.response(200, FollowUpSchema)
def get_follow_up(follow_up_id: int) -> Any:
    follow_up = service.get_follow_up(follow_up_id, actor=current_actor())
    db.session.commit()
    set_etag(follow_up)
    return follow_up


@bp.post("/follow-ups/<int:follow_up_id>/complete")
@permission_required(Permission.CLINICAL_RECORD_WRITE)
@bp.arguments(FollowUpCompleteSchema)
@bp.response(200, FollowUpSchema)
def complete_follow_up(data: dict[str, Any], follow_up_id: int) -> Any:
    """Record the contact `{contacted_at, outcome, notes}` (409 when already completed). A
    `relapse` raises a `relapse` flag and marks the case `re_engagement_recommended`; the
    last open follow-up of a case ends the counsellor's aftercare access to it. An
    `If-Match`, when sent, must match."""
    actor = current_actor()
    follow_up = service.get_follow_up(
        follow_up_id, actor=actor, action="follow_up.read_for_update", for_update=True
    )
    if request.headers.get("If-Match"):
        check_if_match(follow_up)
    service.complete_follow_up(follow_up, actor=actor, **data)
    db.session.commit()
    set_etag(follow_up)
    return follow_up
