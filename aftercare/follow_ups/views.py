"""Follow-up routes (API.md "Aftercare"): the post-discharge contacts, due and overdue,
and their outcomes. Completing needs `CLINICAL_RECORD_WRITE`, reading
`CLINICAL_RECORD_READ`; counsellors see their caseload only, others' answer 404."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_smorest import Blueprint

from aftercare.follow_ups import service
from aftercare.follow_ups.models import client_of_follow_up
from aftercare.follow_ups.schemas import (
    FollowUpCompleteSchema,
    FollowUpQuerySchema,
    FollowUpSchema,
)
from auth.permissions import Permission, current_actor, permission_required
from core.audit import finds_client
from core.extensions import db
from core.http import check_if_match, page_schema, set_etag

bp = Blueprint("follow_ups", __name__, url_prefix="/api/v1", description="Follow-ups")


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
@finds_client("follow_up_id", client_of_follow_up)
@permission_required(Permission.CLINICAL_RECORD_READ)
@bp.response(200, FollowUpSchema)
def get_follow_up(follow_up_id: int) -> Any:
    follow_up = service.get_follow_up(follow_up_id, actor=current_actor())
    db.session.commit()
    set_etag(follow_up)
    return follow_up


@bp.post("/follow-ups/<int:follow_up_id>/complete")
@finds_client("follow_up_id", client_of_follow_up)
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
    follow_up = service.complete_follow_up(follow_up.record, actor=actor, **data)
    db.session.commit()
    set_etag(follow_up)
    return follow_up
