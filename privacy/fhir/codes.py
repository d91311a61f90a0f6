"""The terminology of the FHIR export (docs/fhir.md), as plain data and pure functions: no
Flask, no database.

- **ICD-10-CM** for a DSM-5 substance use disorder, by severity and substance class: mild is
  ``F1x.10`` ("abuse, uncomplicated"), moderate and severe ``F1x.20`` ("dependence,
  uncomplicated"), the DSM-5 crosswalk. ``x`` by class: 0 alcohol, 1 opioids, 2 cannabis,
  3 sedatives, hypnotics and anxiolytics (every benzodiazepine and z-drug), 4 cocaine, 5 other
  stimulants, and 9 ("other psychoactive substance") for every ``other`` entry and any class
  the intake does not name: a free-text substance is not guessed into a class (kratom,
  ketamine, a new drug), the clinician recodes it.
- **LOINC** for the four screening totals that have a code (PHQ-9, GAD-7, AUDIT-C, DAST-10);
  every other instrument, withdrawal scale and value of ours is coded in a **local code
  system**: :data:`LOCAL` plus ``:`` and the concept domain (``urn:treatment-centre:codes:
  instrument``, ``...:flag-type``, ...), one system per domain. Record identifiers use
  ``urn:treatment-centre:id:<record type>`` (the MRN ``urn:treatment-centre:id:mrn``).
- **Security labels** on every resource and on the Bundle: confidentiality ``R``
  (restricted), the ``42CFRPart2`` policy and the ``NORDSCLCD`` refrain policy (no
  redisclosure without the client's consent, 42 CFR §2.32).
- **Scopes**: which resources each consent scope (API.md "Consent and disclosure") covers.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from intake.assessments.placement import LEVEL_NAMES

# --- code systems ------------------------------------------------------------------------------

ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
CONFIDENTIALITY = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
ACT_REASON = "http://terminology.hl7.org/CodeSystem/v3-ActReason"
PARTICIPATION_TYPE = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
FLAG_CATEGORY = "http://terminology.hl7.org/CodeSystem/flag-category"
CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"
RESOURCE_TYPES = "http://hl7.org/fhir/resource-types"
#: 42 CFR Part 2 as published (the Consent's policy).
PART2_POLICY_URI = "https://www.ecfr.gov/current/title-42/chapter-I/subchapter-A/part-2"

#: The centre's own code systems: ``f"{LOCAL}:{domain}"`` (see :func:`local`).
LOCAL = "urn:treatment-centre:codes"
#: Identifier systems: ``f"{IDENTIFIERS}:{record type}"``.
IDENTIFIERS = "urn:treatment-centre:id"
#: Extensions of ours: ``f"{EXTENSIONS}:{name}"``.
EXTENSIONS = "urn:treatment-centre:extension"
#: The R4 core extension for a patient's gender identity.
GENDER_IDENTITY_EXTENSION = "http://hl7.org/fhir/StructureDefinition/patient-genderIdentity"


def local(domain: str) -> str:
    """The local code system of one concept domain, e.g. ``urn:treatment-centre:codes:band``."""
    return f"{LOCAL}:{domain}"


def identifier_system(record_type: str) -> str:
    return f"{IDENTIFIERS}:{record_type}"


def coding(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    found = {"system": system, "code": code}
    return {**found, "display": display} if display else found


def concept(
    system: str, code: str, display: str | None = None, text: str | None = None
) -> dict[str, Any]:
    """A CodeableConcept of one coding (its text the display unless given)."""
    shown = text or display
    found: dict[str, Any] = {"coding": [coding(system, code, display)]}
    return {**found, "text": shown} if shown else found


#: displays of our own codes that plain capitalising gets wrong.
DISPLAYS: Mapping[str, str] = MappingProxyType(
    {
        "cbt": "Cognitive behavioural therapy (CBT)",
        "ptsd": "PTSD",
        "dap": "DAP",
        "soap": "SOAP",
        "tpo": "Treatment, payment and health care operations (TPO)",
    }
)


def humanise(code: str) -> str:
    """``suicide_risk`` → ``Suicide risk`` (displays of our own codes)."""
    return DISPLAYS.get(code) or code.replace("_", " ").capitalize()


# --- security labels -------------------------------------------------------------------------

SECURITY_LABELS: tuple[dict[str, str], ...] = (
    coding(CONFIDENTIALITY, "R", "restricted"),
    coding(ACT_CODE, "42CFRPart2", "42 CFR Part2"),
    coding(ACT_CODE, "NORDSCLCD", "no redisclosure without consent directive"),
)


def security_labels() -> list[dict[str, str]]:
    """A fresh copy of :data:`SECURITY_LABELS` for one resource's ``meta.security``."""
    return [dict(label) for label in SECURITY_LABELS]


