"""Discharge withdraws the case from every therapy session that has not started (API.md
"Corrections to version 1"): attendance history stays, the answer counts the sessions, a
one-to-one session left without a client is cancelled, a group is kept, and a refused
discharge leaves every booking as it was."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.aftercare.plans.test_plans import audit_actions, discharge
from tests.factories import open_new_case

SOON = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)
EARLIER = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)


def book(api, facilitator_id, case_ids, start, **extra):
    response = api.post(
        "/api/v1/sessions",
        json={
            "type": extra.pop("type", "cbt"),
            "facilitator_id": facilitator_id,
            "case_ids": case_ids,
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=1)).isoformat(),
            **extra,
        },
    )
    assert response.status_code == 201, response.get_json()
    return [s["id"] for s in response.get_json()["sessions"]]


def roster(api, session_id):
    body = api.get(f"/api/v1/sessions/{session_id}").get_json()
    return body["status"], [p["case_id"] for p in body["participants"]]


@pytest.fixture
def booked(app, clinician, counsellor):
    """A case with a past attended session, a weekly one-to-one series, and a group it
    shares with another case."""
    case = open_new_case(app, clinician, counsellor.user_id)
    other = open_new_case(app, clinician, counsellor.user_id)
    (past,) = book(clinician, clinician.user_id, [case["id"]], EARLIER)
    clinician.post(
        f"/api/v1/sessions/{past}/attendance",
        json={"records": [{"case_id": case["id"], "status": "attended"}]},
    )
    series = book(
        clinician,
        counsellor.user_id,
        [case["id"]],
        SOON,
        recurrence={"frequency": "weekly", "count": 3},
    )
    (group,) = book(
        clinician,
        clinician.user_id,
        [case["id"], other["id"]],
        SOON + timedelta(hours=2),
        type="group",
        capacity=6,
    )
    return {"case": case, "other": other, "past": past, "series": series, "group": group}


def test_discharge_withdraws_the_case_from_future_sessions(clinician, booked):
    case = booked["case"]["id"]
    response = discharge(clinician, case, "transferred")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["withdrawn_session_count"] == 4
    assert body["cancelled_session_ids"] == booked["series"]
    for session_id in booked["series"]:
        assert roster(clinician, session_id) == ("cancelled", [])
    assert roster(clinician, booked["group"]) == ("scheduled", [booked["other"]["id"]])
    history = clinician.get(f"/api/v1/cases/{case}/attendance").get_json()["items"]
    first = history[0]
    assert (first["session_id"], first["participant_status"], first["attendance"]) == (
        booked["past"],
        "booked",
        "attended",
    )
    assert {r["participant_status"] for r in history[1:]} == {"withdrawn"}


def test_withdrawals_are_audited_with_the_client(app, clinician, booked):
    discharge(clinician, booked["case"]["id"], "transferred")
    actions = audit_actions(app, booked["case"]["client_id"])
    assert actions.count("session.participant.withdraw") == 4
    assert actions.count("session.cancel") == 3


def test_a_discharge_without_future_sessions_withdraws_none(app, clinician, counsellor):
    case = open_new_case(app, clinician, counsellor.user_id)
    body = discharge(clinician, case["id"], "transferred").get_json()
    assert (body["withdrawn_session_count"], body["cancelled_session_ids"]) == (0, [])


def test_a_refused_discharge_keeps_every_booking(clinician, booked):
    response = discharge(clinician, booked["case"]["id"], "completed")  # no agreed plan
    assert response.status_code == 409
    assert roster(clinician, booked["series"][0]) == ("scheduled", [booked["case"]["id"]])
    assert roster(clinician, booked["group"])[1] == [booked["case"]["id"], booked["other"]["id"]]


def test_the_freed_slot_can_be_booked_again(app, clinician, counsellor, booked):
    discharge(clinician, booked["case"]["id"], "transferred")
    newcomer = open_new_case(app, clinician, counsellor.user_id)
    book(clinician, counsellor.user_id, [newcomer["id"]], SOON)
