"""Racing session changes on committed data: a reschedule and a booking never both put one
client in two overlapping sessions, and a discharge racing a reschedule or a roster change
neither deadlocks nor leaves the discharged case booked (the lock order of
`scheduling.sessions.conflicts`)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from core.extensions import db
from scheduling.sessions.models import (
    ParticipantStatus,
    SessionParticipant,
    SessionStatus,
    TherapySession,
)
from tests.concurrency.conftest import race
from tests.factories import make_case, make_user, token_for

ROUNDS = 6
BASE = datetime(2030, 1, 7, tzinfo=UTC)


def slot(day: int, hour: int) -> dict[str, str]:
    start = BASE + timedelta(days=day, hours=hour)
    return {"starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=1)).isoformat()}


def setup(app, cases: int = 1):
    with app.app_context():
        counsellor = make_user("counsellor")
        clinician = make_user("clinician")
        case_ids = [make_case(counsellor) for _ in range(cases)]
        tokens = [token_for(clinician) for _ in range(2)]
        db.session.commit()
    return counsellor, clinician, case_ids, tokens


def call(app, token, method, url, json, etag=None):
    headers = {"Authorization": f"Bearer {token}"}
    if etag:
        headers["If-Match"] = etag
    response = app.test_client().open(url, method=method, json=json, headers=headers)
    return response.status_code


def book(app, token, facilitator, case_ids, when, **extra):
    http = app.test_client()
    response = http.post(
        "/api/v1/sessions",
        json={"type": "cbt", "facilitator_id": facilitator, "case_ids": case_ids, **when, **extra},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201, response.get_json()
    session_id = response.get_json()["sessions"][0]["id"]
    etag = http.get(
        f"/api/v1/sessions/{session_id}", headers={"Authorization": f"Bearer {token}"}
    ).headers["ETag"]
    return session_id, etag


def overlapping_bookings(app) -> list:
    """Pairs of scheduled sessions that book one client at overlapping times."""
    with app.app_context():
        p, q = sa.orm.aliased(SessionParticipant), sa.orm.aliased(SessionParticipant)
        s, t = sa.orm.aliased(TherapySession), sa.orm.aliased(TherapySession)
        stmt = (
            sa.select(p.session_id, q.session_id)
            .join(s, s.id == p.session_id)
            .join(q, sa.and_(q.client_id == p.client_id, q.session_id > p.session_id))
            .join(t, t.id == q.session_id)
            .where(
                p.status == ParticipantStatus.BOOKED,
                q.status == ParticipantStatus.BOOKED,
                s.status == SessionStatus.SCHEDULED,
                t.status == SessionStatus.SCHEDULED,
                s.starts_at < t.ends_at,
                t.starts_at < s.ends_at,
            )
        )
        return db.session.execute(stmt).all()


def booked_future(app, case_id) -> int:
    with app.app_context():
        return db.session.execute(
            sa.select(sa.func.count())
            .select_from(SessionParticipant)
            .where(
                SessionParticipant.case_id == case_id,
                SessionParticipant.status == ParticipantStatus.BOOKED,
            )
        ).scalar_one()


def test_a_reschedule_racing_a_booking_of_its_client_never_double_books(race_app):
    counsellor, clinician, (case,), tokens = setup(race_app)
    outcomes = []
    for day in range(ROUNDS):
        session_id, etag = book(race_app, tokens[0], counsellor, [case], slot(day, 10))
        target = slot(day, 14)

        def act(i, session_id=session_id, etag=etag, target=target):
            if i == 0:
                url = f"/api/v1/sessions/{session_id}"
                return call(race_app, tokens[0], "PATCH", url, target, etag)
            body = {"type": "cbt", "facilitator_id": clinician, "case_ids": [case], **target}
            return call(race_app, tokens[1], "POST", "/api/v1/sessions", body)

        outcomes.append(tuple(race(2, act)))
    assert all(sorted(o) in ([200, 409], [201, 409]) for o in outcomes), outcomes
    assert overlapping_bookings(race_app) == []


def test_a_discharge_racing_a_reschedule_withdraws_the_case(race_app):
    counsellor, _, cases, tokens = setup(race_app, cases=ROUNDS + 1)
    stays = cases[-1]
    for day, case in enumerate(cases[:-1]):
        session_id, etag = book(
            race_app, tokens[0], counsellor, [case, stays], slot(day, 10), type="group", capacity=4
        )

        def act(i, session_id=session_id, etag=etag, case=case, day=day):
            if i == 0:
                url = f"/api/v1/sessions/{session_id}"
                return call(race_app, tokens[0], "PATCH", url, slot(day, 15), etag)
            body = {"reason": "administrative", "date": date.today().isoformat(), "summary": "x"}
            return call(race_app, tokens[1], "POST", f"/api/v1/cases/{case}/discharge", body)

        assert race(2, act) == [200, 200]
        assert booked_future(race_app, case) == 0
    assert booked_future(race_app, stays) == ROUNDS


def test_a_discharge_racing_an_addition_to_a_series_leaves_nothing_booked(race_app):
    counsellor, _, (first, *joining), tokens = setup(race_app, cases=ROUNDS + 1)
    for day, case in enumerate(joining):
        session_id, _ = book(
            race_app,
            tokens[0],
            counsellor,
            [first],
            slot(day, 9),
            type="group",
            capacity=8,
            recurrence={"frequency": "weekly", "count": 3},
        )

        def act(i, session_id=session_id, case=case):
            if i == 0:
                url = f"/api/v1/sessions/{session_id}/participants"
                body = {"case_id": case, "scope": "following"}
                return call(race_app, tokens[0], "POST", url, body)
            body = {"reason": "administrative", "date": date.today().isoformat(), "summary": "x"}
            return call(race_app, tokens[1], "POST", f"/api/v1/cases/{case}/discharge", body)

        added, discharged = race(2, act)
        assert discharged == 200 and added in (200, 409), (added, discharged)
        assert booked_future(race_app, case) == 0
