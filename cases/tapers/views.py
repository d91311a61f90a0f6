"""Taper plan and withdrawal monitoring routes (API.md "Placement and cases").

Writes are for clinicians (`MEDICATION_WRITE`); reads for counsellors on their own caseload,
clinicians and managers (`MEDICATION_READ`). Taper plans carry an ETag and `version`; actions
need no `If-Match` because a draft is never edited (no PATCH: create a new draft and cancel
the old one) and each action is guarded by the plan's status instead."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from auth.permissions import Permission, current_actor, permission_required
from cases.episodes.models import client_of_case
from cases.tapers import drafting as taper_drafting
from cases.tapers import service
from cases.tapers.models import client_of_taper_plan
from cases.tapers.schemas import (
    ApproveSchema,
    CancelSchema,
    CompleteSchema,
    PauseSchema,
    TaperPlanCreateSchema,
    TaperPlanQuerySchema,
    TaperPlanSchema,
)
from core.audit import finds_client
from core.extensions import db
from core.http import page_schema, set_etag

bp = Blueprint("tapers", __name__, url_prefix="/api/v1", description="Taper plans")


def _page(args: dict[str, Any]) -> dict[str, int]:
    return {"page": args["page"], "per_page": args["per_page"]}


# --- taper plans ------------------------------------------------------------------------------


@bp.post("/cases/<int:case_id>/taper-plans")
@finds_client("case_id", client_of_case)
@permission_required(Permission.MEDICATION_WRITE)
@bp.arguments(TaperPlanCreateSchema)
@bp.response(201, TaperPlanSchema)
def create_taper_plan(data: dict[str, Any], case_id: int) -> Any:
    """A draft benzodiazepine taper with its computed `steps`, staged `crossover` and
    `cautions` (CLINICAL.md §6, §6.1). An input that breaks a rule is a 422 naming the field; a
    discharged case, or a `from_assessment` plan without a submitted assessment listing a
    current sedative, is a 409."""
    plan = taper_drafting.create_taper_plan(case_id, data, actor=current_actor())
    db.session.commit()
    set_etag(plan)
    return plan


@bp.get("/cases/<int:case_id>/taper-plans")
@finds_client("case_id", client_of_case)
@permission_required(Permission.MEDICATION_READ)
@bp.arguments(TaperPlanQuerySchema, location="query")
@bp.response(200, page_schema(TaperPlanSchema))
def list_taper_plans(args: dict[str, Any], case_id: int) -> Any:
    """A case's taper plans, newest first (`?status=` to filter)."""
    page = service.list_taper_plans(
        case_id, actor=current_actor(), status=args.get("status"), **_page(args)
    )
    db.session.commit()
    return page


@bp.get("/taper-plans/<int:plan_id>")
@finds_client("plan_id", client_of_taper_plan)
@permission_required(Permission.MEDICATION_READ)
@bp.response(200, TaperPlanSchema)
def get_taper_plan(plan_id: int) -> Any:
    plan = service.get_taper_plan(plan_id, actor=current_actor())
    db.session.commit()
    set_etag(plan)
    return plan


@bp.post("/taper-plans/<int:plan_id>/approve")
@finds_client("plan_id", client_of_taper_plan)
@permission_required(Permission.MEDICATION_WRITE)
@bp.arguments(ApproveSchema)
@bp.response(200, TaperPlanSchema)
def approve_taper_plan(data: dict[str, Any], plan_id: int) -> Any:
    """draft → approved. A plan with `cautions` needs an `approval_note` (422); 409 when the
    case already has an approved or paused plan for one of the same drugs."""
    plan = service.approve_taper_plan(
        plan_id, approval_note=data["approval_note"], actor=current_actor()
    )
    db.session.commit()
    set_etag(plan)
    return plan


@bp.post("/taper-plans/<int:plan_id>/pause")
@finds_client("plan_id", client_of_taper_plan)
@permission_required(Permission.MEDICATION_WRITE)
@bp.arguments(PauseSchema)
@bp.response(200, TaperPlanSchema)
def pause_taper_plan(data: dict[str, Any], plan_id: int) -> Any:
    """approved → paused, from today (centre time); an optional `reason` goes into the notes."""
    plan = service.pause_taper_plan(plan_id, reason=data["reason"], actor=current_actor())
    db.session.commit()
    set_etag(plan)
    return plan


@bp.post("/taper-plans/<int:plan_id>/resume")
@finds_client("plan_id", client_of_taper_plan)
@permission_required(Permission.MEDICATION_WRITE)
@bp.response(200, TaperPlanSchema)
def resume_taper_plan(plan_id: int) -> Any:
    """paused → approved; every step dated on or after the pause date moves later by the
    number of days paused."""
    plan = service.resume_taper_plan(plan_id, actor=current_actor())
    db.session.commit()
    set_etag(plan)
    return plan


@bp.post("/taper-plans/<int:plan_id>/complete")
@finds_client("plan_id", client_of_taper_plan)
@permission_required(Permission.MEDICATION_WRITE)
@bp.arguments(CompleteSchema)
@bp.response(200, TaperPlanSchema)
def complete_taper_plan(data: dict[str, Any], plan_id: int) -> Any:
    """approved or paused → completed; before the last step's date a `reason` is required."""
    plan = service.complete_taper_plan(plan_id, reason=data["reason"], actor=current_actor())
    db.session.commit()
    set_etag(plan)
    return plan


@bp.post("/taper-plans/<int:plan_id>/cancel")
@finds_client("plan_id", client_of_taper_plan)
@permission_required(Permission.MEDICATION_WRITE)
@bp.arguments(CancelSchema)
@bp.response(200, TaperPlanSchema)
def cancel_taper_plan(data: dict[str, Any], plan_id: int) -> Any:
    """draft, approved or paused → cancelled, with a `reason`."""
    plan = service.cancel_taper_plan(plan_id, reason=data["reason"], actor=current_actor())
    db.session.commit()
    set_etag(plan)
    return plan
