"""Therapy sessions through the API: types, conflicts, recurrence, roster changes,
attendance, cancellation, rooms and calendar feeds."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from tests.scheduling.conftest import MISSING_CASE, NEXT_MONDAY, book, iso


def test_weekly_cbt_series_is_booked_whole(counsellor, open_case):
    case = open_case()
    response = book(
        counsellor, counsellor.user_id, [case], recurrence={"frequency": "weekly", "count": 4}
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["series_id"] is not None and len(body["sessions"]) == 4
    starts = [datetime.fromisoformat(s["starts_at"]) for s in body["sessions"]]
    assert all(b - a == timedelta(weeks=1) for a, b in itertools.pairwise(starts))
    assert body["sessions"][0]["participants"] == [
        {"case_id": case, "status": "booked", "attendance": None, "attendance_recorded_at": None}
    ]


def test_single_session_has_no_series(counsellor, open_case):
    body = book(counsellor, counsellor.user_id, [open_case()]).get_json()
    assert body["series_id"] is None and len(body["sessions"]) == 1


def test_double_booking_facilitator_is_409_naming_the_clash(counsellor, open_case):
    first = book(counsellor, counsellor.user_id, [open_case()]).get_json()["sessions"][0]
    clash = book(
        counsellor, counsellor.user_id, [open_case()], start=NEXT_MONDAY + timedelta(minutes=30)
    )
    assert clash.status_code == 409
    (conflict,) = clash.get_json()["conflicts"]
    assert (conflict["kind"], conflict["session_id"]) == ("facilitator", first["id"])
    assert datetime.fromisoformat(conflict["starts_at"]) == NEXT_MONDAY


def test_back_to_back_sessions_do_not_clash(counsellor, open_case):
    case = open_case()
    assert book(counsellor, counsellor.user_id, [case]).status_code == 201
    assert (
        book(
            counsellor, counsellor.user_id, [case], start=NEXT_MONDAY + timedelta(hours=1)
        ).status_code
        == 201
    )


def test_double_booking_client_is_409(login_as, counsellor, open_case):
    other = login_as("clinician")
    case = open_case()
    book(counsellor, counsellor.user_id, [case])
    clash = book(counsellor, other.user_id, [case], start=NEXT_MONDAY + timedelta(minutes=15))
    assert clash.status_code == 409
    assert [c["kind"] for c in clash.get_json()["conflicts"]] == ["client"]


def test_series_with_one_clashing_week_books_nothing(counsellor, open_case):
    case = open_case()
    book(counsellor, counsellor.user_id, [open_case()], start=NEXT_MONDAY + timedelta(weeks=2))
    clash = book(
        counsellor, counsellor.user_id, [case], recurrence={"frequency": "weekly", "count": 4}
    )
    assert clash.status_code == 409
    assert len(clash.get_json()["conflicts"]) == 1
    listed = counsellor.get("/api/v1/sessions", query_string={"case_id": case}).get_json()
    assert listed["total"] == 0


def test_room_clash_and_room_capacity(login_as, counsellor, open_case):
    manager = login_as("manager")
    room = manager.post("/api/v1/rooms", json={"name": "Willow", "capacity": 2}).get_json()
    book(counsellor, counsellor.user_id, [open_case()], room_id=room["id"])
    other = login_as("clinician")
    clash = book(other, other.user_id, [open_case()], room_id=room["id"])
    assert [c["kind"] for c in clash.get_json()["conflicts"]] == ["room"]
    crowded = book(
        counsellor,
        counsellor.user_id,
        [open_case(), open_case(), open_case()],
        start=NEXT_MONDAY + timedelta(days=1),
        type="group",
        capacity=8,
        room_id=room["id"],
    )
    assert crowded.status_code == 409
    assert [c["kind"] for c in crowded.get_json()["conflicts"]] == ["capacity"]


def test_group_capacity_and_adding_from_next_week(counsellor, open_case):
    a, b, c = open_case(), open_case(), open_case()
    group = book(
        counsellor,
        counsellor.user_id,
        [a],
        type="group",
        capacity=2,
        title="Relapse prevention",
        recurrence={"frequency": "weekly", "count": 3},
    ).get_json()
    sessions = group["sessions"]
    added = counsellor.post(
        f"/api/v1/sessions/{sessions[1]['id']}/participants",
        json={"case_id": b, "scope": "following"},
    )
    assert added.status_code == 200, added.get_json()
    body = added.get_json()
    assert body["id"] == sessions[1]["id"]
    assert body["affected_session_ids"] == [sessions[1]["id"], sessions[2]["id"]]
    assert [p["case_id"] for p in body["participants"]] == [a, b]
    first_week = counsellor.get(f"/api/v1/sessions/{sessions[0]['id']}").get_json()
    assert [p["case_id"] for p in first_week["participants"]] == [a]
    full = counsellor.post(
        f"/api/v1/sessions/{sessions[2]['id']}/participants", json={"case_id": c}
    )
    assert full.status_code == 409
    assert full.get_json()["conflicts"][0]["kind"] == "capacity"


def test_withdraw_following(counsellor, open_case):
    a, b = open_case(), open_case()
    sessions = book(
        counsellor,
        counsellor.user_id,
        [a, b],
        type="group",
        capacity=4,
        recurrence={"frequency": "weekly", "count": 3},
    ).get_json()["sessions"]
    response = counsellor.post(
        f"/api/v1/sessions/{sessions[1]['id']}/participants/{b}/withdraw",
        json={"scope": "following"},
    )
    assert response.status_code == 200
    rosters = [
        [
            p["case_id"]
            for p in counsellor.get(f"/api/v1/sessions/{s['id']}").get_json()["participants"]
        ]
        for s in sessions
    ]
    assert rosters == [[a, b], [a], [a]]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"ends_at": iso(NEXT_MONDAY - timedelta(minutes=1))}, "ends_at"),
        ({"ends_at": iso(NEXT_MONDAY + timedelta(hours=25))}, "ends_at"),
        ({"starts_at": "2026-12-01T14:00:00"}, "starts_at"),
        ({"type": "yoga"}, "type"),
        ({"facilitator_id": 999999}, "facilitator_id"),
        ({"type": "family"}, "family_members"),
        ({"type": "group"}, "capacity"),
        ({"case_ids": [999999]}, "case_ids"),
        ({"recurrence": {"frequency": "daily", "count": 2}}, "recurrence"),
        ({"recurrence": {"frequency": "weekly"}}, "recurrence"),
        ({"status": "scheduled"}, "status"),
    ],
)
def test_bad_booking_is_422_naming_the_field(counsellor, open_case, overrides, field):
    body = {
        "type": "cbt",
        "facilitator_id": counsellor.user_id,
        "starts_at": iso(NEXT_MONDAY),
        "ends_at": iso(NEXT_MONDAY + timedelta(hours=1)),
        "case_ids": [open_case()],
        **overrides,
    }
    response = counsellor.post("/api/v1/sessions", json=body)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]["json"]


def test_other_caseloads_case_answers_as_unknown(stranger, open_case):
    case = open_case()
    response = book(stranger, stranger.user_id, [case])
    unknown = book(stranger, stranger.user_id, [MISSING_CASE])
    assert response.status_code == unknown.status_code == 422
    assert response.get_json() == unknown.get_json()
    assert response.get_json()["errors"] == {"json": {"case_ids": {"0": ["No such case."]}}}


def test_discharged_case_cannot_be_booked(clinician, counsellor, open_case):
    case = open_case()
    clinician.post(
        f"/api/v1/cases/{case}/discharge",
        json={
            "reason": "administrative",
            "date": datetime.now(UTC).date().isoformat(),
            "summary": "Moved",
        },
    )
    response = book(counsellor, counsellor.user_id, [case])
    assert response.status_code == 409


def test_attendance_only_after_start_and_shows_on_case(counsellor, open_case):
    a, b = open_case(), open_case()
    future = book(counsellor, counsellor.user_id, [a]).get_json()["sessions"][0]
    early = counsellor.post(
        f"/api/v1/sessions/{future['id']}/attendance",
        json={"records": [{"case_id": a, "status": "attended"}]},
    )
    assert early.status_code == 409
    started = datetime.now(UTC) - timedelta(minutes=30)
    past = book(counsellor, counsellor.user_id, [a, b], start=started, type="group", capacity=5)
    session = past.get_json()["sessions"][0]
    recorded = counsellor.post(
        f"/api/v1/sessions/{session['id']}/attendance",
        json={
            "records": [
                {"case_id": a, "status": "late"},
                {"case_id": b, "status": "absent"},
            ]
        },
    )
    assert recorded.status_code == 200
    marked = {p["case_id"]: p["attendance"] for p in recorded.get_json()["participants"]}
    assert marked == {a: "late", b: "absent"}
    stranger_case = open_case()
    wrong = counsellor.post(
        f"/api/v1/sessions/{session['id']}/attendance",
        json={"records": [{"case_id": stranger_case, "status": "attended"}]},
    )
    assert wrong.status_code == 422
    assert wrong.get_json()["errors"] == {
        "json": {"records": {"0": {"case_id": ["That case is not booked into this session."]}}}
    }
    record = counsellor.get(f"/api/v1/cases/{a}/attendance").get_json()
    assert record["total"] == 2
    assert [(r["session_id"], r["attendance"]) for r in record["items"]] == [
        (session["id"], "late"),
        (future["id"], None),
    ]


def test_cancel_rest_of_series(counsellor, open_case):
    sessions = book(
        counsellor,
        counsellor.user_id,
        [open_case()],
        recurrence={"frequency": "weekly", "count": 3},
    ).get_json()["sessions"]
    missing = counsellor.post(f"/api/v1/sessions/{sessions[1]['id']}/cancel", json={})
    assert missing.status_code == 422
    cancelled = counsellor.post(
        f"/api/v1/sessions/{sessions[1]['id']}/cancel",
        json={"reason": "Leave", "scope": "following"},
    )
    assert cancelled.status_code == 200, cancelled.get_json()
    assert cancelled.get_json()["status"] == "cancelled"
    assert cancelled.get_json()["affected_session_ids"] == [s["id"] for s in sessions[1:]]
    statuses = [
        counsellor.get(f"/api/v1/sessions/{s['id']}").get_json()["status"] for s in sessions
    ]
    assert statuses == ["scheduled", "cancelled", "cancelled"]
    again = counsellor.post(f"/api/v1/sessions/{sessions[2]['id']}/cancel", json={"reason": "x"})
    assert again.status_code == 409
    # the cancelled slot is free again
    assert (
        book(
            counsellor, counsellor.user_id, [open_case()], start=NEXT_MONDAY + timedelta(weeks=2)
        ).status_code
        == 201
    )


def test_reschedule_checks_conflicts_and_if_match(counsellor, open_case):
    first = book(counsellor, counsellor.user_id, [open_case()]).get_json()["sessions"][0]
    later = NEXT_MONDAY + timedelta(hours=3)
    book(counsellor, counsellor.user_id, [open_case()], start=later)
    url = f"/api/v1/sessions/{first['id']}"
    etag = counsellor.get(url).headers["ETag"]
    body = {"starts_at": iso(later), "ends_at": iso(later + timedelta(hours=1))}
    assert counsellor.patch(url, json=body).status_code == 428
    assert counsellor.patch(url, json=body, headers={"If-Match": etag}).status_code == 409
    moved = {
        "starts_at": iso(later + timedelta(hours=2)),
        "ends_at": iso(later + timedelta(hours=3)),
    }
    ok = counsellor.patch(url, json=moved, headers={"If-Match": etag})
    assert ok.status_code == 200


def test_counsellor_sees_only_own_sessions(login_as, counsellor, open_case):
    book(counsellor, counsellor.user_id, [open_case()])
    stranger = login_as("counsellor")
    assert stranger.get("/api/v1/sessions").get_json()["total"] == 0
    assert login_as("manager").get("/api/v1/sessions").get_json()["total"] == 1
    assert login_as("manager").post("/api/v1/sessions", json={}).status_code == 403
    assert login_as("intake").get("/api/v1/sessions").status_code == 403