# --- ICD-10-CM for a use disorder --------------------------------------------------------------

#: substance class → (ICD-10-CM category, ICD-10-CM title word, DSM-5 disorder name).
ICD10_CLASSES: Mapping[str, tuple[str, str, str]] = MappingProxyType(
    {
        "alcohol": ("F10", "Alcohol", "Alcohol use disorder"),
        "opioid": ("F11", "Opioid", "Opioid use disorder"),
        "cannabis": ("F12", "Cannabis", "Cannabis use disorder"),
        "sedative": (
            "F13",
            "Sedative, hypnotic or anxiolytic",
            "Sedative, hypnotic, or anxiolytic use disorder",
        ),
        "cocaine": ("F14", "Cocaine", "Stimulant use disorder (cocaine)"),
        "stimulant": ("F15", "Other stimulant", "Stimulant use disorder"),
        "other": (
            "F19",
            "Other psychoactive substance",
            "Other (or unknown) substance use disorder",
        ),
    }
)
#: DSM-5 severity → (ICD-10-CM subcategory, its title).
ICD10_SEVERITIES: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "mild": (".10", "abuse, uncomplicated"),
        "moderate": (".20", "dependence, uncomplicated"),
        "severe": (".20", "dependence, uncomplicated"),
    }
)
#: SNOMED CT severity (the FHIR condition-severity value set).
SEVERITY_SNOMED: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "mild": ("255604002", "Mild"),
        "moderate": ("6736007", "Moderate"),
        "severe": ("24484000", "Severe"),
    }
)
#: stimulant names (lower case, as written) that are cocaine, not another stimulant.
COCAINE_WORDS = ("cocaine", "crack")


def icd10_class(substance_class: str, substance: str | None = None) -> str:
    """The key of :data:`ICD10_CLASSES` for a DSM-5 class (``intake.instruments.substances.
    substance_class``): stimulants split by name into cocaine and other stimulants; ``other
    (name)`` and any class the table does not name are ``other``."""
    if substance_class == "stimulant":
        name = (substance or "").strip().lower()
        return "cocaine" if any(word in name for word in COCAINE_WORDS) else "stimulant"
    return substance_class if substance_class in ICD10_CLASSES else "other"


def icd10_use_disorder(
    severity: str, substance_class: str, substance: str | None = None
) -> tuple[str, str, str]:
    """(code, ICD-10-CM display, DSM-5 name with severity) of a use disorder; ValueError
    for a severity that is no disorder (``none``)."""
    if severity not in ICD10_SEVERITIES:
        raise ValueError(f"no use disorder at severity {severity!r}")
    category, title, dsm5 = ICD10_CLASSES[icd10_class(substance_class, substance)]
    suffix, qualifier = ICD10_SEVERITIES[severity]
    return f"{category}{suffix}", f"{title} {qualifier}", f"{dsm5}, {severity}"


# --- instruments ------------------------------------------------------------------------------

#: screening key → (system, code, display) of its total: LOINC where one exists.
SCREENING_CODES: Mapping[str, tuple[str, str, str]] = MappingProxyType(
    {
        "phq9": (LOINC, "44261-6", "Patient Health Questionnaire 9 item (PHQ-9) total score"),
        "gad7": (LOINC, "70274-6", "Generalized anxiety disorder 7 item (GAD-7) total score"),
        "audit_c": (LOINC, "75626-2", "Total score [AUDIT-C]"),
        "dast10": (LOINC, "82667-7", "Total score [DAST-10]"),
        "pc_ptsd5": (local("instrument"), "pc_ptsd5", "PC-PTSD-5 score"),
        "mdq": (local("instrument"), "mdq", "Mood Disorder Questionnaire (MDQ) yes count"),
        "msi_bpd": (local("instrument"), "msi_bpd", "MSI-BPD score"),
        "sds": (local("instrument"), "sds", "Severity of Dependence Scale (SDS) score"),
        "cssrs_screen": (local("instrument"), "cssrs_screen", "C-SSRS screen risk"),
        "ciwa_b": (local("instrument"), "ciwa_b", "CIWA-B total score at intake"),
    }
)
#: withdrawal scale → (system, code, display) of its total (no LOINC code is used for them).
WITHDRAWAL_CODES: Mapping[str, tuple[str, str, str]] = MappingProxyType(
    {
        "ciwa_b": (local("instrument"), "ciwa_b", "CIWA-B total score"),
        "ciwa_ar": (local("instrument"), "ciwa_ar", "CIWA-Ar total score"),
        "cows": (local("instrument"), "cows", "COWS total score"),
    }
)


