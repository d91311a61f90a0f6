"""Screen 7, the case page's taper plans (CLINICAL.md §6, §6.1; API.md "Taper plans").

`taper_section` gives the case page (web.cases) its context: the plans in force and the
drafts waiting for approval, each with its staged crossover, its cautions, its steps as a table
and the total daily dose (diazepam-equivalent) over time as a chart, and the small forms a
clinician acts with; finished plans (completed, cancelled) in a short history. Reading needs
`MEDICATION_READ` (counsellors on their own caseload, clinicians, managers); acting needs
`MEDICATION_WRITE` (clinicians), as in the API.

The forms post to this blueprint's routes, which call the same services as the API
(`cases.tapers.drafting.create_taper_plan`, `cases.tapers.service.*_taper_plan`) with the
API's own schemas, so a page accepts exactly what the API accepts (brand names included) and
every rule and permission lives once. Success answers 303 back to ``/cases/<id>#taper``; a
refusal (422, 409) renders a small page with the form again, its values kept and each message
beside the field it names (``approval_note`` for a plan with cautions, ``reason``, ...), and a
link back to the case. A plan or case the caller may not see is the 404 page, as in the API.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import marshmallow as ma
from flask import Blueprint, Response, redirect, request, url_for
from markupsafe import Markup

from auth.models import User
from auth.permissions import Permission, allowed, current_actor
from cases.episodes import service as episodes
from cases.episodes.models import client_of_case
from cases.episodes.rules import OPEN_STATUSES
from cases.tapers import drafting, service
from cases.tapers.models import TaperPlan, TaperStatus, client_of_taper_plan
from cases.tapers.schemas import (
    ApproveSchema,
    CancelSchema,
    CompleteSchema,
    PauseSchema,
    TaperPlanCreateSchema,
)
from core.audit import finds_client
from core.clock import centre_today
from core.errors import DomainError, not_found
from core.extensions import db
from intake.instruments.sedatives import accepted_names
from web.charts import time_chart
from web.forms import Errors, FormInvalid, domain_errors, load
from web.pages import render
from web.security import page

bp = Blueprint("tapers", __name__)

#: How many of a case's plans the section reads (newest first); a case has a handful.
PLANS_SHOWN = 50

_SCHEMAS: dict[str, type[ma.Schema] | None] = {
    "approve": ApproveSchema,
    "pause": PauseSchema,
    "resume": None,
    "complete": CompleteSchema,
    "cancel": CancelSchema,
}
_ACT: dict[str, Callable[[int, dict[str, Any], User], TaperPlan]] = {
    "approve": lambda plan_id, data, actor: service.approve_taper_plan(
        plan_id, approval_note=data["approval_note"], actor=actor
    ),
    "pause": lambda plan_id, data, actor: service.pause_taper_plan(
        plan_id, reason=data["reason"], actor=actor
    ),
    "resume": lambda plan_id, _data, actor: service.resume_taper_plan(plan_id, actor=actor),
    "complete": lambda plan_id, data, actor: service.complete_taper_plan(
        plan_id, reason=data["reason"], actor=actor
    ),
    "cancel": lambda plan_id, data, actor: service.cancel_taper_plan(
        plan_id, reason=data["reason"], actor=actor
    ),
}
_CURRENT = (TaperStatus.APPROVED, TaperStatus.PAUSED, TaperStatus.DRAFT)


# --- what a plan shows ---------------------------------------------------------------------------


@dataclass(frozen=True)
class StepRow:
    """One step: its date, the dose in the plan's drug and in diazepam equivalents, and the
    reduction from the step before (None for the starting dose)."""

    date: date
    dose_mg: float
    diazepam_equivalent_mg: float
    reduction_mg: float | None
    reduction_percent: float | None
    tail: bool
    next: bool


@dataclass(frozen=True)
class StageRow:
    """One crossover stage: each original drug's dose still taken, the diazepam dose, and
    the total in diazepam equivalents when every drug has one (else None)."""

    date: date
    originals: list[float | None]
    diazepam_mg: float
    total_equivalent_mg: float | None


@dataclass(frozen=True)
class PlanView:
    plan: TaperPlan
    title: str
    taper_medication: str
    steps: list[StepRow]
    stages: list[StageRow]
    original_names: list[str]
    chart: Markup | None
    actions: tuple[str, ...]

    @property
    def in_force(self) -> bool:
        return self.plan.status in (TaperStatus.APPROVED, TaperStatus.PAUSED)

    @property
    def end_date(self) -> str | None:
        return self.plan.steps[-1]["date"] if self.plan.steps else None


def _title(plan: TaperPlan) -> str:
    named = plan.medication
    if plan.entered_name and plan.entered_name.lower() != plan.medication.lower():
        named += f" (entered as {plan.entered_name})"
    return named


def _steps(plan: TaperPlan, today: date) -> list[StepRow]:
    rows: list[StepRow] = []
    previous: float | None = None
    upcoming = next(
        (i for i, s in enumerate(plan.steps) if date.fromisoformat(s["date"]) >= today), None
    )
    for index, step in enumerate(plan.steps):
        dose = float(step["daily_dose_mg"])
        cut = None if previous is None else round(previous - dose, 3)
        rows.append(
            StepRow(
                date=date.fromisoformat(step["date"]),
                dose_mg=dose,
                diazepam_equivalent_mg=float(step["diazepam_equivalent_mg"]),
                reduction_mg=cut,
                reduction_percent=(
                    round(100 * cut / previous, 1) if cut is not None and previous else None
                ),
                tail=bool(step.get("tail")),
                next=index == upcoming and plan.status is not TaperStatus.DRAFT,
            )
        )
        previous = dose
    return rows


def _per_mg(plan: TaperPlan) -> dict[str, float | None]:
    """Diazepam equivalent per mg of each original drug, from the plan's own sources (the
    equivalence the plan was computed with); None for a drug without an equivalent."""
    ratios: dict[str, float | None] = {}
    for source in plan.source_medications or ():
        dose, equivalent = source.get("daily_dose_mg"), source.get("diazepam_equivalent_mg")
        ratios[source["medication"]] = equivalent / dose if dose and equivalent else None
    return ratios


def _stages(plan: TaperPlan) -> tuple[list[str], list[StageRow]]:
    ratios = _per_mg(plan)
    names = list(ratios) or [plan.medication]
    rows = []
    for stage in plan.crossover or ():
        if stage.get("originals"):
            doses = {o["medication"]: o["daily_dose_mg"] for o in stage["originals"]}
            originals = [doses.get(name) for name in names]
        else:
            originals = [stage.get("original_mg")] + [None] * (len(names) - 1)
        total: float | None = float(stage["diazepam_mg"])
        for name, mg in zip(names, originals, strict=True):
            ratio = ratios.get(name)
            if mg:
                total = None if ratio is None or total is None else total + mg * ratio
        rows.append(
            StageRow(
                date=date.fromisoformat(stage["date"]),
                originals=originals,
                diazepam_mg=float(stage["diazepam_mg"]),
                total_equivalent_mg=None if total is None else round(total, 2),
            )
        )
    return names, rows


def _chart(view_title: str, steps: list[StepRow], stages: list[StageRow]) -> Markup | None:
    if not steps:
        return None
    first_step = steps[0].date
    points: list[tuple[date, float | None]] = [
        (s.date, s.total_equivalent_mg)
        for s in stages
        if s.date < first_step and s.total_equivalent_mg is not None
    ]
    points += [(s.date, s.diazepam_equivalent_mg) for s in steps]
    return time_chart(
        f"Total daily dose, {view_title}",
        {"Total daily dose (mg diazepam-equivalent)": points},
        step=True,
        y_title="mg/day, diazepam-equivalent",
        description=(
            "Each dose is held until the next step; the steps and crossover tables give "
            "the numbers."
        ),
        height=360,
    )


def plan_view(plan: TaperPlan, *, today: date | None = None, chart: bool = True) -> PlanView:
    """What the page shows of one plan (no query); `chart` False leaves the chart out."""
    steps = _steps(plan, today or centre_today())
    names, stages = _stages(plan)
    title = _title(plan)
    return PlanView(
        plan=plan,
        title=title,
        taper_medication="diazepam" if plan.switch_to_diazepam else plan.medication,
        steps=steps,
        stages=stages,
        original_names=names,
        chart=_chart(title, steps, stages) if chart else None,
        actions=service.allowed_actions(plan.status),
    )


def taper_section(case: Any, actor: Any) -> dict[str, Any]:
    """Context for templates/cases/_taper.html on the case page (key ``taper``): the case's
    plans as the actor may see them (audited by the service), in force first, then drafts;
    finished ones as history. Roles without `MEDICATION_READ` get ``visible: False``."""
    if not allowed(actor.role, Permission.MEDICATION_READ):
        return {"taper": {"visible": False}}
    found = service.list_taper_plans(
        case.id, actor=actor, status=None, page=1, per_page=PLANS_SHOWN
    )
    today = centre_today()
    plans = found["items"]
    current = sorted(
        (p for p in plans if p.status in _CURRENT), key=lambda p: _CURRENT.index(p.status)
    )
    can_act = allowed(actor.role, Permission.MEDICATION_WRITE)
    return {
        "taper": {
            "visible": True,
            "case_id": case.id,
            "can_act": can_act,
            "can_draft": can_act and case.status in OPEN_STATUSES,
            "current": [plan_view(p, today=today) for p in current],
            "past": [p for p in plans if p.status not in _CURRENT],
            "total": found["total"],
            "shown": len(plans),
            "medication_names": accepted_names() if can_act else [],
            "today": today,
        }
    }


# --- the forms' routes ---------------------------------------------------------------------------


def _back(case_id: int) -> Response:
    return redirect(url_for("web.cases.show", case_id=case_id) + "#taper", 303)


@bp.post("/cases/<int:case_id>/taper-plans")
@finds_client("case_id", client_of_case)
@page(Permission.MEDICATION_WRITE)
def draft(case_id: int) -> Response:
    """Draft a plan (one drug, generic or brand; or ``from_assessment``)."""
    actor = current_actor()
    try:
        data = load(TaperPlanCreateSchema(), request.form)
        drafting.create_taper_plan(case_id, data, actor=actor)
    except FormInvalid as invalid:
        db.session.rollback()
        return _draft_page(case_id, 422, invalid.errors)
    except DomainError as error:
        if error.code in (403, 404):
            raise
        db.session.rollback()
        return _draft_page(case_id, error.code, domain_errors(error))
    db.session.commit()
    return _back(case_id)


def _draft_page(case_id: int, status: int, errors: Errors) -> Response:
    """The draft form again with the refusal beside its fields (404 for a case the caller
    may not see, whatever the form said)."""
    actor = current_actor()
    case = episodes.get_case(case_id, actor=actor, action="case.read_for_taper_plan")
    db.session.commit()
    return render(
        "medication/taper_draft.html",
        status,
        case_id=case.id,
        errors=errors,
        form=request.form,
        from_assessment=request.form.get("from_assessment") == "true",
        medication_names=accepted_names(),
    )


@bp.post("/taper-plans/<int:plan_id>/<action>")
@finds_client("plan_id", client_of_taper_plan)
@page(Permission.MEDICATION_WRITE)
def act(plan_id: int, action: str) -> Response:
    """approve {approval_note?}, pause {reason?}, resume, complete {reason?}, cancel
    {reason}: the plan's status machine (the service says which moves are allowed); any
    other action is the 404 page."""
    if action not in _SCHEMAS:
        raise not_found("page")
    actor = current_actor()
    schema = _SCHEMAS[action]
    try:
        data = load(schema(), request.form) if schema is not None else {}
        plan = _ACT[action](plan_id, data, actor)
    except FormInvalid as invalid:
        db.session.rollback()
        return _action_page(plan_id, action, 422, invalid.errors)
    except DomainError as error:
        if error.code in (403, 404):
            raise
        db.session.rollback()
        return _action_page(plan_id, action, error.code, domain_errors(error))
    case_id = plan.case_id
    db.session.commit()
    return _back(case_id)


def _action_page(plan_id: int, action: str, status: int, errors: Errors) -> Response:
    plan = service.get_taper_plan(plan_id, actor=current_actor())
    view = plan_view(plan)
    db.session.commit()
    return render(
        "medication/taper_action.html",
        status,
        view=view,
        action=action,
        action_label=action.capitalize(),
        errors=errors,
        form=request.form,
        case_id=plan.case_id,
    )
