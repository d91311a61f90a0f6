"""Taper plans on a case (CLINICAL.md §6, §6.1): reading them and their status machine.

The plan is computed by the pure `cases.tapers.rules.design_taper` when it is drafted
(`cases.tapers.drafting`) and stored with it. A plan moves only along

    draft → approved ⇄ paused → completed;  draft | approved | paused → cancelled

and any other move is a 409 naming the current status. A draft is never edited (there is no
PATCH): what a clinician approves is exactly what was computed; a different plan is a new draft,
and the old one is cancelled. A plan with cautions is approved only with an `approval_note`.
At most one plan per drug is in force (approved or paused) on a case; approving locks the case
row, so two approvals cannot race. Pausing records the centre-local date; resuming moves every
step dated on or after it by the days the plan was paused (`shift_steps`), so the spacing, and
with it the rate rules, only grows.

New plans need an open case (409 once discharged), and so does approving one. An approved
taper may continue after discharge (API.md Corrections, "Discharge"): its plan can still be
paused, resumed and completed, or cancelled, on the discharged case. Every read
and write is audited with the client's id; audit details name fields and ids, never clinical
text (reasons and notes stay on the plan)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from auth.caseload import client_visibility
from auth.models import User
from cases.episodes.models import Case
from cases.episodes.rules import CaseStatus
from cases.episodes.service import get_case, require_open
from cases.tapers.bounds import TAPER_TARGET_DRUG
from cases.tapers.models import TaperPlan, TaperStatus
from cases.tapers.rules import TaperStep, shift_steps
from core import audit
from core.clock import centre_today
from core.db import utcnow
from core.errors import Conflict, InvalidTransition, ValidationFailed
from core.extensions import db
from core.http import row_or_404

#: Plans that are in force: at most one per drug per case.
ACTIVE_TAPER_STATUSES = (TaperStatus.APPROVED, TaperStatus.PAUSED)

#: Which statuses each action may start from.
_ALLOWED_FROM: dict[str, tuple[TaperStatus, ...]] = {
    "approve": (TaperStatus.DRAFT,),
    "pause": (TaperStatus.APPROVED,),
    "resume": (TaperStatus.PAUSED,),
    "complete": (TaperStatus.APPROVED, TaperStatus.PAUSED),
    "cancel": (TaperStatus.DRAFT, TaperStatus.APPROVED, TaperStatus.PAUSED),
}


def audit_record(
    action: str,
    record_type: str,
    record_id: int,
    client_id: int,
    actor: User,
    **detail: Any,
) -> None:
    audit.record(
        action,
        actor=actor,
        record_type=record_type,
        record_id=record_id,
        client_id=client_id,
        detail=detail or None,
    )


TAPERS_NEED_OPEN_CASE = "new taper plans and approvals belong to an open case"


def open_case_for(case_id: int, *, actor: User, action: str, for_update: bool = False) -> Case:
    case = get_case(case_id, actor=actor, action=action, for_update=for_update)
    require_open(case.status, TAPERS_NEED_OPEN_CASE)
    return case


# --- taper plans: reading (creating: `cases.tapers.drafting`) ---------------------------------


def step_json(step: TaperStep) -> dict[str, Any]:
    return {
        "date": step.date.isoformat(),
        "daily_dose_mg": step.daily_dose_mg,
        "diazepam_equivalent_mg": step.diazepam_equivalent_mg,
        "tail": step.tail,
    }


def _step_of(row: dict[str, Any]) -> TaperStep:
    return TaperStep(
        date=date.fromisoformat(row["date"]),
        daily_dose_mg=row["daily_dose_mg"],
        diazepam_equivalent_mg=row["diazepam_equivalent_mg"],
        tail=bool(row.get("tail", False)),
    )


def list_taper_plans(
    case_id: int, *, actor: User, status: TaperStatus | None, page: int, per_page: int
) -> dict[str, Any]:
    """A case's plans, newest first (optionally of one status); one page."""
    case = get_case(case_id, actor=actor, action="case.read_for_taper_plans")
    stmt = sa.select(TaperPlan).where(TaperPlan.case_id == case.id)
    if status is not None:
        stmt = stmt.where(TaperPlan.status == status)
    stmt = stmt.order_by(TaperPlan.created_at.desc(), TaperPlan.id.desc())
    return audit.audited_page(
        stmt,
        page,
        per_page,
        actor=actor,
        action="taper_plan.list",
        record_type="taper_plan",
        client_of=case.client_id,
    )


