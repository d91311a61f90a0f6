"""Clinical notes API: editing drafts with If-Match, signing (which locks the note), co-signing,
and addenda after signing."""

from __future__ import annotations

import pytest

from tests.cases.notes.notes_helpers import BODIES, addendum, edit, sign, write

# --- editing drafts ----------------------------------------------------------------------------


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
