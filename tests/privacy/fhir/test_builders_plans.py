"""The plan, medication, note and consent builders over plain rows (no database)."""

from __future__ import annotations

import base64
from datetime import date
from types import SimpleNamespace
from typing import Any

import pytest

from privacy.fhir import codes
from privacy.fhir.build import full_url, patient_reference
from privacy.fhir.consent import (
    consent_fields,
    consent_resource,
    consent_status,
    notice_composition,
)
from privacy.fhir.medications import substance_statements, taper_statement
from privacy.fhir.plans import aftercare_plan_resource, note_resource, treatment_plan_resource
from privacy.fhir.resources import patient_resource
from tests.privacy.fhir.fhir_helpers import NOW, assessment_row, valid

# --- medications ------------------------------------------------------------------------------


def test_substances_current_and_past():
    row = assessment_row(
        substances=[
            {
                "substance": "alprazolam",
                "category": "benzodiazepine",
                "daily_dose_mg": 1.5,
                "entered_name": "Xanax",
            },
            {"substance": "cannabis", "category": "cannabis", "last_use": "2024-01-01"},
            {"substance": "", "category": "other"},
        ]
    )
    first, second = substance_statements(row, 3)
    valid(first), valid(second)
    assert (first["status"], second["status"]) == ("active", "completed")
    assert first["dosage"][0]["doseAndRate"][0]["rateQuantity"]["value"] == 1.5
    assert "Entered as Xanax." in [n["text"] for n in first["note"]]


def taper(**kw: Any) -> SimpleNamespace:
    fields = {
        "id": 8,
        "status": "paused",
        "medication": "alprazolam",
        "switch_to_diazepam": True,
        "steps": [
            {"date": "2026-03-09", "daily_dose_mg": 40.0, "tail": False},
            {"date": "2026-03-23", "daily_dose_mg": 36.0, "tail": False},
            {"date": "2026-04-06", "daily_dose_mg": 0.0, "tail": True},
        ],
        "crossover": [{"date": "2026-03-02", "original_mg": 1.0, "diazepam_mg": 20.0}],
        "start_date": date(2026, 3, 2),
        "approved_at": NOW,
        "created_at": NOW,
        "cautions": [{"code": "older_adult", "message": "Older adult: go slower."}],
        "approval_note": "Reviewed.",
        "end_reason": None,
        "notes": None,
        "reduction_percent": 10.0,
        "interval_days": 14,
        "dose_increment_mg": 0.5,
        "equivalence_table": "ashton",
    }
    return SimpleNamespace(**{**fields, **kw})


def test_a_taper_plan_is_a_dated_schedule():
    found = taper_statement(taper(), 3, None)
    valid(found)
    assert found["status"] == "on-hold"
    assert found["medicationCodeableConcept"] == {"text": "diazepam"}
    assert found["effectivePeriod"] == {"start": "2026-03-02", "end": "2026-04-06"}
    assert [d["sequence"] for d in found["dosage"]] == [1, 2, 3, 4]
    assert "(crossover)" in found["dosage"][0]["text"]
    assert found["dosage"][1]["timing"]["repeat"]["boundsPeriod"] == {
        "start": "2026-03-09",
        "end": "2026-03-23",
    }
    assert "Caution: Older adult: go slower." in [n["text"] for n in found["note"]]
    assert "context" not in found


@pytest.mark.parametrize("status", ["draft", "approved", "paused", "completed", "cancelled"])
def test_every_taper_status(status):
    found = taper_statement(taper(status=status, switch_to_diazepam=False, crossover=None), 3, None)
    valid(found)
    assert found["status"] == codes.TAPER_STATUSES[status]


# --- plans and notes --------------------------------------------------------------------------

PLAN_PROBLEMS = [
    {
        "description": "Sleep",
        "goals": [
            {
                "description": "Six hours a night",
                "target_date": "2027-01-31",
                "review_date": "2027-01-15",
                "interventions": [
                    {"type": "cbt", "description": None, "frequency": "weekly"},
                    {"type": "holistic"},
                ],
            }
        ],
    }
]


@pytest.mark.parametrize(
    "case_status, plan_status", [("active", "active"), ("discharged", "completed")]
)
def test_treatment_plan(case_status, plan_status):
    plan = SimpleNamespace(id=1, problems=PLAN_PROBLEMS, created_at=NOW)
    found = treatment_plan_resource(
        plan, case_status, 3, {"reference": full_url("EpisodeOfCare", "case-1")}
    )
    valid(found)
    assert found["status"] == plan_status
    assert len(found["activity"]) == 2
    detail = found["activity"][0]["detail"]
    assert detail["reasonCode"] == [{"text": "Sleep"}] and detail["scheduledString"] == "weekly"
    assert "target 2027-01-31" in detail["description"]


