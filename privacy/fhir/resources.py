"""Builders of the client's FHIR R4 resources (docs/fhir.md): Patient, Condition, Observation
(screening totals and withdrawal scores), Flag, EpisodeOfCare and Appointment. Medication
statements are in `privacy.fhir.medications`, plans and notes in `privacy.fhir.plans`,
consents and the §2.32 notice in `privacy.fhir.consent`.

Each builder takes stored rows (read, never changed) and returns a plain resource dict with
its id, identifier and security labels (`privacy.fhir.build.resource`); the export validates
the whole Bundle with the `fhir.resources` R4B models.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from intake.instruments.substances import same_drug, substance_class
from privacy.fhir.build import (
    Resource,
    code_of,
    identifier,
    notes,
    patient_id,
    patient_reference,
    resource,
    slug,
    text_of,
    value_of,
    when,
)
from privacy.fhir.codes import (
    ATTENDANCE_STATUSES,
    CONDITION_CATEGORY,
    CONDITION_CLINICAL,
    CONDITION_VERIFICATION,
    EPISODE_STATUSES,
    EXTENSIONS,
    FLAG_CATEGORIES,
    FLAG_CATEGORY,
    FLAG_STATUSES,
    GENDER_IDENTITY_EXTENSION,
    GENDERS,
    ICD10CM,
    OBSERVATION_CATEGORY,
    SEVERITY_SNOMED,
    SNOMED,
    concept,
    humanise,
    icd10_use_disorder,
    identifier_system,
    interpretation,
    level_of_care,
    local,
    screening_code,
    withdrawal_code,
)

SURVEY = concept(OBSERVATION_CATEGORY, "survey", "Survey")
DATA_ABSENT = "http://terminology.hl7.org/CodeSystem/data-absent-reason"


# --- Patient ----------------------------------------------------------------------------------


def patient_resource(client: Any) -> Resource:
    """Identity and contact details (`demographics`); `sex` as administrative gender
    (intersex → `other`), gender identity in the R4 core extension."""
    identity = text_of(client.gender_identity)
    return resource(
        "Patient",
        patient_id(client.id),
        extension=[{"url": GENDER_IDENTITY_EXTENSION, "valueCodeableConcept": {"text": identity}}]
        if identity
        else None,
        identifier=[{"use": "usual", "system": identifier_system("mrn"), "value": client.mrn}]
        if client.mrn
        else None,
        active=code_of(client.status) == "active",
        name=[{"use": "official", "family": client.last_name, "given": [client.first_name]}],
        telecom=_telecom(client.phone, client.email),
        gender=GENDERS.get(code_of(client.sex) or "unknown", "unknown"),
        birthDate=when(client.date_of_birth),
        address=[{"text": client.address}] if text_of(client.address) else None,
        contact=_contacts(client.emergency_contact),
    )


def _telecom(phone: str | None, email: str | None) -> list[dict[str, str]]:
    found = [("phone", text_of(phone)), ("email", text_of(email))]
    return [{"system": system, "value": value} for system, value in found if value]


def _contacts(contact: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """The emergency contact, as a Patient.contact (relationship as text)."""
    name, relationship = text_of(value_of(contact, "name")), value_of(contact, "relationship")
    phone = text_of(value_of(contact, "phone"))
    shown: dict[str, Any] = {
        "relationship": [{"text": text_of(relationship)}] if text_of(relationship) else None,
        "name": {"text": name} if name else None,
        "telecom": [{"system": "phone", "value": phone}] if phone else None,
    }
    shown = {key: value for key, value in shown.items() if value}
    return [shown] if shown else []


# --- Condition --------------------------------------------------------------------------------


def primary_class(assessment: Any) -> tuple[str, str | None]:
    """(DSM-5 class, substance name) of the assessment's primary substance: the class of its
    entry among the substances, else of the name alone (a known sedative, or `other`)."""
    primary = value_of(assessment.dsm5, "primary_substance")
    entries = [e for e in assessment.substances or [] if isinstance(e, Mapping)]
    entry = next((e for e in entries if same_drug(e.get("substance"), primary)), None)
    if entry is None:
        entry = {"substance": primary, "category": "other"}
    return substance_class(entry), text_of(entry.get("substance"))


def condition_resources(assessment: Any, client_id: int) -> list[Resource]:
    """The latest assessment's finding (`diagnoses`): a use disorder coded in ICD-10-CM by
    DSM-5 severity and class, or physical dependence without one (a problem, no code); none
    when neither was found. `provisional`: the system computes, a clinician decides."""
    sud = value_of(assessment.results, "sud")
    if not isinstance(sud, Mapping):
        return []
    if sud.get("use_disorder") and sud.get("severity") in SEVERITY_SNOMED:
        return [_use_disorder(assessment, sud, client_id)]
    if sud.get("physical_dependence"):
        return [_dependence(assessment, sud, client_id)]
    return []


def _condition(assessment: Any, sud: Mapping[str, Any], client_id: int, **fields: Any) -> Resource:
    criteria = [
        concept(local("dsm5-criterion"), str(key), humanise(str(key)))
        for key in sud.get("criteria_met") or []
    ]
    not_counted = ", ".join(str(key) for key in sud.get("not_counted") or [])
    return resource(
        "Condition",
        f"condition-a{assessment.id}",
        identifier=[identifier("assessment", assessment.id)],
        clinicalStatus=concept(CONDITION_CLINICAL, "active", "Active"),
        verificationStatus=concept(CONDITION_VERIFICATION, "provisional", "Provisional"),
        subject=patient_reference(client_id),
        recordedDate=when(assessment.submitted_at),
        evidence=[{"code": criteria}] if criteria else None,
        note=notes(
            f"DSM-5 criteria counted at intake: {sud.get('counted', 0)}.",
            f"Not counted (medically supervised): {not_counted}." if not_counted else None,
        ),
        **fields,
    )


def _use_disorder(assessment: Any, sud: Mapping[str, Any], client_id: int) -> Resource:
    severity = str(sud["severity"])
    substance_cls, substance = primary_class(assessment)
    code, display, name = icd10_use_disorder(severity, substance_cls, substance)
    snomed, snomed_display = SEVERITY_SNOMED[severity]
    return _condition(
        assessment,
        sud,
        client_id,
        category=[concept(CONDITION_CATEGORY, "encounter-diagnosis", "Encounter Diagnosis")],
        severity=concept(SNOMED, snomed, snomed_display),
        code=concept(ICD10CM, code, display, name),
    )


def _dependence(assessment: Any, sud: Mapping[str, Any], client_id: int) -> Resource:
    substance_cls, _ = primary_class(assessment)
    text = f"Physical dependence ({substance_cls}) without a use disorder (DSM-5)"
    return _condition(
        assessment,
        sud,
        client_id,
        category=[concept(CONDITION_CATEGORY, "problem-list-item", "Problem List Item")],
        code=concept(local("finding"), "physical_dependence", "Physical dependence", text),
    )


# --- Observation ------------------------------------------------------------------------------


def screening_observations(assessment: Any, client_id: int) -> list[Resource]:
    """One Observation per screening scored at a submitted assessment (`assessments`)."""
    screenings = value_of(assessment.results, "screenings")
    if not isinstance(screenings, Mapping):
        return []
    return [
        _screening(assessment, str(name), result, client_id)
        for name, result in screenings.items()
        if isinstance(result, Mapping)
    ]


def _screening(assessment: Any, name: str, result: Mapping[str, Any], client_id: int) -> Resource:
    band = text_of(result.get("band"))
    return resource(
        "Observation",
        f"obs-a{assessment.id}-{slug(name)}",
        identifier=[
            {
                "system": identifier_system("assessment-screening"),
                "value": f"{assessment.id}:{name}",
            }
        ],
        status="final",
        category=[SURVEY],
        code=screening_code(name),
        subject=patient_reference(client_id),
        effectiveDateTime=when(assessment.assessed_on),
        issued=when(assessment.submitted_at),
        **_value(result.get("score"), text_of(result.get("risk"))),
        interpretation=[
            found
            for found in (
                interpretation(result.get("positive")),
                concept(local("band"), band, humanise(band)) if band else None,
            )
            if found
        ],
    )


def _value(score: Any, risk: str | None) -> dict[str, Any]:
    """The Observation's value: an integer total, a categorical risk (C-SSRS), else absent."""
    if isinstance(score, int) and not isinstance(score, bool):
        return {"valueInteger": score}
    if isinstance(score, float):
        return {"valueQuantity": {"value": score}}
    if risk:
        return {"valueCodeableConcept": concept(local("risk"), risk, humanise(risk))}
    return {"dataAbsentReason": concept(DATA_ABSENT, "not-applicable", "Not Applicable")}


