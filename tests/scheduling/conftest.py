"""Fixtures and helpers for the therapy-session tests: a clinician, a counsellor, cases on
that counsellor's caseload (`open_case()`), cases on another's (`foreign_case()`), and
`book(...)` through the API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from core.audit import AuditEvent
from core.extensions import db
from tests.factories import make_case, open_new_case

NEXT_MONDAY = (datetime.now(UTC) + timedelta(days=7 - datetime.now(UTC).weekday())).replace(
    hour=14, minute=0, second=0, microsecond=0
)
#: A case id no test creates.
MISSING_CASE = 987654


def iso(dt):
    return dt.isoformat()


def book(api, facilitator, case_ids, start=NEXT_MONDAY, minutes=60, **extra):
    body = {
        "type": extra.pop("type", "cbt"),
        "facilitator_id": facilitator,
        "starts_at": iso(start),
        "ends_at": iso(start + timedelta(minutes=minutes)),
        "case_ids": case_ids,
        **extra,
    }
    return api.post("/api/v1/sessions", json=body)


def booked_id(response):
    assert response.status_code == 201, response.get_json()
    return response.get_json()["sessions"][0]["id"]


def audit_rows(app, action, **where):
    """(record_id, client_id) of the audit events with this action, oldest first."""
    with app.app_context():
        stmt = sa.select(AuditEvent.record_id, AuditEvent.client_id).where(
            AuditEvent.action == action,
            *(getattr(AuditEvent, k) == v for k, v in where.items()),
        )
        return [tuple(r) for r in db.session.execute(stmt.order_by(AuditEvent.id))]


@pytest.fixture
def open_case(app, clinician, counsellor):
    """`open_case()` → the id of a new active outpatient case on the counsellor's caseload."""

    def _open(first_name="Ann", last_name="Lee"):
        names = {"first_name": first_name, "last_name": last_name}
        return open_new_case(app, clinician, counsellor.user_id, client=names)["id"]

    return _open


@pytest.fixture
def stranger(login_as):
    """Another counsellor, with caseload of their own."""
    return login_as("counsellor")


@pytest.fixture
def foreign_case(app, stranger):
    """`foreign_case()` → an active case on the stranger's caseload, not the counsellor's."""

    def _open():
        with app.app_context():
            case_id = make_case(stranger.user_id)
            db.session.commit()
        return case_id

    return _open
