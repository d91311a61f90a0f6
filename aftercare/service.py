"""Aftercare: relapse-prevention plans, discharge (the plan check, the case's discharge and
its follow-ups in one transaction) and follow-ups. Services flush and audit; views commit.

Plans
- One plan per case, replaced whole by PUT. It may be written while the case is open and
  after discharge (the primary counsellor keeps access through the AFTERCARE caseload
  membership). Every saved version, the first included, is copied into
  `AftercarePlanVersion`; a PUT that changes neither the sections nor the status saves
  nothing (same version, no new copy).
- A draft may be incomplete. Agreeing it (`status: agreed`) needs what a clinician expects
  of a plan the client leaves with (`missing_for_agreement`), else 422 naming each field
  in `errors.json` and in `missing`:
  - at least one trigger or high-risk situation and at least one coping strategy
    (relapse prevention after Marlatt & Gordon);
  - a lapse plan: what to do after a slip so it does not become a relapse;
  - a crisis plan with a crisis line and at least one safety step (Stanley & Brown);
  - `crisis_plan.naloxone_offered: true` when the case's intake assessment lists an opioid
    (tolerance falls during treatment, so overdose risk rises after discharge);
  - `crisis_plan.safe_storage` when there is a medication plan (medicines at home, e.g. a
    taper that continues after discharge, are stored safely or disposed of).
  `agreed_at` is set whenever a version is saved as agreed, and cleared for a draft.

Discharge (API.md "Placement and cases", "Aftercare")
- `completed` needs an agreed plan: 409 with `missing: ["aftercare_plan"]` when there is
  none, `missing: ["aftercare_plan.status"]` when it is a draft. Other reasons proceed and
  raise an `aftercare_missing` flag (warning, source `follow_up`) when no plan is agreed.
- Checked in this order: the case is open (409), the plan (409), then
  `cases.service.discharge_case` (date window 422; frees the bed, admits the next case on
  the waitlist, keeps the primary counsellor's access as AFTERCARE).
- Follow-ups are scheduled at the discharge date + each `FOLLOW_UP_OFFSETS_DAYS` (default
  7, 30, 90), assigned to the primary counsellor.

Follow-ups
- Status is computed in SQL against today in `CENTRE_TIMEZONE`: `completed` once
  `completed_at` is set, else `overdue` when due before today, else `due`.
- Completing records the contact once (409 the second time). `contacted_at` may not lie in
  the future (up to `CLOCK_SKEW` ahead is accepted) nor, in the centre's time zone, before
  the discharge date; completing before `due_on` is allowed (an early contact counts).
- A `relapse` (a return to the old pattern, CLINICAL.md §7) raises a `relapse` flag
  (warning, source `follow_up`) and sets the case's `re_engagement_recommended`. A `lapse`
  (a single slip) is recorded without a flag.
- When the last open follow-up of a case is completed, aftercare for that episode is over:
  the AFTERCARE caseload membership it granted ends, so a counsellor no longer sees that
  client unless another case puts them on the caseload again. Completing locks the case row,
  so two concurrent completions cannot both miss being the last.

Every read and write records an audit event with the client's id.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from aftercare.models import (
    AftercarePlan,
    AftercarePlanVersion,
    FollowUp,
    FollowUpOutcome,
    PlanStatus,
)
from auth.models import MembershipKind, User
from auth.permissions import client_visibility
from auth.service import end_caseload
from cases.models import Case
from cases.rules import OPEN_STATUSES
from cases.service import discharge_case, get_case
from core import audit
from core.clock import centre_date, centre_today
from core.db import utcnow
from core.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from core.extensions import db
from core.http import paginate
from intake.flag_service import FlagRequest, raise_flag
from intake.models import Assessment

#: How far ahead of the server's clock a `contacted_at` may lie (clock drift of the caller).
CLOCK_SKEW = timedelta(minutes=5)

#: The discharge reason that needs an agreed plan.
COMPLETED = "completed"


# --- plans ------------------------------------------------------------------------------------


def _audit_plan(action: str, plan: AftercarePlan, case: Case, actor: User, **detail: Any) -> None:
    audit.record(
        action,
        actor=actor,
        record_type="aftercare_plan",
        record_id=plan.id,
        client_id=case.client_id,
        detail=detail or None,
    )


def _plan_of(case_id: int, *, for_update: bool = False) -> AftercarePlan | None:
    stmt = sa.select(AftercarePlan).where(AftercarePlan.case_id == case_id)
    if for_update:
        stmt = stmt.with_for_update(key_share=True).execution_options(populate_existing=True)
    return db.session.execute(stmt).scalar_one_or_none()


def _blank(value: Any) -> bool:
    return not (value or "").strip()


def _filled(items: Any) -> bool:
    return any(item.strip() for item in items or [])


def missing_for_agreement(content: dict[str, Any], *, opioids_involved: bool) -> dict[str, str]:
    """What a plan still lacks before it may be agreed: field path → why (empty when it may
    be agreed). The rules are in this module's docstring."""
    missing: dict[str, str] = {}
    if not _filled(content.get("triggers")):
        missing["triggers"] = "Name at least one trigger or high-risk situation."
    if not _filled(content.get("coping_strategies")):
        missing["coping_strategies"] = "Name at least one coping strategy."
    if _blank(content.get("lapse_plan")):
        missing["lapse_plan"] = "Say what to do after a lapse."
    crisis = content.get("crisis_plan") or {}
    if _blank(crisis.get("crisis_line")):
        missing["crisis_plan.crisis_line"] = "Give a crisis line."
    if not _filled(crisis.get("safety_steps")):
        missing["crisis_plan.safety_steps"] = "Name at least one safety step."
    if opioids_involved and crisis.get("naloxone_offered") is not True:
        missing["crisis_plan.naloxone_offered"] = (
            "The assessment lists opioid use: offer naloxone (tolerance falls during "
            "treatment, so overdose risk rises after discharge)."
        )
    if not _blank(content.get("medication_plan")) and _blank(crisis.get("safe_storage")):
        missing["crisis_plan.safe_storage"] = (
            "With a medication plan, say how medicines are stored safely or disposed of."
        )
    return missing


