"""Relapse-prevention (aftercare) plan routes (API.md "Aftercare"): the plan of a case,
saved as numbered versions, agreed when complete. Writing needs `CLINICAL_RECORD_WRITE`
(counsellors on their own caseload, clinicians), reading `CLINICAL_RECORD_READ` (also
managers). Cases the caller may not see answer 404. Rules are in `aftercare.plans.service`."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from aftercare.plans import service
from aftercare.plans.schemas import (
    AftercarePlanInputSchema,
    AftercarePlanSchema,
    AftercarePlanVersionSchema,
    plan_content,
)
from auth.permissions import Permission, current_actor, permission_required
from cases.episodes.models import client_of_case
from core.audit import finds_client
from core.extensions import db
from core.http import PageArgsSchema, check_if_match, page_schema, set_etag

bp = Blueprint("plans", __name__, url_prefix="/api/v1", description="Aftercare plans")


# --- relapse-prevention plans -----------------------------------------------------------------


@bp.get("/cases/<int:case_id>/aftercare-plan")
@finds_client("case_id", client_of_case)
@permission_required(Permission.CLINICAL_RECORD_READ)
@bp.response(200, AftercarePlanSchema)
def get_aftercare_plan(case_id: int) -> Any:
    """The current version of the case's relapse-prevention plan; 404 when none yet."""
    plan = service.get_plan(case_id, actor=current_actor())
    db.session.commit()
    set_etag(plan)
    return plan


@bp.put("/cases/<int:case_id>/aftercare-plan")
@finds_client("case_id", client_of_case)
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
    saved = service.save_plan(case, plan, plan_content(data), data["status"], actor=actor)
    db.session.commit()
    set_etag(saved.document)
    return saved.document, 201 if saved.created else 200


@bp.get("/cases/<int:case_id>/aftercare-plan/versions")
@finds_client("case_id", client_of_case)
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
