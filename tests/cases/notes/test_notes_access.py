"""Clinical notes API: who may read and write (roles and caseload scope, 404 without client
data) and the audit trail."""

from __future__ import annotations

from core.audit import AuditEvent
from tests.cases.notes.notes_helpers import (
    BODIES,
    addendum,
    assert_no_client_data,
    edit,
    events,
    sign,
    write,
)

# --- permissions -------------------------------------------------------------------------------


def test_intake_may_neither_read_nor_write_notes(login_as, case):
    intake = login_as("intake")
    note_id = write(case.counsellor, case.id).get_json()["id"]
    assert write(intake, case.id).status_code == 403
    assert intake.get(f"/api/v1/cases/{case.id}/notes").status_code == 403
    assert intake.get(f"/api/v1/notes/{note_id}").status_code == 403
    assert sign(intake, note_id).status_code == 403


def test_manager_reads_but_does_not_write(login_as, case):
    manager = login_as("manager")
    created = write(case.counsellor, case.id)
    note_id = created.get_json()["id"]
    assert manager.get(f"/api/v1/cases/{case.id}/notes").status_code == 200
    assert manager.get(f"/api/v1/notes/{note_id}").status_code == 200
    assert write(manager, case.id).status_code == 403
    assert edit(manager, note_id, created.headers["ETag"], body={"text": "x"}).status_code == 403
    assert sign(manager, note_id).status_code == 403
    sign(case.counsellor, note_id)
    assert addendum(manager, note_id).status_code == 403


def test_counsellor_on_another_caseload_gets_404_without_client_data(login_as, case):
    stranger = login_as("counsellor")
    created = write(case.counsellor, case.id)
    note_id, etag = created.get_json()["id"], created.headers["ETag"]
    secret = BODIES["progress"]["text"]
    responses = [
        write(stranger, case.id),
        stranger.get(f"/api/v1/cases/{case.id}/notes"),
        stranger.get(f"/api/v1/notes/{note_id}"),
        edit(stranger, note_id, etag, body={"text": "x"}),
        sign(stranger, note_id),
        addendum(stranger, note_id),
    ]
    for response in responses:
        assert response.status_code == 404, response.get_json()
        assert_no_client_data(response, case, secret)
    unknown = stranger.get("/api/v1/notes/999999").get_json()
    assert stranger.get(f"/api/v1/notes/{note_id}").get_json() == unknown
    # Nothing was written and the note is untouched.
    after = case.counsellor.get(f"/api/v1/notes/{note_id}").get_json()
    assert after["status"] == "draft" and after["version"] == 1 and after["addenda"] == []


# --- audit -------------------------------------------------------------------------------------


def test_every_read_and_write_is_audited_with_client_id(app, case):
    note_id = write(case.counsellor, case.id).get_json()["id"]
    created = case.counsellor.get(f"/api/v1/notes/{note_id}")
    edit(case.counsellor, note_id, created.headers["ETag"], body={"text": "Revised."})
    sign(case.counsellor, note_id)
    addendum(case.clinician, note_id)
    case.counsellor.get(f"/api/v1/cases/{case.id}/notes")
    note_events = events(app, AuditEvent.record_type == "note", AuditEvent.record_id == note_id)
    assert [e.action for e in note_events] == [
        "note.create",
        "note.read",
        "note.read_for_update",
        "note.update",
        "note.read_for_update",
        "note.sign",
        "note.read_for_update",
        "note.addendum",
        "note.list",
    ]
    assert {e.client_id for e in note_events} == {case.client_id}
    assert {e.outcome for e in note_events} == {"success"}
    actors = {e.action: e.actor_id for e in note_events}
    assert actors["note.addendum"] == case.clinician.user_id
    assert actors["note.sign"] == case.counsellor.user_id
    # Reading the case to write or list notes is itself recorded.
    case_events = events(app, AuditEvent.record_type == "case", AuditEvent.record_id == case.id)
    actions = {e.action for e in case_events}
    assert {"case.read_for_note", "case.read_for_notes"} <= actions
    assert all(e.client_id == case.client_id for e in case_events)


def test_audit_detail_holds_no_note_text(app, case):
    note_id = write(case.counsellor, case.id).get_json()["id"]
    [event] = events(app, AuditEvent.action == "note.create", AuditEvent.record_id == note_id)
    assert event.detail == {"kind": "progress"}


def test_refused_read_is_audited_and_grants_nothing(app, login_as, case):
    stranger = login_as("counsellor")
    note_id = write(case.counsellor, case.id).get_json()["id"]
    stranger.get(f"/api/v1/notes/{note_id}")
    mine = events(
        app, AuditEvent.actor_id == stranger.user_id, AuditEvent.action.not_like("auth.%")
    )
    assert [(e.action, e.outcome) for e in mine] == [("notes.get_note", "404")]
    assert mine[0].record_id == note_id
