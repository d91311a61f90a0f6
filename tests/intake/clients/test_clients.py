"""Client registry: registration with MRN, duplicates, search, caseload scoping, If-Match
edits, archive instead of delete — and every read and write audited."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from core.audit import AuditEvent
from core.extensions import db
from intake.clients.models import Client
from intake.clients.service import mrn_for
from tests.factories import add_to_caseload, make_client

NEW = {"first_name": "Robin", "last_name": "Hale", "date_of_birth": "1988-04-12", "sex": "female"}


def create(api, **overrides):
    return api.post("/api/v1/clients", json={**NEW, **overrides})


def test_register_client_returns_201_with_generated_mrn(intake):
    response = create(intake)
    assert response.status_code == 201
    body = response.get_json()
    assert re.fullmatch(r"C\d{8}", body["mrn"])
    assert body["mrn"] == mrn_for(body["id"])
    assert body["status"] == "active" and body["version"] == 1
    assert response.headers["ETag"]


def test_mrn_check_digit_catches_single_digit_typos():
    mrn = mrn_for(1234)
    for i in range(1, len(mrn) - 1):
        typo = mrn[:i] + str((int(mrn[i]) + 1) % 10) + mrn[i + 1 :]
        assert typo != mrn_for(int(typo[1:-1]))


def test_duplicate_registration_is_409_with_existing_id(intake):
    first = create(intake).get_json()
    response = create(intake, first_name="ROBIN", last_name="hale")
    assert response.status_code == 409
    assert response.get_json()["existing_client_id"] == first["id"]


def test_duplicate_override_needs_reason(intake):
    create(intake)
    assert create(intake, allow_duplicate=True).status_code == 422
    response = create(intake, allow_duplicate=True, duplicate_reason="Different person, twins")
    assert response.status_code == 201
    assert response.get_json()["duplicate_reason"] == "Different person, twins"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({**NEW, "date_of_birth": "12/04/1988"}, "date_of_birth"),
        ({**NEW, "sex": "other"}, "sex"),
        ({**NEW, "role": "admin"}, "role"),
        ({**NEW, "first_name": 7}, "first_name"),
        ({"last_name": "Hale", "date_of_birth": "1988-04-12"}, "first_name"),
        ({**NEW, "emergency_contact": {"name": "A"}}, "emergency_contact"),
    ],
)
def test_bad_client_input_is_422_naming_the_field(intake, payload, field):
    response = intake.post("/api/v1/clients", json=payload)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]["json"]


def test_search_by_name_mrn_and_birth_date(intake):
    robin = create(intake).get_json()
    create(intake, first_name="Kim", last_name="Park", date_of_birth="1970-01-01")
    for q in ["rob", "HALE", "robin hale", robin["mrn"], "1988-04-12"]:
        items = intake.get("/api/v1/clients", query_string={"q": q}).get_json()["items"]
        assert [c["id"] for c in items] == [robin["id"]], q


def test_search_treats_like_wildcards_literally(intake):
    create(intake)
    assert intake.get("/api/v1/clients", query_string={"q": "%"}).get_json()["total"] == 0


@pytest.mark.parametrize(
    "q", ["o'brien", "'; drop table clients; --", "50% o'", "\\' or '1'='1", "%(x)s", "{q}"]
)
def test_search_patterns_written_into_the_statement_stay_text(intake, q):
    """The name and MRN patterns are SQL literals in the statement (so PostgreSQL plans
    them with its indexes): quotes, percent signs, backslashes and placeholders in `q` are
    searched for as text, never run or read as parameters."""
    obrien = create(intake, first_name="Sean", last_name="O'Brien").get_json()
    create(intake, first_name="Kim", last_name="Park", date_of_birth="1970-01-01")
    items = intake.get("/api/v1/clients", query_string={"q": q}).get_json()["items"]
    assert [c["id"] for c in items] == ([obrien["id"]] if q == "o'brien" else [])
    assert intake.get("/api/v1/clients").get_json()["total"] == 2


def test_list_is_paginated(intake):
    for i in range(3):
        create(intake, first_name=f"P{i}")
    body = intake.get("/api/v1/clients", query_string={"per_page": 2, "page": 2}).get_json()
    assert body["page"] == 2 and body["per_page"] == 2 and body["total"] >= 3
    assert len(body["items"]) == min(2, body["total"] - 2)
    assert intake.get("/api/v1/clients", query_string={"per_page": 201}).status_code == 422


def test_counsellor_sees_only_their_caseload(app, login_as):
    counsellor = login_as("counsellor")
    with app.app_context():
        mine, other = make_client(), make_client()
        add_to_caseload(counsellor.user_id, mine)
        db.session.commit()
    listed = counsellor.get("/api/v1/clients").get_json()
    assert [c["id"] for c in listed["items"]] == [mine]
    assert counsellor.get(f"/api/v1/clients/{mine}").status_code == 200
    hidden = counsellor.get(f"/api/v1/clients/{other}")
    unknown = counsellor.get("/api/v1/clients/987654")
    assert hidden.status_code == unknown.status_code == 404
    assert hidden.get_json() == unknown.get_json()
    assert (
        counsellor.patch(
            f"/api/v1/clients/{other}", json={"phone": "1"}, headers={"If-Match": "*"}
        ).status_code
        == 404
    )


def test_counsellor_without_caseload_sees_no_clients(app, login_as):
    with app.app_context():
        make_client()
        db.session.commit()
    assert login_as("counsellor").get("/api/v1/clients").get_json()["total"] == 0


def test_update_requires_if_match(intake):
    created = create(intake)
    url = f"/api/v1/clients/{created.get_json()['id']}"
    assert intake.patch(url, json={"phone": "555"}).status_code == 428
    stale = intake.patch(url, json={"phone": "555"}, headers={"If-Match": '"clients-1-v99"'})
    assert stale.status_code == 412
    ok = intake.patch(url, json={"phone": "555"}, headers={"If-Match": created.headers["ETag"]})
    assert ok.status_code == 200
    assert ok.get_json()["phone"] == "555" and ok.get_json()["version"] == 2
    assert ok.headers["ETag"] != created.headers["ETag"]
    again = intake.patch(url, json={"phone": "666"}, headers={"If-Match": created.headers["ETag"]})
    assert again.status_code == 412
    assert intake.get(url).get_json()["phone"] == "555"


def test_update_into_duplicate_identity_is_409(intake):
    first = create(intake).get_json()
    other = create(intake, first_name="Kim")
    response = intake.patch(
        f"/api/v1/clients/{other.get_json()['id']}",
        json={"first_name": "Robin"},
        headers={"If-Match": other.headers["ETag"]},
    )
    assert response.status_code == 409
    assert response.get_json()["existing_client_id"] == first["id"]


def test_archive_keeps_the_record_and_blocks_edits(app, intake):
    created = create(intake)
    cid = created.get_json()["id"]
    assert intake.post(f"/api/v1/clients/{cid}/archive", json={}).status_code == 422
    archived = intake.post(f"/api/v1/clients/{cid}/archive", json={"reason": "Moved away"})
    assert archived.status_code == 200
    assert archived.get_json()["status"] == "archived"
    assert intake.post(f"/api/v1/clients/{cid}/archive", json={"reason": "x"}).status_code == 409
    edit = intake.patch(
        f"/api/v1/clients/{cid}",
        json={"phone": "1"},
        headers={"If-Match": archived.headers["ETag"]},
    )
    assert edit.status_code == 409
    assert intake.delete(f"/api/v1/clients/{cid}").status_code == 405
    with app.app_context():
        assert db.session.get(Client, cid) is not None
    restored = intake.post(f"/api/v1/clients/{cid}/restore", json={})
    assert restored.status_code == 200 and restored.get_json()["status"] == "active"


def test_archived_clients_filter(intake):
    cid = create(intake).get_json()["id"]
    intake.post(f"/api/v1/clients/{cid}/archive", json={"reason": "Moved"})
    active = intake.get("/api/v1/clients", query_string={"status": "active"}).get_json()
    assert cid not in [c["id"] for c in active["items"]]


def test_reads_and_writes_are_audited(app, intake):
    cid = create(intake).get_json()["id"]
    intake.get(f"/api/v1/clients/{cid}")
    intake.get("/api/v1/clients")
    with app.app_context():
        actions = (
            db.session.execute(
                sa.select(AuditEvent.action)
                .where(AuditEvent.client_id == cid)
                .order_by(AuditEvent.id)
            )
            .scalars()
            .all()
        )
    assert actions == ["client.create", "client.read", "client.list"]


def test_denied_read_is_audited_with_its_outcome(app, login_as):
    counsellor = login_as("counsellor")
    with app.app_context():
        cid = make_client()
        db.session.commit()
    counsellor.get(f"/api/v1/clients/{cid}")
    with app.app_context():
        event = (
            db.session.execute(
                sa.select(AuditEvent)
                .where(AuditEvent.actor_id == counsellor.user_id)
                .order_by(AuditEvent.id.desc())
            )
            .scalars()
            .first()
        )
    assert (event.action, event.outcome, event.client_id) == ("clients.get_client", "404", cid)
