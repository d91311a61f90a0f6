"""One client's record as a FHIR R4 Bundle (type `collection`), whole for the centre's own
use or only what a disclosure's scopes allow (docs/fhir.md).

Scope → resources (`privacy.fhir.codes.SCOPE_RESOURCES`):

- demographics: Patient
- diagnoses: Condition (the latest submitted assessment's use disorder or dependence)
- assessments: Observation per screening total of every submitted assessment
- flags: Flag (active and resolved)
- cases: EpisodeOfCare per case
- treatment_plan: CarePlan (treatment)
- medications: MedicationStatement per substance of the latest assessment and per taper
  plan, and Observation per withdrawal score
- sessions: Appointment per session the client is booked in
- aftercare: CarePlan (relapse prevention)
- notes: DocumentReference per signed progress, DAP or SOAP note

Consents passed in are always included (each says what it permits); the §2.32 notice, when
given, leads the bundle as a Composition listing every resource it accompanies. SUD
counselling notes are never exported: the centre keeps none apart from the record, so the
`counselling_notes` scope adds nothing. Every resource, and the Bundle, carries the
security labels of `privacy.fhir.codes.SECURITY_LABELS`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fhir.resources.R4B.bundle import Bundle

from core.clock import centre_today, now
from privacy.fhir.build import Resource, entry, reference, when
from privacy.fhir.codes import COUNSELLING_NOTES_SCOPE, SCOPES, security_labels
from privacy.fhir.consent import consent_resource, notice_composition
from privacy.fhir.medications import substance_statements, taper_statement
from privacy.fhir.plans import aftercare_plan_resource, note_resource, treatment_plan_resource
from privacy.fhir.records import ClientRecords, load_records
from privacy.fhir.resources import (
    appointment_resource,
    condition_resources,
    episode_id,
    episode_resource,
    flag_resource,
    patient_resource,
    screening_observations,
    withdrawal_observation,
)

FHIR_JSON = "application/fhir+json"


@dataclass(frozen=True)
class _Context:
    records: ClientRecords
    client_id: int
    #: case id → its EpisodeOfCare reference, when the bundle holds the episodes.
    episodes: Mapping[int, dict[str, str]]


def client_bundle(
    client_id: int,
    *,
    actor: Any,
    scopes: frozenset[str] | None = None,
    consents: Sequence[Mapping[str, Any]] = (),
    notice: str | None = None,
) -> dict[str, Any]:
    """The client's Bundle as a JSON-ready dict, validated with the R4B models.

    - `scopes`: None is the whole record; otherwise only the resources of those scopes
      (ValueError for a scope that does not exist; `counselling_notes` is known and adds
      nothing, the centre keeping no SUD counselling notes apart from the record).
    - `consents`: consents as mappings or stored rows (`privacy.fhir.consent.consent_fields`),
      each exported as a Consent.
    - `notice`: the §2.32 statement, carried by a Composition (ValueError when blank).

    404 (`core.errors.NotFound`) for a client the actor may not see; the read is audited as
    `fhir.export` (no detail). Writes nothing else; the caller commits."""
    wanted = frozenset(SCOPES) if scopes is None else _checked(scopes)
    if notice is not None and not notice.strip():
        raise ValueError("the notice must not be blank")
    records = load_records(client_id, actor=actor, scopes=wanted)
    return records_bundle(records, wanted, consents=consents, notice=notice)


def records_bundle(
    records: ClientRecords,
    scopes: frozenset[str],
    *,
    consents: Sequence[Mapping[str, Any]] = (),
    notice: str | None = None,
) -> dict[str, Any]:
    """The Bundle of records already loaded (`privacy.fhir.records.load_records`, which made
    the caseload check) for `scopes` (checked by the caller), with `consents` and `notice`
    as in :func:`client_bundle`."""
    context = _context(records, scopes)
    found = [item for scope in SCOPES if scope in scopes for item in _PARTS[scope](context)]
    today = centre_today()
    found += [consent_resource(c, client_id=context.client_id, today=today) for c in consents]
    at = now()
    if notice is not None:
        found.insert(0, notice_composition(notice.strip(), context.client_id, at=at, covers=found))
    bundle = {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "meta": {"security": security_labels()},
        "type": "collection",
        "timestamp": when(at),
        "entry": [entry(item) for item in found],
    }
    return Bundle.model_validate(bundle).model_dump(mode="json", exclude_none=True)


def _checked(scopes: frozenset[str]) -> frozenset[str]:
    unknown = sorted(str(scope) for scope in set(scopes) - {*SCOPES, COUNSELLING_NOTES_SCOPE})
    if unknown:
        raise ValueError(f"unknown scopes {unknown}; known: {', '.join(SCOPES)}")
    return frozenset(scopes)


def _context(records: ClientRecords, wanted: frozenset[str]) -> _Context:
    episodes = (
        {case.id: reference("EpisodeOfCare", episode_id(case.id)) for case in records.cases}
        if "cases" in wanted
        else {}
    )
    return _Context(records, records.client.id, episodes)


def _demographics(c: _Context) -> list[Resource]:
    return [patient_resource(c.records.client)]


def _diagnoses(c: _Context) -> list[Resource]:
    latest = c.records.latest_assessment
    return [] if latest is None else condition_resources(latest, c.client_id)


def _assessments(c: _Context) -> list[Resource]:
    return [obs for a in c.records.assessments for obs in screening_observations(a, c.client_id)]


def _flags(c: _Context) -> list[Resource]:
    return [flag_resource(flag, c.client_id) for flag in c.records.flags]


def _cases(c: _Context) -> list[Resource]:
    return [episode_resource(case, c.client_id) for case in c.records.cases]


def _treatment_plan(c: _Context) -> list[Resource]:
    return [
        treatment_plan_resource(
            plan, c.records.case_status(plan.case_id), c.client_id, c.episodes.get(plan.case_id)
        )
        for plan in c.records.treatment_plans
    ]


def _medications(c: _Context) -> list[Resource]:
    latest = c.records.latest_assessment
    found = [] if latest is None else substance_statements(latest, c.client_id)
    found += [
        taper_statement(plan, c.client_id, c.episodes.get(plan.case_id))
        for plan in c.records.tapers
    ]
    return found + [withdrawal_observation(s, c.client_id) for s in c.records.withdrawal_scores]


def _sessions(c: _Context) -> list[Resource]:
    return [appointment_resource(s, booking, c.client_id) for s, booking in c.records.sessions]


def _aftercare(c: _Context) -> list[Resource]:
    return [
        aftercare_plan_resource(plan, c.client_id, c.episodes.get(plan.case_id))
        for plan in c.records.aftercare_plans
    ]


def _notes(c: _Context) -> list[Resource]:
    return [
        note_resource(note, c.client_id, c.episodes.get(note.case_id)) for note in c.records.notes
    ]


_PARTS: dict[str, Callable[[_Context], list[Resource]]] = {
    "demographics": _demographics,
    "diagnoses": _diagnoses,
    "assessments": _assessments,
    "flags": _flags,
    "cases": _cases,
    "treatment_plan": _treatment_plan,
    "medications": _medications,
    "sessions": _sessions,
    "aftercare": _aftercare,
    "notes": _notes,
}
