"""Aftercare: relapse-prevention plans (API.md "Aftercare"). Services flush and audit;
views commit. Every read and write records an audit event with the client's id.

Plans
- One plan per case, replaced whole by PUT. It may be written while the case is open and
  after discharge (the primary counsellor keeps access through the AFTERCARE caseload
  membership). Every saved version, the first included, is copied into
  `AftercarePlanVersion`; a PUT that changes neither the sections nor the status saves
  nothing (same version, no new copy).
- A draft may be incomplete; agreeing it needs what `aftercare.plans.rules` lists, else 422
  naming each missing field in `errors.json` and in `missing`. `agreed_at` is set whenever
  a version is saved as agreed, and cleared for a draft."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from aftercare.plans.models import AftercarePlan, AftercarePlanVersion, PlanStatus
from aftercare.plans.rules import missing_for_agreement
from auth.models import User
from cases.episodes.models import Case
from cases.episodes.service import get_case
from core import audit
from core.db import utcnow
from core.documents import Saved, VersionedDocument
from core.errors import NotFound, ValidationFailed
from core.extensions import db
from intake.assessments.models import Assessment

AFTERCARE_PLANS = VersionedDocument(
    model=AftercarePlan,
    version_model=AftercarePlanVersion,
    record_type="aftercare_plan",
    version_record_type="aftercare_plan_version",
    label="aftercare plan",
    copied=("status", "content"),
)


def plan_of(case_id: int, *, for_update: bool = False) -> AftercarePlan | None:
    """The case's plan, or None before its first save; `for_update` locks it."""
    return AFTERCARE_PLANS.current(case_id, for_update=for_update)


def _opioids_involved(case: Case) -> bool:
    substances = db.session.execute(
        sa.select(Assessment.substances).where(Assessment.id == case.assessment_id)
    ).scalar()
    return any(isinstance(s, dict) and s.get("category") == "opioid" for s in substances or [])


def get_plan(case_id: int, *, actor: User) -> AftercarePlan:
    """The case's current plan (404 when none has been saved yet)."""
    case = get_case(case_id, actor=actor, action="case.read_for_aftercare_plan")
    return AFTERCARE_PLANS.read(case.id, case.client_id, actor=actor)


def plan_for_update(case_id: int, *, actor: User) -> tuple[Case, AftercarePlan | None]:
    """The case, locked, and its plan if there is one, for `save_plan`. Locking the case
    serialises two first saves (the second then needs If-Match) and a save with a discharge
    (which reads the plan's status)."""
    case = get_case(case_id, actor=actor, action="case.read_for_aftercare_plan", for_update=True)
    return case, plan_of(case.id, for_update=True)


def _require_agreeable(case: Case, content: dict[str, Any], status: PlanStatus) -> None:
    """422 naming each missing section when an agreed plan lacks one."""
    if status is not PlanStatus.AGREED:
        return
    missing = missing_for_agreement(content, opioids_involved=_opioids_involved(case))
    if missing:
        raise ValidationFailed(
            "The plan cannot be agreed yet: " + ", ".join(missing) + ".",
            errors={"json": {field: [why] for field, why in missing.items()}},
            missing=list(missing),
        )


def _changed_fields(
    plan: AftercarePlan | None, content: dict[str, Any], status: PlanStatus
) -> list[str]:
    """The names of the sections (and `status`) a save changes: what the audit event says,
    never their content (API.md: audit details carry no clinical content)."""
    before = plan.content if plan is not None else {}
    names = {k for k in before.keys() | content.keys() if before.get(k) != content.get(k)}
    if plan is None or plan.status is not status:
        names.add("status")
    return sorted(names)


def save_plan(
    case: Case,
    plan: AftercarePlan | None,
    content: dict[str, Any],
    status: PlanStatus,
    *,
    actor: User,
) -> Saved:
    """Create the plan or replace it with a new version (kept in the version history). 422
    when an agreed plan lacks a section. The audit event names the changed sections and the
    version, nothing of their content."""
    _require_agreeable(case, content, status)
    agreed_at = utcnow() if status is PlanStatus.AGREED else None
    values = {"content": content, "status": status, "agreed_at": agreed_at}
    changed = _changed_fields(plan, content, status)
    return AFTERCARE_PLANS.save(case, plan, values, actor=actor, changed=changed)


def list_plan_versions(case_id: int, *, actor: User, page: int, per_page: int) -> dict[str, Any]:
    """Every saved version of the case's plan, oldest first (empty before the first save)."""
    case = get_case(case_id, actor=actor, action="case.read_for_aftercare_plan")
    return AFTERCARE_PLANS.versions(
        case.id, case.client_id, actor=actor, page=page, per_page=per_page
    )


def agreement_gaps(case: Case, content: dict[str, Any] | None) -> dict[str, str]:
    """What the plan `content` still lacks before it may be agreed (field path → why; empty
    when it may be): the same rules `save_plan` applies, for a page to show before the
    clinician tries to agree the plan."""
    return missing_for_agreement(content or {}, opioids_involved=_opioids_involved(case))


def get_plan_version(case_id: int, version: int, *, actor: User) -> AftercarePlanVersion:
    """One saved version of the case's plan (404 when the case or the version is unknown or
    on another caseload), audited with the client's id like the version list."""
    case = get_case(case_id, actor=actor, action="case.read_for_aftercare_plan")
    found = db.session.execute(
        sa.select(AftercarePlanVersion)
        .join(AftercarePlan, AftercarePlan.id == AftercarePlanVersion.plan_id)
        .where(AftercarePlan.case_id == case.id, AftercarePlanVersion.version == version)
    ).scalar_one_or_none()
    if found is None:
        raise NotFound("This aftercare plan has no such version.")
    audit.record(
        "aftercare_plan.version_read",
        actor=actor,
        record_type=AFTERCARE_PLANS.version_record_type,
        record_id=found.id,
        client_id=case.client_id,
    )
    return found
