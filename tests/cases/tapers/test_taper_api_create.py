"""Taper plan API (API.md "Placement and cases", CLINICAL.md §6), creating plans: the worked
example through HTTP, bad input naming the field, and cases that take no new plan."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
import sqlalchemy as sa

from core.extensions import db
from tests.cases.tapers.taper_api_helpers import LORAZEPAM_2MG, START, act, create

# --- creating ---------------------------------------------------------------------------------


def test_alprazolam_switched_to_diazepam_worked_example(clinician, case):
    response = create(clinician, case["id"], notes="Crossover over 1 week, evening dose first.")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert response.headers["ETag"] and body["version"] == 1
    assert body["status"] == "draft" and body["case_id"] == case["id"]
    assert body["medication"] == "alprazolam" and body["taper_medication"] == "diazepam"
    assert (body["reduction_percent"], body["interval_days"], body["dose_increment_mg"]) == (
        10,
        14,
        0.5,
    )
    steps = body["steps"]
    # 2 mg alprazolam x 10 / 0.5 = 40 mg diazepam (not above the 40 mg ceiling), reached by
    # the default 14-day crossover on day 7 (test_plan_records_rule_version_2_fields).
    assert steps[0] == {
        "date": "2026-03-09",
        "daily_dose_mg": 40.0,
        "diazepam_equivalent_mg": 40.0,
        "tail": False,
    }
    # 10 % of 40 = 4 mg (8 increments of 0.5), 14 days after day 14 of the crossover.
    assert steps[1]["date"] == "2026-03-30" and steps[1]["daily_dose_mg"] == 36.0
    assert body["cautions"] == []  # the intake listed alprazolam 2 mg/day and nothing else
    doses = [s["daily_dose_mg"] for s in steps]
    assert all(later <= earlier for earlier, later in itertools.pairwise(doses))
    assert doses[-1] == 0 and body["end_date"] == steps[-1]["date"]
    assert all(s["daily_dose_mg"] == s["diazepam_equivalent_mg"] for s in steps)
    dates = [dt.date.fromisoformat(s["date"]) for s in steps]
    assert dates == sorted(dates)
    assert body["notes"].startswith("Crossover") and body["rule_version"]
    assert body["created_by"] == clinician.user_id and body["approved_at"] is None

    fetched = clinician.get(f"/api/v1/taper-plans/{body['id']}")
    assert fetched.status_code == 200 and fetched.get_json() == body
    assert fetched.headers["ETag"] == response.headers["ETag"]
    listed = clinician.get(f"/api/v1/cases/{case['id']}/taper-plans").get_json()
    assert [p["id"] for p in listed["items"]] == [body["id"]] and listed["total"] == 1


def test_plan_records_rule_version_2_fields(clinician, plan):
    # the default 14-day crossover: half on day 0 (1 mg alprazolam + 20 mg diazepam), all
    # diazepam on day 7, the date of steps[0]
    assert plan["crossover_days"] == 14
    assert plan["crossover"] == [
        {"date": START, "original_mg": 1.0, "diazepam_mg": 20.0},
        {"date": "2026-03-09", "original_mg": 0.0, "diazepam_mg": 40.0},
    ]
    assert (plan["rule_version"], plan["equivalence_table"]) == ("2", "ashton")
    assert (plan["from_assessment"], plan["from_assessment_id"]) == (False, None)
    assert (plan["start_dose_mg"], plan["start_dose_reason"]) == (None, None)
    assert (plan["dose_confirmed"], plan["entered_name"], plan["approval_note"]) == (
        False,
        None,
        None,
    )
    assert plan["source_medications"] == [
        {"medication": "alprazolam", "daily_dose_mg": 2.0, "diazepam_equivalent_mg": 40.0}
    ]


def test_without_switch_the_plan_stays_in_the_drug(clinician, case):
    body = create(clinician, case["id"], **LORAZEPAM_2MG).get_json()
    assert body["taper_medication"] == "lorazepam" and body["dose_increment_mg"] == 0.25
    assert body["steps"][0]["daily_dose_mg"] == 2.0
    assert body["steps"][0]["diazepam_equivalent_mg"] == 20.0


def test_medication_name_is_case_insensitive(clinician, case):
    response = create(clinician, case["id"], medication=" Alprazolam ")
    assert response.status_code == 201 and response.get_json()["medication"] == "alprazolam"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"reduction_percent": 30}, "reduction_percent"),
        ({"reduction_percent": 4}, "reduction_percent"),
        # two 20 % cuts inside 14 days remove 36 %: over the 25 %-in-14-days bound.
        ({"reduction_percent": 20, "interval_days": 7}, "reduction_percent"),
        ({"interval_days": 60}, "interval_days"),
        ({"interval_days": 6}, "interval_days"),
        ({"interval_days": 14.5}, "interval_days"),
        ({"medication": "aspirin"}, "medication"),
        # a known sedative without an equivalent: only switched, from the clinician's dose
        ({"medication": "bromazepam"}, "start_dose_mg"),
        ({"medication": "bromazepam", "switch_to_diazepam": False}, "switch_to_diazepam"),
        # rule version 2 (§6.1)
        ({"dose_increment_mg": 3}, "dose_increment_mg"),
        ({"crossover_days": 29}, "crossover_days"),
        ({"crossover_days": -1}, "crossover_days"),
        ({"switch_to_diazepam": False, "crossover_days": 14}, "crossover_days"),
        ({"switch_to_diazepam": False, "start_dose_mg": 2}, "start_dose_mg"),
        ({"start_dose_mg": 41}, "start_dose_mg"),  # above the computed 40
        ({"start_dose_reason": "Higher need"}, "start_dose_reason"),
        ({"current_daily_dose_mg": 10000}, "current_daily_dose_mg"),
        ({"current_daily_dose_mg": 8}, "current_daily_dose_mg"),  # 160 mg diazepam
        ({"from_assessment": True}, "medication"),
        ({"dose_confirmed": "yes"}, "dose_confirmed"),
        # 0.6 mg alprazolam is not a whole number of 0.125 mg increments.
        ({"switch_to_diazepam": False, "current_daily_dose_mg": 0.6}, "current_daily_dose_mg"),
        ({"current_daily_dose_mg": 0}, "current_daily_dose_mg"),
        ({"current_daily_dose_mg": -2}, "current_daily_dose_mg"),
        ({"current_daily_dose_mg": "lots"}, "current_daily_dose_mg"),
        ({"dose_increment_mg": 0}, "dose_increment_mg"),
        ({"start_date": "2026-02-30"}, "start_date"),
        ({"start_date": None}, "start_date"),
        ({"switch_to_diazepam": None}, "switch_to_diazepam"),
        ({"status": "approved"}, "status"),
        ({"steps": []}, "steps"),
    ],
)
def test_bad_input_is_422_naming_the_field(app, clinician, case, overrides, field):
    response = create(clinician, case["id"], **overrides)
    assert response.status_code == 422, response.get_json()
    body = response.get_json()
    assert field in body["errors"]["json"], body
    assert body["code"] == 422 and body["message"]
    with app.app_context():
        assert db.session.execute(sa.text("SELECT count(*) FROM taper_plans")).scalar() == 0


def test_rate_bound_message_names_the_bound(clinician, case):
    body = create(clinician, case["id"], reduction_percent=20, interval_days=7).get_json()
    message = body["errors"]["json"]["reduction_percent"][0]
    assert "25%" in message and "14 days" in message


def test_missing_required_fields_are_named(clinician, case):
    response = clinician.post(f"/api/v1/cases/{case['id']}/taper-plans", json={})
    assert response.status_code == 422
    assert set(response.get_json()["errors"]["json"]) == {
        "medication",
        "current_daily_dose_mg",
        "switch_to_diazepam",
        "start_date",
    }


def test_unknown_case_is_404(clinician):
    assert create(clinician, 999999).status_code == 404


def test_discharged_case_takes_no_new_plan(clinician, case, plan):
    today = dt.datetime.now(dt.UTC).date().isoformat()
    discharged = clinician.post(
        f"/api/v1/cases/{case['id']}/discharge",
        json={"reason": "transferred", "date": today, "summary": "Moved to a hospital."},
    )
    assert discharged.status_code == 200, discharged.get_json()
    response = create(clinician, case["id"])
    assert response.status_code == 409 and "discharged" in response.get_json()["message"]
    assert act(clinician, plan["id"], "approve").status_code == 409
    # a plan left open can still be closed after discharge
    assert act(clinician, plan["id"], "cancel", {"reason": "Discharged"}).status_code == 200


def test_draft_is_not_edited(clinician, plan):
    response = clinician.patch(f"/api/v1/taper-plans/{plan['id']}", json={"notes": "x"})
    assert response.status_code == 405
