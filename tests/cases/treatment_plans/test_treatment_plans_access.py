"""Treatment plan API: who may read and write (roles and caseload scope, 404 without client
data) and the audit trail."""

from __future__ import annotations

from core.audit import AuditEvent
from tests.cases.notes.notes_helpers import assert_no_client_data, events
from tests.cases.treatment_plans.treatment_plans_helpers import PLAN, plan_url, put, revised

# --- permissions -------------------------------------------------------------------------------


def test_intake_has_no_access(login_as, case):
    intake = login_as("intake")
    put(case.counsellor, case.id)
    assert intake.get(plan_url(case.id)).status_code == 403
    assert put(intake, case.id).status_code == 403
    assert intake.get(plan_url(case.id, "/versions")).status_code == 403


def test_manager_reads_but_does_not_write(login_as, case):
    manager = login_as("manager")
    created = put(case.counsellor, case.id)
    assert manager.get(plan_url(case.id)).status_code == 200
    assert manager.get(plan_url(case.id, "/versions")).status_code == 200
    replaced = put(manager, case.id, revised(description="x"), created.headers["ETag"])
    assert replaced.status_code == 403


def test_counsellor_on_another_caseload_gets_404_without_client_data(login_as, case):
    stranger = login_as("counsellor")
    created = put(case.counsellor, case.id)
    secret = PLAN["problems"][0]["description"]
    responses = [
        stranger.get(plan_url(case.id)),
        stranger.get(plan_url(case.id, "/versions")),
        put(stranger, case.id, revised(description="x"), created.headers["ETag"]),
    ]
    for response in responses:
        assert response.status_code == 404
        assert_no_client_data(response, case, secret)
    assert case.counsellor.get(plan_url(case.id)).get_json()["version"] == 1


def test_counsellor_cannot_create_plan_on_another_caseload(login_as, case):
    stranger = login_as("counsellor")
    assert put(stranger, case.id).status_code == 404
    assert case.counsellor.get(plan_url(case.id)).status_code == 404


# --- audit -------------------------------------------------------------------------------------


def test_every_read_and_write_is_audited_with_client_id(app, case):
    created = put(case.counsellor, case.id)
    plan_id = created.get_json()["id"]
    case.clinician.get(plan_url(case.id))
    put(case.clinician, case.id, revised(description="Taper"), created.headers["ETag"])
    case.counsellor.get(plan_url(case.id, "/versions"))
    plan_events = events(
        app, AuditEvent.record_type == "treatment_plan", AuditEvent.record_id == plan_id
    )
    assert [(e.action, e.detail) for e in plan_events] == [
        ("treatment_plan.create", {"version": 1}),
        ("treatment_plan.read", None),
        ("treatment_plan.update", {"version": 2}),
    ]
    assert [e.actor_id for e in plan_events] == [
        case.counsellor.user_id,
        case.clinician.user_id,
        case.clinician.user_id,
    ]
    revision_events = events(app, AuditEvent.action == "treatment_plan.versions")
    assert len(revision_events) == 2
    assert all(e.record_type == "treatment_plan_revision" for e in revision_events)
    everything = plan_events + revision_events
    assert {e.client_id for e in everything} == {case.client_id}
    assert {e.outcome for e in everything} == {"success"}
    case_reads = events(
        app,
        AuditEvent.action == "case.read_for_treatment_plan",
        AuditEvent.record_id == case.id,
    )
    assert len(case_reads) == 4 and {e.client_id for e in case_reads} == {case.client_id}


def test_reading_a_missing_plan_is_audited_as_refused(app, case):
    case.counsellor.get(plan_url(case.id))
    [event] = events(
        app,
        AuditEvent.actor_id == case.counsellor.user_id,
        AuditEvent.action == "treatment_plans.get_treatment_plan",
    )
    assert event.outcome == "404" and event.record_id == case.id
