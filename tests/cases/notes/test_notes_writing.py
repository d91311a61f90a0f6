"""Clinical notes API, happy paths: each kind written, read with its ETag, listed newest first
and paginated, late notes on a discharged case, and never deleted."""

from __future__ import annotations

import pytest

from tests.cases.notes.notes_helpers import BODIES, addendum, discharge, sign, write
from tests.factories import statements

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
