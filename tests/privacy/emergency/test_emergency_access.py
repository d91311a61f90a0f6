"""Emergency access ("break the glass"): a counsellor or clinician's own access to a client
for EMERGENCY_ACCESS_HOURS (4 by default), as if the client were on their caseload, every
read under it audited with the grant, then reviewed by a manager."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from auth.models import CaseloadMembership, MembershipKind
from core.audit import AuditEvent
from core.extensions import db
from tests.factories import add_to_caseload
from tests.privacy.consents.consent_helpers import audit_events, new_client

REASON = "Client collapsed in the lobby; their counsellor is away."


@pytest.fixture
def client_id(app):
    return new_client(app)


def break_glass(api, client_id, reason=REASON):
    body = {} if reason is ... else {"reason": reason}
    return api.post(f"/api/v1/clients/{client_id}/emergency-access", json=body)


def granted(api, client_id):
    response = break_glass(api, client_id)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def sees(api, client_id):
    return api.get(f"/api/v1/clients/{client_id}").status_code == 200


def test_a_grant_opens_the_record_for_four_hours_then_not(app, counsellor, client_id, clock):
    assert not sees(counsellor, client_id)
    grant = granted(counsellor, client_id)
    assert (grant["user_id"], grant["client_id"], grant["reason"]) == (
        counsellor.user_id,
        client_id,
        REASON,
    )
    assert grant["granted_at"] == clock.start.isoformat()
    assert grant["expires_at"] == (clock.start + timedelta(hours=4)).isoformat()
    assert grant["reviewed_at"] is None and grant["outcome"] is None
    assert sees(counsellor, client_id)
    assert counsellor.get(f"/api/v1/clients/{client_id}/flags").status_code == 200
    listed = counsellor.get("/api/v1/clients").get_json()
    assert [c["id"] for c in listed["items"]] == [client_id]

    clock.after(timedelta(hours=3, minutes=59))
    assert sees(counsellor, client_id)
    clock.after(timedelta(hours=4))
    assert not sees(counsellor, client_id)
    clock.after(timedelta(hours=5))
    counsellor.sign_in_again()
    assert not sees(counsellor, client_id)
    assert counsellor.get("/api/v1/clients").get_json()["total"] == 0


def test_the_length_is_configuration(app, counsellor, client_id, clock, monkeypatch):
    monkeypatch.setitem(app.config, "EMERGENCY_ACCESS_HOURS", 1)
    grant = granted(counsellor, client_id)
    assert grant["expires_at"] == (clock.start + timedelta(hours=1)).isoformat()
    clock.after(timedelta(minutes=61))
    assert not sees(counsellor, client_id)


def test_every_read_under_the_grant_is_audited_with_it(app, login_as, counsellor, client_id, clock):
    grant = granted(counsellor, client_id)
    counsellor.get(f"/api/v1/clients/{client_id}")
    counsellor.get("/api/v1/clients")
    tagged = {"emergency_grant_id": grant["id"]}
    events = audit_events(
        app, AuditEvent.actor_id == counsellor.user_id, AuditEvent.client_id == client_id
    )
    assert [e.action for e in events] == ["emergency_access.grant", "client.read", "client.list"]
    assert all(e.detail == tagged for e in events), [e.detail for e in events]

    clinician = login_as("clinician")
    clinician.get(f"/api/v1/clients/{client_id}")
    [theirs] = audit_events(
        app, AuditEvent.actor_id == clinician.user_id, AuditEvent.action == "client.read"
    )
    assert theirs.detail is None

    clock.after(timedelta(hours=5))
    counsellor.sign_in_again()
    counsellor.get(f"/api/v1/clients/{client_id}")
    last = audit_events(app, AuditEvent.actor_id == counsellor.user_id)[-1]
    assert (last.outcome, last.client_id, last.detail) == (
        "404",
        client_id,
        {"view_args": {"client_id": client_id}},
    )


def test_other_clients_reads_by_the_holder_are_not_tagged(app, counsellor, client_id):
    other = new_client(app)
    with app.app_context():
        add_to_caseload(counsellor.user_id, other)
        db.session.commit()
    granted(counsellor, client_id)
    counsellor.get(f"/api/v1/clients/{other}")
    [event] = audit_events(
        app, AuditEvent.actor_id == counsellor.user_id, AuditEvent.action == "client.read"
    )
    assert (event.client_id, event.detail) == (other, None)


def test_a_clinician_may_break_the_glass_too(clinician, client_id):
    assert granted(clinician, client_id)["user_id"] == clinician.user_id


def test_a_reason_is_required(app, counsellor, client_id):
    for reason in (..., "", "   ", None):
        response = break_glass(counsellor, client_id, reason)
        assert response.status_code == 422, reason
        assert "reason" in response.get_json()["errors"]["json"]
    assert not sees(counsellor, client_id)
    with app.app_context():
        stmt = sa.select(sa.func.count()).where(CaseloadMembership.kind == MembershipKind.EMERGENCY)
        assert db.session.execute(stmt).scalar_one() == 0


def test_a_second_request_while_one_is_live_is_409(counsellor, client_id, clock):
    grant = granted(counsellor, client_id)
    again = break_glass(counsellor, client_id)
    assert again.status_code == 409
    assert again.get_json()["emergency_grant_id"] == grant["id"]
    clock.after(timedelta(hours=4, minutes=1))
    counsellor.sign_in_again()
    assert granted(counsellor, client_id)["id"] != grant["id"]


def test_an_unknown_client_is_404(counsellor):
    assert break_glass(counsellor, 999999).status_code == 404


# --- the manager's review ----------------------------------------------------------------------


def test_managers_list_the_grants_to_review_and_review_each_once(
    app, login_as, counsellor, manager, client_id
):
    first = granted(counsellor, client_id)
    second = granted(login_as("clinician"), client_id)
    to_review = manager.get("/api/v1/emergency-access?reviewed=false").get_json()
    assert [g["id"] for g in to_review["items"]] == [first["id"], second["id"]]
    url = f"/api/v1/emergency-access/{first['id']}/review"
    reviewed = manager.post(url, json={"outcome": "appropriate", "note": "Collapse confirmed."})
    assert reviewed.status_code == 200, reviewed.get_json()
    body = reviewed.get_json()
    assert (body["outcome"], body["note"], body["reviewed_by"]) == (
        "appropriate",
        "Collapse confirmed.",
        manager.user_id,
    )
    assert body["expires_at"] == first["expires_at"]
    assert sees(counsellor, client_id)  # an appropriate access runs its course
    assert manager.post(url, json={"outcome": "inappropriate"}).status_code == 409
    remaining = manager.get("/api/v1/emergency-access?reviewed=false").get_json()
    assert [g["id"] for g in remaining["items"]] == [second["id"]]
    done = manager.get("/api/v1/emergency-access?reviewed=true").get_json()
    assert [g["id"] for g in done["items"]] == [first["id"]]
    mine = manager.get(f"/api/v1/emergency-access?user_id={counsellor.user_id}").get_json()
    assert [g["id"] for g in mine["items"]] == [first["id"]]
    [event] = audit_events(app, AuditEvent.action == "emergency_access.review")
    assert (event.record_id, event.client_id, event.detail) == (
        first["id"],
        client_id,
        {"fields": ["note", "outcome"]},
    )


def test_an_inappropriate_access_ends_at_once(counsellor, manager, client_id, clock):
    grant = granted(counsellor, client_id)
    clock.after(timedelta(hours=1))
    reviewed = manager.post(
        f"/api/v1/emergency-access/{grant['id']}/review", json={"outcome": "inappropriate"}
    )
    assert reviewed.status_code == 200
    assert reviewed.get_json()["expires_at"] == (clock.start + timedelta(hours=1)).isoformat()
    assert not sees(counsellor, client_id)


def test_review_input(manager, counsellor, client_id):
    grant = granted(counsellor, client_id)
    url = f"/api/v1/emergency-access/{grant['id']}/review"
    assert "outcome" in manager.post(url, json={}).get_json()["errors"]["json"]
    assert manager.post(url, json={"outcome": "fine"}).status_code == 422
    assert (
        manager.post(
            "/api/v1/emergency-access/999999/review", json={"outcome": "appropriate"}
        ).status_code
        == 404
    )
    assert manager.get("/api/v1/emergency-access?reviewed=maybe").status_code == 422


def test_a_refused_review_names_the_grants_client(app, manager, counsellor, client_id):
    grant = granted(counsellor, client_id)
    manager.post(f"/api/v1/emergency-access/{grant['id']}/review", json={"outcome": "x"})
    [event] = audit_events(app, AuditEvent.actor_id == manager.user_id, AuditEvent.outcome == "422")
    assert event.client_id == client_id
