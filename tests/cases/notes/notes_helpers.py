"""Helpers for the clinical-notes tests (and the treatment-plan tests): a case opened through
the API, note bodies of each kind, and the note endpoints."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from core.audit import AuditEvent
from core.extensions import db
from tests.factories import ApiClient, post_case, submit_assessment_via_api
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
    assessment = submit_assessment_via_api(intake, client_id, prescribed_lorazepam_sections())
    counsellor = login_as("counsellor")
    clinician = login_as("clinician")
    case = post_case(clinician, client_id, assessment["id"], "1", counsellor.user_id)
    return OpenCase(case["id"], client_id, counsellor, clinician)


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


def edit(api, note_id, etag, **json):
    headers = {"If-Match": etag} if etag else {}
    return api.patch(f"/api/v1/notes/{note_id}", json=json, headers=headers)
