"""The export's code tables, exhaustively: ICD-10-CM by DSM-5 severity and class, LOINC and
local codes for every instrument, the security labels, every status the domains store, and
the scope table against the consents' scopes."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from aftercare.plans.models import PlanStatus
from cases.episodes.rules import CaseStatus
from cases.tapers.models import TaperStatus
from cases.withdrawal.rules import WITHDRAWAL_INSTRUMENTS
from intake.clients.models import Sex
from intake.flags.models import FlagStatus
from intake.flags.rules import FLAG_CATEGORIES as DOMAIN_FLAG_CATEGORIES
from intake.instruments import SCREENINGS
from intake.instruments.substances import SUBSTANCE_CATEGORIES, substance_class
from privacy.consents.rules import SCOPES as CONSENT_SCOPES
from privacy.fhir import codes
from scheduling.sessions.models import Attendance

CLASS_CODES = {
    "alcohol": "F10",
    "opioid": "F11",
    "cannabis": "F12",
    "sedative": "F13",
    "cocaine": "F14",
    "stimulant": "F15",
    "other": "F19",
}


@pytest.mark.parametrize(
    "severity, suffix", [("mild", ".10"), ("moderate", ".20"), ("severe", ".20")]
)
@pytest.mark.parametrize("substance_cls, category", sorted(CLASS_CODES.items()))
def test_icd10_by_severity_and_class(severity, suffix, substance_cls, category):
    substance = "cocaine" if substance_cls == "cocaine" else None
    klass = "stimulant" if substance_cls == "cocaine" else substance_cls
    code, display, name = codes.icd10_use_disorder(severity, klass, substance)
    assert code == category + suffix
    assert display.endswith(
        "abuse, uncomplicated" if severity == "mild" else "dependence, uncomplicated"
    )
    assert name.endswith(f", {severity}")


def test_the_icd10_table_is_the_expected_one():
    assert {key: value[0] for key, value in codes.ICD10_CLASSES.items()} == CLASS_CODES
    assert (
        set(codes.ICD10_SEVERITIES) == set(codes.SEVERITY_SNOMED) == {"mild", "moderate", "severe"}
    )


def test_no_code_without_a_disorder():
    with pytest.raises(ValueError):
        codes.icd10_use_disorder("none", "alcohol")


@pytest.mark.parametrize(
    "entry, expected",
    [
        ({"substance": "lorazepam", "category": "benzodiazepine"}, "F13"),
        ({"substance": "zolpidem", "category": "z_drug"}, "F13"),
        ({"substance": "etizolam", "category": "other"}, "F13"),  # a known sedative
        ({"substance": "heroin", "category": "opioid"}, "F11"),
        ({"substance": "beer", "category": "alcohol"}, "F10"),
        ({"substance": "cannabis", "category": "cannabis"}, "F12"),
        ({"substance": "Crack", "category": "stimulant"}, "F14"),
        ({"substance": "powder cocaine", "category": "stimulant"}, "F14"),
        ({"substance": "methamphetamine", "category": "stimulant"}, "F15"),
        ({"substance": "kratom", "category": "other"}, "F19"),
        ({"substance": "ketamine", "category": "other"}, "F19"),
    ],
)
def test_every_substance_category_maps_through_its_dsm5_class(entry, expected):
    code, _, _ = codes.icd10_use_disorder("moderate", substance_class(entry), entry["substance"])
    assert code == f"{expected}.20"


def test_every_category_the_intake_takes_has_a_class_code():
    for category in SUBSTANCE_CATEGORIES:
        entry = {
            "substance": "alprazolam" if category == "benzodiazepine" else "x",
            "category": category,
        }
        if category == "z_drug":
            entry["substance"] = "zolpidem"
        assert codes.icd10_class(substance_class(entry)) in codes.ICD10_CLASSES


def test_screening_codes_cover_every_instrument_with_loinc_for_four():
    assert set(codes.SCREENING_CODES) == set(SCREENINGS)
    loinc = {
        key: code
        for key, (system, code, _) in codes.SCREENING_CODES.items()
        if system == codes.LOINC
    }
    assert loinc == {
        "phq9": "44261-6",
        "gad7": "70274-6",
        "audit_c": "75626-2",
        "dast10": "82667-7",
    }
    for key, (system, code, display) in codes.SCREENING_CODES.items():
        if key not in loinc:
            assert (system, code) == (codes.local("instrument"), key)
        assert display


def test_withdrawal_codes_cover_every_scale():
    assert set(codes.WITHDRAWAL_CODES) == set(WITHDRAWAL_INSTRUMENTS)
    for key, (system, code, _) in codes.WITHDRAWAL_CODES.items():
        assert (system, code) == (codes.local("instrument"), key)


def test_an_unknown_instrument_is_coded_locally():
    assert codes.screening_code("new_scale")["coding"][0]["system"] == codes.local("instrument")
    assert codes.withdrawal_code("new_scale")["coding"][0]["code"] == "new_scale"


def test_security_labels():
    assert [(c["system"], c["code"]) for c in codes.SECURITY_LABELS] == [
        ("http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "R"),
        ("http://terminology.hl7.org/CodeSystem/v3-ActCode", "42CFRPart2"),
        ("http://terminology.hl7.org/CodeSystem/v3-ActCode", "NORDSCLCD"),
    ]
    first, second = codes.security_labels(), codes.security_labels()
    first[0]["code"] = "changed"
    assert second[0]["code"] == "R"  # a fresh copy each time


def test_local_systems_hang_off_one_documented_base():
    assert codes.LOCAL == "urn:treatment-centre:codes"
    assert codes.local("flag-type") == "urn:treatment-centre:codes:flag-type"
    assert codes.identifier_system("mrn") == "urn:treatment-centre:id:mrn"


@pytest.mark.parametrize(
    "table, stored, fhir_codes",
    [
        (codes.GENDERS, Sex, {"male", "female", "other", "unknown"}),
        (codes.FLAG_STATUSES, FlagStatus, {"active", "inactive", "entered-in-error"}),
        (
            codes.EPISODE_STATUSES,
            CaseStatus,
            {"planned", "waitlist", "active", "onhold", "finished"},
        ),
        (
            codes.TAPER_STATUSES,
            TaperStatus,
            {"active", "completed", "entered-in-error", "intended", "stopped", "on-hold"},
        ),
        (codes.ATTENDANCE_STATUSES, Attendance, {"fulfilled", "noshow", "cancelled"}),
        (codes.AFTERCARE_STATUSES, PlanStatus, {"draft", "active"}),
    ],
)
def test_every_stored_status_has_a_fhir_code(table, stored, fhir_codes):
    assert set(table) == {member.value for member in stored}
    assert set(table.values()) <= fhir_codes


def test_every_flag_category_has_an_hl7_category():
    assert set(codes.FLAG_CATEGORIES) == set(DOMAIN_FLAG_CATEGORIES)
    assert set(codes.FLAG_CATEGORIES.values()) <= {
        "clinical",
        "safety",
        "admin",
        "behavioral",
        "drug",
    }


def test_scopes_are_the_consents_scopes():
    assert tuple(CONSENT_SCOPES) == codes.SCOPES
    assert set(codes.SCOPE_TEXT) == set(codes.SCOPES)
    assert codes.COUNSELLING_NOTES_SCOPE not in codes.SCOPES
    exported = {t for types in codes.SCOPE_RESOURCES.values() for t in types}
    assert exported == {
        "Patient",
        "Condition",
        "Observation",
        "Flag",
        "EpisodeOfCare",
        "CarePlan",
        "MedicationStatement",
        "Appointment",
        "DocumentReference",
    }


def test_level_of_care_names_every_level():
    assert codes.level_of_care("3.7", "inpatient")["text"] == (
        "Level 3.7: medically monitored inpatient"
    )
    assert codes.level_of_care("2.1", "outpatient")["text"] == "Level 2.1: intensive outpatient"
    assert codes.level_of_care("1", "outpatient")["coding"][0] == {
        "system": codes.local("level-of-care"),
        "code": "1",
        "display": "outpatient",
    }


@pytest.mark.parametrize("module", ["codes", "build"])
def test_the_code_modules_are_pure(module):
    """No Flask and no database in the code tables (as the clinical rule modules)."""
    source = Path(codes.__file__).with_name(f"{module}.py").read_text()
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
    forbidden = {
        "flask",
        "flask_sqlalchemy",
        "flask_smorest",
        "sqlalchemy",
        "core.db",
        "core.extensions",
    }
    assert not {name for name in imported if name.split(".")[0] in forbidden or name in forbidden}
