"""The audit trail: every read or write of client data is recorded, managers and admins can
list it, and nobody can change or remove it (API.md "Who sees what")."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from cases.episodes.models import Case
from core import audit
from core.audit import AuditEvent
from core.extensions import db
from tests.factories import make_case, make_user


def rid(name: str) -> str:
    """A well-formed client request id (X-Request-ID), one per name."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, name))


CLIENTS = "/api/v1/clients"
EVENTS = "/api/v1/audit-events"
NEW_CLIENT = {"first_name": "Audra", "last_name": "Trail", "date_of_birth": "1979-03-04"}
#: A client id no real client has, for events inserted directly by the tests.
PLANTED_CLIENT_ID = 987654
T0 = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)


def events_where(app, *conditions):
    with app.app_context():
        stmt = sa.select(AuditEvent).where(*conditions).order_by(AuditEvent.id)
        return list(db.session.execute(stmt).scalars())


@pytest.fixture
def client_id(intake):
    r = intake.post(CLIENTS, json=NEW_CLIENT)
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


@pytest.fixture
def planted_events(app):
    """Three events for PLANTED_CLIENT_ID, one hour apart, ending one hour before T0."""
    with app.app_context():
        for hours in (3, 2, 1):
            db.session.add(
                AuditEvent(
                    occurred_at=T0 - timedelta(hours=hours),
                    action=f"planted.{hours}h",
                    client_id=PLANTED_CLIENT_ID,
                    outcome="success",
                )
            )
        db.session.commit()


# --- events are written ----------------------------------------------------------------------


def test_creating_a_client_writes_an_audit_event(app, intake):
    r = intake.post(CLIENTS, json=NEW_CLIENT, headers={"X-Request-ID": rid("create-req-1")})
    assert r.status_code == 201
    new_id = r.get_json()["id"]
    [event] = events_where(app, AuditEvent.client_request_id == rid("create-req-1"))
    assert event.action == "client.create"
    assert event.actor_id == intake.user_id
    assert event.actor_email.endswith("@test.centre")
    assert event.client_id == new_id
    assert event.record_type == "client"
    assert event.record_id == new_id
    assert event.outcome == "success"
    assert event.method == "POST"
    assert event.occurred_at.tzinfo is not None


def test_reading_a_client_writes_an_audit_event(app, intake, client_id):
    r = intake.get(f"{CLIENTS}/{client_id}", headers={"X-Request-ID": rid("read-req-1")})
    assert r.status_code == 200
    [event] = events_where(app, AuditEvent.client_request_id == rid("read-req-1"))
    assert event.action == "client.read"
    assert event.actor_id == intake.user_id
    assert event.client_id == client_id
    assert event.outcome == "success"


def test_listing_clients_audits_each_client_shown(app, intake, client_id):
    r = intake.get(
        CLIENTS, query_string={"q": "Trail"}, headers={"X-Request-ID": rid("list-req-1")}
    )
    assert r.status_code == 200
    events = events_where(app, AuditEvent.client_request_id == rid("list-req-1"))
    assert [e.client_id for e in events] == [client_id]
    assert events[0].actor_id == intake.user_id


def test_refused_read_of_client_is_audited_with_its_status(app, login_as, client_id):
    counsellor = login_as("counsellor")  # not on this client's caseload
    r = counsellor.get(f"{CLIENTS}/{client_id}", headers={"X-Request-ID": rid("refused-1")})
    assert r.status_code == 404
    [event] = events_where(app, AuditEvent.client_request_id == rid("refused-1"))
    assert event.outcome == "404"
    assert event.actor_id == counsellor.user_id
    assert event.record_id == client_id


# --- listing events ----------------------------------------------------------------------


@pytest.mark.parametrize("role", ["manager", "admin"])
def test_audit_events_list_for_manager_and_admin(login_as, client_id, role):
    r = login_as(role).get(EVENTS, query_string={"client_id": client_id})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert set(body) == {"items", "page", "per_page", "total", "total_is_lower_bound"}
    assert body["total_is_lower_bound"] is False
    assert body["page"] == 1
    assert body["per_page"] == 50
    assert body["total"] == 1
    [item] = body["items"]
    assert item["action"] == "client.create"
    assert item["client_id"] == client_id
    assert item["outcome"] == "success"
    assert item["request_id"]


