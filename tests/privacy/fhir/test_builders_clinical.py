"""The clinical resource builders over plain rows (no database): Condition, Observation,
Patient, Flag, EpisodeOfCare, Appointment; and, whatever shape a stored assessment takes
(version-1 results, partial sections, odd values), its resources validate."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intake.instruments.dsm5 import DSM5_CRITERIA
from privacy.fhir import codes
from privacy.fhir.build import patient_reference
from privacy.fhir.medications import substance_statements
from privacy.fhir.resources import (
    appointment_resource,
    condition_resources,
    episode_resource,
    flag_resource,
    patient_resource,
    screening_observations,
    withdrawal_observation,
)
from tests.privacy.fhir.fhir_helpers import NOW, assessment_row, valid


def sud(severity: str, *, use_disorder: bool = True, dependence: bool = False) -> dict[str, Any]:
    return {
        "criteria_met": ["craving", "cut_down"],
        "counted": 2,
        "severity": severity,
        "use_disorder": use_disorder,
        "physical_dependence": dependence,
        "not_counted": ["tolerance"] if dependence else [],
    }


# --- Condition --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "substances, primary, severity, expected",
    [
        (
            [{"substance": "alprazolam", "category": "benzodiazepine"}],
            "Xanax",
            "moderate",
            "F13.20",
        ),
        ([{"substance": "heroin", "category": "opioid"}], "heroin", "mild", "F11.10"),
        ([{"substance": "crack", "category": "stimulant"}], "crack", "severe", "F14.20"),
        ([{"substance": "speed", "category": "stimulant"}], "speed", "mild", "F15.10"),
        ([{"substance": "kratom", "category": "other"}], "kratom", "moderate", "F19.20"),
        ([], "lorazepam", "mild", "F13.10"),  # not among the substances: a known sedative
        ([], "something new", "mild", "F19.10"),
    ],
)
def test_a_use_disorder_is_coded_by_the_primary_substance_class(
    substances, primary, severity, expected
):
    row = assessment_row(
        substances=substances,
        dsm5={"primary_substance": primary},
        results={"sud": sud(severity)},
    )
    [condition] = condition_resources(row, 3)
    valid(condition)
    coding = condition["code"]["coding"][0]
    assert (coding["system"], coding["code"]) == (codes.ICD10CM, expected)
    assert condition["code"]["text"].endswith(severity)
    assert condition["severity"]["coding"][0]["code"] == codes.SEVERITY_SNOMED[severity][0]
    assert condition["verificationStatus"]["coding"][0]["code"] == "provisional"
    assert condition["subject"] == patient_reference(3)
    assert [c["coding"][0]["code"] for c in condition["evidence"][0]["code"]] == [
        "craving",
        "cut_down",
    ]


def test_dependence_without_a_disorder_is_a_problem_without_an_icd_code():
    row = assessment_row(
        substances=[{"substance": "lorazepam", "category": "benzodiazepine"}],
        dsm5={"primary_substance": "lorazepam"},
        results={"sud": sud("none", use_disorder=False, dependence=True)},
    )
    [condition] = condition_resources(row, 3)
    valid(condition)
    assert condition["code"]["coding"][0]["system"] == codes.local("finding")
    assert condition["category"][0]["coding"][0]["code"] == "problem-list-item"
    assert "severity" not in condition
    assert "tolerance" in condition["note"][1]["text"]


@pytest.mark.parametrize(
    "results",
    [None, {}, {"recommendation": {"level": "1"}}, {"sud": sud("none", use_disorder=False)}],
)
def test_no_finding_no_condition(results):
    assert condition_resources(assessment_row(results=results), 3) == []


# --- Observation ------------------------------------------------------------------------------


def test_screenings_become_observations_with_loinc_where_it_exists():
    results = {
        "screenings": {
            "phq9": {"score": 12, "band": "moderate", "positive": True, "item9_positive": False},
            "cssrs_screen": {"score": None, "band": "low", "positive": True, "risk": "low"},
            "pc_ptsd5": {"score": 3, "band": None, "positive": True},
            "mdq": {"score": None, "band": None, "positive": False},
        }
    }
    found = {
        o["code"]["coding"][0]["code"]: o
        for o in screening_observations(assessment_row(results=results), 3)
    }
    for observation in found.values():
        valid(observation)
    assert found["44261-6"]["valueInteger"] == 12
    assert found["44261-6"]["effectiveDateTime"] == "2026-11-01"
    assert found["cssrs_screen"]["valueCodeableConcept"]["coding"][0]["code"] == "low"
    assert found["mdq"]["dataAbsentReason"]["coding"][0]["code"] == "not-applicable"
    assert found["pc_ptsd5"]["interpretation"][0]["coding"][0]["code"] == "POS"
    assert found["mdq"]["interpretation"][0]["coding"][0]["code"] == "NEG"


def test_a_withdrawal_score_is_a_local_observation():
    score = SimpleNamespace(
        id=4,
        instrument="ciwa_ar",
        score=18,
        band="severe",
        severe=True,
        observed_at=NOW,
        recorded_at=NOW,
        warning_signs=["visual_disturbances"],
        rising_fast=True,
    )
    observation = withdrawal_observation(score, 3)
    valid(observation)
    assert observation["code"]["coding"][0] == {
        "system": codes.local("instrument"),
        "code": "ciwa_ar",
        "display": "CIWA-Ar total score",
    }
    assert observation["valueInteger"] == 18
    assert [n["text"] for n in observation["note"]] == [
        "Signs of complicated withdrawal: visual_disturbances.",
        "Rising fast against the previous score.",
    ]


# --- Patient, Flag, EpisodeOfCare, Appointment ------------------------------------------------


def client(**kw: Any) -> SimpleNamespace:
    fields = {
        "id": 3,
        "mrn": "C00000034",
        "first_name": "Alex",
        "last_name": "Morgan",
        "date_of_birth": date(1984, 5, 2),
        "sex": "intersex",
        "gender_identity": None,
        "phone": None,
        "email": None,
        "address": None,
        "emergency_contact": None,
        "status": "active",
    }
    return SimpleNamespace(**{**fields, **kw})


def test_patient_minimal_and_full():
    minimal = patient_resource(client())
    valid(minimal)
    assert minimal["gender"] == "other" and minimal["birthDate"] == "1984-05-02"
    assert "telecom" not in minimal and "contact" not in minimal
    full = patient_resource(
        client(
            sex="male",
            gender_identity="man",
            phone="555",
            email="a@b.org",
            address="1 Road",
            emergency_contact={"name": "Kim", "relationship": "partner", "phone": "556"},
            status="archived",
        )
    )
    valid(full)
    assert full["active"] is False
    assert full["identifier"][0]["value"] == "C00000034"
    assert full["extension"][0]["valueCodeableConcept"]["text"] == "man"
    assert full["contact"][0]["name"]["text"] == "Kim"


def test_flags_active_and_resolved():
    flag = SimpleNamespace(
        id=9,
        type="suicide_risk",
        category="safety",
        severity="urgent",
        status="resolved",
        note="PHQ-9 item 9 above 0.",
        raised_at=NOW,
        resolved_at=NOW + timedelta(days=1),
    )
    found = flag_resource(flag, 3)
    valid(found)
    assert found["status"] == "inactive"
    assert found["category"][0]["coding"][0]["code"] == "safety"
    assert found["extension"] == [
        {"url": f"{codes.EXTENSIONS}:flag-severity", "valueCode": "urgent"}
    ]
    assert found["period"]["end"].startswith("2026-11-03")


@pytest.mark.parametrize(
    "status, expected",
    [("waitlisted", "waitlist"), ("admitted", "active"), ("discharged", "finished")],
)
def test_episode_status(status, expected):
    case = SimpleNamespace(
        id=5,
        status=status,
        level="3.7",
        setting="inpatient",
        opened_at=NOW,
        discharge_date=date(2026, 11, 20) if status == "discharged" else None,
        discharged_at=None,
        discharge_reason="completed" if status == "discharged" else None,
    )
    found = episode_resource(case, 3)
    valid(found)
    assert found["status"] == expected
    assert found["type"][0]["coding"][0]["code"] == "3.7"
    assert ("end" in found["period"]) == (status == "discharged")


@pytest.mark.parametrize(
    "session_status, attendance, expected",
    [
        ("scheduled", None, "booked"),
        ("scheduled", "attended", "fulfilled"),
        ("scheduled", "late", "fulfilled"),
        ("scheduled", "absent", "noshow"),
        ("scheduled", "excused", "cancelled"),
        ("cancelled", "attended", "cancelled"),
    ],
)
def test_appointment_status(session_status, attendance, expected):
    session = SimpleNamespace(
        id=2,
        status=session_status,
        type="group",
        title="Evening group",
        cancel_reason="Snow" if session_status == "cancelled" else None,
        starts_at=NOW,
        ends_at=NOW + timedelta(minutes=90),
        family_members=[{"name": "Hidden Relative", "relationship": "mother"}],
    )
    found = appointment_resource(session, SimpleNamespace(attendance=attendance), 3)
    valid(found)
    assert found["status"] == expected
    assert found["minutesDuration"] == 90
    assert found["participant"] == [{"actor": patient_reference(3), "status": "accepted"}]
    assert "Hidden Relative" not in str(found)


# --- any stored shape validates ---------------------------------------------------------------

_text = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=0, max_size=12
)
_entry = st.fixed_dictionaries(
    {
        "substance": _text,
        "category": st.sampled_from(
            ["benzodiazepine", "z_drug", "opioid", "alcohol", "stimulant", "cannabis", "other"]
        ),
    },
    optional={
        "daily_dose_mg": st.one_of(st.none(), st.floats(0.01, 500), st.integers(1, 500)),
        "route": st.one_of(st.none(), _text),
        "last_use": st.one_of(st.none(), st.dates(date(2015, 1, 1), date(2026, 11, 1)).map(str)),
        "prescribed": st.booleans(),
        "taken_as_prescribed": st.booleans(),
        "duration_months": st.integers(0, 600),
    },
)
_screening = st.fixed_dictionaries(
    {
        "score": st.one_of(st.none(), st.integers(0, 80)),
        "band": st.one_of(st.none(), st.sampled_from(["mild", "severe", "very_severe"])),
        "positive": st.booleans(),
    },
    optional={"risk": st.sampled_from(["none", "low", "moderate", "high"])},
)


@settings(max_examples=60, deadline=None)
@given(
    substances=st.lists(_entry, max_size=4),
    severity=st.sampled_from(["none", "mild", "moderate", "severe"]),
    dependence=st.booleans(),
    criteria=st.lists(st.sampled_from(DSM5_CRITERIA), unique=True),
    screenings=st.dictionaries(
        st.sampled_from([*sorted(codes.SCREENING_CODES), "unheard_of"]), _screening
    ),
    primary=_text,
)
def test_any_assessment_shape_exports_valid_resources(
    substances, severity, dependence, criteria, screenings, primary
):
    row = assessment_row(
        substances=substances,
        dsm5={"primary_substance": primary},
        results={
            "sud": {
                **sud(severity, use_disorder=severity != "none", dependence=dependence),
                "criteria_met": criteria,
            },
            "screenings": screenings,
        },
    )
    found = (
        condition_resources(row, 3) + screening_observations(row, 3) + substance_statements(row, 3)
    )
    for item in found:
        valid(item)
    assert len(condition_resources(row, 3)) == (1 if severity != "none" or dependence else 0)