def withdrawal_observation(score: Any, client_id: int) -> Resource:
    """One withdrawal-scale total (CIWA-B, CIWA-Ar, COWS) recorded on a case (`medications`:
    withdrawal monitoring sits with the taper, as in the permission table)."""
    signs = ", ".join(str(sign) for sign in score.warning_signs or [])
    return resource(
        "Observation",
        f"obs-w{score.id}",
        identifier=[identifier("withdrawal_score", score.id)],
        status="final",
        category=[SURVEY],
        code=withdrawal_code(score.instrument),
        subject=patient_reference(client_id),
        effectiveDateTime=when(score.observed_at),
        issued=when(score.recorded_at),
        valueInteger=score.score,
        interpretation=[concept(local("band"), score.band, humanise(score.band))],
        note=notes(
            f"Signs of complicated withdrawal: {signs}." if signs else None,
            "Rising fast against the previous score." if score.rising_fast else None,
        ),
    )


# --- Flag -------------------------------------------------------------------------------------


def flag_resource(flag: Any, client_id: int) -> Resource:
    """A clinical flag (`flags`): active or resolved (inactive), severity in an extension."""
    category = str(flag.category)
    hl7 = FLAG_CATEGORIES.get(category, "clinical")
    note = text_of(flag.note)
    label = humanise(str(flag.type))
    return resource(
        "Flag",
        f"flag-{flag.id}",
        extension=[{"url": f"{EXTENSIONS}:flag-severity", "valueCode": code_of(flag.severity)}],
        identifier=[identifier("flag", flag.id)],
        status=FLAG_STATUSES.get(code_of(flag.status) or "", "active"),
        category=[
            concept(FLAG_CATEGORY, hl7, "Administrative" if hl7 == "admin" else hl7.title()),
            concept(local("flag-category"), category, humanise(category)),
        ],
        code=concept(
            local("flag-type"), str(flag.type), label, f"{label}: {note}" if note else None
        ),
        subject=patient_reference(client_id),
        period={"start": when(flag.raised_at), "end": when(flag.resolved_at)},
    )


