"""Withdrawal monitoring on a case (CLINICAL.md §4).

Scores are computed by `cases.withdrawal.score_withdrawal`; a severe band raises the urgent
`severe_withdrawal` flag through `intake.flag_service.raise_flag` (which keeps one active flag
per type), and when the case has an approved taper plan the flag's note suggests pausing it.
Every read and write is audited with the client's id."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from auth.models import User
from cases.models import TaperPlan, TaperStatus, WithdrawalScore
from cases.service import get_case
from cases.taper_service import ACTIVE_TAPER_STATUSES, audit_record, open_case_for
from cases.withdrawal import WITHDRAWAL_INSTRUMENTS, WithdrawalInputError, score_withdrawal
from core import audit
from core.db import utcnow
from core.errors import ValidationFailed
from core.extensions import db
from core.http import paginate
from intake.flag_service import FlagRequest, raise_flag

#: How far in the future an observation's timestamp may lie (clock skew between devices).
OBSERVED_AT_LEEWAY = timedelta(minutes=5)

_INSTRUMENT_LABELS = {"ciwa_b": "CIWA-B", "ciwa_ar": "CIWA-Ar", "cows": "COWS"}


# --- withdrawal scores ------------------------------------------------------------------------


def record_withdrawal_score(case_id: int, data: dict[str, Any], *, actor: User) -> WithdrawalScore:
    """Score one observation on an open case (422 naming `items` with the allowed ranges).
    A severe band raises or keeps the urgent `severe_withdrawal` flag; with an approved taper
    plan on the case the flag note suggests pausing it.

    The returned score also carries, unstored, `flag_id` (the active flag a severe score
    raised or kept, else None) and `taper_pause_suggested`, for the response."""
    case = open_case_for(case_id, actor=actor, action="case.read_for_withdrawal_score")
    observed_at: datetime = data["observed_at"].astimezone(UTC)  # stored and shown in UTC
    if observed_at > utcnow() + OBSERVED_AT_LEEWAY:
        raise ValidationFailed("The observation cannot lie in the future.", field="observed_at")
    try:
        result = score_withdrawal(data["instrument"], data["items"])
    except WithdrawalInputError as exc:
        raise ValidationFailed(str(exc), field="items") from exc
    score = WithdrawalScore(
        case_id=case.id,
        instrument=result.instrument,
        items=list(data["items"]),
        score=result.score,
        band=result.band,
        severe=result.severe,
        observed_at=observed_at,
        recorded_by_id=actor.id,
        recorded_at=utcnow(),
        rule_version=result.rule_version,
    )
    db.session.add(score)
    db.session.flush()
    audit_record(
        "withdrawal_score.create",
        "withdrawal_score",
        score.id,
        case.client_id,
        actor,
        case_id=case.id,
        instrument=result.instrument,
        score=result.score,
        band=result.band,
    )
    score.flag_id = None
    score.taper_pause_suggested = False
    if not result.severe:
        return score
    plans = dict(
        db.session.execute(
            sa.select(TaperPlan.status, TaperPlan.id).where(
                TaperPlan.case_id == case.id, TaperPlan.status.in_(ACTIVE_TAPER_STATUSES)
            )
        ).all()
    )
    approved = plans.get(TaperStatus.APPROVED)
    flag = raise_flag(
        case.client_id,
        FlagRequest(
            type="severe_withdrawal",
            severity="urgent",
            source_kind="withdrawal_score",
            note=_severe_note(score, case.id, approved, plans.get(TaperStatus.PAUSED)),
            instrument=result.instrument,
            score=result.score,
        ),
        actor=actor,
    )
    score.flag_id = flag.id
    score.taper_pause_suggested = approved is not None
    return score


def _severe_note(
    score: WithdrawalScore, case_id: int, approved_plan: int | None, paused_plan: int | None
) -> str:
    label = _INSTRUMENT_LABELS.get(score.instrument, score.instrument)
    scale = WITHDRAWAL_INSTRUMENTS[score.instrument]
    note = (
        f"{label} {score.score}/{scale.max_score} ({score.band.replace('_', ' ')}) observed "
        f"{score.observed_at.isoformat()} on case {case_id}."
    )
    if approved_plan is not None:
        note += (
            f" Taper plan {approved_plan} is in force: consider pausing it "
            "(pause or slow the taper when withdrawal is significant)."
        )
    elif paused_plan is not None:
        note += f" Taper plan {paused_plan} is paused."
    return note


def list_withdrawal_scores(
    case_id: int, *, actor: User, instrument: str | None, page: int, per_page: int
) -> dict[str, Any]:
    """A case's series in the order observed (oldest first), optionally of one instrument."""
    case = get_case(case_id, actor=actor, action="case.read_for_withdrawal_scores")
    stmt = sa.select(WithdrawalScore).where(WithdrawalScore.case_id == case.id)
    if instrument is not None:
        stmt = stmt.where(WithdrawalScore.instrument == instrument)
    stmt = stmt.order_by(WithdrawalScore.observed_at, WithdrawalScore.id)
    result = paginate(stmt, page, per_page)
    audit.record_many(
        "withdrawal_score.list",
        actor=actor,
        record_type="withdrawal_score",
        rows=[(score.id, case.client_id) for score in result["items"]],
    )
    return result
