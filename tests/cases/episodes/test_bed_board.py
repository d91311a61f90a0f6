"""`GET /beds` (API.md "Placement and cases", Corrections "Lists"): a paginated board that
shows an occupant only to those who may see that client, audits every occupant it shows,
and checks visibility in one query however many beds there are."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from core.audit import AuditEvent
from core.extensions import db
from tests.factories import make_bed, make_client, make_submitted_assessment, statements


def admit(app, clinician, counsellor_id, first_name="Alex", last_name="Morgan"):
    """A new bed and a client admitted into it; returns the case."""
    with app.app_context():
        make_bed(unit="North", room="1")
        client_id = make_client(first_name=first_name, last_name=last_name)
        assessment_id = make_submitted_assessment(client_id, recommended_level="3.7")
        db.session.commit()
    response = clinician.post(
        "/api/v1/cases",
        json={
            "client_id": client_id,
            "assessment_id": assessment_id,
            "level": "3.7",
            "primary_counsellor_id": counsellor_id,
        },
    )
    assert response.status_code == 201 and response.get_json()["status"] == "admitted"
    return response.get_json()


def board_events(app, user_id):
    with app.app_context():
        rows = db.session.execute(
            sa.select(AuditEvent.record_id, AuditEvent.client_id).where(
                AuditEvent.action == "bed_board.read", AuditEvent.actor_id == user_id
            )
        ).all()
    return sorted(tuple(row) for row in rows)


def test_board_is_a_page(app, login_as):
    with app.app_context():
        beds = [make_bed(unit="North", room="1", label=label) for label in "ABC"]
        db.session.commit()
    intake = login_as("intake")
    body = intake.get("/api/v1/beds").get_json()
    assert (body["page"], body["per_page"], body["total"]) == (1, 50, 3)
    assert [entry["id"] for entry in body["items"]] == beds
    assert body["items"][0] == {
        "id": beds[0],
        "unit": "North",
        "room": "1",
        "label": "A",
        "active": True,
        "version": 1,
        "occupied": False,
        "occupant": None,
    }
    second = intake.get("/api/v1/beds", query_string={"page": 2, "per_page": 1}).get_json()
    assert [entry["id"] for entry in second["items"]] == [beds[1]] and second["total"] == 3


@pytest.mark.parametrize("query", [{"unit": "North"}, {"per_page": 201}, {"page": 0}])
def test_unknown_or_bad_query_parameters_are_422(login_as, query):
    assert login_as("intake").get("/api/v1/beds", query_string=query).status_code == 422


def test_occupant_shown_only_to_who_may_see_the_client(app, login_as, clinician, counsellor):
    case = admit(app, clinician, counsellor.user_id, "alex", "morgan")
    (own,) = counsellor.get("/api/v1/beds").get_json()["items"]
    assert own["occupied"] is True
    assert own["occupant"] == {
        "case_id": case["id"],
        "client_id": case["client_id"],
        "initials": "AM",
    }
    other = login_as("counsellor")
    (hidden,) = other.get("/api/v1/beds").get_json()["items"]
    assert hidden["occupied"] is True and hidden["occupant"] is None
    for role in ("intake", "clinician", "manager"):
        (entry,) = login_as(role).get("/api/v1/beds").get_json()["items"]
        assert entry["occupant"]["case_id"] == case["id"], role


def test_every_occupant_shown_is_audited(app, login_as, clinician, counsellor):
    own = admit(app, clinician, counsellor.user_id)
    admit(app, clinician, login_as("counsellor").user_id)  # another caseload
    assert counsellor.get("/api/v1/beds").status_code == 200
    assert board_events(app, counsellor.user_id) == [(own["id"], own["client_id"])]
    manager = login_as("manager")
    manager.get("/api/v1/beds")
    assert len(board_events(app, manager.user_id)) == 2


def test_visibility_costs_the_same_for_one_bed_or_many(app, login_as, clinician, counsellor):
    other = login_as("counsellor")

    def statements_for_board(expected):
        with statements(app) as seen:
            body = counsellor.get("/api/v1/beds").get_json()
        assert body["total"] == expected
        return len(seen)

    admit(app, clinician, counsellor.user_id)
    admit(app, clinician, other.user_id)
    few = statements_for_board(2)
    for _ in range(4):
        admit(app, clinician, counsellor.user_id)
        admit(app, clinician, other.user_id)
    assert statements_for_board(10) == few