def _opioids_involved(case: Case) -> bool:
    substances = db.session.execute(
        sa.select(Assessment.substances).where(Assessment.id == case.assessment_id)
    ).scalar()
    return any(isinstance(s, dict) and s.get("category") == "opioid" for s in substances or [])


def get_plan(case_id: int, *, actor: User) -> AftercarePlan:
    """The case's current plan (404 when none has been saved yet)."""
    case = get_case(case_id, actor=actor, action="case.read_for_aftercare_plan")
    plan = _plan_of(case.id)
    if plan is None:
        raise NotFound("This case has no aftercare plan yet.")
    _audit_plan("aftercare_plan.read", plan, case, actor)
    return plan


def plan_for_update(case_id: int, *, actor: User) -> tuple[Case, AftercarePlan | None]:
    """The case, locked, and its plan if there is one, for `save_plan`. Locking the case
    serialises two first saves (the second then needs If-Match) and a save with a discharge
    (which reads the plan's status)."""
    case = get_case(case_id, actor=actor, action="case.read_for_aftercare_plan", for_update=True)
    return case, _plan_of(case.id, for_update=True)


def save_plan(
    case: Case,
    plan: AftercarePlan | None,
    content: dict[str, Any],
    status: PlanStatus,
    *,
    actor: User,
) -> tuple[AftercarePlan, bool]:
    """Create the plan or replace it with a new version (kept in the version history).
    Returns the plan and whether it was created. 422 when an agreed plan lacks a section."""
    if status is PlanStatus.AGREED:
        missing = missing_for_agreement(content, opioids_involved=_opioids_involved(case))
        if missing:
            raise ValidationFailed(
                "The plan cannot be agreed yet: " + ", ".join(missing) + ".",
                errors={"json": {field: [why] for field, why in missing.items()}},
                missing=list(missing),
            )
    created = plan is None
    if plan is None:
        plan = AftercarePlan(case_id=case.id, content=content, status=status)
        db.session.add(plan)
    elif plan.content == content and plan.status is status:
        _audit_plan("aftercare_plan.update", plan, case, actor, unchanged=True)
        return plan, False
    else:
        plan.content = content
        plan.status = status
    plan.updated_by_id = actor.id
    plan.agreed_at = utcnow() if status is PlanStatus.AGREED else None
    db.session.flush()
    db.session.add(
        AftercarePlanVersion(
            plan_id=plan.id,
            version=plan.version,
            status=status,
            content=content,
            saved_at=utcnow(),
            saved_by_id=actor.id,
        )
    )
    db.session.flush()
    action = "aftercare_plan.create" if created else "aftercare_plan.update"
    _audit_plan(action, plan, case, actor, version=plan.version, status=status.value)
    return plan, created


