"""Withdrawal monitoring on a case (CLINICAL.md §4, rule version 2).

Scores are computed by `cases.withdrawal.rules`; a severe score (an urgent band, or a
CIWA-Ar warning sign whatever the total) raises the urgent `severe_withdrawal` flag through
`intake.flags.service.raise_flag`, which keeps one active flag per type and re-alerts on every
urgent finding. The flag's note names the score, its warning signs, whether it is rising fast
against the case's previous score on the same scale, and, when the case has an approved taper
plan, suggests pausing it. Scores are recorded on open cases and, since a taper may continue
after discharge, on a discharged case for 30 days after its discharge date (409 after that,
`cases.episodes.rules.withdrawal_recording_error`). Every read and write is audited with the
client's id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from auth.models import User
from cases.episodes.models import Case
from cases.episodes.rules import withdrawal_recording_error
from cases.episodes.service import get_case
from cases.tapers.models import TaperPlan, TaperStatus
from cases.tapers.service import ACTIVE_TAPER_STATUSES, audit_record
from cases.withdrawal.models import WithdrawalScore
from cases.withdrawal.rules import (
    WITHDRAWAL_INSTRUMENTS,
    Observation,
    WithdrawalInputError,
    WithdrawalResult,
    rising_fast,
    rising_fast_note,
    score_withdrawal,
    warning_signs_note,
)
from core import audit
from core.clock import centre_today
from core.db import utcnow
from core.errors import InvalidTransition, ValidationFailed
from core.extensions import db
from core.shown import Shown
from intake.flags.service import FlagRequest, raise_flag

#: How far in the future an observation's timestamp may lie (clock skew between devices).
OBSERVED_AT_LEEWAY = timedelta(minutes=5)


# --- withdrawal scores ------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordedScore(Shown):
    """A stored score with what recording it did: the active flag a severe score raised or
    kept (else None) and whether the flag suggests pausing an approved taper."""

    record: WithdrawalScore
    flag_id: int | None = None
    taper_pause_suggested: bool = False


def record_withdrawal_score(case_id: int, data: dict[str, Any], *, actor: User) -> RecordedScore:
    """Score one observation on a case that takes scores (`case_taking_scores`; 422 naming
    `items` with the allowed values) and store it with its warning signs and whether it is
    rising fast. A severe score raises (or re-alerts) the urgent `severe_withdrawal` flag;
    with an approved taper plan on the case the flag note suggests pausing it."""
    case = case_taking_scores(case_id, actor=actor)
    observed_at = _observed_at(data["observed_at"])
    result = _score(data["instrument"], data["items"])
    previous = previous_observation(case.id, result.instrument, observed_at)
    score = _store(case, result, list(data["items"]), observed_at, previous, actor)
    if result.severe:
        return _raise_severe_flag(case, score, previous, actor)
    return RecordedScore(score)


def case_taking_scores(case_id: int, *, actor: User) -> Case:
    """The case, if the actor may see it (404) and it still takes withdrawal scores: open,
    or discharged at most 30 days before today in the centre's time zone (409 otherwise)."""
    case = get_case(case_id, actor=actor, action="case.read_for_withdrawal_score")
    error = withdrawal_recording_error(case.status, case.discharge_date, centre_today())
    if error:
        raise InvalidTransition(error, case_status=case.status.value)
    return case


def _observed_at(value: datetime) -> datetime:
    """Stored and shown in UTC; not more than `OBSERVED_AT_LEEWAY` in the future (422)."""
    observed_at = value.astimezone(UTC)
    if observed_at > utcnow() + OBSERVED_AT_LEEWAY:
        raise ValidationFailed("The observation cannot lie in the future.", field="observed_at")
    return observed_at


def _score(instrument: str, items: list[int]) -> WithdrawalResult:
    try:
        return score_withdrawal(instrument, items)
    except WithdrawalInputError as exc:
        raise ValidationFailed(str(exc), field="items") from exc


