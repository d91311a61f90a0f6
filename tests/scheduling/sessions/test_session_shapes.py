"""Response shapes (API.md "Corrections to version 1"): paginated rooms and attendance
lists that reject unknown parameters, session actions that answer the session in the path
with `affected_session_ids`, and date filters that take a date or a timestamp."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.scheduling.conftest import book, booked_id

PAGE_KEYS = {"items", "page", "per_page", "total", "total_is_lower_bound"}


def test_rooms_are_managed_by_managers_and_listed_by_page(login_as):
    manager = login_as("manager")
    created = manager.post("/api/v1/rooms", json={"name": "Oak", "capacity": 10})
    assert created.status_code == 201
    manager.post("/api/v1/rooms", json={"name": "Ash", "capacity": 4})
    assert manager.post("/api/v1/rooms", json={"name": "Oak", "capacity": 3}).status_code == 409
    assert (
        login_as("counsellor")
        .post("/api/v1/rooms", json={"name": "Pine", "capacity": 3})
        .status_code
        == 403
    )
    listed = login_as("intake").get("/api/v1/rooms", query_string={"per_page": 1}).get_json()
    assert set(listed) == PAGE_KEYS
    assert ([r["name"] for r in listed["items"]], listed["total"]) == (["Ash"], 2)
    patched = manager.patch(
        f"/api/v1/rooms/{created.get_json()['id']}",
        json={"capacity": 12},
        headers={"If-Match": created.headers["ETag"]},
    )
    assert patched.get_json()["capacity"] == 12


@pytest.mark.parametrize("url", ["/api/v1/rooms", "/api/v1/cases/{case}/attendance"])
def test_lists_reject_unknown_query_parameters(counsellor, open_case, url):
    response = counsellor.get(url.format(case=open_case()), query_string={"colour": "red"})
    assert response.status_code == 422
    assert "colour" in response.get_json()["errors"]["query"]


def test_case_attendance_is_paginated(counsellor, open_case):
    case = open_case()
    start = datetime(2030, 3, 4, 10, tzinfo=UTC)
    book(
        counsellor,
        counsellor.user_id,
        [case],
        start=start,
        recurrence={"frequency": "weekly", "count": 3},
    )
    page = counsellor.get(
        f"/api/v1/cases/{case}/attendance", query_string={"per_page": 2, "page": 2}
    ).get_json()
    assert set(page) == PAGE_KEYS and (page["total"], page["page"]) == (3, 2)
    assert [r["starts_at"] for r in page["items"]] == [(start + timedelta(weeks=2)).isoformat()]


def test_actions_answer_the_session_in_the_path(counsellor, open_case):
    a, b = open_case(), open_case()
    started = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)
    past = booked_id(book(counsellor, counsellor.user_id, [a], start=started))
    attended = counsellor.post(
        f"/api/v1/sessions/{past}/attendance",
        json={"records": [{"case_id": a, "status": "attended"}]},
    )
    assert attended.status_code == 200
    assert (attended.get_json()["id"], attended.get_json()["affected_session_ids"]) == (
        past,
        [past],
    )
    future = booked_id(book(counsellor, counsellor.user_id, [a], type="group", capacity=3))
    added = counsellor.post(f"/api/v1/sessions/{future}/participants", json={"case_id": b})
    assert (added.status_code, added.get_json()["id"]) == (200, future)
    withdrawn = counsellor.post(f"/api/v1/sessions/{future}/participants/{b}/withdraw", json={})
    assert withdrawn.status_code == 200
    assert [p["case_id"] for p in withdrawn.get_json()["participants"]] == [a]
    assert withdrawn.get_json()["affected_session_ids"] == [future]
    cancelled = counsellor.post(f"/api/v1/sessions/{future}/cancel", json={"reason": "Ill"})
    assert (cancelled.get_json()["id"], cancelled.get_json()["status"]) == (future, "cancelled")
    assert cancelled.headers["ETag"]


@pytest.fixture
def around_midnight(app, counsellor, open_case, monkeypatch):
    """Two sessions either side of the start of 2030-12-02 in New York (05:00 UTC)."""
    monkeypatch.setitem(app.config, "CENTRE_TIMEZONE", "America/New_York")
    case = open_case()
    late = booked_id(
        book(counsellor, counsellor.user_id, [case], start=datetime(2030, 12, 2, 3, tzinfo=UTC))
    )
    early = booked_id(
        book(counsellor, counsellor.user_id, [case], start=datetime(2030, 12, 2, 6, tzinfo=UTC))
    )
    return late, early


def listed(api, **query):
    response = api.get("/api/v1/sessions", query_string=query)
    assert response.status_code == 200, response.get_json()
    return [s["id"] for s in response.get_json()["items"]]


def test_a_date_filter_means_the_start_of_that_centre_day(counsellor, around_midnight):
    late, early = around_midnight
    assert listed(counsellor, **{"from": "2030-12-02"}) == [early]
    assert listed(counsellor, to="2030-12-02") == [late]
    assert listed(counsellor, **{"from": "2030-12-01", "to": "2030-12-03"}) == [late, early]
    assert listed(counsellor, **{"from": "2030-12-02T04:30:00+00:00"}) == [early]


@pytest.mark.parametrize(
    "value", ["1899-12-31", "2201-01-01", "2201-01-01T00:00:00+00:00", "2030-12-02T10:00", "soon"]
)
def test_a_bad_date_filter_is_422_naming_it(counsellor, value):
    response = counsellor.get("/api/v1/sessions", query_string={"from": value})
    assert response.status_code == 422
    assert "from" in response.get_json()["errors"]["query"]


def test_a_booking_outside_the_supported_years_is_422(counsellor, open_case):
    response = book(
        counsellor, counsellor.user_id, [open_case()], start=datetime(2201, 1, 5, tzinfo=UTC)
    )
    assert response.status_code == 422
    assert "starts_at" in response.get_json()["errors"]["json"]
