"""Treatment plans: one per case, saved whole as numbered versions (`core.documents`), read
by the care team; closed once the case is discharged. Services flush and audit; views
commit."""

from __future__ import annotations

from typing import Any

from auth.models import User
from cases.episodes.models import Case
from cases.episodes.service import get_case, require_open
from cases.treatment_plans.models import TreatmentPlan, TreatmentPlanRevision
from core.documents import Saved, VersionedDocument

TREATMENT_PLANS = VersionedDocument(
    model=TreatmentPlan,
    version_model=TreatmentPlanRevision,
    record_type="treatment_plan",
    version_record_type="treatment_plan_revision",
    label="treatment plan",
    copied=("problems",),
    newest_first=True,
)


def get_treatment_plan(case_id: int, *, actor: User) -> TreatmentPlan:
    """The case's current plan (404 when none has been saved yet)."""
    case = get_case(case_id, actor=actor, action="case.read_for_treatment_plan")
    return TREATMENT_PLANS.read(case.id, case.client_id, actor=actor)


def treatment_plan_for_update(case_id: int, *, actor: User) -> tuple[Case, TreatmentPlan | None]:
    """The case, locked, and its plan if there is one, for `save_treatment_plan`. Locking the
    case serialises two first saves, so the second finds the first's plan (and so needs
    If-Match) rather than failing on the one-plan-per-case constraint."""
    case = get_case(case_id, actor=actor, action="case.read_for_treatment_plan", for_update=True)
    return case, TREATMENT_PLANS.current(case.id, for_update=True)


def save_treatment_plan(
    case: Case, plan: TreatmentPlan | None, problems: list[dict[str, Any]], *, actor: User
) -> Saved:
    """Create the plan or replace its problems, keeping every saved version. 409 on a
    discharged case."""
    require_open(case.status, "its treatment plan is closed")
    return TREATMENT_PLANS.save(case, plan, {"problems": problems}, actor=actor)


def list_treatment_plan_versions(
    case_id: int, *, actor: User, page: int, per_page: int
) -> dict[str, Any]:
    """Every saved version of the case's plan, newest first (empty when none yet)."""
    case = get_case(case_id, actor=actor, action="case.read_for_treatment_plan")
    return TREATMENT_PLANS.versions(
        case.id, case.client_id, actor=actor, page=page, per_page=per_page
    )
