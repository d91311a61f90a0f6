"""The issue's "Done when" flow end to end: a plan agreed, a late completed discharge, its
follow-ups, a relapse that surfaces the client for re-engagement, and a new case that names
the earlier one."""

from __future__ import annotations

from datetime import timedelta

from core.extensions import db
from tests.aftercare.follow_ups.test_follow_ups import FOLLOW_UPS, complete
from tests.aftercare.plans.test_plans import (
    agreed_plan,
    backdate,
    centre_today,
    discharge,
    save_plan,
)
from tests.factories import make_submitted_assessment, open_new_case


def discharged_late(app, clinician, counsellor):
    """A counsellor writes and agrees a plan; a clinician discharges the case as completed,
    recorded late (10 days ago)."""
    case = open_new_case(app, clinician, counsellor.user_id)
    draft = save_plan(counsellor, case["id"], agreed_plan(status="draft"))
    assert draft.status_code == 201
    agreed = save_plan(counsellor, case["id"], agreed_plan(), etag=draft.headers["ETag"])
    assert agreed.status_code == 200 and agreed.get_json()["status"] == "agreed"
    backdate(app, case["id"], 30)
    discharged_on = centre_today() - timedelta(days=10)
    response = discharge(clinician, case["id"], "completed", discharged_on)
    assert response.status_code == 200, response.get_json()
    return case, discharged_on


def reopen(app, clinician, counsellor, case):
    """A new case for the client that names the earlier one."""
    with app.app_context():
        assessment_id = make_submitted_assessment(case["client_id"], recommended_level="2.1")
        db.session.commit()
    return clinician.post(
        "/api/v1/cases",
        json={
            "client_id": case["client_id"],
            "assessment_id": assessment_id,
            "level": "2.1",
            "primary_counsellor_id": counsellor.user_id,
            "previous_case_id": case["id"],
        },
    )


def test_plan_discharge_follow_ups_relapse_and_a_way_back_in(app, clinician, counsellor):
    case, discharged_on = discharged_late(app, clinician, counsellor)

    # The three follow-ups appear with the right due dates; the 7-day one is overdue.
    listed = counsellor.get(f"{FOLLOW_UPS}?case_id={case['id']}").get_json()
    assert listed["total"] == 3
    assert [(f["due_on"], f["status"], f["assigned_to"]) for f in listed["items"]] == [
        ((discharged_on + timedelta(days=7)).isoformat(), "overdue", counsellor.user_id),
        ((discharged_on + timedelta(days=30)).isoformat(), "due", counsellor.user_id),
        ((discharged_on + timedelta(days=90)).isoformat(), "due", counsellor.user_id),
    ]
    overdue = counsellor.get(f"{FOLLOW_UPS}?status=overdue").get_json()["items"]
    assert [f["offset_days"] for f in overdue] == [7]

    # Recording a relapse surfaces the client for re-engagement.
    done = complete(counsellor, overdue[0]["id"], "relapse", notes="Drinking daily again.")
    assert done.status_code == 200, done.get_json()
    body = done.get_json()
    assert (body["status"], body["outcome"], body["completed_by"]) == (
        "completed",
        "relapse",
        counsellor.user_id,
    )
    flags = counsellor.get(f"/api/v1/clients/{case['client_id']}/flags").get_json()["items"]
    relapse = [f for f in flags if f["type"] == "relapse"]
    assert len(relapse) == 1
    assert (relapse[0]["severity"], relapse[0]["source"]["kind"]) == ("warning", "follow_up")
    assert clinician.get(f"/api/v1/cases/{case['id']}").get_json()["re_engagement_recommended"]
    surfaced = clinician.get("/api/v1/cases?re_engagement_recommended=true").get_json()
    assert [c["id"] for c in surfaced["items"]] == [case["id"]]

    # A new case for the client names the earlier one; the client shows both episodes.
    again = reopen(app, clinician, counsellor, case)
    assert again.status_code == 201, again.get_json()
    assert again.get_json()["previous_case_id"] == case["id"]
    client = clinician.get(f"/api/v1/clients/{case['client_id']}").get_json()
    assert [e["id"] for e in client["episodes"]] == [case["id"], again.get_json()["id"]]
