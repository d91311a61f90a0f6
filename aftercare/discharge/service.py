"""Aftercare: discharge with its aftercare — the plan check, the case's discharge, its
follow-ups and the withdrawal from future therapy sessions, in one transaction.
Services flush and audit; views commit.

Discharge (API.md "Placement and cases", "Aftercare")
- `completed` needs an agreed plan: 409 with `missing: ["aftercare_plan"]` when there is
  none, `missing: ["aftercare_plan.status"]` when it is a draft. Other reasons proceed and
  raise an `aftercare_missing` flag (warning, source `follow_up`) when no plan is agreed.
- Checked in this order: the case is open (409), the plan (409), then
  `cases.episodes.service.discharge_case` (date window 422; frees the bed, admits the next case on
  the waitlist, keeps the primary counsellor's access as AFTERCARE).
- Follow-ups are scheduled at the discharge date + each `FOLLOW_UP_OFFSETS_DAYS` (default
  7, 30, 90), assigned to the primary counsellor.
- The case is withdrawn from every therapy session that has not started yet; attendance
  of sessions that have started stays. A session left with no client is cancelled unless
  it is a group (`scheduling.sessions.roster`). The answer says how many sessions the case left
  (`withdrawn_session_count`) and which were cancelled (`cancelled_session_ids`). The
  sessions are locked before the case, the lock order every session change takes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from aftercare.follow_ups.service import (
    ShownFollowUp,
    schedule_follow_ups,
)
from aftercare.plans.models import AftercarePlan, PlanStatus
from aftercare.plans.service import (
    plan_of,
)
from auth.models import User
from cases.episodes.models import Case
from cases.episodes.service import discharge_case, get_case, require_open
from core.errors import Conflict
from core.shown import Shown
from intake.flags.service import FlagRequest, raise_flag
from scheduling.sessions.roster import lock_future_sessions, withdraw_from_future_sessions

#: The discharge reason that needs an agreed plan.
COMPLETED = "completed"


def _no_agreed_plan(plan: AftercarePlan | None) -> Conflict:
    if plan is None:
        return Conflict(
            "A completed discharge needs an agreed aftercare plan; this case has none.",
            missing=["aftercare_plan"],
        )
    return Conflict(
        "A completed discharge needs an agreed aftercare plan; this case's plan is a draft.",
        missing=["aftercare_plan.status"],
        aftercare_plan_status=plan.status.value,
    )


@dataclass(frozen=True)
class Discharged(Shown):
    """The discharged case with the follow-ups scheduled and the sessions it left."""

    record: Case
    follow_ups: list[ShownFollowUp]
    withdrawn_session_count: int
    cancelled_session_ids: list[int]


def discharge(case_id: int, *, reason: str, date: date, summary: str, actor: User) -> Discharged:
    """Discharge a case with its aftercare: the plan check, the case's discharge and the
    follow-ups, all in the caller's one transaction (rules in the module docstring)."""
    lock_future_sessions(case_id)
    case = get_case(case_id, actor=actor, action="case.read_for_discharge", for_update=True)
    require_open(case.status)
    plan = plan_of(case.id, for_update=True)
    agreed = plan is not None and plan.status is PlanStatus.AGREED
    if reason == COMPLETED and not agreed:
        raise _no_agreed_plan(plan)
    discharge_case(case, reason=reason, date=date, summary=summary, actor=actor)
    if not agreed:
        state = "no aftercare plan" if plan is None else "the aftercare plan is still a draft"
        raise_flag(
            case.client_id,
            FlagRequest(
                type="aftercare_missing",
                severity="warning",
                source_kind="follow_up",
                note=f"Case {case.id} discharged ({reason}) on {date.isoformat()} with {state}.",
            ),
            actor=actor,
        )
    follow_ups = schedule_follow_ups(case, date, actor)
    withdrawal = withdraw_from_future_sessions(case, actor=actor)
    return Discharged(
        case,
        follow_ups=follow_ups,
        withdrawn_session_count=len(withdrawal.session_ids),
        cancelled_session_ids=list(withdrawal.cancelled_session_ids),
    )
