"""MedicationStatement builders (`medications`): one per substance entry of the latest
submitted assessment (what the client reported taking at intake, alcohol and street drugs
included), and one per taper plan (the schedule, step by step)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from intake.assessments.rule_set import is_current
from privacy.fhir.build import (
    Resource,
    code_of,
    identifier,
    notes,
    patient_reference,
    resource,
    text_of,
    when,
)
from privacy.fhir.codes import TAPER_STATUSES, UCUM, concept, humanise, identifier_system, local

SUBSTANCE_CATEGORIES = local("substance-category")


def per_day(mg: Any) -> dict[str, Any]:
    """A daily dose as a UCUM quantity (mg/d)."""
    return {"value": mg, "unit": "mg/d", "system": UCUM, "code": "mg/d"}


def substance_statements(assessment: Any, client_id: int) -> list[Resource]:
    """The substances of one assessment: `active` when in current use (CLINICAL.md §3: no
    last use, or within 12 months), `completed` otherwise."""
    entries = [e for e in assessment.substances or [] if isinstance(e, Mapping)]
    return [
        _substance(assessment, index, entry, client_id)
        for index, entry in enumerate(entries)
        if text_of(entry.get("substance"))
    ]


def _substance(assessment: Any, index: int, entry: Mapping[str, Any], client_id: int) -> Resource:
    category = str(entry.get("category") or "other")
    current = _current(entry, assessment.assessed_on)
    return resource(
        "MedicationStatement",
        f"med-a{assessment.id}-{index}",
        identifier=[
            {
                "system": identifier_system("assessment-substance"),
                "value": f"{assessment.id}:{index}",
            }
        ],
        status="active" if current else "completed",
        category=concept(SUBSTANCE_CATEGORIES, category, humanise(category)),
        medicationCodeableConcept={"text": str(entry["substance"]).strip()},
        subject=patient_reference(client_id),
        effectivePeriod={"end": when(entry["last_use"])} if entry.get("last_use") else None,
        dateAsserted=when(assessment.assessed_on),
        informationSource=patient_reference(client_id),
        dosage=[_reported_dosage(entry)],
        note=notes(*_substance_notes(entry)),
    )


def _current(entry: Mapping[str, Any], assessed_on: date) -> bool:
    try:
        return is_current(entry, assessed_on)
    except (TypeError, ValueError):
        return True


def _reported_dosage(entry: Mapping[str, Any]) -> dict[str, Any]:
    dose = entry.get("daily_dose_mg")
    has_dose = isinstance(dose, int | float) and not isinstance(dose, bool)
    route, frequency = text_of(entry.get("route")), text_of(entry.get("frequency"))
    parts = [f"{dose:g} mg per day" if has_dose else None, route, frequency]
    dosage: dict[str, Any] = {"text": ", ".join(p for p in parts if p) or "Dose not recorded"}
    if route:
        dosage["route"] = {"text": route}
    if has_dose:
        dosage["doseAndRate"] = [{"rateQuantity": per_day(dose)}]
    return dosage


def _substance_notes(entry: Mapping[str, Any]) -> list[str | None]:
    prescribed = entry.get("prescribed") is True
    as_prescribed = entry.get("taken_as_prescribed") is True
    months = entry.get("duration_months")
    return [
        ("Prescribed; " + ("taken as prescribed." if as_prescribed else "not taken as prescribed."))
        if prescribed
        else "Not prescribed.",
        f"Entered as {entry['entered_name']}." if text_of(entry.get("entered_name")) else None,
        f"Used for {months} months." if isinstance(months, int | float) else None,
        "Dose above the plausibility bound, confirmed." if entry.get("dose_confirmed") else None,
    ]


def taper_statement(plan: Any, client_id: int, context: dict[str, str] | None) -> Resource:
    """A taper plan: its status (draft `intended`, approved `active`, paused `on-hold`), the
    drug the steps are written in (diazepam after a switch), each crossover stage and step as
    a dated Dosage; `context` is the case's EpisodeOfCare when the bundle holds it."""
    medication = "diazepam" if plan.switch_to_diazepam else str(plan.medication)
    steps = [s for s in plan.steps or [] if isinstance(s, Mapping)]
    stages = [s for s in plan.crossover or [] if isinstance(s, Mapping)]
    dosages = [_stage(plan, stage) for stage in stages]
    dosages += [_step(medication, step, steps[i + 1 : i + 2]) for i, step in enumerate(steps)]
    for sequence, dosage in enumerate(dosages, start=1):
        dosage["sequence"] = sequence
    dates = [when(plan.start_date), *(s.get("date") for s in steps)]
    return resource(
        "MedicationStatement",
        f"med-t{plan.id}",
        identifier=[identifier("taper_plan", plan.id)],
        status=_taper_status(plan),
        category=concept(local("medication-statement-kind"), "taper_plan", "Taper plan"),
        medicationCodeableConcept={"text": medication},
        subject=patient_reference(client_id),
        context=context,
        effectivePeriod={"start": dates[0], "end": max(d for d in dates if d)},
        dateAsserted=when(plan.approved_at or plan.created_at),
        dosage=dosages,
        note=notes(*_taper_notes(plan)),
    )


def _taper_status(plan: Any) -> str:
    return TAPER_STATUSES.get(code_of(plan.status) or "", "unknown")


def _stage(plan: Any, stage: Mapping[str, Any]) -> dict[str, Any]:
    text = (
        f"{stage.get('date')}: {stage.get('original_mg')} mg {plan.medication} and "
        f"{stage.get('diazepam_mg')} mg diazepam per day (crossover)"
    )
    return {"text": text, "timing": {"event": [stage["date"]]} if stage.get("date") else None}


def _step(medication: str, step: Mapping[str, Any], after: list[Mapping[str, Any]]) -> dict:
    mg = step.get("daily_dose_mg")
    tail = " (tail)" if step.get("tail") else ""
    bounds = {"start": step.get("date"), "end": after[0].get("date") if after else None}
    return {
        "text": f"{step.get('date')}: {mg} mg {medication} per day{tail}",
        "timing": {"repeat": {"boundsPeriod": {k: v for k, v in bounds.items() if v}}},
        "doseAndRate": [{"rateQuantity": per_day(mg)}] if mg is not None else None,
    }


def _taper_notes(plan: Any) -> list[str | None]:
    cautions = [c.get("message") for c in plan.cautions or [] if isinstance(c, Mapping)]
    switched = f"Switched from {plan.medication} to diazepam." if plan.switch_to_diazepam else None
    return [
        f"Reduction {plan.reduction_percent:g}% every {plan.interval_days} days, in steps of "
        f"{plan.dose_increment_mg:g} mg ({plan.equivalence_table} equivalents).",
        switched,
        *(f"Caution: {message}" for message in cautions if message),
        text_of(plan.approval_note) and f"Approval note: {plan.approval_note.strip()}",
        text_of(plan.end_reason) and f"Ended: {plan.end_reason.strip()}",
        text_of(plan.notes),
    ]