@dataclass(frozen=True)
class _Located:
    plan: TaperPlan
    client_id: int
    case_status: CaseStatus


def _locate(plan_id: int, *, actor: User, for_update: bool = False) -> _Located:
    """The plan if the actor may see its case's client; 404 alike for a plan that does not
    exist and one on another caseload. `for_update` locks the case row and then the plan
    (PostgreSQL), so changes to one case's plans are serialised."""
    stmt = (
        sa.select(TaperPlan, Case.client_id, Case.status)
        .join(Case, Case.id == TaperPlan.case_id)
        .where(TaperPlan.id == plan_id, client_visibility(actor, Case.client_id))
    )
    lock = (Case, TaperPlan) if for_update else None
    plan, client_id, case_status = row_or_404(stmt, "taper plan", for_update=lock)
    return _Located(plan, client_id, case_status)


def get_taper_plan(plan_id: int, *, actor: User) -> TaperPlan:
    found = _locate(plan_id, actor=actor)
    audit_record("taper_plan.read", "taper_plan", found.plan.id, found.client_id, actor)
    return found.plan


# --- taper plans: the status machine ----------------------------------------------------------


_PAST = {
    "approve": "approved",
    "pause": "paused",
    "resume": "resumed",
    "complete": "completed",
    "cancel": "cancelled",
}


def allowed_actions(status: TaperStatus) -> tuple[str, ...]:
    """The actions a plan in `status` can take (approve, pause, resume, complete, cancel),
    for pages offering only those."""
    return tuple(action for action, starts in _ALLOWED_FROM.items() if status in starts)


def _transition(plan_id: int, action: str, *, actor: User) -> _Located:
    found = _locate(plan_id, actor=actor, for_update=True)
    allowed = _ALLOWED_FROM[action]
    if found.plan.status not in allowed:
        names = " or ".join(status.value for status in allowed)
        raise InvalidTransition(
            f"The taper plan is {found.plan.status.value}; only a plan that is {names} "
            f"can be {_PAST[action]}.",
            current_status=found.plan.status.value,
        )
    return found


def _append_note(plan: TaperPlan, line: str) -> None:
    plan.notes = f"{plan.notes}\n{line}" if plan.notes else line


def approve_taper_plan(plan_id: int, *, approval_note: str | None = None, actor: User) -> TaperPlan:
    """Approve a draft (clinician): it comes into force. A plan with cautions needs an
    `approval_note` (422), kept on the plan; the audit names the field, never its text. 409
    when the case is discharged or has a plan in force (approved or paused) for one of the
    same drugs (complete or cancel that one first); plans for different drugs coexist. The
    case row is locked first, so two approvals on one case are serialised."""
    found = _transition(plan_id, "approve", actor=actor)
    plan = found.plan
    require_open(found.case_status, TAPERS_NEED_OPEN_CASE)
    _refuse_same_drug_in_force(plan)
    note = (approval_note or "").strip() or None
    if plan.cautions and note is None:
        codes = ", ".join(caution["code"] for caution in plan.cautions)
        raise ValidationFailed(
            f"The plan has cautions ({codes}); approving it needs an approval_note saying "
            "how they were weighed.",
            field="approval_note",
        )
    plan.status = TaperStatus.APPROVED
    plan.approved_at = utcnow()
    plan.approved_by_id = actor.id
    plan.approval_note = note
    db.session.flush()
    detail = {"fields": ["approval_note"]} if note else {}
    audit_record("taper_plan.approve", "taper_plan", plan.id, found.client_id, actor, **detail)
    return plan


def plan_drugs(plan: TaperPlan) -> set[str]:
    """The drugs a plan doses: each drug it replaces (every one of a from_assessment plan;
    version-1 rows name one in `medication`) and diazepam when it switches."""
    drugs = {row["medication"] for row in plan.source_medications or ()} or {plan.medication}
    if plan.switch_to_diazepam:
        drugs.add(TAPER_TARGET_DRUG)
    return drugs


