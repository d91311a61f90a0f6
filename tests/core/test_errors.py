"""The one JSON error shape, request limits, security headers and the no-partial-writes rule
(API.md "Conventions")."""

from __future__ import annotations

import uuid
from http import HTTPStatus

import pytest
import sqlalchemy as sa

from core.audit import AuditEvent
from core.errors import Conflict
from core.extensions import db
from intake.clients import service as intake_service
from intake.clients.models import Client


def rid(name: str) -> str:
    """A well-formed client request id (X-Request-ID), one per name."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, name))


CLIENTS = "/api/v1/clients"
JSON = {"Content-Type": "application/json"}
NEW_CLIENT = {"first_name": "Ada", "last_name": "Errorcase", "date_of_birth": "1984-05-06"}


def assert_error_shape(response, code):
    """`{code, status, message, errors?, ...}` as JSON, with the status phrase of `code`."""
    assert response.status_code == code
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["code"] == code
    assert body["status"] == HTTPStatus(code).phrase
    assert isinstance(body["message"], str)
    assert body["message"]
    if "errors" in body:
        assert isinstance(body["errors"], dict)
    return body


def test_malformed_json_is_400(intake):
    r = intake.post(CLIENTS, data='{"first_name": "Ada",', headers=JSON)
    body = assert_error_shape(r, 400)
    assert "json" in body["errors"]


def test_unknown_field_is_422_naming_it(intake):
    r = intake.post(CLIENTS, json={**NEW_CLIENT, "mrn": "C00000001"})
    body = assert_error_shape(r, 422)
    assert list(body["errors"]["json"]) == ["mrn"]
    assert "mrn" in body["message"]


def test_wrong_types_are_422_per_field(intake):
    r = intake.post(CLIENTS, json={"first_name": 5, "last_name": ["x"], "date_of_birth": "soon"})
    body = assert_error_shape(r, 422)
    assert set(body["errors"]["json"]) == {"first_name", "last_name", "date_of_birth"}
    assert body["errors"]["json"]["date_of_birth"] == ["Not a valid date."]


def test_missing_required_fields_are_422(intake):
    body = assert_error_shape(intake.post(CLIENTS, json={}), 422)
    assert {"first_name", "last_name", "date_of_birth"} <= set(body["errors"]["json"])


def test_json_array_instead_of_object_is_422(intake):
    assert_error_shape(intake.post(CLIENTS, json=[NEW_CLIENT]), 422)


def test_body_over_max_content_length_is_413(app, intake):
    limit = app.config["MAX_CONTENT_LENGTH"]
    payload = '{"first_name": "' + "x" * limit + '"}'
    assert_error_shape(intake.post(CLIENTS, data=payload, headers=JSON), 413)


def test_body_over_max_content_length_on_public_route_is_413(app, client):
    payload = '{"email": "' + "x" * app.config["MAX_CONTENT_LENGTH"] + '"}'
    r = client.post("/api/v1/auth/login", data=payload, headers=JSON)
    assert_error_shape(r, 413)


def test_text_plain_body_is_415(intake):
    r = intake.post(CLIENTS, data="first_name=Ada", headers={"Content-Type": "text/plain"})
    assert_error_shape(r, 415)


def test_form_body_is_415(client):
    r = client.post("/api/v1/auth/login", data={"email": "a@b.c", "password": "x"})
    assert_error_shape(r, 415)


def test_wrong_method_is_405_with_allow_header(intake):
    r = intake.delete(CLIENTS)
    assert_error_shape(r, 405)
    assert "POST" in r.headers["Allow"]
    assert "DELETE" not in r.headers["Allow"]


def test_unknown_api_url_is_json_404(intake):
    assert_error_shape(intake.get("/api/v1/no-such-thing"), 404)


def test_unknown_record_is_json_404(intake):
    assert_error_shape(intake.get(f"{CLIENTS}/999999"), 404)


def test_unauthenticated_request_is_json_401_not_a_redirect(client):
    r = client.get(CLIENTS)
    assert_error_shape(r, 401)
    assert "Location" not in r.headers


def test_unauthenticated_unsafe_request_is_401_before_validation(client):
    r = client.post(CLIENTS, json={"nonsense": True})
    assert_error_shape(r, 401)


def test_role_without_permission_is_json_403(login_as):
    r = login_as("admin").get(CLIENTS)
    assert_error_shape(r, 403)


def test_conflict_carries_extra_keys_at_top_level(intake):
    first = intake.post(CLIENTS, json=NEW_CLIENT)
    assert first.status_code == 201
    r = intake.post(CLIENTS, json=NEW_CLIENT)
    body = assert_error_shape(r, 409)
    assert body["existing_client_id"] == first.get_json()["id"]


# --- headers ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/auth/me", "/api/v1/no-such-thing"])
def test_security_headers_on_api_responses(client, path):
    r = client.get(path)
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
    assert r.headers["Cache-Control"] == "no-store"


def test_security_headers_on_success(intake):
    r = intake.get("/api/v1/auth/me")
    assert r.status_code == 200
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
    assert r.headers["Cache-Control"] == "no-store"


def test_client_request_id_is_echoed_beside_the_servers_own(intake):
    sent = rid("trace-abc-123")
    r = intake.get("/api/v1/auth/me", headers={"X-Request-ID": sent})
    assert r.headers["X-Client-Request-ID"] == sent
    assert r.headers["X-Request-ID"] != sent
    assert uuid.UUID(hex=r.headers["X-Request-ID"])


def test_request_id_is_generated_when_absent(client):
    first = client.get("/api/v1/auth/me").headers["X-Request-ID"]
    second = client.get("/api/v1/auth/me").headers["X-Request-ID"]
    assert first
    assert first != second


# --- a failed request changes no data -------------------------------------------------------


def _fail_after_flush(client_id):
    raise Conflict("Simulated failure after the client row was flushed.")


def test_failed_request_leaves_no_partial_write_but_is_audited(app, monkeypatch, intake):
    monkeypatch.setattr(intake_service, "mrn_for", _fail_after_flush)
    r = intake.post(CLIENTS, json=NEW_CLIENT, headers={"X-Request-ID": rid("failed-create-1")})
    assert_error_shape(r, 409)
    with app.app_context():
        clients = db.session.execute(
            sa.select(sa.func.count()).where(Client.last_name == NEW_CLIENT["last_name"])
        ).scalar_one()
        events = db.session.execute(
            sa.select(AuditEvent).where(AuditEvent.client_request_id == rid("failed-create-1"))
        ).scalars()
        events = list(events)
    assert clients == 0
    assert len(events) == 1
    event = events[0]
    assert event.action == "clients.create_client"
    assert event.outcome == "409"
    assert event.actor_id == intake.user_id
    assert event.method == "POST"
    assert event.path == CLIENTS


def test_nul_characters_are_rejected_not_a_database_error(app, login_as):
    """PostgreSQL cannot store NUL in text; found by the long schemathesis campaign."""
    intake = login_as("intake")
    body = {"first_name": "A", "last_name": "\u0000", "date_of_birth": "2000-01-01"}
    response = intake.post("/api/v1/clients", json=body)
    assert response.status_code == 422
    assert "last_name" in response.get_json()["errors"]["json"]
    search = intake.get("/api/v1/clients", query_string={"q": "a\u0000"})
    assert search.status_code == 422
