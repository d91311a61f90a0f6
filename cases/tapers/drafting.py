"""Drafting a taper plan (CLINICAL.md §6, §6.1; API.md "Taper plans (rule version 2)").

The service gathers what the record says about the client (date of birth, an active
`pregnancy` flag, the latest submitted assessment), hands it with the request to the pure
`cases.tapers.rules.design_taper`, and stores the draft it computes: steps, staged crossover,
cautions, the equivalence table and the rule version. Nothing is computed here. A draft is
never edited afterwards: what a clinician approves is exactly what was computed."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from auth.models import User
from cases.tapers.bounds import Source, TaperInputError, TaperStateError
from cases.tapers.crossover import CrossoverStage
from cases.tapers.facts import ClientFacts, IntakeRecord
from cases.tapers.models import TaperPlan, TaperStatus
from cases.tapers.rules import TaperDesign, TaperRequest, design_taper
from cases.tapers.service import audit_record, open_case_for, step_json
from core.errors import Conflict, ValidationFailed
from core.extensions import db
from intake.assessments.models import Assessment, AssessmentStatus
from intake.clients.models import Client
from intake.flags.service import active_flag_id
from intake.instruments.sedatives import DEFAULT_EQUIVALENCE_TABLE


def create_taper_plan(case_id: int, data: dict[str, Any], *, actor: User) -> TaperPlan:
    """A draft plan for an open case, computed now by `cases.tapers.rules.design_taper` from the
    request and what the record says about the client (age, an active pregnancy flag, the
    latest submitted assessment). 422 naming the input that breaks a §6 rule; 409 when a
    `from_assessment` plan has no assessment (or no current sedative) to build from."""
    case = open_case_for(case_id, actor=actor, action="case.read_for_taper_plan")
    request = TaperRequest(**{k: v for k, v in data.items() if k != "notes"})
    try:
        design = design_taper(request, _client_facts(case.client_id))
    except TaperInputError as exc:
        raise ValidationFailed(str(exc), field=exc.field) from exc
    except TaperStateError as exc:
        raise Conflict(str(exc)) from exc
    plan = _plan_of(design, data, case_id=case.id, actor=actor)
    db.session.add(plan)
    db.session.flush()
    audit_record(
        "taper_plan.create",
        "taper_plan",
        plan.id,
        case.client_id,
        actor,
        case_id=case.id,
        from_assessment_id=plan.from_assessment_id,
    )
    return plan


def _client_facts(client_id: int) -> ClientFacts:
    """Date of birth, an active pregnancy flag, and the latest submitted assessment (by
    assessment date, then submission time, then id)."""
    latest = db.session.execute(
        sa.select(Assessment)
        .where(Assessment.client_id == client_id, Assessment.status == AssessmentStatus.SUBMITTED)
        .order_by(
            Assessment.assessed_on.desc(),
            Assessment.submitted_at.desc().nulls_last(),
            Assessment.id.desc(),
        )
        .limit(1)
    ).scalar()
    intake = None
    if latest is not None:
        intake = IntakeRecord(
            assessment_id=latest.id,
            assessed_on=latest.assessed_on,
            equivalence_table=(latest.results or {}).get("equivalence_table")
            or DEFAULT_EQUIVALENCE_TABLE,
            substances=tuple(latest.substances or ()),
        )
    client = db.session.get(Client, client_id)
    return ClientFacts(
        date_of_birth=client.date_of_birth if client is not None else None,
        pregnant=active_flag_id(client_id, "pregnancy") is not None,
        intake=intake,
    )


def _plan_of(design: TaperDesign, data: dict[str, Any], *, case_id: int, actor: User) -> TaperPlan:
    """The row for a computed design (the clinician's own inputs kept beside it)."""
    per_drug = design.from_assessment_id is not None
    return TaperPlan(
        case_id=case_id,
        status=TaperStatus.DRAFT,
        medication=design.medication,
        entered_name=design.entered_name,
        current_daily_dose_mg=design.current_daily_dose_mg,
        switch_to_diazepam=design.switch_to_diazepam,
        from_assessment_id=design.from_assessment_id,
        source_medications=[_source_json(source) for source in design.sources],
        dose_confirmed=bool(data.get("dose_confirmed")),
        crossover_days=design.crossover_days,
        crossover=[_stage_json(stage, per_drug) for stage in design.crossover],
        start_dose_mg=None if data.get("start_dose_mg") is None else float(data["start_dose_mg"]),
        start_dose_reason=(data.get("start_dose_reason") or "").strip() or None,
        cautions=[{"code": c.code, "message": c.message} for c in design.cautions],
        equivalence_table=design.equivalence_table,
        reduction_percent=design.reduction_percent,
        interval_days=design.interval_days,
        start_date=data["start_date"],
        dose_increment_mg=design.dose_increment_mg,
        steps=[step_json(step) for step in design.steps],
        notes=(data.get("notes") or "").strip() or None,
        rule_version=design.rule_version,
        created_by_id=actor.id,
    )


def _source_json(source: Source) -> dict[str, Any]:
    equivalent = source.diazepam_equivalent_mg
    return {
        "medication": source.medication,
        "daily_dose_mg": float(round(source.daily_dose_mg, 3)),
        "diazepam_equivalent_mg": None if equivalent is None else float(round(equivalent, 3)),
    }


def _stage_json(stage: CrossoverStage, per_drug: bool) -> dict[str, Any]:
    row: dict[str, Any] = {
        "date": stage.date.isoformat(),
        "original_mg": stage.original_mg,
        "diazepam_mg": stage.diazepam_mg,
    }
    if per_drug:
        row["originals"] = [{"medication": m, "daily_dose_mg": d} for m, d in stage.originals]
    return row