def _refuse_same_drug_in_force(plan: TaperPlan) -> None:
    """409 naming the case's plan in force that doses one of this plan's drugs."""
    in_force = db.session.execute(
        sa.select(TaperPlan)
        .where(
            TaperPlan.case_id == plan.case_id,
            TaperPlan.status.in_(ACTIVE_TAPER_STATUSES),
            TaperPlan.id != plan.id,
        )
        .order_by(TaperPlan.id)
    ).scalars()
    drugs = plan_drugs(plan)
    for other in in_force:
        shared = drugs & plan_drugs(other)
        if shared:
            raise Conflict(
                f"Taper plan {other.id} ({other.status.value}) is in force for "
                f"{', '.join(sorted(shared))}; complete or cancel it before approving "
                "another plan for the same drug.",
                active_taper_plan_id=other.id,
            )


def pause_taper_plan(plan_id: int, *, reason: str | None, actor: User) -> TaperPlan:
    """Pause an approved plan from today (centre time); the reason, if given, is added to
    the plan's notes with the date."""
    found = _transition(plan_id, "pause", actor=actor)
    plan = found.plan
    today = centre_today()
    plan.status = TaperStatus.PAUSED
    plan.paused_at = utcnow()
    plan.paused_on = today
    reason = (reason or "").strip() or None
    _append_note(plan, f"{today.isoformat()} paused" + (f": {reason}" if reason else "."))
    db.session.flush()
    audit_record(
        "taper_plan.pause",
        "taper_plan",
        plan.id,
        found.client_id,
        actor,
        fields=["paused_on", "reason"] if reason else ["paused_on"],
    )
    return plan


def resume_taper_plan(plan_id: int, *, actor: User) -> TaperPlan:
    """Resume a paused plan, on an open or a discharged case (a taper continuing after
    discharge): every step dated on or after the pause date moves later by the days the plan
    was paused, so no reduction falls inside the pause."""
    found = _transition(plan_id, "resume", actor=actor)
    plan = found.plan
    today = centre_today()
    paused_on = plan.paused_on or today
    days = max((today - paused_on).days, 0)
    plan.steps = [
        step_json(step) for step in shift_steps([_step_of(s) for s in plan.steps], paused_on, days)
    ]
    plan.status = TaperStatus.APPROVED
    plan.paused_at = None
    plan.paused_on = None
    _append_note(
        plan,
        f"{today.isoformat()} resumed after {days} day(s); steps from "
        f"{paused_on.isoformat()} moved {days} day(s) later.",
    )
    db.session.flush()
    audit_record(
        "taper_plan.resume",
        "taper_plan",
        plan.id,
        found.client_id,
        actor,
        fields=["paused_on", "shifted_days"],
    )
    return plan


def complete_taper_plan(plan_id: int, *, reason: str | None, actor: User) -> TaperPlan:
    """The taper is over. Before the last step's date the taper ends early, and that needs
    a reason (422 naming `reason`)."""
    found = _transition(plan_id, "complete", actor=actor)
    plan = found.plan
    reason = (reason or "").strip() or None
    last = date.fromisoformat(plan.steps[-1]["date"])
    if reason is None and last > centre_today():
        raise ValidationFailed(
            f"The plan's last step is on {last.isoformat()}; give a reason to complete it "
            "early (or cancel it).",
            field="reason",
        )
    _end(plan, TaperStatus.COMPLETED, reason)
    audit_record(
        "taper_plan.complete",
        "taper_plan",
        plan.id,
        found.client_id,
        actor,
        fields=["reason"] if reason else [],
    )
    return plan


def cancel_taper_plan(plan_id: int, *, reason: str, actor: User) -> TaperPlan:
    """Withdraw a draft, or stop an approved or paused plan, with a reason."""
    found = _transition(plan_id, "cancel", actor=actor)
    plan = found.plan
    reason = reason.strip()
    _end(plan, TaperStatus.CANCELLED, reason)
    audit_record(
        "taper_plan.cancel", "taper_plan", plan.id, found.client_id, actor, fields=["reason"]
    )
    return plan


def _end(plan: TaperPlan, status: TaperStatus, reason: str | None) -> None:
    plan.status = status
    plan.ended_at = utcnow()
    plan.end_reason = reason
    plan.paused_at = None
    plan.paused_on = None
    db.session.flush()
