"""SUD counselling notes (42 CFR §2.11, kind `counselling`): only the case's care team reads
their text or writes on them; anyone else who may see the case learns that one exists; no
export or disclosure carries them."""

from __future__ import annotations

import json

SECRET = "Talked about the night of the accident; guilt and shame."


def write(case, api=None):
    api = api or case.counsellor
    made = api.post(
        f"/api/v1/cases/{case.id}/notes", json={"kind": "counselling", "body": {"text": SECRET}}
    )
    assert made.status_code == 201, made.get_json()
    return made.get_json()


def test_the_care_team_reads_the_text(case):
    note = write(case)
    assert note["body"]["text"] == SECRET and note["withheld"] is False
    assert case.counsellor.get(f"/api/v1/notes/{note['id']}").get_json()["body"]["text"] == SECRET


def test_outside_the_care_team_the_text_and_addenda_are_withheld(case, login_as):
    note = write(case)
    case.counsellor.post(f"/api/v1/notes/{note['id']}/sign")
    manager, clinician = login_as("manager"), login_as("clinician")
    for reader in (manager, clinician):
        listed = reader.get(f"/api/v1/cases/{case.id}/notes").get_json()["items"]
        [shown] = [n for n in listed if n["id"] == note["id"]]
        assert shown["withheld"] is True and SECRET not in json.dumps(shown)
        single = reader.get(f"/api/v1/notes/{note['id']}").get_json()
        assert single["withheld"] is True and SECRET not in json.dumps(single)
        assert single["kind"] == "counselling"  # that it exists is not hidden


def test_outside_the_care_team_no_one_signs_or_adds_to_it(case, login_as):
    note = write(case)
    outsider = login_as("clinician")
    assert outsider.post(f"/api/v1/notes/{note['id']}/sign").status_code == 403
    assert case.counsellor.post(f"/api/v1/notes/{note['id']}/sign").status_code == 200
    added = outsider.post(f"/api/v1/notes/{note['id']}/addenda", json={"text": "Seen"})
    assert added.status_code == 403


def test_no_ordinary_note_is_withheld(case, login_as):
    made = case.counsellor.post(
        f"/api/v1/cases/{case.id}/notes", json={"kind": "progress", "body": {"text": "Fine"}}
    ).get_json()
    shown = login_as("manager").get(f"/api/v1/notes/{made['id']}").get_json()
    assert shown["withheld"] is False and shown["body"]["text"] == "Fine"


def test_the_fhir_export_never_carries_counselling_notes(case, login_as):
    note = write(case)
    case.counsellor.post(f"/api/v1/notes/{note['id']}/sign")
    exported = login_as("clinician").get(f"/api/v1/clients/{case.client_id}/fhir")
    assert exported.status_code == 200
    assert SECRET not in exported.get_data(as_text=True)
