"""Withdrawal monitoring API, rule version 2 (CLINICAL.md §3-§4): COWS values the scale does
not have are a 422, CIWA-Ar signs of complicated withdrawal raise the urgent flag whatever the
total, a score rising fast says so on the flag and re-alerts after an acknowledgement, and
version-1 scores keep what they were."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from cases.withdrawal.models import WithdrawalScore
from core.extensions import db
from tests.cases.withdrawal.test_withdrawal_api import active_flags, ago, open_case, record

NOTE = "possible withdrawal delirium or hallucinosis: medical review now"
CIWA_B_41 = [3] * 13 + [2] + [0] * 6
CIWA_B_72 = [4] * 18 + [0] * 2
#: visual hallucinations 4/7 and disoriented for place or person 4/4: total 14.
CIWA_AR_HALLUCINATING = [2, 2, 2, 0, 0, 0, 0, 4, 0, 4]


@pytest.fixture
def case(app, login_as, clinician):
    counsellor = login_as("counsellor")
    case_id, client_id = open_case(app, login_as, clinician, counsellor.user_id)
    return {"id": case_id, "client_id": client_id}


def score_count(app) -> int:
    with app.app_context():
        return db.session.execute(sa.select(sa.func.count()).select_from(WithdrawalScore)).scalar()


# --- COWS values --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("index", "value", "phrase"),
    [
        (0, 3, "resting_pulse, index 0) is 3; allowed values: 0, 1, 2 or 4"),
        (2, 2, "restlessness, index 2) is 2; allowed values: 0, 1, 3 or 5"),
        (3, 4, "pupil_size, index 3) is 4; allowed values: 0, 1, 2 or 5"),
        (6, 4, "gi_upset, index 6) is 4; allowed values: 0, 1, 2, 3 or 5"),
        (10, 1, "gooseflesh, index 10) is 1; allowed values: 0, 3 or 5"),
    ],
)
def test_cows_rejects_values_the_scale_does_not_have(app, clinician, case, index, value, phrase):
    items = [0] * 11
    items[index] = value
    response = record(clinician, case["id"], "cows", items)
    assert response.status_code == 422, response.get_json()
    errors = response.get_json()["errors"]["json"]
    assert list(errors) == ["items"]
    assert phrase in str(errors["items"]) and f"item {index + 1} (" in str(errors["items"])
    assert score_count(app) == 0


def test_cows_accepts_every_published_maximum(clinician, case):
    body = record(clinician, case["id"], "cows", [4, 4, 5, 5, 4, 4, 5, 4, 4, 4, 5]).get_json()
    assert (body["score"], body["band"], body["severe"]) == (48, "severe", True)


# --- CIWA-Ar warning signs ------------------------------------------------------------------------


def test_ciwa_ar_hallucinations_with_disorientation_raise_urgent_flag(clinician, case):
    response = record(clinician, case["id"], "ciwa_ar", CIWA_AR_HALLUCINATING)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["score"], body["band"], body["severe"]) == (14, "moderate", True)
    assert body["warning_signs"] == ["visual_disturbances", "orientation"]
    assert body["rule_version"] == "2" and body["flag_id"] is not None
    [flag] = active_flags(clinician, case["client_id"])
    assert flag["id"] == body["flag_id"]
    assert (flag["category"], flag["severity"]) == ("medical", "urgent")
    assert (flag["source"]["kind"], flag["source"]["instrument"]) == ("withdrawal_score", "ciwa_ar")
    assert flag["source"]["score"] == 14
    assert "CIWA-Ar 14/67 (moderate)" in flag["note"] and NOTE in flag["note"]
    assert "visual disturbances 4/7, orientation 4/4" in flag["note"]
    assert flag["acknowledged_at"] is None
    urgent = clinician.get("/api/v1/flags?status=active&severity=urgent&acknowledged=false")
    assert flag["id"] in [f["id"] for f in urgent.get_json()["items"]]


def test_ciwa_ar_just_below_the_warning_signs_raises_nothing(clinician, case):
    items = [2, 2, 0, 0, 0, 3, 3, 3, 0, 2]  # every sign one below its threshold: 15
    body = record(clinician, case["id"], "ciwa_ar", items).get_json()
    assert (body["score"], body["band"], body["severe"]) == (15, "moderate", False)
    assert body["warning_signs"] == [] and body["flag_id"] is None
    assert active_flags(clinician, case["client_id"]) == []


# --- rising fast and re-alert ---------------------------------------------------------------------


def test_worse_ciwa_b_after_acknowledgement_re_alerts(clinician, case):
    first = record(clinician, case["id"], items=CIWA_B_41, observed_at=ago(hours=3)).get_json()
    assert (first["score"], first["severe"], first["rising_fast"]) == (41, True, False)
    flag_id = first["flag_id"]
    acknowledged = clinician.post(f"/api/v1/flags/{flag_id}/acknowledge")
    assert acknowledged.status_code == 200, acknowledged.get_json()
    assert clinician.get(f"/api/v1/flags/{flag_id}").get_json()["acknowledged_at"] is not None

    worse = record(clinician, case["id"], items=CIWA_B_72, observed_at=ago(minutes=5)).get_json()
    assert (worse["score"], worse["band"], worse["rising_fast"]) == (72, "very_severe", True)
    assert worse["flag_id"] == flag_id
    flag = clinician.get(f"/api/v1/flags/{flag_id}").get_json()
    assert flag["acknowledged_at"] is None and flag["acknowledged_by"] is None
    assert flag["severity"] == "urgent" and flag["status"] == "active"
    assert "CIWA-B rising fast: 41 → 72 within 24 h" in flag["note"]
    urgent = clinician.get("/api/v1/flags?status=active&severity=urgent&acknowledged=false")
    assert flag_id in [f["id"] for f in urgent.get_json()["items"]]
    assert [h["source"] for h in flag["history"]] == ["withdrawal_score", "withdrawal_score"]
    assert "rising fast" in flag["history"][-1]["note"]


def test_ciwa_ar_rising_by_8_is_noted_and_stored(clinician, case):
    record(clinician, case["id"], "ciwa_ar", [2] * 5 + [0] * 5, observed_at=ago(hours=2))
    body = record(clinician, case["id"], "ciwa_ar", [2] * 9 + [0]).get_json()
    assert (body["score"], body["severe"], body["rising_fast"]) == (18, True, True)
    [flag] = active_flags(clinician, case["client_id"])
    assert "CIWA-Ar rising fast: 10 → 18 within 24 h" in flag["note"]
    series = clinician.get(f"/api/v1/cases/{case['id']}/withdrawal-scores").get_json()["items"]
    assert [(s["rising_fast"], s["warning_signs"]) for s in series] == [(False, []), (True, [])]


def test_a_rise_of_7_on_ciwa_ar_is_not_rising_fast(clinician, case):
    record(clinician, case["id"], "ciwa_ar", [1] * 9 + [0], observed_at=ago(hours=2))
    body = record(clinician, case["id"], "ciwa_ar", [2] * 8 + [0, 0]).get_json()
    assert (body["score"], body["severe"], body["rising_fast"]) == (16, True, False)
    [flag] = active_flags(clinician, case["client_id"])
    assert "rising fast" not in flag["note"]


def test_a_rise_over_more_than_24_hours_is_not_rising_fast(clinician, case):
    record(clinician, case["id"], items=[1] * 20, observed_at=ago(hours=24, minutes=10))
    body = record(clinician, case["id"], items=CIWA_B_72).get_json()
    assert (body["severe"], body["rising_fast"]) == (True, False)
    [flag] = active_flags(clinician, case["client_id"])
    assert "rising fast" not in flag["note"]


def test_rising_fast_compares_with_the_same_scale_only(clinician, case):
    record(clinician, case["id"], "cows", [0] * 11, observed_at=ago(hours=1))
    body = record(clinician, case["id"], items=CIWA_B_41).get_json()
    assert body["rising_fast"] is False


def test_rising_fast_compares_with_the_latest_earlier_observation(clinician, case):
    """A score entered late is placed by when it was observed, not when it was recorded."""
    record(clinician, case["id"], items=[2] * 20, observed_at=ago(hours=2))  # 40
    late = record(clinician, case["id"], items=[1] * 20, observed_at=ago(hours=10)).get_json()
    assert late["rising_fast"] is False  # nothing was observed before it
    body = record(clinician, case["id"], items=[2] * 19 + [4], observed_at=ago(hours=1))
    assert body.get_json()["rising_fast"] is False  # 40 → 42, not 20 → 42


def test_rising_fast_without_a_severe_score_raises_no_flag(clinician, case):
    record(clinician, case["id"], items=[0] * 20, observed_at=ago(hours=1))
    body = record(clinician, case["id"], items=[1] * 20).get_json()
    assert (body["score"], body["band"], body["severe"], body["rising_fast"]) == (
        20,
        "mild",
        False,
        True,
    )
    assert body["flag_id"] is None and active_flags(clinician, case["client_id"]) == []


# --- version 1 scores ---------------------------------------------------------------------------


def test_version_1_scores_keep_their_rule_version_and_show_nothing_new(app, clinician, case):
    with app.app_context():
        db.session.add(
            WithdrawalScore(
                case_id=case["id"],
                instrument="ciwa_ar",
                items=CIWA_AR_HALLUCINATING,
                score=14,
                band="moderate",
                severe=False,
                observed_at=dt.datetime(2026, 3, 1, 8, tzinfo=dt.UTC),
                rule_version="withdrawal-2025.1",
            )
        )
        db.session.commit()
    record(clinician, case["id"], "ciwa_ar", [0] * 10)
    series = clinician.get(f"/api/v1/cases/{case['id']}/withdrawal-scores").get_json()["items"]
    assert [
        (s["rule_version"], s["severe"], s["warning_signs"], s["rising_fast"]) for s in series
    ] == [
        ("withdrawal-2025.1", False, None, None),
        ("2", False, [], False),
    ]
