"""Clinical notes API: kinds and body shapes, drafts, signing, addenda, caseload scope, audit."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from cases.notes.models import Note
from core.audit import AuditEvent
from core.extensions import db
from tests.factories import ApiClient, statements
from tests.intake.assessments.test_assessments import prescribed_lorazepam_sections

_names = itertools.count(1)

BODIES = {
    "progress": {"text": "Attended group; cravings lower this week."},
    "group": {"text": "Relapse-prevention group: triggers and coping plans."},
    "dap": {"data": "Slept 6 hours.", "assessment": "Stable.", "plan": "Continue taper."},
    "soap": {
        "subjective": "Feels anxious in the evenings.",
        "objective": "Calm, oriented, no tremor.",
        "assessment": "Mild rebound anxiety.",
        "plan": "Breathing exercises; review Friday.",
    },
}


@dataclass
class OpenCase:
    id: int
    client_id: int
    counsellor: ApiClient
    clinician: ApiClient


def open_case(login_as) -> OpenCase:
    """A client with a submitted assessment, placed (level 1, outpatient → active) by a
    clinician with a new counsellor as primary counsellor; all through the API."""
    intake = login_as("intake")
    n = next(_names)
    client = intake.post(
        "/api/v1/clients",
        json={"first_name": f"Nora{n}", "last_name": "Notes", "date_of_birth": "1981-05-06"},
    )
    assert client.status_code == 201, client.get_json()
    client_id = client.get_json()["id"]
    draft = intake.post(f"/api/v1/clients/{client_id}/assessments", json={})
    assessment_id = draft.get_json()["id"]
    filled = intake.patch(
        f"/api/v1/assessments/{assessment_id}",
        json=prescribed_lorazepam_sections(),
        headers={"If-Match": draft.headers["ETag"]},
    )
    assert filled.status_code == 200, filled.get_json()
    submitted = intake.post(f"/api/v1/assessments/{assessment_id}/submit")
    assert submitted.status_code == 200, submitted.get_json()
    counsellor = login_as("counsellor")
    clinician = login_as("clinician")
    case = clinician.post(
        "/api/v1/cases",
        json={
            "client_id": client_id,
            "assessment_id": assessment_id,
            "level": "1",
            "primary_counsellor_id": counsellor.user_id,
        },
    )
    assert case.status_code == 201, case.get_json()
    return OpenCase(case.get_json()["id"], client_id, counsellor, clinician)


def discharge(case: OpenCase) -> None:
    response = case.clinician.post(
        f"/api/v1/cases/{case.id}/discharge",
        json={
            "reason": "administrative",
            "date": datetime.now(UTC).date().isoformat(),
            "summary": "Moved away.",
        },
    )
    assert response.status_code == 200, response.get_json()


def write(api, case_id, kind="progress", body=None, **kw):
    return api.post(
        f"/api/v1/cases/{case_id}/notes",
        json={"kind": kind, "body": BODIES[kind] if body is None else body, **kw},
    )


def sign(api, note_id, **kw):
    return api.post(f"/api/v1/notes/{note_id}/sign", **kw)


def addendum(api, note_id, text="Late entry: family called."):
    return api.post(f"/api/v1/notes/{note_id}/addenda", json={"text": text})


def events(app, *conditions):
    with app.app_context():
        stmt = sa.select(AuditEvent).where(*conditions).order_by(AuditEvent.id)
        return list(db.session.execute(stmt).scalars())


def assert_no_client_data(response, case: OpenCase, *secrets: str):
    """A 404 that answers like an unknown id: the error shape only, nothing of the client."""
    body = response.get_json()
    assert set(body) == {"code", "status", "message"}, body
    text = response.get_data(as_text=True)
    for secret in ("Nora", *secrets):
        assert secret not in text


@pytest.fixture
def case(login_as):
    return open_case(login_as)


# --- happy paths -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(BODIES))
def test_counsellor_writes_each_kind_on_own_case(case, kind):
    response = write(case.counsellor, case.id, kind)
    assert response.status_code == 201, response.get_json()
    note = response.get_json()
    assert note["kind"] == kind and note["body"] == BODIES[kind]
    assert note["case_id"] == case.id and note["author_id"] == case.counsellor.user_id
    assert note["status"] == "draft" and note["signed_at"] is None and note["addenda"] == []
    assert note["version"] == 1
    assert response.headers["ETag"] == f'"notes-{note["id"]}-v1"'


def test_clinician_writes_notes_on_any_case(case):
    assert write(case.clinician, case.id, "soap").status_code == 201


def test_get_note_carries_etag(case):
    note = write(case.counsellor, case.id).get_json()
    for reader in (case.counsellor, case.clinician):
        response = reader.get(f"/api/v1/notes/{note['id']}")
        assert response.status_code == 200
        assert response.get_json()["body"] == BODIES["progress"]
        assert response.headers["ETag"] == f'"notes-{note["id"]}-v1"'


def test_list_is_newest_first_with_addenda_and_paginated(case):
    first = write(case.counsellor, case.id, "progress").get_json()
    second = write(case.counsellor, case.id, "dap").get_json()
    third = write(case.clinician, case.id, "soap").get_json()
    sign(case.counsellor, first["id"])
    addendum(case.counsellor, first["id"], "Addendum one")
    listing = case.counsellor.get(f"/api/v1/cases/{case.id}/notes")
    assert listing.status_code == 200
    page = listing.get_json()
    assert [n["id"] for n in page["items"]] == [third["id"], second["id"], first["id"]]
    assert (page["page"], page["per_page"], page["total"]) == (1, 50, 3)
    assert [a["text"] for a in page["items"][2]["addenda"]] == ["Addendum one"]
    one = case.counsellor.get(
        f"/api/v1/cases/{case.id}/notes", query_string={"page": 2, "per_page": 1}
    ).get_json()
    assert [n["id"] for n in one["items"]] == [second["id"]] and one["total"] == 3


def test_list_query_count_does_not_grow_with_notes(app, case):
    def add_signed_notes(count):
        for _ in range(count):
            note_id = write(case.counsellor, case.id).get_json()["id"]
            sign(case.counsellor, note_id)
            addendum(case.counsellor, note_id)

    def statements_to_list(expected_items):
        with statements(app) as seen:
            response = case.counsellor.get(f"/api/v1/cases/{case.id}/notes")
        assert len(response.get_json()["items"]) == expected_items
        return len(seen)

    add_signed_notes(1)
    with_one = statements_to_list(1)
    add_signed_notes(4)
    assert statements_to_list(5) == with_one


def test_list_rejects_unknown_query_parameter(case):
    response = case.counsellor.get(f"/api/v1/cases/{case.id}/notes?kind=dap")
    assert response.status_code == 422


def test_notes_on_unknown_case_are_404(case):
    assert write(case.clinician, 999999).status_code == 404
    assert case.clinician.get("/api/v1/cases/999999/notes").status_code == 404
    assert case.clinician.get("/api/v1/notes/999999").status_code == 404


def test_discharged_case_still_takes_late_notes_and_addenda(case):
    earlier = write(case.counsellor, case.id).get_json()
    sign(case.counsellor, earlier["id"])
    discharge(case)
    late = write(case.counsellor, case.id, "progress", {"text": "Late entry for discharge day."})
    assert late.status_code == 201, late.get_json()
    assert sign(case.counsellor, late.get_json()["id"]).status_code == 200
    assert addendum(case.counsellor, earlier["id"]).status_code == 201


def test_notes_are_never_deleted(case):
    note = write(case.counsellor, case.id).get_json()
    assert case.clinician.delete(f"/api/v1/notes/{note['id']}").status_code == 405
    assert case.counsellor.get(f"/api/v1/notes/{note['id']}").status_code == 200


# --- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "body", "field", "message"),
    [
        ("progress", {}, "text", "Missing data for required field."),
        ("group", {"text": "   "}, "text", "Must not be blank."),
        ("progress", {"text": 5}, "text", "Not a valid string."),
        ("dap", {"data": "d", "assessment": "a"}, "plan", "Missing data for required field."),
        ("dap", {**BODIES["dap"], "extra": "x"}, "extra", "Unknown field."),
        ("soap", BODIES["dap"], "subjective", "Missing data for required field."),
        ("soap", {**BODIES["soap"], "data": "x"}, "data", "Unknown field."),
        ("progress", BODIES["soap"], "subjective", "Unknown field."),
    ],
)
def test_body_must_fit_its_kind(case, kind, body, field, message):
    response = write(case.counsellor, case.id, kind, body)
    assert response.status_code == 422
    errors = response.get_json()["errors"]["json"]["body"]
    assert message in errors[field], errors
    assert "body" in response.get_json()["message"]


def test_body_must_be_an_object(case):
    response = write(case.counsellor, case.id, "progress", ["text"])
    assert response.status_code == 422
    assert "body" in response.get_json()["errors"]["json"]


def test_unknown_kind_lists_nothing_written(case):
    response = write(case.counsellor, case.id, "diary", {"text": "x"})
    assert response.status_code == 422
    assert "kind" in response.get_json()["errors"]["json"]


def test_unknown_top_level_field_is_422(case):
    response = write(case.counsellor, case.id, author_id=1)
    assert response.status_code == 422
    assert response.get_json()["errors"]["json"]["author_id"] == ["Unknown field."]


def test_missing_fields_are_422(case):
    response = case.counsellor.post(f"/api/v1/cases/{case.id}/notes", json={})
    assert response.status_code == 422
    assert set(response.get_json()["errors"]["json"]) == {"kind", "body"}


def test_malformed_json_is_400(case):
    response = case.counsellor.post(
        f"/api/v1/cases/{case.id}/notes",
        data='{"kind": "progress", "body": {',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.get_json()["code"] == 400


def test_nothing_is_written_on_bad_input(app, case):
    write(case.counsellor, case.id, "dap", {"data": "only"})
    with app.app_context():
        count = db.session.execute(
            sa.select(sa.func.count()).select_from(Note).where(Note.case_id == case.id)
        ).scalar_one()
    assert count == 0


# --- editing drafts ----------------------------------------------------------------------------


def edit(api, note_id, etag, **json):
    headers = {"If-Match": etag} if etag else {}
    return api.patch(f"/api/v1/notes/{note_id}", json=json, headers=headers)


def test_author_edits_draft_with_if_match(case):
    created = write(case.counsellor, case.id)
    note_id = created.get_json()["id"]
    response = edit(case.counsellor, note_id, created.headers["ETag"], body={"text": "Revised."})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["body"] == {"text": "Revised."}
    assert response.get_json()["version"] == 2
    assert response.headers["ETag"] == f'"notes-{note_id}-v2"'


def test_edit_needs_if_match_and_a_fresh_one(case):
    created = write(case.counsellor, case.id)
    note_id = created.get_json()["id"]
    assert edit(case.counsellor, note_id, None, body={"text": "x"}).status_code == 428
    edit(case.counsellor, note_id, created.headers["ETag"], body={"text": "first"})
    stale = edit(case.counsellor, note_id, created.headers["ETag"], body={"text": "second"})
    assert stale.status_code == 412
    assert case.counsellor.get(f"/api/v1/notes/{note_id}").get_json()["body"]["text"] == "first"


def test_only_the_author_edits(case):
    created = write(case.counsellor, case.id)
    response = edit(
        case.clinician, created.get_json()["id"], created.headers["ETag"], body={"text": "x"}
    )
    assert response.status_code == 403


def test_edit_body_must_fit_kind(case):
    created = write(case.counsellor, case.id, "dap")
    note_id, etag = created.get_json()["id"], created.headers["ETag"]
    wrong = edit(case.counsellor, note_id, etag, body={"text": "x"})
    assert wrong.status_code == 422
    assert set(wrong.get_json()["errors"]["json"]["body"]) == {
        "text",
        "data",
        "assessment",
        "plan",
    }
    no_body = edit(case.counsellor, note_id, etag, kind="soap")
    assert no_body.status_code == 422
    assert "subjective" in no_body.get_json()["errors"]["json"]["body"]
    changed = edit(case.counsellor, note_id, etag, kind="soap", body=BODIES["soap"])
    assert changed.status_code == 200
    assert changed.get_json()["kind"] == "soap"


def test_edit_rejects_empty_and_unknown_fields(case):
    created = write(case.counsellor, case.id)
    note_id, etag = created.get_json()["id"], created.headers["ETag"]
    assert edit(case.counsellor, note_id, etag).status_code == 422
    unknown = edit(case.counsellor, note_id, etag, signed_at="2026-01-01T00:00:00+00:00")
    assert unknown.status_code == 422
    assert "signed_at" in unknown.get_json()["errors"]["json"]


# --- signing and addenda -----------------------------------------------------------------------


def test_author_signs_and_the_note_locks(case):
    created = write(case.counsellor, case.id)
    note_id, etag = created.get_json()["id"], created.headers["ETag"]
    signed = sign(case.counsellor, note_id)
    assert signed.status_code == 200, signed.get_json()
    body = signed.get_json()
    assert body["status"] == "signed" and body["signed_by"] == case.counsellor.user_id
    assert body["signed_at"] is not None
    assert sign(case.counsellor, note_id).status_code == 409
    locked = edit(case.counsellor, note_id, signed.headers["ETag"], body={"text": "changed"})
    assert locked.status_code == 409
    assert edit(case.counsellor, note_id, etag, body={"text": "changed"}).status_code == 412
    assert case.counsellor.get(f"/api/v1/notes/{note_id}").get_json()["body"] == BODIES["progress"]


def test_clinician_may_co_sign_a_counsellors_note(case):
    note_id = write(case.counsellor, case.id).get_json()["id"]
    signed = sign(case.clinician, note_id)
    assert signed.status_code == 200
    assert signed.get_json()["signed_by"] == case.clinician.user_id
    assert signed.get_json()["author_id"] == case.counsellor.user_id


def test_other_counsellor_on_care_team_may_not_sign(login_as, case):
    colleague = login_as("counsellor")
    current = case.clinician.get(f"/api/v1/cases/{case.id}")
    team = case.clinician.patch(
        f"/api/v1/cases/{case.id}",
        json={"care_team_ids": [colleague.user_id]},
        headers={"If-Match": current.headers["ETag"]},
    )
    assert team.status_code == 200, team.get_json()
    note_id = write(case.counsellor, case.id).get_json()["id"]
    assert colleague.get(f"/api/v1/notes/{note_id}").status_code == 200
    assert sign(colleague, note_id).status_code == 403
    # ... but the care team may write its own notes and add addenda to signed ones.
    assert write(colleague, case.id).status_code == 201
    sign(case.counsellor, note_id)
    assert addendum(colleague, note_id).status_code == 201


def test_sign_checks_if_match_when_sent(case):
    created = write(case.counsellor, case.id)
    note_id, etag = created.get_json()["id"], created.headers["ETag"]
    edit(case.counsellor, note_id, etag, body={"text": "Revised."})
    assert sign(case.counsellor, note_id, headers={"If-Match": etag}).status_code == 412
    assert sign(case.counsellor, note_id).status_code == 200


def test_addenda_only_after_signing(case):
    note_id = write(case.counsellor, case.id).get_json()["id"]
    assert addendum(case.counsellor, note_id).status_code == 409
    signed = sign(case.counsellor, note_id)
    first = addendum(case.counsellor, note_id, "First addendum")
    assert first.status_code == 201, first.get_json()
    second = addendum(case.clinician, note_id, "Second addendum")
    assert second.status_code == 201
    body = second.get_json()
    assert [(a["text"], a["author_id"]) for a in body["addenda"]] == [
        ("First addendum", case.counsellor.user_id),
        ("Second addendum", case.clinician.user_id),
    ]
    assert all(a["created_at"] for a in body["addenda"])
    # The signed note itself is unchanged: same body, same version and ETag.
    assert body["body"] == BODIES["progress"] and body["version"] == signed.get_json()["version"]
    assert second.headers["ETag"] == signed.headers["ETag"]


@pytest.mark.parametrize(
    ("json", "field"), [({}, "text"), ({"text": ""}, "text"), ({"text": "x", "by": 1}, "by")]
)
def test_addendum_input_is_checked(case, json, field):
    note_id = write(case.counsellor, case.id).get_json()["id"]
    sign(case.counsellor, note_id)
    response = case.counsellor.post(f"/api/v1/notes/{note_id}/addenda", json=json)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]["json"]


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
