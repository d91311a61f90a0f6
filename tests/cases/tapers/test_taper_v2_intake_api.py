"""Taper plans built from the intake, through HTTP (CLINICAL.md §2, §6.1; API.md "Taper plans
(rule version 2)"): from_assessment plans over several drugs, a sedative without an equivalent,
brand names, and the cautions a one-drug plan gets from the intake."""

from __future__ import annotations

import pytest

from tests.cases.tapers.test_taper_v2_api import (
    approve,
    case_opener,
    create,
    on,
    plan_count,
    schedule,
    sedative,
    submit_assessment,
)


@pytest.fixture
def open_case(app, login_as, clinician):
    return case_opener(app, login_as, clinician)


# --- from_assessment --------------------------------------------------------------


def test_from_assessment_with_two_drugs(clinician, open_case):
    case = open_case([sedative("alprazolam", 1), sedative("zolpidem", 10, "z_drug")])
    response = create(clinician, case["id"], from_assessment=True)
    assert response.status_code == 201, response.get_json()
    plan = response.get_json()
    # alprazolam 1 mg = 20 mg, zolpidem 10 mg = 5 mg diazepam: 25 mg, under the ceiling.
    assert plan["from_assessment"] is True and plan["from_assessment_id"] == case["assessment_id"]
    assert plan["medication"] == "alprazolam + zolpidem" and plan["switch_to_diazepam"] is True
    assert plan["current_daily_dose_mg"] == 25 and plan["equivalence_table"] == "ashton"
    assert plan["source_medications"] == [
        {"medication": "alprazolam", "daily_dose_mg": 1.0, "diazepam_equivalent_mg": 20.0},
        {"medication": "zolpidem", "daily_dose_mg": 10.0, "diazepam_equivalent_mg": 5.0},
    ]
    # day 0: half of each drug and half of 25 mg; day 7: diazepam alone
    expected = [(on(0), 0.5, 5.0, 12.5), (on(7), 0.0, 0.0, 25.0)]
    assert plan["crossover"] == [
        {
            "date": when,
            "original_mg": None,  # several drugs: see originals
            "diazepam_mg": diazepam,
            "originals": [
                {"medication": "alprazolam", "daily_dose_mg": alprazolam},
                {"medication": "zolpidem", "daily_dose_mg": zolpidem},
            ],
        }
        for when, alprazolam, zolpidem, diazepam in expected
    ]
    assert schedule(plan)[:2] == [(on(7), 25), (on(28), 22.5)] and plan["cautions"] == []
    assert approve(clinician, plan["id"]).status_code == 200
    # the plan covers each of its drugs: a zolpidem plan cannot come into force beside it
    body = {"medication": "zolpidem", "current_daily_dose_mg": 10, "switch_to_diazepam": False}
    zolpidem = create(clinician, case["id"], **body).get_json()
    refused = approve(clinician, zolpidem["id"], {"approval_note": "Intake lists alprazolam too."})
    assert refused.status_code == 409
    assert refused.get_json()["active_taper_plan_id"] == plan["id"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"from_assessment": True, "medication": "alprazolam"}, "medication"),
        ({"from_assessment": True, "current_daily_dose_mg": 2}, "current_daily_dose_mg"),
        ({"from_assessment": True, "switch_to_diazepam": False}, "switch_to_diazepam"),
        ({"from_assessment": False}, "medication"),
    ],
)
def test_from_assessment_input_rules(app, clinician, open_case, body, field):
    case = open_case([sedative("alprazolam", 1)])
    response = create(clinician, case["id"], **body)
    assert response.status_code == 422 and field in response.get_json()["errors"]["json"]
    assert plan_count(app) == 0


def test_from_assessment_without_a_current_sedative_is_409(app, clinician, open_case):
    case = open_case(
        [
            {
                "substance": "alcohol",
                "category": "alcohol",
                "prescribed": False,
                "taken_as_prescribed": False,
            }
        ]
    )
    response = create(clinician, case["id"], from_assessment=True)
    assert response.status_code == 409
    assert "no current benzodiazepine" in response.get_json()["message"]
    assert plan_count(app) == 0


def test_from_assessment_reads_the_latest_submitted_assessment(login_as, clinician, open_case):
    case = open_case([sedative("alprazolam", 1)])
    later = submit_assessment(login_as("intake"), case["client_id"], [sedative("lorazepam", 2)])
    plan = create(clinician, case["id"], from_assessment=True).get_json()
    assert plan["from_assessment_id"] == later["id"] and plan["medication"] == "lorazepam"
    assert plan["steps"][0]["daily_dose_mg"] == 20


def test_etizolam_needs_start_dose_mg(clinician, open_case):
    case = open_case([sedative("etizolam", 1)])
    body = dict(medication="etizolam", current_daily_dose_mg=1, switch_to_diazepam=True)
    missing = create(clinician, case["id"], **body)
    assert missing.status_code == 422 and "start_dose_mg" in missing.get_json()["errors"]["json"]
    unswitched = create(clinician, case["id"], **{**body, "switch_to_diazepam": False})
    assert "switch_to_diazepam" in unswitched.get_json()["errors"]["json"]
    from_intake = create(clinician, case["id"], from_assessment=True)
    assert "start_dose_mg" in from_intake.get_json()["errors"]["json"]
    plan = create(clinician, case["id"], **body, start_dose_mg=10).get_json()
    assert plan["start_dose_mg"] == 10 and plan["steps"][0]["daily_dose_mg"] == 10
    assert plan["crossover"][0] == {"date": on(0), "original_mg": 0.5, "diazepam_mg": 5.0}


def test_brand_name_is_stored_as_the_generic(clinician, open_case):
    case = open_case([sedative("Xanax", 2)])
    plan = create(
        clinician, case["id"], medication="Xanax", current_daily_dose_mg=2, switch_to_diazepam=True
    ).get_json()
    assert (plan["medication"], plan["entered_name"]) == ("alprazolam", "Xanax")
    assert plan["cautions"] == []  # the intake's Xanax is the same drug at the same dose


def test_intake_differences_are_cautions(clinician, open_case):
    case = open_case([sedative("alprazolam", 1), sedative("zopiclone", 7.5, "z_drug")])
    plan = create(
        clinician,
        case["id"],
        medication="alprazolam",
        current_daily_dose_mg=2,
        switch_to_diazepam=False,
    ).get_json()
    assert [c["code"] for c in plan["cautions"]] == [
        "dose_differs_from_intake",
        "other_sedatives_at_intake",
    ]
    assert "zopiclone" in plan["cautions"][1]["message"]