# --- EpisodeOfCare ----------------------------------------------------------------------------


def episode_resource(case: Any, client_id: int) -> Resource:
    """One case (`cases`), its level of care as the type; waitlisted, active or finished."""
    reason = text_of(case.discharge_reason)
    end = case.discharge_date or case.discharged_at
    return resource(
        "EpisodeOfCare",
        episode_id(case.id),
        extension=[{"url": f"{EXTENSIONS}:discharge-reason", "valueCode": reason}]
        if reason
        else None,
        identifier=[identifier("case", case.id)],
        status=EPISODE_STATUSES.get(code_of(case.status) or "", "active"),
        type=[level_of_care(case.level, code_of(case.setting))],
        patient=patient_reference(client_id),
        period={
            key: value
            for key, value in (("start", when(case.opened_at)), ("end", when(end)))
            if value
        },
    )


def episode_id(case_id: int) -> str:
    return f"case-{case_id}"


# --- Appointment ------------------------------------------------------------------------------


def appointment_resource(session: Any, booking: Any, client_id: int) -> Resource:
    """A therapy session the client is booked in (`sessions`). Only the client takes part in
    the resource: no facilitator, no other client, no family member's name."""
    cancelled = code_of(session.status) == "cancelled"
    attendance = code_of(booking.attendance)
    status = "cancelled" if cancelled else ATTENDANCE_STATUSES.get(attendance or "", "booked")
    minutes = int((session.ends_at - session.starts_at).total_seconds() // 60)
    kind = code_of(session.type) or "individual"
    return resource(
        "Appointment",
        f"session-{session.id}",
        identifier=[identifier("session", session.id)],
        status=status,
        cancelationReason={"text": text_of(session.cancel_reason)}
        if cancelled and text_of(session.cancel_reason)
        else None,
        serviceType=[concept(local("session-type"), kind, humanise(kind))],
        description=text_of(session.title),
        start=when(session.starts_at),
        end=when(session.ends_at),
        minutesDuration=minutes if minutes >= 1 else None,
        participant=[{"actor": patient_reference(client_id), "status": "accepted"}],
    )
