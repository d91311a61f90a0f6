"""Flags: manual flags, no duplicates of an active type, resolve, acknowledge, and the
cross-client urgent list filtered by caseload."""

from __future__ import annotations

import pytest

from core.extensions import db
from intake.flags.service import FlagRequest, raise_flag
from tests.factories import add_to_caseload, make_client


@pytest.fixture
def client_id(app):
    with app.app_context():
        cid = make_client()
        db.session.commit()
    return cid


def flag(api, client_id, **body):
    payload = {"type": "self_harm", "severity": "warning", "note": "Disclosed cutting", **body}
    return api.post(f"/api/v1/clients/{client_id}/flags", json=payload)


def test_manual_flag_has_category_and_source(clinician, client_id):
    response = flag(clinician, client_id)
    assert response.status_code == 201
    body = response.get_json()
    assert (body["category"], body["status"], body["source"]["kind"]) == (
        "safety",
        "active",
        "manual",
    )
    assert body["raised_by"] == clinician.user_id


def test_unknown_flag_type_is_422_with_allowed_values(clinician, client_id):
    response = flag(clinician, client_id, type="sadness")
    assert response.status_code == 422
    assert "depression" in response.get_json()["errors"]["json"]["type"][0]


def test_active_type_is_not_duplicated_but_escalated(clinician, client_id):
    first = flag(clinician, client_id).get_json()
    lower = flag(clinician, client_id, severity="info")
    assert lower.status_code == 200 and lower.get_json()["severity"] == "warning"
    higher = flag(clinician, client_id, severity="urgent", note="Plan disclosed")
    assert higher.status_code == 200
    assert higher.get_json()["id"] == first["id"]
    assert higher.get_json()["severity"] == "urgent"
    assert "Plan disclosed" in higher.get_json()["note"]
    listed = clinician.get(f"/api/v1/clients/{client_id}/flags?status=active").get_json()
    assert listed["total"] == 1


def test_resolve_needs_reason_and_happens_once(clinician, client_id):
    fid = flag(clinician, client_id).get_json()["id"]
    assert clinician.post(f"/api/v1/flags/{fid}/resolve", json={}).status_code == 422
    resolved = clinician.post(f"/api/v1/flags/{fid}/resolve", json={"reason": "Safety plan"})
    assert resolved.status_code == 200
    body = resolved.get_json()
    assert (body["status"], body["resolution_reason"], body["resolved_by"]) == (
        "resolved",
        "Safety plan",
        clinician.user_id,
    )
    assert clinician.post(f"/api/v1/flags/{fid}/resolve", json={"reason": "x"}).status_code == 409
    again = flag(clinician, client_id)
    assert again.status_code == 201 and again.get_json()["id"] != fid


def test_counsellor_cannot_resolve(login_as, clinician, client_id):
    fid = flag(clinician, client_id).get_json()["id"]
    assert (
        login_as("counsellor")
        .post(f"/api/v1/flags/{fid}/resolve", json={"reason": "x"})
        .status_code
        == 403
    )


def test_urgent_unacknowledged_list_and_acknowledge(app, login_as, clinician, client_id):
    with app.app_context():
        other = make_client()
        db.session.commit()
    urgent = flag(clinician, client_id, type="suicide_risk", severity="urgent").get_json()
    flag(clinician, other, type="violence_risk", severity="urgent")
    flag(clinician, client_id, type="pregnancy", severity="info")
    query = "/api/v1/flags?status=active&severity=urgent&acknowledged=false"
    assert clinician.get(query).get_json()["total"] == 2
    counsellor = login_as("counsellor")
    assert counsellor.get(query).get_json()["total"] == 0
    with app.app_context():
        add_to_caseload(counsellor.user_id, client_id)
        db.session.commit()
    listed = counsellor.get(query).get_json()
    assert [f["id"] for f in listed["items"]] == [urgent["id"]]
    ack = counsellor.post(f"/api/v1/flags/{urgent['id']}/acknowledge")
    assert ack.status_code == 200
    assert ack.get_json()["acknowledged_by"] == counsellor.user_id
    assert counsellor.get(query).get_json()["total"] == 0
    assert counsellor.post(f"/api/v1/flags/{urgent['id']}/acknowledge").status_code == 409


def test_escalation_must_be_acknowledged_again(app, clinician, client_id):
    fid = flag(clinician, client_id, type="suicide_risk", severity="warning").get_json()["id"]
    clinician.post(f"/api/v1/flags/{fid}/acknowledge")
    with app.app_context():
        raise_flag(client_id, FlagRequest("suicide_risk", "urgent", "screening"), actor=None)
        db.session.commit()
    body = clinician.get(f"/api/v1/flags/{fid}").get_json()
    assert body["severity"] == "urgent" and body["acknowledged_at"] is None


def test_counsellor_cannot_flag_or_see_other_caseload(login_as, clinician, client_id):
    fid = flag(clinician, client_id).get_json()["id"]
    counsellor = login_as("counsellor")
    assert flag(counsellor, client_id).status_code == 404
    assert counsellor.get(f"/api/v1/flags/{fid}").status_code == 404
    assert counsellor.post(f"/api/v1/flags/{fid}/acknowledge").status_code == 404
    assert counsellor.get(f"/api/v1/clients/{client_id}/flags").status_code == 404


def test_active_flags_on_client_are_urgent_first(clinician, client_id):
    flag(clinician, client_id, type="pregnancy", severity="info")
    flag(clinician, client_id, type="self_harm", severity="urgent")
    flag(clinician, client_id, type="other_medical", severity="warning")
    client = clinician.get(f"/api/v1/clients/{client_id}").get_json()
    assert [f["severity"] for f in client["active_flags"]] == ["urgent", "warning", "info"]
    assert client["dual_diagnosis"] is False
