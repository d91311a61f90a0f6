"""Intake assessment routes (API.md "Intake assessments")."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_smorest import Blueprint

from auth.credentials import reads_record
from auth.permissions import Permission, current_actor, permission_required
from core.audit import finds_client
from core.extensions import db
from core.http import check_if_match, page_schema, set_etag
from intake.assessments import service
from intake.assessments.models import client_of_assessment
from intake.assessments.schemas import (
    AssessmentCreateSchema,
    AssessmentQuerySchema,
    AssessmentSchema,
    AssessmentSectionsSchema,
)

bp = Blueprint(
    "assessments", __name__, url_prefix="/api/v1", description="Structured intake assessments"
)


@bp.post("/clients/<int:client_id>/assessments")
@permission_required(Permission.ASSESSMENT_WRITE)
@bp.arguments(AssessmentCreateSchema)
@bp.response(201, AssessmentSchema)
def create_assessment(data: dict[str, Any], client_id: int) -> Any:
    """Start a draft (`assessed_on` defaults to today in the centre's time zone); sections
    may be sent now or later with PATCH."""
    assessment = service.start_assessment(client_id, data, actor=current_actor())
    db.session.commit()
    set_etag(assessment)
    return assessment


@bp.get("/clients/<int:client_id>/assessments")
@permission_required(Permission.CLIENT_READ)
@bp.arguments(AssessmentQuerySchema, location="query")
@bp.response(200, page_schema(AssessmentSchema))
def list_assessments(args: dict[str, Any], client_id: int) -> Any:
    page = service.list_assessments(
        client_id,
        actor=current_actor(),
        status=args.get("status"),
        page=args["page"],
        per_page=args["per_page"],
    )
    db.session.commit()
    return page


@bp.get("/assessments/<int:assessment_id>")
@reads_record(service.ASSESSMENT_READ)
@finds_client("assessment_id", client_of_assessment)
@permission_required(Permission.CLIENT_READ)
@bp.response(200, AssessmentSchema)
def get_assessment(assessment_id: int) -> Any:
    assessment = service.get_assessment(assessment_id, actor=current_actor())
    db.session.commit()
    set_etag(assessment)
    return assessment


@bp.patch("/assessments/<int:assessment_id>")
@finds_client("assessment_id", client_of_assessment)
@permission_required(Permission.ASSESSMENT_WRITE)
@bp.arguments(AssessmentSectionsSchema)
@bp.response(200, AssessmentSchema)
def update_assessment(data: dict[str, Any], assessment_id: int) -> Any:
    """Replace sections of a draft (If-Match required); 409 once submitted."""
    actor = current_actor()
    assessment = service.get_assessment(
        assessment_id, actor=actor, action="assessment.read_for_update"
    )
    check_if_match(assessment)
    service.update_assessment(assessment, data, actor=actor)
    db.session.commit()
    set_etag(assessment)
    return assessment


@bp.post("/assessments/<int:assessment_id>/submit")
@finds_client("assessment_id", client_of_assessment)
@permission_required(Permission.ASSESSMENT_WRITE)
@bp.response(200, AssessmentSchema)
def submit_assessment(assessment_id: int) -> Any:
    """Validate completeness (422 with `missing`), doses and the supervision rule; compute
    `results`; raise flags; freeze the record. An `If-Match`, when sent, must match."""
    actor = current_actor()
    assessment = service.get_assessment(
        assessment_id, actor=actor, action="assessment.read_for_update"
    )
    if request.headers.get("If-Match"):
        check_if_match(assessment)
    service.submit_assessment(assessment, actor=actor)
    db.session.commit()
    set_etag(assessment)
    return assessment
