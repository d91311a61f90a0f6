"""Withdrawal monitoring API (API.md "Placement and cases", CLINICAL.md §4): scores and bands,
the urgent `severe_withdrawal` flag (one per client, with a pause suggestion when a taper plan
is in force), the series, bad input, caseload access and audit."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from core import clock as core_clock
from core.audit import AuditEvent
from core.extensions import db
from intake.flags.models import Flag
from intake.instruments.dsm5 import DSM5_CRITERIA
from tests.factories import open_assessed_case

CIWA_B_MILD = [1] * 10 + [0] * 10  # 10: mild
CIWA_B_SEVERE = [3] * 15 + [0] * 5  # 45: severe
COWS_MODERATELY_SEVERE = [4, 3, 3, 2, 4, 2, 3, 2, 2, 2, 3]  # 30: moderately severe (urgent ≥25)
COWS_MODERATE = [2, 2, 1, 2, 2, 2, 2, 2, 2, 2, 3]  # 22: each value one the item takes
CIWA_AR_MINIMAL = [0] * 10


# --- helpers ----------------------------------------------------------------------------------


def _sections():
    return {
        "substances": [
            {
                "substance": "clonazepam",
                "category": "benzodiazepine",
                "daily_dose_mg": 2,
                "prescribed": True,
                "taken_as_prescribed": True,
            }
        ],
        "dsm5": {
            "primary_substance": "clonazepam",
            "medically_supervised": True,
            "criteria": {**dict.fromkeys(DSM5_CRITERIA, False), "withdrawal": True},
        },
        "dimensions": {
            key: {"rating": 1}
            for key in (
                "withdrawal",
                "biomedical",
                "emotional_behavioural",
                "readiness",
                "relapse_potential",
                "recovery_environment",
            )
        },
    }


def open_case(app, login_as, clinician, counsellor_id):
    """A client assessed (prescribed clonazepam) and placed through the API; returns
    (case_id, client_id)."""
    case = open_assessed_case(app, login_as, clinician, counsellor_id, _sections())
    return case["id"], case["client_id"]


def ago(**delta):
    return (core_clock.now() - dt.timedelta(**delta)).isoformat()


def record(api, case_id, instrument="ciwa_b", items=None, observed_at=None, **extra):
    body = {
        "instrument": instrument,
        "items": CIWA_B_MILD if items is None else items,
        "observed_at": observed_at or ago(minutes=10),
        **extra,
    }
    return api.post(f"/api/v1/cases/{case_id}/withdrawal-scores", json=body)


def active_flags(api, client_id, flag_type="severe_withdrawal"):
    flags = api.get(f"/api/v1/clients/{client_id}/flags?status=active").get_json()["items"]
    return [f for f in flags if f["type"] == flag_type]


@pytest.fixture
def case(app, login_as, clinician, counsellor):
    case_id, client_id = open_case(app, login_as, clinician, counsellor.user_id)
    return {"id": case_id, "client_id": client_id}


def approved_plan(clinician, case_id):
    plan = clinician.post(
        f"/api/v1/cases/{case_id}/taper-plans",
        json={
            "medication": "clonazepam",
            "current_daily_dose_mg": 2,
            "switch_to_diazepam": True,
            "start_date": "2026-03-02",
        },
    ).get_json()
    assert clinician.post(f"/api/v1/taper-plans/{plan['id']}/approve").status_code == 200
    return plan["id"]


# --- scoring ----------------------------------------------------------------------------------


def test_mild_score_raises_no_flag(clinician, case):
    observed = "2026-03-02T14:00:00+01:00"
    response = record(clinician, case["id"], observed_at=observed)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["instrument"], body["score"], body["band"], body["severe"]) == (
        "ciwa_b",
        10,
        "mild",
        False,
    )
    assert body["max_score"] == 80 and body["items"] == CIWA_B_MILD
    assert body["flag_id"] is None and body["taper_pause_suggested"] is False
    assert body["observed_at"] == "2026-03-02T13:00:00+00:00"  # stored in UTC
    assert body["case_id"] == case["id"] and body["recorded_by"] == clinician.user_id
    assert body["id"] and body["recorded_at"] and body["rule_version"] == "2"
    assert body["warning_signs"] == [] and body["rising_fast"] is False
    assert active_flags(clinician, case["client_id"]) == []


@pytest.mark.parametrize(
    ("instrument", "items", "score", "band", "severe"),
    [
        ("ciwa_b", [0] * 20, 0, "none", False),
        ("ciwa_b", [2] * 20, 40, "moderate", False),
        ("ciwa_b", CIWA_B_SEVERE, 45, "severe", True),
        ("ciwa_b", [4] * 20, 80, "very_severe", True),
        ("ciwa_ar", [1] * 8 + [0, 0], 8, "minimal", False),
        ("ciwa_ar", [2] * 8 + [0, 0], 16, "severe", True),
        ("cows", COWS_MODERATE, 22, "moderate", False),
        ("cows", COWS_MODERATELY_SEVERE, 30, "moderately_severe", True),
        ("cows", [4, 4, 5, 5, 4, 4, 5, 4, 4, 4, 5], 48, "severe", True),
    ],
)
def test_bands_and_severity(clinician, case, instrument, items, score, band, severe):
    body = record(clinician, case["id"], instrument, items).get_json()
    assert (body["score"], body["band"], body["severe"]) == (score, band, severe)
    assert (body["flag_id"] is not None) is severe


def test_severe_score_raises_one_urgent_flag(clinician, case):
    first = record(clinician, case["id"], items=CIWA_B_SEVERE)
    assert first.status_code == 201
    body = first.get_json()
    assert body["severe"] is True and body["flag_id"] is not None
    assert body["taper_pause_suggested"] is False
    [flag] = active_flags(clinician, case["client_id"])
    assert flag["id"] == body["flag_id"]
    assert (flag["category"], flag["severity"]) == ("medical", "urgent")
    assert flag["source"]["kind"] == "withdrawal_score"
    assert (flag["source"]["instrument"], flag["source"]["score"]) == ("ciwa_b", 45)
    assert "CIWA-B 45/80" in flag["note"] and "pausing" not in flag["note"]

    second = record(clinician, case["id"], "cows", COWS_MODERATELY_SEVERE).get_json()
    assert second["flag_id"] == body["flag_id"]
    assert [f["id"] for f in active_flags(clinician, case["client_id"])] == [body["flag_id"]]


def test_severe_score_escalates_an_existing_lower_flag(clinician, case):
    manual = clinician.post(
        f"/api/v1/clients/{case['client_id']}/flags",
        json={"type": "severe_withdrawal", "severity": "warning", "note": "Sweating, tremor"},
    ).get_json()
    body = record(clinician, case["id"], items=CIWA_B_SEVERE).get_json()
    assert body["flag_id"] == manual["id"]
    [flag] = active_flags(clinician, case["client_id"])
    assert flag["severity"] == "urgent"
    assert flag["note"].startswith("Sweating, tremor") and "CIWA-B 45/80" in flag["note"]


def test_severe_score_with_approved_taper_suggests_pause(clinician, case):
    plan_id = approved_plan(clinician, case["id"])
    body = record(clinician, case["id"], items=CIWA_B_SEVERE).get_json()
    assert body["taper_pause_suggested"] is True
    [flag] = active_flags(clinician, case["client_id"])
    assert f"Taper plan {plan_id}" in flag["note"] and "pausing" in flag["note"]
    # the suggestion is only a suggestion: the plan stays approved
    assert clinician.get(f"/api/v1/taper-plans/{plan_id}").get_json()["status"] == "approved"


def test_no_pause_suggested_for_a_draft_or_paused_plan(clinician, case):
    plan_id = approved_plan(clinician, case["id"])
    clinician.post(f"/api/v1/taper-plans/{plan_id}/pause", json={})
    body = record(clinician, case["id"], items=CIWA_B_SEVERE).get_json()
    assert body["severe"] is True and body["taper_pause_suggested"] is False
    [flag] = active_flags(clinician, case["client_id"])
    assert "is paused" in flag["note"]


def test_mild_score_with_approved_taper_suggests_nothing(clinician, case):
    approved_plan(clinician, case["id"])
    body = record(clinician, case["id"]).get_json()
    assert body["taper_pause_suggested"] is False and body["flag_id"] is None


# --- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field", "phrase"),
    [
        ({"items": [5] + [0] * 19}, "items", "0-4"),
        ({"items": [0] * 19}, "items", "20 items"),
        ({"instrument": "cows", "items": [0, 0, 6] + [0] * 8}, "items", "0, 1, 3 or 5"),
        ({"instrument": "ciwa_ar", "items": [0] * 9 + [5]}, "items", "0-4"),
        ({"items": [-1] + [0] * 19}, "items", "0-4"),
        ({"items": [1.5] + [0] * 19}, "items", None),
        ({"items": [True] + [0] * 19}, "items", None),
        ({"items": "0000"}, "items", None),
        ({"instrument": "cinema"}, "instrument", "ciwa_b"),
        ({"observed_at": "2026-03-02T14:00:00"}, "observed_at", None),
        ({"observed_at": "2026-03-02"}, "observed_at", None),
        ({"observed_at": ago(minutes=-30)}, "observed_at", "future"),
        ({"note": "x"}, "note", None),
        ({"score": 3}, "score", None),
    ],
)
def test_bad_input_is_422_naming_the_field(app, clinician, case, body, field, phrase):
    payload = {"instrument": "ciwa_b", "items": CIWA_B_MILD, "observed_at": ago(minutes=1)}
    response = clinician.post(
        f"/api/v1/cases/{case['id']}/withdrawal-scores", json={**payload, **body}
    )
    assert response.status_code == 422, response.get_json()
    errors = response.get_json()["errors"]["json"]
    assert field in errors, errors
    if phrase:
        assert phrase in str(errors[field])
    with app.app_context():
        assert db.session.execute(sa.text("SELECT count(*) FROM withdrawal_scores")).scalar() == 0


def test_observed_at_a_moment_ahead_is_accepted(clinician, case):
    assert record(clinician, case["id"], observed_at=ago(minutes=-2)).status_code == 201


def test_discharged_case_takes_scores_for_30_days_after_discharge(clock, clinician, case):
    """A taper may continue after discharge: scores are still recorded on the discharged
    case up to and including 30 days after its discharge date, then 409."""
    today = dt.datetime.now(dt.UTC).date()
    discharged = clinician.post(
        f"/api/v1/cases/{case['id']}/discharge",
        json={"reason": "transferred", "date": today.isoformat(), "summary": "Moved."},
    )
    assert discharged.status_code == 200, discharged.get_json()
    assert record(clinician, case["id"]).status_code == 201
    clock.set_today(today + dt.timedelta(days=30))
    clinician.sign_in_again()
    assert record(clinician, case["id"]).status_code == 201
    clock.set_today(today + dt.timedelta(days=31))
    clinician.sign_in_again()
    refused = record(clinician, case["id"])
    assert refused.status_code == 409
    message = refused.get_json()["message"]
    assert f"discharged on {today.isoformat()}" in message and "30 days" in message
    assert clinician.get(f"/api/v1/cases/{case['id']}/withdrawal-scores").get_json()["total"] == 2


# --- the series ---------------------------------------------------------------------------------


def test_series_is_ordered_by_observation_and_filtered(clinician, case):
    record(clinician, case["id"], observed_at="2026-03-02T12:00:00+00:00", items=[2] * 20)
    record(clinician, case["id"], observed_at="2026-03-02T08:00:00+00:00")
    record(clinician, case["id"], "ciwa_ar", CIWA_AR_MINIMAL, "2026-03-02T10:00:00+02:00")
    url = f"/api/v1/cases/{case['id']}/withdrawal-scores"
    body = clinician.get(url).get_json()
    assert [s["observed_at"] for s in body["items"]] == [
        "2026-03-02T08:00:00+00:00",
        "2026-03-02T08:00:00+00:00",
        "2026-03-02T12:00:00+00:00",
    ]
    assert [s["instrument"] for s in body["items"]] == ["ciwa_b", "ciwa_ar", "ciwa_b"]
    assert (body["total"], body["page"], body["per_page"]) == (3, 1, 50)
    assert "flag_id" not in body["items"][0]
    only = clinician.get(f"{url}?instrument=ciwa_b").get_json()
    assert [s["score"] for s in only["items"]] == [10, 40]
    paged = clinician.get(f"{url}?per_page=2&page=2").get_json()
    assert [s["score"] for s in paged["items"]] == [40] and paged["total"] == 3
    assert clinician.get(f"{url}?instrument=audit_c").status_code == 422
    assert clinician.get(f"{url}?since=2026-01-01").status_code == 422


# --- who may do what --------------------------------------------------------------------------


def test_intake_may_not_record_or_read(login_as, case):
    intake = login_as("intake")
    assert record(intake, case["id"]).status_code == 403
    assert intake.get(f"/api/v1/cases/{case['id']}/withdrawal-scores").status_code == 403


def test_counsellor_reads_own_caseload_but_may_not_record(clinician, counsellor, case):
    record(clinician, case["id"])
    assert record(counsellor, case["id"]).status_code == 403
    response = counsellor.get(f"/api/v1/cases/{case['id']}/withdrawal-scores")
    assert response.status_code == 200 and response.get_json()["total"] == 1


def test_other_caseload_is_404_without_client_data(login_as, clinician, case):
    record(clinician, case["id"])
    stranger = login_as("counsellor")
    response = stranger.get(f"/api/v1/cases/{case['id']}/withdrawal-scores")
    missing = stranger.get("/api/v1/cases/999999/withdrawal-scores")
    assert response.status_code == missing.status_code == 404
    assert response.get_json() == missing.get_json()
    assert set(response.get_json()) == {"code", "status", "message"}


def test_manager_reads_but_may_not_record(login_as, clinician, case):
    record(clinician, case["id"])
    manager = login_as("manager")
    assert manager.get(f"/api/v1/cases/{case['id']}/withdrawal-scores").status_code == 200
    assert record(manager, case["id"]).status_code == 403


# --- audit --------------------------------------------------------------------------------------


def test_recording_and_reading_are_audited(app, login_as, clinician, case):
    score = record(clinician, case["id"], items=CIWA_B_SEVERE).get_json()
    login_as("manager").get(f"/api/v1/cases/{case['id']}/withdrawal-scores")
    with app.app_context():
        events = db.session.execute(
            sa.select(AuditEvent.action, AuditEvent.client_id, AuditEvent.record_id)
            .where(AuditEvent.record_type.in_(["withdrawal_score", "flag"]))
            .where(AuditEvent.client_id == case["client_id"])
            .order_by(AuditEvent.id)
        ).all()
        flags = db.session.execute(
            sa.select(Flag.id).where(Flag.client_id == case["client_id"])
        ).all()
    assert [(e.action, e.record_id) for e in events] == [
        ("withdrawal_score.create", score["id"]),
        ("flag.raise", score["flag_id"]),
        ("withdrawal_score.list", score["id"]),
    ]
    assert len(flags) == 1
