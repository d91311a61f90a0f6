"""Withdrawal monitoring routes (API.md "Withdrawal monitoring"): scores per scale on a
case, listed newest first. Rules are in `cases.withdrawal.rules`, use cases in
`cases.withdrawal.service`."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from auth.permissions import Permission, current_actor, permission_required
from cases.episodes.models import client_of_case
from cases.withdrawal import service as withdrawal_service
from cases.withdrawal.schemas import (
    WithdrawalScoreCreateSchema,
    WithdrawalScoreQuerySchema,
    WithdrawalScoreRecordedSchema,
    WithdrawalScoreSchema,
)
from core.audit import finds_client
from core.extensions import db
from core.http import page_schema

bp = Blueprint("withdrawal", __name__, url_prefix="/api/v1", description="Withdrawal monitoring")


# --- withdrawal scores ------------------------------------------------------------------------


@bp.post("/cases/<int:case_id>/withdrawal-scores")
@finds_client("case_id", client_of_case)
@permission_required(Permission.MEDICATION_WRITE)
@bp.arguments(WithdrawalScoreCreateSchema)
@bp.response(201, WithdrawalScoreRecordedSchema)
def record_withdrawal_score(data: dict[str, Any], case_id: int) -> Any:
    """Score one CIWA-B, CIWA-Ar or COWS observation (CLINICAL.md §4). A severe band raises
    the urgent `severe_withdrawal` flag (`flag_id`); with an approved taper plan on the case,
    `taper_pause_suggested` is true and the flag note says so."""
    recorded = withdrawal_service.record_withdrawal_score(case_id, data, actor=current_actor())
    db.session.commit()
    return recorded


@bp.get("/cases/<int:case_id>/withdrawal-scores")
@finds_client("case_id", client_of_case)
@permission_required(Permission.MEDICATION_READ)
@bp.arguments(WithdrawalScoreQuerySchema, location="query")
@bp.response(200, page_schema(WithdrawalScoreSchema))
def list_withdrawal_scores(args: dict[str, Any], case_id: int) -> Any:
    """The case's series, oldest observation first (`?instrument=` to filter)."""
    page = withdrawal_service.list_withdrawal_scores(
        case_id,
        actor=current_actor(),
        instrument=args.get("instrument"),
        page=args["page"],
        per_page=args["per_page"],
    )
    db.session.commit()
    return page