def previous_observation(case_id: int, instrument: str, before: datetime) -> Observation | None:
    """The case's latest score on `instrument` observed before `before` (one query; on equal
    times the later recorded wins), or None."""
    row = db.session.execute(
        sa.select(WithdrawalScore.score, WithdrawalScore.observed_at)
        .where(
            WithdrawalScore.case_id == case_id,
            WithdrawalScore.instrument == instrument,
            WithdrawalScore.observed_at < before,
        )
        .order_by(WithdrawalScore.observed_at.desc(), WithdrawalScore.id.desc())
        .limit(1)
    ).first()
    return None if row is None else Observation(row.score, row.observed_at)


def _store(
    case: Case,
    result: WithdrawalResult,
    items: list[int],
    observed_at: datetime,
    previous: Observation | None,
    actor: User,
) -> WithdrawalScore:
    """Add the score row (flushed) and its audit event."""
    score = WithdrawalScore(
        case_id=case.id,
        instrument=result.instrument,
        items=items,
        score=result.score,
        band=result.band,
        severe=result.severe,
        warning_signs=list(result.warning_signs),
        rising_fast=rising_fast(
            result.instrument, previous, Observation(result.score, observed_at)
        ),
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
        fields=["band", "instrument", "score"],
    )
    return score


def _raise_severe_flag(
    case: Case, score: WithdrawalScore, previous: Observation | None, actor: User
) -> RecordedScore:
    """Raise or re-alert the urgent flag; note whether an approved plan should be paused."""
    plans = dict(
        db.session.execute(
            sa.select(TaperPlan.status, TaperPlan.id).where(
                TaperPlan.case_id == case.id, TaperPlan.status.in_(ACTIVE_TAPER_STATUSES)
            )
        ).all()
    )
    approved = plans.get(TaperStatus.APPROVED)
    note = _severe_note(score, case.id, previous)
    flag = raise_flag(
        case.client_id,
        FlagRequest(
            type="severe_withdrawal",
            severity="urgent",
            source_kind="withdrawal_score",
            note=note + _taper_note(approved, plans.get(TaperStatus.PAUSED)),
            instrument=score.instrument,
            score=score.score,
        ),
        actor=actor,
    )
    return RecordedScore(score, flag_id=flag.id, taper_pause_suggested=approved is not None)


def _severe_note(score: WithdrawalScore, case_id: int, previous: Observation | None) -> str:
    """E.g. "CIWA-B 72/80 (very severe) observed … on case 7. CIWA-B rising fast: 41 → 72
    within 24 h." with the warning signs, if any, between the two sentences."""
    scale = WITHDRAWAL_INSTRUMENTS[score.instrument]
    note = (
        f"{scale.label} {score.score}/{scale.max_score} ({score.band.replace('_', ' ')}) "
        f"observed {score.observed_at.isoformat()} on case {case_id}."
    )
    signs = warning_signs_note(score.instrument, score.items)
    if signs:
        note += f" {signs}."
    if score.rising_fast and previous is not None:
        current = Observation(score.score, score.observed_at)
        note += f" {rising_fast_note(score.instrument, previous, current)}."
    return note


def _taper_note(approved_plan: int | None, paused_plan: int | None) -> str:
    if approved_plan is not None:
        return (
            f" Taper plan {approved_plan} is in force: consider pausing it "
            "(pause or slow the taper when withdrawal is significant)."
        )
    if paused_plan is not None:
        return f" Taper plan {paused_plan} is paused."
    return ""


def list_withdrawal_scores(
    case_id: int,
    *,
    actor: User,
    instrument: str | None,
    page: int,
    per_page: int,
    newest_first: bool = False,
) -> dict[str, Any]:
    """A case's series in the order observed (oldest first; `newest_first` for the latest
    page first, as the case page charts the most recent scores), optionally of one
    instrument."""
    case = get_case(case_id, actor=actor, action="case.read_for_withdrawal_scores")
    stmt = sa.select(WithdrawalScore).where(WithdrawalScore.case_id == case.id)
    if instrument is not None:
        stmt = stmt.where(WithdrawalScore.instrument == instrument)
    if newest_first:
        stmt = stmt.order_by(WithdrawalScore.observed_at.desc(), WithdrawalScore.id.desc())
    else:
        stmt = stmt.order_by(WithdrawalScore.observed_at, WithdrawalScore.id)
    return audit.audited_page(
        stmt,
        page,
        per_page,
        actor=actor,
        action="withdrawal_score.list",
        record_type="withdrawal_score",
        client_of=case.client_id,
    )
