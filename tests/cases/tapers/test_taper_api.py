"""Taper plan API (API.md "Placement and cases", CLINICAL.md §6): the worked example through
HTTP, bad input, the status machine, pause/resume date shifts, caseload access and audit."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
import sqlalchemy as sa

from core.audit import AuditEvent
from core.extensions import db
from intake.instruments.dsm5 import DSM5_CRITERIA
from tests.factories import make_client

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


# --- helpers ----------------------------------------------------------------------------------


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
    """A client assessed and placed through the API; returns (case_id, client_id)."""
    with app.app_context():
        client_id = make_client()
        db.session.commit()
    intake = login_as("intake")
    draft = intake.post(f"/api/v1/clients/{client_id}/assessments", json={})
    assert draft.status_code == 201, draft.get_json()
    assessment_id = draft.get_json()["id"]
    filled = intake.patch(
        f"/api/v1/assessments/{assessment_id}",
        json=_sections(),
        headers={"If-Match": draft.headers["ETag"]},
    )
    assert filled.status_code == 200, filled.get_json()
    submitted = intake.post(f"/api/v1/assessments/{assessment_id}/submit")
    assert submitted.status_code == 200, submitted.get_json()
    level = submitted.get_json()["results"]["recommendation"]["level"]
    case = clinician.post(
        "/api/v1/cases",
        json={
            "client_id": client_id,
            "assessment_id": assessment_id,
            "level": level,
            "primary_counsellor_id": counsellor_id,
        },
    )
    assert case.status_code == 201, case.get_json()
    return case.get_json()["id"], client_id


def create(api, case_id, **overrides):
    return api.post(f"/api/v1/cases/{case_id}/taper-plans", json={**ALPRAZOLAM, **overrides})


def act(api, plan_id, action, body=None):
    return api.post(f"/api/v1/taper-plans/{plan_id}/{action}", json=body or {})


def with_reason(action):
    """A body each action accepts: approve takes only {approval_note?}."""
    return {} if action in ("approve", "resume") else {"reason": "r"}


@pytest.fixture
def case(app, login_as, clinician, counsellor):
    case_id, client_id = open_case(app, login_as, clinician, counsellor.user_id)
    return {"id": case_id, "client_id": client_id}


@pytest.fixture
def plan(clinician, case):
    response = create(clinician, case["id"])
    assert response.status_code == 201, response.get_json()
    return response.get_json()


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


# --- who may do what --------------------------------------------------------------------------


def test_intake_may_not_touch_taper_plans(login_as, case, plan):
    intake = login_as("intake")
    assert create(intake, case["id"]).status_code == 403
    assert intake.get(f"/api/v1/cases/{case['id']}/taper-plans").status_code == 403
    assert intake.get(f"/api/v1/taper-plans/{plan['id']}").status_code == 403


def test_counsellor_reads_own_caseload_but_may_not_write(counsellor, case, plan):
    assert counsellor.get(f"/api/v1/taper-plans/{plan['id']}").status_code == 200
    listed = counsellor.get(f"/api/v1/cases/{case['id']}/taper-plans")
    assert listed.status_code == 200 and listed.get_json()["total"] == 1
    assert create(counsellor, case["id"]).status_code == 403
    for action in ("approve", "pause", "resume", "complete", "cancel"):
        assert act(counsellor, plan["id"], action, {"reason": "x"}).status_code == 403


def test_other_caseload_is_404_without_client_data(login_as, case, plan):
    stranger = login_as("counsellor")
    response = stranger.get(f"/api/v1/taper-plans/{plan['id']}")
    missing = stranger.get("/api/v1/taper-plans/999999")
    assert response.status_code == missing.status_code == 404
    assert response.get_json() == missing.get_json()
    assert set(response.get_json()) == {"code", "status", "message"}
    listed = stranger.get(f"/api/v1/cases/{case['id']}/taper-plans")
    assert listed.status_code == 404
    assert set(listed.get_json()) == {"code", "status", "message"}
    text = response.get_data(as_text=True) + listed.get_data(as_text=True)
    assert "alprazolam" not in text and "steps" not in text


def test_manager_reads_but_may_not_write(login_as, case, plan):
    manager = login_as("manager")
    assert manager.get(f"/api/v1/taper-plans/{plan['id']}").status_code == 200
    assert manager.get(f"/api/v1/cases/{case['id']}/taper-plans").status_code == 200
    assert create(manager, case["id"]).status_code == 403
    assert act(manager, plan["id"], "approve").status_code == 403


# --- audit --------------------------------------------------------------------------------------


def test_reads_and_writes_are_audited_with_the_client(app, login_as, clinician, case, plan):
    act(clinician, plan["id"], "approve")
    act(clinician, plan["id"], "pause", {"reason": "Unwell"})
    clinician.get(f"/api/v1/taper-plans/{plan['id']}")
    login_as("manager").get(f"/api/v1/cases/{case['id']}/taper-plans")
    with app.app_context():
        events = db.session.execute(
            sa.select(AuditEvent.action, AuditEvent.client_id, AuditEvent.outcome)
            .where(AuditEvent.record_type == "taper_plan", AuditEvent.record_id == plan["id"])
            .order_by(AuditEvent.id)
        ).all()
    assert [e.action for e in events] == [
        "taper_plan.create",
        "taper_plan.approve",
        "taper_plan.pause",
        "taper_plan.read",
        "taper_plan.list",
    ]
    assert {e.client_id for e in events} == {case["client_id"]}
    assert {e.outcome for e in events} == {"success"}


def test_refused_action_is_audited_and_changes_nothing(app, clinician, plan):
    response = act(clinician, plan["id"], "resume")
    assert response.status_code == 409
    with app.app_context():
        outcomes = db.session.execute(
            sa.select(AuditEvent.outcome).where(
                AuditEvent.action == "tapers.resume_taper_plan",
                AuditEvent.record_id == plan["id"],
            )
        ).all()
    assert [o.outcome for o in outcomes] == ["409"]
    assert clinician.get(f"/api/v1/taper-plans/{plan['id']}").get_json()["version"] == 1
