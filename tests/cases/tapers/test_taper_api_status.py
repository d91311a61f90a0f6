"""Taper plan API (CLINICAL.md §6): the status machine (approve, pause, resume, complete,
cancel), one plan in force per drug, and pause/resume date shifts."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.cases.tapers.taper_api_helpers import START, act, create, with_reason

# --- the status machine -----------------------------------------------------------------------


def test_approve_pause_resume_complete(clock, clinician, plan):
    clock.set_today("2026-03-01")
    approved = act(clinician, plan["id"], "approve")
    assert approved.status_code == 200, approved.get_json()
    body = approved.get_json()
    assert body["status"] == "approved" and body["approved_by"] == clinician.user_id
    assert body["approved_at"] and body["version"] == 2
    assert approved.headers["ETag"].endswith('-v2"')

    paused = act(clinician, plan["id"], "pause", {"reason": "CIWA-B 45"})
    assert paused.status_code == 200
    assert paused.get_json()["status"] == "paused"
    assert paused.get_json()["paused_on"] == "2026-03-01" and paused.get_json()["paused_at"]
    assert "paused: CIWA-B 45" in paused.get_json()["notes"]

    resumed = act(clinician, plan["id"], "resume")
    assert resumed.status_code == 200
    assert resumed.get_json()["status"] == "approved"
    assert resumed.get_json()["paused_on"] is None

    assert act(clinician, plan["id"], "pause").status_code == 200  # reason is optional
    # the last step is months away: completing early needs a reason
    early = act(clinician, plan["id"], "complete")
    assert early.status_code == 422 and "reason" in early.get_json()["errors"]["json"]
    completed = act(clinician, plan["id"], "complete", {"reason": "Stopped at 1 mg by choice"})
    assert completed.status_code == 200
    body = completed.get_json()
    assert body["status"] == "completed" and body["ended_at"]
    assert body["end_reason"] == "Stopped at 1 mg by choice" and body["paused_on"] is None


def test_complete_after_the_last_step_needs_no_reason(clock, clinician, plan):
    act(clinician, plan["id"], "approve")
    clock.set_today(plan["end_date"])
    clinician.sign_in_again()
    response = act(clinician, plan["id"], "complete")
    assert response.status_code == 200 and response.get_json()["status"] == "completed"


@pytest.mark.parametrize("moves", [[], ["approve"], ["approve", "pause"]])
def test_cancel_from_draft_approved_or_paused(clinician, plan, moves):
    for move in moves:
        assert act(clinician, plan["id"], move).status_code == 200
    assert act(clinician, plan["id"], "cancel").status_code == 422  # reason required
    response = act(clinician, plan["id"], "cancel", {"reason": "Replaced by a slower plan"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "cancelled" and body["end_reason"] == "Replaced by a slower plan"


@pytest.mark.parametrize(
    ("moves", "action", "status"),
    [
        ([], "pause", "draft"),
        ([], "resume", "draft"),
        ([], "complete", "draft"),
        (["approve"], "approve", "approved"),
        (["approve"], "resume", "approved"),
        (["approve", "pause"], "pause", "paused"),
        (["approve", "pause"], "approve", "paused"),
        (["cancel"], "approve", "cancelled"),
        (["cancel"], "cancel", "cancelled"),
        (["cancel"], "resume", "cancelled"),
        (["approve", "complete"], "pause", "completed"),
        (["approve", "complete"], "cancel", "completed"),
        (["approve", "complete"], "approve", "completed"),
    ],
)
def test_disallowed_moves_are_409_naming_the_status(clock, clinician, plan, moves, action, status):
    clock.set_today("2030-01-01")  # after the last step: complete needs no reason
    clinician.sign_in_again()
    for move in moves:
        assert act(clinician, plan["id"], move, with_reason(move)).status_code == 200
    response = act(clinician, plan["id"], action, with_reason(action))
    assert response.status_code == 409, response.get_json()
    body = response.get_json()
    assert body["current_status"] == status and status in body["message"]
    assert clinician.get(f"/api/v1/taper-plans/{plan['id']}").get_json()["status"] == status


def test_one_plan_in_force_per_drug(clinician, case, plan):
    """§6.1: one active (approved or paused) plan per medication per case. The switched
    alprazolam plan doses alprazolam and diazepam; a second alprazolam plan is refused."""
    second = create(clinician, case["id"], crossover_days=0).get_json()
    assert act(clinician, plan["id"], "approve").status_code == 200
    refused = act(clinician, second["id"], "approve")
    assert refused.status_code == 409
    assert refused.get_json()["active_taper_plan_id"] == plan["id"]
    assert f"Taper plan {plan['id']}" in refused.get_json()["message"]
    act(clinician, plan["id"], "pause")
    assert act(clinician, second["id"], "approve").status_code == 409  # paused is in force
    act(clinician, plan["id"], "cancel", {"reason": "Switching at once instead"})
    assert act(clinician, second["id"], "approve").status_code == 200
    listed = clinician.get(f"/api/v1/cases/{case['id']}/taper-plans?status=approved").get_json()
    assert [p["id"] for p in listed["items"]] == [second["id"]]
    everything = clinician.get(f"/api/v1/cases/{case['id']}/taper-plans").get_json()
    assert [p["id"] for p in everything["items"]] == [second["id"], plan["id"]]


def test_resume_shifts_steps_on_or_after_the_pause_date(clock, clinician, case):
    # switched at once (crossover_days 0, as in version 1), so steps[0] is on the start date
    plan = create(clinician, case["id"], crossover_days=0).get_json()
    original = plan["steps"]
    assert [s["date"] for s in original[:3]] == [START, "2026-03-16", "2026-03-30"]
    act(clinician, plan["id"], "approve")
    clock.set_today("2026-03-20")
    act(clinician, plan["id"], "pause")
    clock.set_today("2026-03-27")
    body = act(clinician, plan["id"], "resume").get_json()
    steps = body["steps"]
    assert [s["daily_dose_mg"] for s in steps] == [s["daily_dose_mg"] for s in original]
    assert steps[:2] == original[:2]  # before the pause: unchanged
    for before, after in zip(original[2:], steps[2:], strict=True):
        assert dt.date.fromisoformat(after["date"]) - dt.date.fromisoformat(
            before["date"]
        ) == dt.timedelta(days=7)
    assert steps[2]["date"] == "2026-04-06"
    assert "resumed after 7 day(s)" in body["notes"]

    # a step dated on the pause day itself moves too; a second pause adds to the first
    clock.set_today("2026-04-06")
    act(clinician, plan["id"], "pause")
    clock.set_today("2026-04-09")
    again = act(clinician, plan["id"], "resume").get_json()["steps"]
    assert again[2]["date"] == "2026-04-09"
    assert again[1]["date"] == "2026-03-16"
    assert dt.date.fromisoformat(again[-1]["date"]) - dt.date.fromisoformat(
        original[-1]["date"]
    ) == dt.timedelta(days=10)


def test_resume_on_the_pause_day_changes_no_date(clock, clinician, plan):
    clock.set_today("2026-03-10")
    act(clinician, plan["id"], "approve")
    act(clinician, plan["id"], "pause")
    assert act(clinician, plan["id"], "resume").get_json()["steps"] == plan["steps"]
