"""Taper plan API: who may read and act on plans (roles and caseload scope) and the audit trail."""

from __future__ import annotations

import sqlalchemy as sa

from core.audit import AuditEvent
from core.extensions import db
from tests.cases.tapers.taper_api_helpers import act, create

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
