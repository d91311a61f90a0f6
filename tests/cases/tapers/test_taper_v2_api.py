"""Taper plans through HTTP, rule version 2 (CLINICAL.md §6.1, API.md "Taper plans (rule
version 2)"): each found case, the full schedules a prescriber would sign, cautions and the
approval note, one plan in force per drug, and version-1 rows. Plans built from the intake are
in test_taper_v2_intake_api.py (which reuses the helpers here)."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from cases.tapers.models import TaperPlan, TaperStatus
from core.audit import AuditEvent
from core.extensions import db
from intake.instruments.dsm5 import DSM5_CRITERIA
from tests.factories import open_assessed_case, submit_assessment_via_api

START = "2026-03-02"
DIMENSIONS = (
    *("withdrawal", "biomedical", "emotional_behavioural"),
    *("readiness", "relapse_potential", "recovery_environment"),
)


def on(days: int) -> str:
    return (dt.date.fromisoformat(START) + dt.timedelta(days=days)).isoformat()


def sedative(name, dose, category="benzodiazepine", **kw):
    return {
        "substance": name,
        "category": category,
        "daily_dose_mg": dose,
        "prescribed": True,
        "taken_as_prescribed": True,
        **kw,
    }


def assessment_sections(substances):
    """Sections of an unsupervised assessment of these substances (tolerance only, calm)."""
    return {
        "substances": substances,
        "dsm5": {
            "primary_substance": substances[0]["substance"],
            "medically_supervised": False,
            "criteria": {**dict.fromkeys(DSM5_CRITERIA, False), "tolerance": True},
        },
        "dimensions": {key: {"rating": 1} for key in DIMENSIONS},
    }


def submit_assessment(intake, client_id, substances):
    return submit_assessment_via_api(intake, client_id, assessment_sections(substances))


def case_opener(app, login_as, clinician):
    """open_case(substances, born=...) -> {"id", "client_id", "assessment_id"}: a client
    assessed with those substances and placed at the recommended level."""
    counsellor = login_as("counsellor")

    def _open(substances, born=dt.date(1980, 5, 5)):
        sections = assessment_sections(substances)
        return open_assessed_case(
            app, login_as, clinician, counsellor.user_id, sections, date_of_birth=born
        )

    return _open


@pytest.fixture
def open_case(app, login_as, clinician):
    return case_opener(app, login_as, clinician)


def create(api, case_id, **body):
    return api.post(f"/api/v1/cases/{case_id}/taper-plans", json={"start_date": START, **body})


def approve(api, plan_id, body=None):
    return api.post(f"/api/v1/taper-plans/{plan_id}/approve", json=body)


def plan_count(app):
    with app.app_context():
        return db.session.execute(sa.select(sa.func.count()).select_from(TaperPlan)).scalar()


def schedule(body):
    return [(s["date"], s["daily_dose_mg"]) for s in body["steps"]]


# --- the found cases --------------------------------------------------------------------------


def test_abrupt_stop_is_not_a_taper(app, clinician, open_case):
    # Version 1 created and approved diazepam 40 mg -> 0 in one step.
    case = open_case([sedative("diazepam", 40)])
    body = dict(medication="diazepam", current_daily_dose_mg=40, switch_to_diazepam=False)
    response = create(clinician, case["id"], **body, dose_increment_mg=40)
    assert response.status_code == 422
    [message] = response.get_json()["errors"]["json"]["dose_increment_mg"]
    assert "2.5 mg bound" in message and "use at most 2.5 mg" in message
    assert plan_count(app) == 0
    # the largest allowed increment makes a plan: 40 -> 36 (10% is 4 mg) ... never more than
    # 2.5 mg off in the tail
    planned = create(clinician, case["id"], **body, dose_increment_mg=2.5).get_json()
    assert schedule(planned)[:3] == [(on(0), 40), (on(14), 37.5), (on(28), 35)]


def test_switch_is_staged_and_capped(app, clinician, open_case):
    # Version 1: alprazolam 6 mg/day became 120 mg diazepam on day 0.
    case = open_case([sedative("alprazolam", 6)])
    response = create(
        clinician,
        case["id"],
        medication="alprazolam",
        current_daily_dose_mg=6,
        switch_to_diazepam=True,
    )
    assert response.status_code == 201, response.get_json()
    plan = response.get_json()
    # 6 x 10 / 0.5 = 120 mg > 40: start at 40. Day 0: half replaced, 3 mg alprazolam + 20 mg
    # diazepam; day 7 (14 // 2): diazepam 40 alone. First reduction 14 days after day 14.
    assert plan["crossover_days"] == 14
    assert plan["crossover"] == [
        {"date": on(0), "original_mg": 3.0, "diazepam_mg": 20.0},
        {"date": on(7), "original_mg": 0.0, "diazepam_mg": 40.0},
    ]
    assert schedule(plan)[:2] == [(on(7), 40), (on(28), 36)]
    assert [c["code"] for c in plan["cautions"]] == ["start_dose_capped"]
    assert plan["start_dose_mg"] is None and plan["rule_version"] == "2"

    refused = approve(clinician, plan["id"])
    assert refused.status_code == 422
    assert "approval_note" in refused.get_json()["errors"]["json"]
    assert approve(clinician, plan["id"], {"approval_note": "  "}).status_code == 422
    note = "Start at 40 agreed with the prescriber; review at day 7."
    approved = approve(clinician, plan["id"], {"approval_note": note})
    assert approved.status_code == 200, approved.get_json()
    assert approved.get_json()["status"] == "approved"
    assert clinician.get(f"/api/v1/taper-plans/{plan['id']}").get_json()["approval_note"] == note
    with app.app_context():
        detail = db.session.execute(
            sa.select(AuditEvent.detail).where(
                AuditEvent.action == "taper_plan.approve", AuditEvent.record_id == plan["id"]
            )
        ).scalar_one()
    assert detail == {"fields": ["approval_note"]}  # the field, never its text


def test_microgram_slip_needs_confirmation(app, clinician, open_case):
    # 500 "mg" of alprazolam (micrograms meant) = 10,000 mg diazepam: version 1 planned it.
    case = open_case([sedative("alprazolam", 0.5)])
    body = dict(medication="alprazolam", current_daily_dose_mg=500, switch_to_diazepam=True)
    response = create(clinician, case["id"], **body)
    assert response.status_code == 422
    [message] = response.get_json()["errors"]["json"]["current_daily_dose_mg"]
    assert "10000 mg/day diazepam" in message and "check the unit: micrograms?" in message
    assert plan_count(app) == 0
    confirmed = create(clinician, case["id"], **body, dose_confirmed=True).get_json()
    assert confirmed["dose_confirmed"] is True
    assert confirmed["steps"][0]["daily_dose_mg"] == 40  # the switch is still capped
    assert [c["code"] for c in confirmed["cautions"]] == [
        "start_dose_capped",
        "dose_differs_from_intake",  # the intake said 0.5 mg
    ]


# --- schedules a prescriber would sign --------------------------------------------------------


def test_lorazepam_2mg_schedule_a_prescriber_would_sign(clinician, open_case):
    # 2 mg in 0.25 mg steps (0.25 mg lorazepam = 2.5 mg diazepam, 12.5% of 2 mg: within both
    # §6.1 bounds) is 8 increments. 10% of 8 = 0.8 rounds DOWN to 0 increments, so the plan is
    # in its tail from the start: one 0.25 mg step every 2 x 14 = 28 days, the first included.
    case = open_case([sedative("lorazepam", 2)])
    body = create(
        clinician,
        case["id"],
        medication="lorazepam",
        current_daily_dose_mg=2,
        switch_to_diazepam=False,
    ).get_json()
    doses = [2, 1.75, 1.5, 1.25, 1, 0.75, 0.5, 0.25, 0]
    assert schedule(body) == [(on(28 * k), dose) for k, dose in enumerate(doses)]
    assert [s["tail"] for s in body["steps"]] == [False] + [True] * 8
    assert [s["diazepam_equivalent_mg"] for s in body["steps"]] == [10 * d for d in doses]
    assert body["cautions"] == [] and body["crossover"] == []
    assert approve(clinician, body["id"]).status_code == 200  # no cautions: no note needed


def test_diazepam_40mg_schedule_a_prescriber_would_sign(clinician, open_case):
    # 40 mg in 0.5 mg steps = 80 increments. Every 14 days remove 10% of the CURRENT dose,
    # rounded DOWN to whole increments (increments left, mg in brackets):
    #   80 - 8 = 72 (36); 7.2 -> 7: 65 (32.5); 6.5 -> 6: 59 (29.5); 5.9 -> 5: 54 (27);
    #   5.4 -> 5: 49 (24.5); 4.9 -> 4: 45 (22.5); 4.5 -> 4: 41 (20.5); 4.1 -> 4: 37 (18.5);
    #   3.7 -> 3: 34 (17); 3.4 -> 3: 31 (15.5); 3.1 -> 3: 28 (14); 2.8 -> 2: 26 (13);
    #   2.6 -> 2: 24 (12); 2.4 -> 2: 22 (11); 2.2 -> 2: 20 (10); 2.0 -> 2: 18 (9);
    #   1.8 -> 1: 17 (8.5); then one each (1.7 ... 1.0 round down to 1) to 9 (4.5).
    # So 32.5 is followed by 29.5, not 29: 10% of 32.5 is 3.25 mg, rounded down to 3 mg.
    # At 9 increments 10% = 0.9 rounds to 0: the tail, 0.5 mg every 2 x 14 = 28 days to 0.
    # 26 doses 14 days apart (day 0 ... day 350), then 9 tail steps (day 378 ... day 602).
    case = open_case([sedative("diazepam", 40)])
    body = create(
        clinician,
        case["id"],
        medication="diazepam",
        current_daily_dose_mg=40,
        switch_to_diazepam=False,
    ).get_json()
    reductions = [40, 36, 32.5, 29.5, 27, 24.5, 22.5, 20.5, 18.5, 17, 15.5, 14, 13]
    reductions += [12, 11, 10, 9, 8.5, 8, 7.5, 7, 6.5, 6, 5.5, 5, 4.5]
    tail = [4, 3.5, 3, 2.5, 2, 1.5, 1, 0.5, 0]
    last = 14 * (len(reductions) - 1)  # day 350
    expected = [(on(14 * i), dose) for i, dose in enumerate(reductions)]
    expected += [(on(last + 28 * k), dose) for k, dose in enumerate(tail, start=1)]
    assert schedule(body) == expected
    assert body["end_date"] == on(602)
    assert body["cautions"] == [] and body["dose_increment_mg"] == 0.5


# --- who the client is ------------------------------------------------------------------------


def test_older_adult_caution_and_defaults(clinician, open_case):
    case = open_case([sedative("diazepam", 10)], born=dt.date(1958, 7, 1))  # 67 on START
    plan = create(
        clinician,
        case["id"],
        medication="diazepam",
        current_daily_dose_mg=10,
        switch_to_diazepam=False,
    ).get_json()
    assert (plan["reduction_percent"], plan["interval_days"]) == (5, 28)
    assert [c["code"] for c in plan["cautions"]] == ["older_adult"]
    assert schedule(plan)[:2] == [(on(0), 10), (on(28), 9.5)]  # 5% of 20 increments = 1
    given = create(
        clinician,
        case["id"],
        medication="diazepam",
        current_daily_dose_mg=10,
        switch_to_diazepam=False,
        reduction_percent=10,
        interval_days=14,
    ).get_json()
    assert (given["reduction_percent"], given["interval_days"]) == (10, 14)
    assert approve(clinician, given["id"]).status_code == 422  # the caution still stands


def test_pregnancy_caution(clinician, open_case):
    case = open_case([sedative("lorazepam", 2)])
    flag = clinician.post(
        f"/api/v1/clients/{case['client_id']}/flags",
        json={"type": "pregnancy", "severity": "warning", "note": "12 weeks"},
    )
    assert flag.status_code == 201, flag.get_json()
    plan = create(
        clinician,
        case["id"],
        medication="lorazepam",
        current_daily_dose_mg=2,
        switch_to_diazepam=False,
    ).get_json()
    assert [c["code"] for c in plan["cautions"]] == ["pregnancy"]


# --- one plan in force per drug; version-1 rows -------------------------------------------------


def test_one_active_plan_per_medication(clinician, open_case):
    case = open_case([sedative("lorazepam", 2), sedative("zolpidem", 10, "z_drug")])
    body = dict(current_daily_dose_mg=2, switch_to_diazepam=False)
    note = {"approval_note": "Intake lists both; one at a time agreed."}
    lorazepam = create(clinician, case["id"], medication="lorazepam", **body).get_json()
    zolpidem = create(
        clinician,
        case["id"],
        medication="zolpidem",
        current_daily_dose_mg=10,
        switch_to_diazepam=False,
    ).get_json()
    again = create(clinician, case["id"], medication="lorazepam", **body).get_json()
    assert approve(clinician, lorazepam["id"], note).status_code == 200
    assert approve(clinician, zolpidem["id"], note).status_code == 200  # another drug: coexists
    refused = approve(clinician, again["id"], note)
    assert refused.status_code == 409
    assert refused.get_json()["active_taper_plan_id"] == lorazepam["id"]
    assert f"Taper plan {lorazepam['id']}" in refused.get_json()["message"]


def test_version_1_plan_rows_still_read(app, clinician, open_case):
    case = open_case([sedative("diazepam", 10)])
    with app.app_context():
        row = TaperPlan(
            case_id=case["id"],
            status=TaperStatus.DRAFT,
            medication="diazepam",
            current_daily_dose_mg=10,
            switch_to_diazepam=False,
            reduction_percent=10,
            interval_days=14,
            start_date=dt.date(2026, 3, 2),
            dose_increment_mg=0.5,
            steps=[{"date": START, "daily_dose_mg": 10, "diazepam_equivalent_mg": 10}],
            rule_version="taper-2025.1",
        )
        db.session.add(row)
        db.session.commit()
        plan_id = row.id
    body = clinician.get(f"/api/v1/taper-plans/{plan_id}").get_json()
    assert body["rule_version"] == "taper-2025.1"
    assert (body["crossover"], body["cautions"], body["source_medications"]) == ([], [], [])
    assert (body["crossover_days"], body["from_assessment"]) == (None, False)
    assert body["equivalence_table"] == "ashton" and body["approval_note"] is None
    # no cautions: approved with an empty body, and then in force for diazepam
    response = clinician.post(f"/api/v1/taper-plans/{plan_id}/approve")
    assert response.status_code == 200, response.get_json()
    second = create(
        clinician,
        case["id"],
        medication="diazepam",
        current_daily_dose_mg=10,
        switch_to_diazepam=False,
    ).get_json()
    assert approve(clinician, second["id"]).get_json()["active_taper_plan_id"] == plan_id