def test_aftercare_plan_sections():
    content = {
        "goals": ["Stay sober"],
        "support_groups": [{"name": "AA", "schedule": "Mondays"}],
        "support_contacts": [{"name": "Sam", "relationship": "sponsor", "phone": "555"}],
        "crisis_plan": {"crisis_line": "988", "safety_steps": [], "naloxone_offered": True},
        "lapse_plan": None,
        "medication_plan": "",
    }
    found = aftercare_plan_resource(
        SimpleNamespace(id=2, status="draft", content=content, created_at=NOW), 3, None
    )
    valid(found)
    assert found["status"] == "draft"
    assert found["activity"][0]["detail"]["description"] == "AA"
    texts = [n["text"] for n in found["note"]]
    assert (
        "Goals: Stay sober" in texts and "Crisis plan: crisis line 988; naloxone offered" in texts
    )
    assert "Support contacts: Sam (sponsor), 555" in texts


def test_a_note_is_plain_text_with_its_addenda():
    note = SimpleNamespace(
        id=6,
        kind="soap",
        body={
            "subjective": "Tired.",
            "objective": "Calm.",
            "assessment": "Stable.",
            "plan": "Review.",
        },
        signed_at=NOW,
        created_at=NOW,
        addenda=[SimpleNamespace(text="Called GP.", created_at=NOW)],
    )
    found = note_resource(note, 3, None)
    valid(found)
    text = base64.b64decode(found["content"][0]["attachment"]["data"]).decode()
    assert text.startswith("Subjective: Tired.\n\nObjective: Calm.")
    assert text.endswith("Called GP.")
    assert found["docStatus"] == "amended"


# --- consents and the notice ------------------------------------------------------------------

CONSENT = {
    "id": 11,
    "client_id": 3,
    "kind": "tpo",
    "recipient": {"name": None, "class": "my treating providers"},
    "purpose": "Continuing care",
    "information": ["diagnoses", "medications"],
    "counselling_notes": False,
    "expires_on": "2027-12-31",
    "expiry_event": None,
    "signed_on": "2026-11-01",
    "signature": {"method": "typed", "signed_by": "Alex Morgan"},
    "revoked_on": None,
}


def test_a_consent_from_its_mapping():
    found = consent_resource(CONSENT, today=date(2026, 11, 2))
    valid(found)
    assert found["status"] == "active"
    provision = found["provision"]
    assert provision["type"] == "permit"
    assert provision["period"] == {"start": "2026-11-01", "end": "2027-12-31"}
    assert provision["actor"][0]["reference"] == {"display": "my treating providers"}
    assert [p.get("code") for p in provision["purpose"]] == ["TREAT", "HPAYMT", "HOPERAT", None]
    assert [c["code"] for c in provision["class"]] == [
        "Condition",
        "MedicationStatement",
        "Observation",
    ]
    assert [c["coding"][0]["code"] for c in provision["code"]] == ["diagnoses", "medications"]
    assert found["patient"] == patient_reference(3)


def test_a_consent_from_a_stored_row():
    row = SimpleNamespace(
        id=12,
        client_id=3,
        kind=SimpleNamespace(value="specific"),
        recipient_name="Dr Lee",
        recipient_class=None,
        purpose="Referral",
        information=[],
        counselling_notes=True,
        expires_on=None,
        expiry_event="end of treatment",
        signed_on=date(2026, 10, 1),
        signature_method=SimpleNamespace(value="wet"),
        signed_by="Alex Morgan",
        revoked_on=date(2026, 10, 20),
    )
    assert consent_fields(row)["recipient"] == {"name": "Dr Lee", "class": None}
    found = consent_resource(row, today=date(2026, 11, 2))
    valid(found)
    assert found["status"] == "inactive"
    assert [c["coding"][0]["code"] for c in found["provision"]["code"]] == ["counselling_notes"]
    assert "class" not in found["provision"]
    urls = {e["url"].rsplit(":", 1)[1]: e for e in found["extension"]}
    assert urls["signature-method"]["valueCode"] == "wet"
    assert urls["expiry-event"]["valueString"] == "end of treatment"


@pytest.mark.parametrize(
    "changes, today, expected",
    [
        ({}, date(2027, 12, 31), "active"),
        ({}, date(2028, 1, 1), "inactive"),
        ({"revoked_on": "2026-12-01"}, date(2026, 11, 30), "active"),
        ({"revoked_on": "2026-12-01"}, date(2026, 12, 1), "inactive"),
        ({"expires_on": None, "expiry_event": "discharge"}, date(2030, 1, 1), "active"),
    ],
)
def test_consent_status(changes, today, expected):
    assert consent_status({**CONSENT, **changes}, today) == expected


def test_the_notice_composition_escapes_and_lists_what_it_covers():
    covered = [
        patient_resource(
            SimpleNamespace(
                id=3,
                mrn=None,
                first_name="A",
                last_name="B",
                date_of_birth=date(1990, 1, 1),
                sex="female",
                gender_identity=None,
                phone=None,
                email=None,
                address=None,
                emergency_contact=None,
                status="active",
            )
        )
    ]
    found = notice_composition("Do not <redisclose> & so on.", 3, at=NOW, covers=covered)
    valid(found)
    section = found["section"][0]
    assert "&lt;redisclose&gt; &amp; so on." in section["text"]["div"]
    assert section["entry"] == [{"reference": full_url("Patient", "patient-3")}]
    assert found["confidentiality"] == "R"
