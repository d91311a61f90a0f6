"""Who may change a session (API.md "Corrections to version 1"), what a counsellor learns
about other caseloads (nothing but a count), what is audited, and a session that never
clashes with itself."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cases.episodes.models import Case
from core.extensions import db
from tests.scheduling.conftest import MISSING_CASE, NEXT_MONDAY, audit_rows, book, booked_id

STARTED = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30)


def client_of(app, case_id):
    with app.app_context():
        return db.session.get(Case, case_id).client_id


@pytest.fixture
def clinicians_group(clinician, open_case, foreign_case):
    """A weekly group run by a clinician: one of the counsellor's cases, one of another's."""
    own, other = open_case(), foreign_case()
    response = book(
        clinician,
        clinician.user_id,
        [own, other],
        type="group",
        capacity=6,
        recurrence={"frequency": "weekly", "count": 3},
    )
    assert response.status_code == 201, response.get_json()
    ids = [s["id"] for s in response.get_json()["sessions"]]
    return {"ids": ids, "id": ids[0], "own": own, "other": other}


@pytest.fixture
def started_group(clinician, open_case, foreign_case):
    own, other = open_case(), foreign_case()
    response = book(
        clinician, clinician.user_id, [own, other], start=STARTED, type="group", capacity=6
    )
    return {"id": booked_id(response), "own": own, "other": other}


def etag(api, session_id):
    return api.get(f"/api/v1/sessions/{session_id}").headers["ETag"]


def test_counsellor_sees_only_own_participants_and_a_count(counsellor, clinicians_group):
    body = counsellor.get(f"/api/v1/sessions/{clinicians_group['id']}").get_json()
    assert [p["case_id"] for p in body["participants"]] == [clinicians_group["own"]]
    assert body["other_participant_count"] == 1


def test_counsellor_cannot_take_over_a_clinicians_group(clinician, counsellor, clinicians_group):
    url = f"/api/v1/sessions/{clinicians_group['id']}"
    response = counsellor.patch(
        url,
        json={"facilitator_id": counsellor.user_id},
        headers={"If-Match": etag(counsellor, clinicians_group["id"])},
    )
    assert response.status_code == 403, response.get_json()
    assert clinician.get(url).get_json()["facilitator_id"] == clinician.user_id


def test_counsellor_cannot_cancel_a_clinicians_series(clinician, counsellor, clinicians_group):
    response = counsellor.post(
        f"/api/v1/sessions/{clinicians_group['id']}/cancel",
        json={"reason": "No", "scope": "following"},
    )
    assert response.status_code == 403
    statuses = [
        clinician.get(f"/api/v1/sessions/{i}").get_json()["status"] for i in clinicians_group["ids"]
    ]
    assert statuses == ["scheduled"] * 3


def test_facilitating_counsellor_cannot_edit_a_session_with_other_caseloads(
    clinician, counsellor, open_case, foreign_case
):
    session_id = booked_id(
        book(
            clinician,
            counsellor.user_id,
            [open_case(), foreign_case()],
            type="group",
            capacity=4,
        )
    )
    url = f"/api/v1/sessions/{session_id}"
    moved = {"title": "Mine now"}
    assert counsellor.patch(url, json=moved, headers={"If-Match": "*"}).status_code == 403
    assert counsellor.post(f"{url}/cancel", json={"reason": "x"}).status_code == 403
    body = counsellor.get(url).get_json()
    assert len(body["participants"]) == 1 and body["other_participant_count"] == 1


def test_facilitating_counsellor_edits_and_cancels_own_sessions(counsellor, open_case):
    session_id = booked_id(book(counsellor, counsellor.user_id, [open_case()]))
    url = f"/api/v1/sessions/{session_id}"
    response = counsellor.patch(
        url, json={"title": "CBT 1"}, headers={"If-Match": etag(counsellor, session_id)}
    )
    assert response.status_code == 200, response.get_json()
    assert counsellor.post(f"{url}/cancel", json={"reason": "Ill"}).status_code == 200


def test_attendance_for_another_caseload_answers_like_a_missing_case(
    clinician, counsellor, started_group
):
    url = f"/api/v1/sessions/{started_group['id']}/attendance"

    def record(case_id):
        return counsellor.post(url, json={"records": [{"case_id": case_id, "status": "absent"}]})

    other, missing = record(started_group["other"]), record(MISSING_CASE)
    assert other.status_code == missing.status_code == 422
    assert other.get_json() == missing.get_json()
    seen = clinician.get(f"/api/v1/sessions/{started_group['id']}").get_json()
    assert {p["attendance"] for p in seen["participants"]} == {None}
    own = record(started_group["own"])
    assert own.status_code == 200, own.get_json()
    assert [p["attendance"] for p in own.get_json()["participants"]] == ["absent"]


def test_adding_another_caseloads_case_answers_like_a_missing_case(
    counsellor, clinicians_group, foreign_case, open_case
):
    url = f"/api/v1/sessions/{clinicians_group['id']}/participants"
    other = counsellor.post(url, json={"case_id": foreign_case()})
    missing = counsellor.post(url, json={"case_id": MISSING_CASE})
    assert other.status_code == missing.status_code == 422
    assert other.get_json() == missing.get_json()
    assert counsellor.post(url, json={"case_id": open_case()}).status_code == 200


def test_withdrawing_another_caseloads_case_answers_like_a_missing_case(
    clinician, counsellor, clinicians_group
):
    base = f"/api/v1/sessions/{clinicians_group['id']}/participants"
    other = counsellor.post(f"{base}/{clinicians_group['other']}/withdraw", json={})
    missing = counsellor.post(f"{base}/{MISSING_CASE}/withdraw", json={})
    assert other.status_code == missing.status_code == 404
    assert other.get_json() == missing.get_json()
    own = counsellor.post(f"{base}/{clinicians_group['own']}/withdraw", json={})
    assert own.status_code == 200, own.get_json()
    roster = clinician.get(f"/api/v1/sessions/{clinicians_group['id']}").get_json()
    assert [p["case_id"] for p in roster["participants"]] == [clinicians_group["other"]]


def test_case_filter_on_another_caseload_answers_like_a_missing_case(
    clinician, counsellor, foreign_case, open_case
):
    other = foreign_case()
    book(clinician, counsellor.user_id, [open_case(), other], type="group", capacity=4)
    by_other = counsellor.get("/api/v1/sessions", query_string={"case_id": other})
    by_missing = counsellor.get("/api/v1/sessions", query_string={"case_id": MISSING_CASE})
    assert by_other.status_code == by_missing.status_code == 200
    assert by_other.get_json() == by_missing.get_json()
    assert by_other.get_json()["total"] == 0
    assert (
        clinician.get("/api/v1/sessions", query_string={"case_id": other}).get_json()["total"] == 1
    )


def test_reads_audit_each_client_shown(app, clinician, counsellor, clinicians_group):
    own, other = client_of(app, clinicians_group["own"]), client_of(app, clinicians_group["other"])
    first = clinicians_group["id"]
    counsellor.get("/api/v1/sessions", query_string={"per_page": 1})
    assert audit_rows(app, "session.list", actor_id=counsellor.user_id) == [(first, own)]
    clinician.get(f"/api/v1/sessions/{first}")
    assert audit_rows(app, "session.read", actor_id=clinician.user_id) == [
        (first, own),
        (first, other),
    ]


def test_adding_to_a_session_with_a_room_does_not_clash_with_itself(
    login_as, counsellor, open_case
):
    room = login_as("manager").post("/api/v1/rooms", json={"name": "Birch", "capacity": 8})
    series = book(
        counsellor,
        counsellor.user_id,
        [open_case()],
        type="group",
        capacity=4,
        room_id=room.get_json()["id"],
        recurrence={"frequency": "weekly", "count": 3},
    ).get_json()["sessions"]
    url = f"/api/v1/sessions/{series[0]['id']}/participants"
    one = counsellor.post(url, json={"case_id": open_case()})
    assert one.status_code == 200, one.get_json()
    following = counsellor.post(url, json={"case_id": open_case(), "scope": "following"})
    assert following.status_code == 200, following.get_json()
    assert following.get_json()["affected_session_ids"] == [s["id"] for s in series]


def test_capacity_conflict_does_not_count_other_caseloads(
    counsellor, clinician, open_case, foreign_case
):
    session_id = booked_id(
        book(clinician, clinician.user_id, [open_case(), foreign_case()], type="group", capacity=2)
    )
    full = counsellor.post(
        f"/api/v1/sessions/{session_id}/participants", json={"case_id": open_case()}
    )
    assert full.status_code == 409
    assert "2" in full.get_json()["conflicts"][0]["message"]
    assert "3" not in full.get_json()["message"] + full.get_json()["conflicts"][0]["message"]


def test_moving_a_session_onto_its_own_time_and_room_is_no_clash(login_as, counsellor, open_case):
    room = login_as("manager").post("/api/v1/rooms", json={"name": "Elm", "capacity": 8})
    session_id = booked_id(
        book(counsellor, counsellor.user_id, [open_case()], room_id=room.get_json()["id"])
    )
    later = {
        "starts_at": (NEXT_MONDAY + timedelta(minutes=30)).isoformat(),
        "ends_at": (NEXT_MONDAY + timedelta(minutes=90)).isoformat(),
    }
    response = counsellor.patch(
        f"/api/v1/sessions/{session_id}",
        json=later,
        headers={"If-Match": etag(counsellor, session_id)},
    )
    assert response.status_code == 200, response.get_json()
