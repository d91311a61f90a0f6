"""Emergency access routes (API.md "Emergency access"): break the glass
(`EMERGENCY_ACCESS`: counsellor, clinician), list and review the grants
(`EMERGENCY_ACCESS_REVIEW`: manager).

Registering this blueprint installs `service.grants_in_force` as `core.audit`'s client
context, so every event on a client's data by someone holding a live grant on that client
names the grant (`{"emergency_grant_id": id}`)."""

from __future__ import annotations

from typing import Any

from flask.blueprints import BlueprintSetupState
from flask_smorest import Blueprint

from auth.permissions import Permission, current_actor, permission_required
from core import audit
from core.audit import finds_client
from core.extensions import db
from core.http import page_schema
from privacy.emergency import service
from privacy.emergency.models import client_of_grant
from privacy.emergency.schemas import (
    EmergencyAccessRequestSchema,
    GrantQuerySchema,
    GrantSchema,
    ReviewSchema,
)

bp = Blueprint("emergency", __name__, url_prefix="/api/v1", description="Emergency access")


@bp.record_once
def _audit_under_grants(state: BlueprintSetupState) -> None:
    state.app.extensions[audit.CLIENT_CONTEXT] = service.grants_in_force


@bp.post("/clients/<int:client_id>/emergency-access")
@permission_required(Permission.EMERGENCY_ACCESS)
@bp.arguments(EmergencyAccessRequestSchema)
@bp.response(201, GrantSchema)
def request_emergency_access(data: dict[str, Any], client_id: int) -> Any:
    """Break the glass `{reason}`: the caller's own access to this client's record for
    `EMERGENCY_ACCESS_HOURS` (default 4), as if on their caseload; every read under it is
    audited with the grant, and a manager reviews it. 409 while the caller already holds a
    live grant on the client (`emergency_grant_id` names it)."""
    grant = service.request_access(client_id, data["reason"], actor=current_actor())
    db.session.commit()
    return grant


@bp.get("/emergency-access")
@permission_required(Permission.EMERGENCY_ACCESS_REVIEW)
@bp.arguments(GrantQuerySchema, location="query")
@bp.response(200, page_schema(GrantSchema))
def list_emergency_access(args: dict[str, Any]) -> Any:
    """Emergency access grants, oldest first: `?reviewed=false` those still to review;
    `client_id`, `user_id` narrow."""
    page = service.list_grants(actor=current_actor(), **args)
    db.session.commit()
    return page


@bp.post("/emergency-access/<int:grant_id>/review")
@finds_client("grant_id", client_of_grant)
@permission_required(Permission.EMERGENCY_ACCESS_REVIEW)
@bp.arguments(ReviewSchema)
@bp.response(200, GrantSchema)
def review_emergency_access(data: dict[str, Any], grant_id: int) -> Any:
    """Review a grant `{outcome: appropriate|inappropriate, note?}`, once (409 after).
    `inappropriate` ends a grant that is still live."""
    actor = current_actor()
    grant = service.get_grant(
        grant_id, actor=actor, action="emergency_access.read_for_review", for_update=True
    )
    grant = service.review_grant(grant, actor=actor, **data)
    db.session.commit()
    return grant
