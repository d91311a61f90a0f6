"""The discharge route (API.md "Placement and cases", "Aftercare"): needs `CASE_PLACE`
(clinicians); the plan check, follow-ups and session withdrawal are in
`aftercare.discharge.service`."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from aftercare.discharge import service
from aftercare.discharge.schemas import DischargedCaseSchema
from auth.permissions import Permission, current_actor, permission_required
from cases.episodes.models import client_of_case
from cases.episodes.schemas import DischargeSchema
from core.audit import finds_client
from core.extensions import db
from core.http import set_etag

bp = Blueprint("discharge", __name__, url_prefix="/api/v1", description="Discharge")


# --- discharge --------------------------------------------------------------------------------


@bp.post("/cases/<int:case_id>/discharge")
@finds_client("case_id", client_of_case)
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