@pytest.mark.parametrize("role", ["intake", "counsellor", "clinician"])
def test_audit_events_list_is_forbidden_to_other_roles(login_as, role):
    r = login_as(role).get(EVENTS)
    assert r.status_code == 403
    assert r.get_json()["code"] == 403


def test_audit_events_list_without_login_is_401(client):
    assert client.get(EVENTS).status_code == 401


def test_audit_events_are_newest_first(login_as, intake, client_id):
    intake.get(f"{CLIENTS}/{client_id}")
    items = (
        login_as("manager").get(EVENTS, query_string={"client_id": client_id}).get_json()["items"]
    )
    assert [item["action"] for item in items] == ["client.read", "client.create"]
    assert items[0]["occurred_at"] >= items[1]["occurred_at"]


def test_audit_events_filter_by_action(login_as, intake, client_id):
    intake.get(f"{CLIENTS}/{client_id}")
    manager = login_as("manager")
    query = {"client_id": client_id, "action": "client.read"}
    items = manager.get(EVENTS, query_string=query).get_json()["items"]
    assert [item["action"] for item in items] == ["client.read"]
    refused = manager.get(EVENTS, query_string={"action": "client read; --"})
    assert refused.status_code == 422
    assert "action" in str(refused.get_json())


def test_audit_events_filter_by_actor(login_as, client_id):
    other = login_as("clinician")
    other.get(f"{CLIENTS}/{client_id}")
    r = login_as("admin").get(EVENTS, query_string={"actor_id": other.user_id})
    items = r.get_json()["items"]
    assert items
    assert {item["actor_id"] for item in items} == {other.user_id}
    assert "client.read" in {item["action"] for item in items}


def test_audit_events_filter_by_time_range(login_as, planted_events):
    r = login_as("manager").get(
        EVENTS,
        query_string={
            "client_id": PLANTED_CLIENT_ID,
            "from": (T0 - timedelta(hours=2)).isoformat(),
            "to": (T0 - timedelta(hours=1)).isoformat(),
        },
    )
    assert r.status_code == 200, r.get_json()
    # `from` is inclusive, `to` exclusive.
    assert [item["action"] for item in r.get_json()["items"]] == ["planted.2h"]


def test_audit_events_filter_from_only(login_as, planted_events):
    r = login_as("manager").get(
        EVENTS,
        query_string={
            "client_id": PLANTED_CLIENT_ID,
            "from": (T0 - timedelta(hours=2, minutes=30)).isoformat(),
        },
    )
    assert [item["action"] for item in r.get_json()["items"]] == ["planted.1h", "planted.2h"]


def test_audit_events_time_filter_honours_offsets(login_as, planted_events):
    """A bound in another offset means the same instant: 14:30+05:00 is 09:30 UTC."""
    r = login_as("manager").get(
        EVENTS,
        query_string={"client_id": PLANTED_CLIENT_ID, "to": "2026-01-10T14:30:00+05:00"},
    )
    assert [item["action"] for item in r.get_json()["items"]] == ["planted.3h"]


def test_audit_events_paginate(login_as, planted_events):
    manager = login_as("manager")
    page1 = manager.get(
        EVENTS, query_string={"client_id": PLANTED_CLIENT_ID, "per_page": 2}
    ).get_json()
    page2 = manager.get(
        EVENTS, query_string={"client_id": PLANTED_CLIENT_ID, "per_page": 2, "page": 2}
    ).get_json()
    assert page1["total"] == page2["total"] == 3
    assert (page1["page"], page1["per_page"], page2["page"]) == (1, 2, 2)
    assert [i["action"] for i in page1["items"]] == ["planted.1h", "planted.2h"]
    assert [i["action"] for i in page2["items"]] == ["planted.3h"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "yesterday"}, "from"),
        ({"to": "2026-01-10T12:00:00"}, "to"),  # no offset: ambiguous
        ({"per_page": 201}, "per_page"),
        ({"client_id": "abc"}, "client_id"),
    ],
)
def test_audit_events_invalid_filter_is_422(login_as, params, field):
    r = login_as("manager").get(EVENTS, query_string=params)
    assert r.status_code == 422
    assert field in r.get_json()["errors"]["query"]


def test_reading_the_audit_trail_is_itself_audited(app, login_as):
    manager = login_as("manager")
    manager.get(
        EVENTS, query_string={"client_id": 5}, headers={"X-Request-ID": rid("audit-read-1")}
    )
    [event] = events_where(app, AuditEvent.client_request_id == rid("audit-read-1"))
    assert event.action == "audit.read"
    assert event.actor_id == manager.user_id
    assert event.detail["filters"]["client_id"] == 5


