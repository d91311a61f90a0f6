"""An approved taper that continues after discharge (API.md Corrections, "Discharge"): its
plan can still be paused, resumed and completed on the discharged case; new plans and
approvals still need an open case."""

from __future__ import annotations

import datetime as dt

import pytest

from cases.episodes.rules import CaseStatus, withdrawal_recording_error
from core import clock as core_clock
from tests.cases.tapers.taper_api_helpers import act, create, open_case


@pytest.fixture
def case_id(app, login_as, clinician, clock):
    """A case opened just before the plans' start date (2026-03-01)."""
    clock.set_today("2026-02-27")
    counsellor = login_as("counsellor")
    return open_case(app, login_as, clinician, counsellor.user_id)[0]


def discharge(clinician, case_id):
    today = core_clock.now().date().isoformat()
    response = clinician.post(
        f"/api/v1/cases/{case_id}/discharge",
        json={"reason": "transferred", "date": today, "summary": "Taper continues at home."},
    )
    assert response.status_code == 200, response.get_json()


def test_paused_plan_resumes_and_completes_after_discharge(clock, clinician, case_id):
    plan = create(clinician, case_id).get_json()
    assert act(clinician, plan["id"], "approve").status_code == 200
    clock.set_today("2026-03-10")
    assert act(clinician, plan["id"], "pause", {"reason": "Unwell"}).status_code == 200
    discharge(clinician, case_id)

    clock.set_today("2026-03-14")
    resumed = act(clinician, plan["id"], "resume")
    assert resumed.status_code == 200, resumed.get_json()
    assert resumed.get_json()["status"] == "approved"
    assert "resumed after 4 day(s)" in resumed.get_json()["notes"]

    assert act(clinician, plan["id"], "pause").status_code == 200
    assert act(clinician, plan["id"], "resume").status_code == 200
    completed = act(clinician, plan["id"], "complete", {"reason": "Finished with the GP"})
    assert completed.status_code == 200 and completed.get_json()["status"] == "completed"


def test_approved_plan_is_paused_after_discharge(clinician, case_id):
    plan = create(clinician, case_id).get_json()
    assert act(clinician, plan["id"], "approve").status_code == 200
    discharge(clinician, case_id)
    assert act(clinician, plan["id"], "pause").get_json()["status"] == "paused"


def test_a_draft_is_not_approved_after_discharge(clinician, case_id):
    plan = create(clinician, case_id).get_json()
    discharge(clinician, case_id)
    refused = act(clinician, plan["id"], "approve")
    assert refused.status_code == 409 and "discharged" in refused.get_json()["message"]
    assert create(clinician, case_id).status_code == 409


@pytest.mark.parametrize(
    ("days_after", "allowed"), [(0, True), (1, True), (30, True), (31, False), (400, False)]
)
def test_withdrawal_scores_for_30_days_after_the_discharge_date(days_after, allowed):
    discharged_on = dt.date(2026, 3, 1)
    today = discharged_on + dt.timedelta(days=days_after)
    error = withdrawal_recording_error(CaseStatus.DISCHARGED, discharged_on, today)
    assert (error is None) is allowed
    if not allowed:
        assert "2026-03-01" in error and "2026-03-31" in error


@pytest.mark.parametrize("status", [CaseStatus.WAITLISTED, CaseStatus.ADMITTED, CaseStatus.ACTIVE])
def test_open_cases_always_take_withdrawal_scores(status):
    assert withdrawal_recording_error(status, None, dt.date(2026, 3, 1)) is None