def list_plan_versions(case_id: int, *, actor: User, page: int, per_page: int) -> dict[str, Any]:
    """Every saved version of the case's plan, oldest first (empty before the first save)."""
    case = get_case(case_id, actor=actor, action="case.read_for_aftercare_plan")
    stmt = (
        sa.select(AftercarePlanVersion)
        .join(AftercarePlan, AftercarePlan.id == AftercarePlanVersion.plan_id)
        .where(AftercarePlan.case_id == case.id)
        .order_by(AftercarePlanVersion.version, AftercarePlanVersion.id)
    )
    result = paginate(stmt, page, per_page)
    audit.record_many(
        "aftercare_plan.versions",
        actor=actor,
        record_type="aftercare_plan_version",
        rows=[(version.id, case.client_id) for version in result["items"]],
    )
    return result


# --- discharge --------------------------------------------------------------------------------


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


def discharge(case_id: int, *, reason: str, date: date, summary: str, actor: User) -> Case:
    """Discharge a case with its aftercare: the plan check, the case's discharge and the
    follow-ups, all in the caller's one transaction (rules in the module docstring). The
    case answers with `follow_ups` set to those scheduled."""
    case = get_case(case_id, actor=actor, action="case.read_for_discharge", for_update=True)
    if case.status not in OPEN_STATUSES:
        raise InvalidTransition("The case is discharged; open a new case instead.")
    plan = _plan_of(case.id, for_update=True)
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
    case.follow_ups = _schedule_follow_ups(case, date, actor)
    return case


def _schedule_follow_ups(case: Case, discharged_on: date, actor: User) -> list[FollowUp]:
    offsets = sorted({int(days) for days in current_app.config["FOLLOW_UP_OFFSETS_DAYS"]})
    follow_ups = [
        FollowUp(
            case_id=case.id,
            client_id=case.client_id,
            offset_days=days,
            due_on=discharged_on + timedelta(days=days),
            assigned_to_id=case.primary_counsellor_id,
        )
        for days in offsets
    ]
    db.session.add_all(follow_ups)
    db.session.flush()
    audit.record_many(
        "follow_up.schedule",
        actor=actor,
        record_type="follow_up",
        rows=[(f.id, f.client_id) for f in follow_ups],
    )
    rows = db.session.execute(
        _with_status().where(FollowUp.id.in_([f.id for f in follow_ups]))
    ).all()
    statuses = {follow_up.id: status for follow_up, status in rows}
    for follow_up in follow_ups:
        follow_up.status = statuses[follow_up.id]
    return follow_ups


# --- follow-ups -------------------------------------------------------------------------------


def follow_up_status_column(today: date) -> sa.ColumnElement[str]:
    """A follow-up's API status, in SQL (see the module docstring)."""
    return sa.case(
        (FollowUp.completed_at.is_not(None), sa.literal("completed")),
        (FollowUp.due_on < today, sa.literal("overdue")),
        else_=sa.literal("due"),
    ).label("status")


def follow_up_status_filter(status: str, today: date) -> sa.ColumnElement[bool]:
    if status == "completed":
        return FollowUp.completed_at.is_not(None)
    open_ = FollowUp.completed_at.is_(None)
    if status == "overdue":
        return sa.and_(open_, FollowUp.due_on < today)
    return sa.and_(open_, FollowUp.due_on >= today)


def _with_status(today: date | None = None) -> sa.Select[tuple[FollowUp, str]]:
    return sa.select(FollowUp, follow_up_status_column(today or centre_today()))


def _attach(rows: Iterable[Any]) -> list[FollowUp]:
    items = []
    for follow_up, status in rows:
        follow_up.status = status
        items.append(follow_up)
    return items


