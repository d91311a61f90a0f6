"""Helpers for the taper plan API tests (and test_taper_after_discharge.py): a case assessed
and placed through the API, and the plan endpoints."""

from __future__ import annotations

from intake.instruments.dsm5 import DSM5_CRITERIA
from tests.factories import open_assessed_case

START = "2026-03-02"
ALPRAZOLAM = {
    "medication": "alprazolam",
    "current_daily_dose_mg": 2,
    "switch_to_diazepam": True,
    "start_date": START,
}
LORAZEPAM_2MG = {
    "medication": "lorazepam",
    "current_daily_dose_mg": 2,
    "switch_to_diazepam": False,
    "start_date": START,
}


def _sections():
    calm = {"rating": 1}
    return {
        "substances": [
            {
                "substance": "alprazolam",
                "category": "benzodiazepine",
                "daily_dose_mg": 2,
                "prescribed": True,
                "taken_as_prescribed": True,
            }
        ],
        "dsm5": {
            "primary_substance": "alprazolam",
            "medically_supervised": True,
            "criteria": {**dict.fromkeys(DSM5_CRITERIA, False), "tolerance": True},
        },
        "dimensions": dict.fromkeys(
            (
                "withdrawal",
                "biomedical",
                "emotional_behavioural",
                "readiness",
                "relapse_potential",
                "recovery_environment",
            ),
            calm,
        ),
    }


def open_case(app, login_as, clinician, counsellor_id):
    """A client assessed (prescribed alprazolam) and placed through the API; returns
    (case_id, client_id)."""
    case = open_assessed_case(app, login_as, clinician, counsellor_id, _sections())
    return case["id"], case["client_id"]


def create(api, case_id, **overrides):
    return api.post(f"/api/v1/cases/{case_id}/taper-plans", json={**ALPRAZOLAM, **overrides})


def act(api, plan_id, action, body=None):
    return api.post(f"/api/v1/taper-plans/{plan_id}/{action}", json=body or {})


def with_reason(action):
    """A body each action accepts: approve takes only {approval_note?}."""
    return {} if action in ("approve", "resume") else {"reason": "r"}
