"""Treatment plan routes (API.md "Placement and cases"): the plan of a case, saved as
numbered versions. Writing needs `CLINICAL_RECORD_WRITE`, reading `CLINICAL_RECORD_READ`;
cases the caller may not see answer 404. Rules are in `cases.treatment_plans.service`."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from auth.permissions import Permission, current_actor, permission_required
from cases.episodes.models import client_of_case
from cases.treatment_plans import service
from cases.treatment_plans.schemas import (
    TreatmentPlanInputSchema,
    TreatmentPlanRevisionSchema,
    TreatmentPlanSchema,
    stored_problems,
)
from core.audit import finds_client
from core.extensions import db
from core.http import PageArgsSchema, check_if_match, page_schema, set_etag

bp = Blueprint("treatment_plans", __name__, url_prefix="/api/v1", description="Treatment plans")


# --- treatment plans --------------------------------------------------------------------------


@bp.get("/cases/<int:case_id>/treatment-plan")
@finds_client("case_id", client_of_case)
@permission_required(Permission.CLINICAL_RECORD_READ)
@bp.response(200, TreatmentPlanSchema)
def get_treatment_plan(case_id: int) -> Any:
    """The current plan; 404 when none has been saved yet."""
    plan = service.get_treatment_plan(case_id, actor=current_actor())
    db.session.commit()
    set_etag(plan)
    return plan


@bp.put("/cases/<int:case_id>/treatment-plan")
@finds_client("case_id", client_of_case)
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
    saved = service.save_treatment_plan(case, plan, stored_problems(data), actor=actor)
    db.session.commit()
    set_etag(saved.document)
    return saved.document, 201 if saved.created else 200


@bp.get("/cases/<int:case_id>/treatment-plan/versions")
@finds_client("case_id", client_of_case)
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
