"""CarePlan builders (the treatment plan, `treatment_plan`; the relapse-prevention plan,
`aftercare`) and DocumentReference for signed clinical notes (`notes`)."""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from typing import Any

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
from privacy.fhir.codes import AFTERCARE_STATUSES, concept, humanise, local

CARE_PLANS = local("care-plan")


# --- treatment plan ---------------------------------------------------------------------------


def treatment_plan_resource(
    plan: Any, case_status: str | None, client_id: int, episode: dict[str, str] | None
) -> Resource:
    """The case's current treatment plan: one activity per intervention of each goal of each
    problem (the problem as its reason, the goal and its dates in its description). Active
    while the case is open; `completed` once it is discharged (the plan closes with the
    episode), its activities then `unknown` (the plan does not record their outcome)."""
    open_case = case_status != "discharged"
    status = "in-progress" if open_case else "unknown"
    activities = [
        _intervention(problem, goal, intervention, status)
        for problem in _mappings(plan.problems)
        for goal in _mappings(problem.get("goals"))
        for intervention in _mappings(goal.get("interventions"))
    ]
    return resource(
        "CarePlan",
        f"treatment-plan-{plan.id}",
        identifier=[identifier("treatment_plan", plan.id)],
        status="active" if open_case else "completed",
        intent="plan",
        category=[concept(CARE_PLANS, "treatment", "Treatment plan")],
        title="Treatment plan",
        subject=patient_reference(client_id),
        created=when(plan.created_at),
        supportingInfo=[episode] if episode else None,
        activity=activities,
    )


def _mappings(value: Any) -> list[Mapping[str, Any]]:
    return [item for item in value or [] if isinstance(item, Mapping)]


def _intervention(
    problem: Mapping[str, Any],
    goal: Mapping[str, Any],
    intervention: Mapping[str, Any],
    status: str,
) -> dict[str, Any]:
    kind = str(intervention.get("type") or "other")
    dates = f"target {goal.get('target_date')}, review {goal.get('review_date')}"
    description = f"Goal: {goal.get('description')} ({dates})."
    if text_of(intervention.get("description")):
        description += f" {intervention['description'].strip()}"
    detail: dict[str, Any] = {
        "code": concept(local("intervention"), kind, humanise(kind)),
        "status": status,
        "description": description,
    }
    if text_of(problem.get("description")):
        detail["reasonCode"] = [{"text": problem["description"].strip()}]
    if text_of(intervention.get("frequency")):
        detail["scheduledString"] = intervention["frequency"].strip()
    return {"detail": detail}


# --- aftercare plan ---------------------------------------------------------------------------

#: (section, its heading in the plan's notes) for the sections that are lists of text.
LIST_SECTIONS = (
    ("goals", "Goals"),
    ("triggers", "Triggers and high-risk situations"),
    ("warning_signs", "Early warning signs"),
    ("coping_strategies", "Coping strategies"),
)


def aftercare_plan_resource(plan: Any, client_id: int, episode: dict[str, str] | None) -> Resource:
    """The current relapse-prevention plan (draft or agreed): each section as a note, each
    support group as a scheduled activity."""
    content = plan.content if isinstance(plan.content, Mapping) else {}
    groups = [
        {
            "detail": {
                "code": concept(local("aftercare-activity"), "support_group", "Support group"),
                "status": "scheduled",
                "description": str(group.get("name")),
                "scheduledString": str(group.get("schedule")),
            }
        }
        for group in _mappings(content.get("support_groups"))
    ]
    return resource(
        "CarePlan",
        f"aftercare-plan-{plan.id}",
        identifier=[identifier("aftercare_plan", plan.id)],
        status=AFTERCARE_STATUSES.get(code_of(plan.status) or "", "unknown"),
        intent="plan",
        category=[concept(CARE_PLANS, "aftercare", "Relapse-prevention (aftercare) plan")],
        title="Relapse-prevention (aftercare) plan",
        subject=patient_reference(client_id),
        created=when(plan.created_at),
        supportingInfo=[episode] if episode else None,
        activity=groups,
        note=notes(*_aftercare_notes(content)),
    )


def _joined(items: Any) -> str | None:
    texts = [str(item).strip() for item in items or [] if str(item).strip()]
    return "; ".join(texts) or None


def _aftercare_notes(content: Mapping[str, Any]) -> list[str | None]:
    found = [
        (f"{heading}: {joined}" if (joined := _joined(content.get(key))) else None)
        for key, heading in LIST_SECTIONS
    ]
    contacts = _joined(
        f"{c.get('name')} ({c.get('relationship')}), {c.get('phone')}"
        for c in _mappings(content.get("support_contacts"))
    )
    found.append(f"Support contacts: {contacts}" if contacts else None)
    lapse, medication = text_of(content.get("lapse_plan")), text_of(content.get("medication_plan"))
    found.append(f"After a lapse: {lapse}" if lapse else None)
    found.append(_crisis(content.get("crisis_plan")))
    found.append(f"Medication plan: {medication}" if medication else None)
    return found


def _crisis(crisis: Any) -> str | None:
    if not isinstance(crisis, Mapping):
        return None
    parts = [f"crisis line {crisis.get('crisis_line')}"]
    if steps := _joined(crisis.get("safety_steps")):
        parts.append(f"steps: {steps}")
    if crisis.get("naloxone_offered") is not None:
        parts.append("naloxone offered" if crisis["naloxone_offered"] else "naloxone not offered")
    if storage := text_of(crisis.get("safe_storage")):
        parts.append(f"safe storage: {storage}")
    return "Crisis plan: " + "; ".join(parts)


# --- clinical notes ---------------------------------------------------------------------------

NOTE_KINDS = {"progress": "Progress note", "dap": "DAP note", "soap": "SOAP note"}
#: the parts of each kind's body, in the order clinicians write them.
NOTE_PARTS: dict[str, Sequence[str]] = {
    "progress": ("text",),
    "dap": ("data", "assessment", "plan"),
    "soap": ("subjective", "objective", "assessment", "plan"),
}


def note_resource(note: Any, client_id: int, episode: dict[str, str] | None) -> Resource:
    """A signed clinical note with its addenda, as plain text (`notes`). Not an SUD
    counselling note: the centre keeps none apart from the record, and exports none."""
    kind = code_of(note.kind) or "progress"
    title = NOTE_KINDS.get(kind, humanise(kind))
    data = base64.b64encode(_note_text(kind, note).encode("utf-8")).decode("ascii")
    return resource(
        "DocumentReference",
        f"note-{note.id}",
        identifier=[identifier("note", note.id)],
        status="current",
        docStatus="amended" if note.addenda else "final",
        type=concept(local("note-kind"), kind, title),
        category=[concept(local("document-kind"), "clinical_note", "Clinical note")],
        subject=patient_reference(client_id),
        date=when(note.signed_at),
        description=title,
        content=[
            {
                "attachment": {
                    "contentType": "text/plain; charset=utf-8",
                    "data": data,
                    "title": title,
                    "creation": when(note.created_at),
                }
            }
        ],
        context={"encounter": [episode]} if episode else None,
    )


def _note_text(kind: str, note: Any) -> str:
    body = note.body if isinstance(note.body, Mapping) else {}
    parts = NOTE_PARTS.get(kind) or tuple(body)
    lines = [
        f"{humanise(part)}: {body[part]}" if len(parts) > 1 else str(body[part])
        for part in parts
        if text_of(body.get(part))
    ]
    lines += [f"Addendum ({when(a.created_at)}): {a.text}" for a in note.addenda or []]
    return "\n\n".join(lines)