def screening_code(instrument: str) -> dict[str, Any]:
    """The Observation.code of a screening total; an unknown instrument is local."""
    system, code, display = SCREENING_CODES.get(
        instrument, (local("instrument"), instrument, humanise(instrument))
    )
    return concept(system, code, display)


def withdrawal_code(instrument: str) -> dict[str, Any]:
    system, code, display = WITHDRAWAL_CODES.get(
        instrument, (local("instrument"), instrument, humanise(instrument))
    )
    return concept(system, code, display)


def interpretation(positive: bool | None) -> dict[str, Any] | None:
    if positive is None:
        return None
    code, display = ("POS", "Positive") if positive else ("NEG", "Negative")
    return concept(INTERPRETATION, code, display)


# --- statuses ---------------------------------------------------------------------------------

GENDERS: Mapping[str, str] = MappingProxyType(
    {"female": "female", "male": "male", "intersex": "other", "unknown": "unknown"}
)
#: flag status → Flag.status
FLAG_STATUSES: Mapping[str, str] = MappingProxyType({"active": "active", "resolved": "inactive"})
#: flag category → the HL7 flag-category code beside our own category.
FLAG_CATEGORIES: Mapping[str, str] = MappingProxyType(
    {
        "psychiatric": "clinical",
        "substance": "clinical",
        "safety": "safety",
        "medical": "clinical",
        "care": "admin",
    }
)
#: case status → EpisodeOfCare.status
EPISODE_STATUSES: Mapping[str, str] = MappingProxyType(
    {"waitlisted": "waitlist", "admitted": "active", "active": "active", "discharged": "finished"}
)
#: taper plan status → MedicationStatement.status
TAPER_STATUSES: Mapping[str, str] = MappingProxyType(
    {
        "draft": "intended",
        "approved": "active",
        "paused": "on-hold",
        "completed": "completed",
        "cancelled": "stopped",
    }
)
#: attendance → Appointment.status (a cancelled session is ``cancelled`` whatever it says).
ATTENDANCE_STATUSES: Mapping[str, str] = MappingProxyType(
    {"attended": "fulfilled", "late": "fulfilled", "absent": "noshow", "excused": "cancelled"}
)
#: aftercare plan status → CarePlan.status
AFTERCARE_STATUSES: Mapping[str, str] = MappingProxyType({"draft": "draft", "agreed": "active"})

# --- scopes -----------------------------------------------------------------------------------

#: consent information scope → the resource types it exports (Consent, and the Composition
#: carrying the §2.32 notice, belong to no scope: they travel with every bundle they concern).
SCOPE_RESOURCES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "demographics": ("Patient",),
        "diagnoses": ("Condition",),
        "assessments": ("Observation",),
        "flags": ("Flag",),
        "cases": ("EpisodeOfCare",),
        "treatment_plan": ("CarePlan",),
        "medications": ("MedicationStatement", "Observation"),
        "sessions": ("Appointment",),
        "aftercare": ("CarePlan",),
        "notes": ("DocumentReference",),
    }
)
SCOPES: tuple[str, ...] = tuple(SCOPE_RESOURCES)
#: The scope a consent to disclose SUD counselling notes adds (it must name nothing else).
#: The centre keeps no counselling notes apart from the record, so it exports nothing.
COUNSELLING_NOTES_SCOPE = "counselling_notes"
#: what each scope holds, in words (the Consent's provision and docs/fhir.md).
SCOPE_TEXT: Mapping[str, str] = MappingProxyType(
    {
        "demographics": "identity and contact details",
        "diagnoses": "substance use disorder diagnosis (DSM-5, ICD-10-CM)",
        "assessments": "screening scores of intake assessments",
        "flags": "clinical flags",
        "cases": "episodes of care and levels of care",
        "treatment_plan": "treatment plans",
        "medications": "substances and medicines taken, taper plans, withdrawal scores",
        "sessions": "therapy appointments",
        "aftercare": "relapse-prevention (aftercare) plans",
        "notes": "signed clinical notes (not SUD counselling notes)",
    }
)


def level_of_care(level: str, setting: str | None = None) -> dict[str, Any]:
    """EpisodeOfCare.type: the level of care (CLINICAL.md §5) in the local system."""
    name = LEVEL_NAMES.get(level, "unknown level")
    text = f"Level {level}: {name}" + (f" ({setting})" if setting and setting not in name else "")
    return concept(local("level-of-care"), level, name, text)
