"""Duplicate checks never disclose a client the caller may not see (API.md Corrections,
"Existence"): `existing_client_id` only when visible, the same answer and cost otherwise,
and every probe kept in the audit trail."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from core.audit import AuditEvent
from core.extensions import db
from tests.factories import add_to_caseload, make_client

HIDDEN = {"first_name": "Morgan", "last_name": "Vale", "date_of_birth": "1979-08-30"}
BORN = date(1979, 8, 30)


@pytest.fixture
def world(app, login_as):
    """A counsellor with one own client, and a client on nobody's caseload of theirs."""
    counsellor = login_as("counsellor")
    with app.app_context():
        own = make_client(first_name="Kim", last_name="Ash")
        hidden = make_client(first_name="Morgan", last_name="Vale", date_of_birth=BORN)
        add_to_caseload(counsellor.user_id, own)
        db.session.commit()
    return counsellor, own, hidden


def rename(api, client_id, **fields):
    etag = api.get(f"/api/v1/clients/{client_id}").headers["ETag"]
    return api.patch(f"/api/v1/clients/{client_id}", json=fields, headers={"If-Match": etag})


def events(app, action):
    with app.app_context():
        return db.session.execute(
            sa.select(AuditEvent.client_id, AuditEvent.record_id, AuditEvent.detail).where(
                AuditEvent.action == action
            )
        ).all()


def test_edit_into_a_hidden_clients_identity_does_not_reveal_its_id(app, world):
    counsellor, own, _ = world
    response = rename(
        counsellor,
        own,
        first_name="MORGAN",
        last_name="vale",
        date_of_birth=HIDDEN["date_of_birth"],
    )
    assert response.status_code == 409
    body = response.get_json()
    assert set(body) == {"code", "status", "message"}
    assert "already registered" in body["message"]


def test_edit_into_a_visible_clients_identity_names_it(app, world):
    counsellor, own, hidden = world
    with app.app_context():
        add_to_caseload(counsellor.user_id, hidden)
        db.session.commit()
    response = rename(counsellor, own, **HIDDEN)
    assert response.status_code == 409 and response.get_json()["existing_client_id"] == hidden


def test_visible_match_is_named_before_a_hidden_one(app, login_as, world):
    counsellor, own, hidden = world
    with app.app_context():
        visible = make_client(**{**HIDDEN, "date_of_birth": BORN})
        add_to_caseload(counsellor.user_id, visible)
        db.session.commit()
    assert visible > hidden  # the hidden match has the lower id
    response = rename(counsellor, own, **HIDDEN)
    assert response.get_json()["existing_client_id"] == visible


def test_hidden_and_visible_matches_answer_alike_but_for_the_id(app, login_as, world):
    counsellor, own, hidden = world
    hidden_answer = rename(counsellor, own, **HIDDEN).get_json()
    with app.app_context():
        add_to_caseload(counsellor.user_id, hidden)
        db.session.commit()
    visible_answer = rename(counsellor, own, **HIDDEN).get_json()
    assert visible_answer.pop("existing_client_id") == hidden
    assert hidden_answer == visible_answer


def test_edit_probe_is_audited_against_the_callers_own_client(app, world):
    counsellor, own, hidden = world
    assert rename(counsellor, own, **HIDDEN).status_code == 409
    (probe,) = events(app, "client.duplicate_found")
    assert probe.client_id == own and probe.record_id == own
    assert probe.detail == {"matched_client_id": hidden}  # and not disclosed
    with app.app_context():
        outcome = db.session.execute(
            sa.select(AuditEvent.outcome).where(AuditEvent.action == "client.duplicate_found")
        ).scalar_one()
    assert outcome == "409"
    with app.app_context():
        details = db.session.execute(sa.select(AuditEvent.detail)).scalars().all()
    assert "Morgan" not in str(details) and "1979" not in str(details)


def test_registration_probe_is_audited_against_the_matched_client(app, login_as, world):
    _, _, hidden = world
    intake = login_as("intake")
    response = intake.post("/api/v1/clients", json=HIDDEN)
    assert response.status_code == 409 and response.get_json()["existing_client_id"] == hidden
    (probe,) = events(app, "client.duplicate_found")
    assert probe.client_id == hidden
    assert probe.detail == {"matched_client_id": hidden, "disclosed_client_id": hidden}


def test_failed_probe_changes_nothing(app, world):
    counsellor, own, _ = world
    rename(counsellor, own, **HIDDEN)
    body = counsellor.get(f"/api/v1/clients/{own}").get_json()
    assert (body["first_name"], body["last_name"], body["version"]) == ("Kim", "Ash", 1)
