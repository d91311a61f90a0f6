"""Clinical notes API, bad input: bodies that do not fit their kind, unknown kinds and fields,
malformed JSON, and nothing written."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from cases.notes.models import Note
from core.extensions import db
from tests.cases.notes.notes_helpers import BODIES, write

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
