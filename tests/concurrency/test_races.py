"""Racing requests on committed data: the database keeps the invariants."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from cases.episodes.models import Case
from core.extensions import db
from scheduling.sessions.models import SessionParticipant, TherapySession
from tests.concurrency.conftest import race
from tests.factories import (
    make_bed,
    make_case,
    make_client,
    make_submitted_assessment,
    make_user,
    token_for,
)


def setup_two_clients_one_bed(app):
    with app.app_context():
        clinician = make_user("clinician")
        counsellor = make_user("counsellor")
        make_bed()
        clients = []
        for _ in range(2):
            cid = make_client()
            clients.append((cid, make_submitted_assessment(cid, recommended_level="3.7")))
        tokens = [token_for(clinician) for _ in range(2)]
        db.session.commit()
    return counsellor, clients, tokens


def test_two_admissions_race_for_the_last_bed(race_app):
    counsellor, clients, tokens = setup_two_clients_one_bed(race_app)

    def admit(i):
        cid, aid = clients[i]
        response = race_app.test_client().post(
            "/api/v1/cases",
            json={
                "client_id": cid,
                "assessment_id": aid,
                "level": "3.7",
                "primary_counsellor_id": counsellor,
            },
            headers={"Authorization": f"Bearer {tokens[i]}"},
        )
        return response.status_code, response.get_json()

    results = race(2, admit)
    assert [code for code, _ in results] == [201, 201], results
    assert sorted(body["status"] for _, body in results) == ["admitted", "waitlisted"]
    with race_app.app_context():
        in_beds = (
            db.session.execute(sa.select(Case.bed_id).where(Case.status == "admitted"))
            .scalars()
            .all()
        )
    assert len(in_beds) == 1


def test_two_placements_of_one_client_open_one_case(race_app):
    counsellor, clients, tokens = setup_two_clients_one_bed(race_app)
    cid, aid = clients[0]

    def place(i):
        return (
            race_app.test_client()
            .post(
                "/api/v1/cases",
                json={
                    "client_id": cid,
                    "assessment_id": aid,
                    "level": "1",
                    "override_reason": "Outpatient first",
                    "primary_counsellor_id": counsellor,
                },
                headers={"Authorization": f"Bearer {tokens[i]}"},
            )
            .status_code
        )

    assert sorted(race(2, place)) == [201, 409]


def test_two_editors_one_wins_the_other_gets_412(race_app):
    with race_app.app_context():
        tokens = [token_for(make_user("intake")) for _ in range(2)]
        cid = make_client()
        db.session.commit()
    first = race_app.test_client().get(
        f"/api/v1/clients/{cid}", headers={"Authorization": f"Bearer {tokens[0]}"}
    )
    etag = first.headers["ETag"]

    def edit(i):
        return (
            race_app.test_client()
            .patch(
                f"/api/v1/clients/{cid}",
                json={"phone": f"555-000{i}"},
                headers={"Authorization": f"Bearer {tokens[i]}", "If-Match": etag},
            )
            .status_code
        )

    assert sorted(race(2, edit)) == [200, 412]
    with race_app.app_context():
        final = (
            race_app.test_client()
            .get(f"/api/v1/clients/{cid}", headers={"Authorization": f"Bearer {tokens[0]}"})
            .get_json()
        )
    assert final["version"] == 2 and final["phone"] in {"555-0000", "555-0001"}


def test_fifty_bookings_of_one_slot_exactly_one_wins(race_app):
    with race_app.app_context():
        counsellor = make_user("counsellor")
        clinician = make_user("clinician")
        cases = [make_case(counsellor) for _ in range(50)]
        tokens = [token_for(clinician) for _ in range(50)]
        db.session.commit()

    def book(i):
        return (
            race_app.test_client()
            .post(
                "/api/v1/sessions",
                json={
                    "type": "cbt",
                    "facilitator_id": counsellor,
                    "case_ids": [cases[i]],
                    "starts_at": "2030-01-07T10:00:00+00:00",
                    "ends_at": "2030-01-07T11:00:00+00:00",
                },
                headers={"Authorization": f"Bearer {tokens[i]}"},
            )
            .status_code
        )

    results = race(50, book)
    assert results.count(201) == 1 and results.count(409) == 49, results
    with race_app.app_context():
        assert db.session.execute(sa.select(sa.func.count(TherapySession.id))).scalar() == 1


def test_discharge_racing_a_booking_never_books_a_discharged_case(race_app):
    with race_app.app_context():
        counsellor, clinician = make_user("counsellor"), make_user("clinician")
        case = make_case(counsellor)
        tokens = [token_for(clinician) for _ in range(2)]
        db.session.commit()

    def act(i):
        http = race_app.test_client()
        headers = {"Authorization": f"Bearer {tokens[i]}"}
        if i == 0:
            return http.post(
                f"/api/v1/cases/{case}/discharge",
                json={"reason": "administrative", "date": date.today().isoformat(), "summary": "x"},
                headers=headers,
            ).status_code
        return http.post(
            "/api/v1/sessions",
            json={
                "type": "cbt",
                "facilitator_id": counsellor,
                "case_ids": [case],
                "starts_at": "2030-01-07T10:00:00+00:00",
                "ends_at": "2030-01-07T11:00:00+00:00",
            },
            headers=headers,
        ).status_code

    discharged, booked = race(2, act)
    assert discharged == 200
    assert booked in (201, 409)
    with race_app.app_context():
        sessions = db.session.execute(sa.select(SessionParticipant)).scalars().all()
        status = db.session.get(Case, case).status.value
    assert status == "discharged"
    if booked == 201:  # the booking won the race: it was made while the case was open
        assert len(sessions) == 1
    else:
        assert sessions == []