def list_follow_ups(
    *,
    actor: User,
    page: int,
    per_page: int,
    status: str | None = None,
    counsellor_id: int | None = None,
    case_id: int | None = None,
    client_id: int | None = None,
) -> dict[str, Any]:
    """Follow-ups the actor may see (counsellors: their caseload), by due date."""
    today = centre_today()
    stmt = _with_status(today).where(client_visibility(actor, FollowUp.client_id))
    if status is not None:
        stmt = stmt.where(follow_up_status_filter(status, today))
    if counsellor_id is not None:
        stmt = stmt.where(FollowUp.assigned_to_id == counsellor_id)
    if case_id is not None:
        stmt = stmt.where(FollowUp.case_id == case_id)
    if client_id is not None:
        stmt = stmt.where(FollowUp.client_id == client_id)
    result = paginate(stmt.order_by(FollowUp.due_on, FollowUp.id), page, per_page, scalars=False)
    result["items"] = _attach(result["items"])
    audit.record_many(
        "follow_up.list",
        actor=actor,
        record_type="follow_up",
        rows=[(f.id, f.client_id) for f in result["items"]],
    )
    return result


def get_follow_up(
    follow_up_id: int, *, actor: User, action: str = "follow_up.read", for_update: bool = False
) -> FollowUp:
    """A follow-up the actor may see (404 otherwise). `for_update` locks its row."""
    stmt = _with_status().where(
        FollowUp.id == follow_up_id, client_visibility(actor, FollowUp.client_id)
    )
    if for_update:
        stmt = stmt.with_for_update(of=FollowUp, key_share=True).execution_options(
            populate_existing=True
        )
    row = db.session.execute(stmt).first()
    if row is None:
        raise NotFound("No such follow-up.")
    (follow_up,) = _attach([row])
    audit.record(
        action,
        actor=actor,
        record_type="follow_up",
        record_id=follow_up.id,
        client_id=follow_up.client_id,
    )
    return follow_up


def complete_follow_up(
    follow_up: FollowUp,
    *,
    contacted_at: datetime,
    outcome: FollowUpOutcome,
    notes: str,
    actor: User,
) -> FollowUp:
    """Record the contact and its outcome (rules in the module docstring): 409 when already
    completed; a relapse raises a flag and recommends re-engagement; the last open
    follow-up ends the AFTERCARE caseload membership of the case."""
    if follow_up.completed_at is not None:
        raise InvalidTransition("The follow-up is already completed.")
    case = get_case(
        follow_up.case_id, actor=actor, action="case.read_for_follow_up", for_update=True
    )
    if contacted_at > utcnow() + CLOCK_SKEW:
        raise ValidationFailed("The contact time is in the future.", field="contacted_at")
    if case.discharge_date is not None and centre_date(contacted_at) < case.discharge_date:
        raise ValidationFailed(
            f"The contact time is before the discharge date {case.discharge_date}.",
            field="contacted_at",
        )
    follow_up.contacted_at = contacted_at
    follow_up.outcome = outcome
    follow_up.notes = notes
    follow_up.completed_at = utcnow()
    follow_up.completed_by_id = actor.id
    db.session.flush()
    follow_up.status = "completed"
    audit.record(
        "follow_up.complete",
        actor=actor,
        record_type="follow_up",
        record_id=follow_up.id,
        client_id=follow_up.client_id,
        detail={"outcome": outcome.value},
    )
    if outcome is FollowUpOutcome.RELAPSE:
        _recommend_re_engagement(case, follow_up, actor)
    _end_aftercare_when_done(case, actor)
    return follow_up


def _recommend_re_engagement(case: Case, follow_up: FollowUp, actor: User) -> None:
    raise_flag(
        case.client_id,
        FlagRequest(
            type="relapse",
            severity="warning",
            source_kind="follow_up",
            note=(
                f"Relapse reported at the {follow_up.offset_days}-day follow-up of case "
                f"{case.id}; offer re-engagement."
            ),
        ),
        actor=actor,
    )
    if not case.re_engagement_recommended:
        case.re_engagement_recommended = True
        db.session.flush()
    audit.record(
        "case.re_engagement_recommended",
        actor=actor,
        record_type="case",
        record_id=case.id,
        client_id=case.client_id,
        detail={"follow_up_id": follow_up.id},
    )


def _end_aftercare_when_done(case: Case, actor: User) -> None:
    still_open = db.session.execute(
        sa.select(sa.exists().where(FollowUp.case_id == case.id, FollowUp.completed_at.is_(None)))
    ).scalar()
    if still_open:
        return
    end_caseload(case.id, kind=MembershipKind.AFTERCARE)
    audit.record(
        "caseload.aftercare_end",
        actor=actor,
        record_type="case",
        record_id=case.id,
        client_id=case.client_id,
    )