# --- append-only -----------------------------------------------------------------------------


@pytest.fixture
def event_id(app):
    with app.app_context():
        event = audit.record("test.event", actor=None, client_id=PLANTED_CLIENT_ID)
        db.session.commit()
        return event.id


def _refused(app, statement, **params):
    with app.app_context():
        with pytest.raises(sa.exc.DatabaseError), db.session.begin_nested():
            db.session.execute(sa.text(statement), params)
        event = db.session.get(AuditEvent, params.get("id")) if "id" in params else None
        count = db.session.execute(sa.select(sa.func.count()).select_from(AuditEvent)).scalar()
        return event, count


def test_audit_event_cannot_be_updated(app, event_id):
    event, _ = _refused(
        app, "UPDATE audit_events SET outcome = 'tampered' WHERE id = :id", id=event_id
    )
    assert event.outcome == "success"


def test_audit_events_cannot_be_deleted(app, event_id):
    event, count = _refused(app, "DELETE FROM audit_events WHERE id = :id", id=event_id)
    assert event is not None
    assert count >= 1


def test_audit_table_cannot_be_emptied(app, event_id):
    _, count = _refused(app, "DELETE FROM audit_events")
    assert count >= 1


def test_audit_event_cannot_be_changed_through_the_orm(app, event_id):
    with app.app_context():
        with pytest.raises(sa.exc.DatabaseError), db.session.begin_nested():
            db.session.get(AuditEvent, event_id).action = "rewritten"
        db.session.expire_all()
        assert db.session.get(AuditEvent, event_id).action == "test.event"


def test_audit_table_cannot_be_truncated_on_postgresql(app, event_id):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("TRUNCATE exists only on PostgreSQL")
    _, count = _refused(app, "TRUNCATE audit_events")
    assert count >= 1


def test_refused_request_on_a_case_names_the_client(app, login_as):
    """A counsellor probing another caseload's case: the 404 is audited against that client."""
    with app.app_context():
        case_id = make_case(make_user("counsellor"))
        client_id = db.session.get(Case, case_id).client_id
        db.session.commit()
    stranger = login_as("counsellor")
    assert stranger.get(f"/api/v1/cases/{case_id}").status_code == 404
    with app.app_context():
        event = (
            db.session.execute(
                sa.select(AuditEvent)
                .where(AuditEvent.actor_id == stranger.user_id)
                .order_by(AuditEvent.id.desc())
            )
            .scalars()
            .first()
        )
    assert (event.action, event.outcome, event.client_id) == ("episodes.get_case", "404", client_id)


# --- request ids -----------------------------------------------------------------------------


def test_client_request_id_is_stored_beside_the_servers_own(app, intake):
    sent = rid("trace-me").upper()  # any case; stored canonical
    r = intake.post(CLIENTS, json=NEW_CLIENT, headers={"X-Request-ID": sent})
    [event] = events_where(app, AuditEvent.client_request_id == sent.lower())
    assert event.request_id == r.headers["X-Request-ID"] != sent.lower()
    assert len(event.request_id) == 32 and int(event.request_id, 16) >= 0


@pytest.mark.parametrize(
    "sent",
    [
        "create-req-1",
        "x" * 64,
        "00000000-0000-0000-0000-00000000000",  # one digit short
        "{12345678-1234-1234-1234-123456789abc}",
        "12345678123412341234123456789abc",
        "<script>alert(1)</script>",
    ],
)
def test_malformed_client_request_id_is_ignored(app, intake, sent):
    r = intake.post(CLIENTS, json=NEW_CLIENT, headers={"X-Request-ID": sent})
    assert r.status_code == 201
    assert "X-Client-Request-ID" not in r.headers
    [event] = events_where(app, AuditEvent.request_id == r.headers["X-Request-ID"])
    assert event.client_request_id is None
    assert event.request_id != sent


def test_audit_event_list_shows_both_request_ids(login_as, intake, client_id):
    sent = rid("listed")
    intake.get(f"{CLIENTS}/{client_id}", headers={"X-Request-ID": sent})
    items = login_as("manager").get(EVENTS, query_string={"client_id": client_id}).get_json()
    read = next(item for item in items["items"] if item["action"] == "client.read")
    assert read["client_request_id"] == sent
    assert read["request_id"] and read["request_id"] != sent
