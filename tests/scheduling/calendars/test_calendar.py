"""RFC 5545 feeds: tokens, initials only, other caseloads' clients counted ("+2 others")
and never named, every client shown audited, and a feed URL built from PUBLIC_URL."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from icalendar import Calendar

from cases.episodes.models import Case
from core.extensions import db
from intake.clients.models import Client
from tests.scheduling.conftest import NEXT_MONDAY, audit_rows, book, booked_id


def summaries(response):
    assert response.status_code == 200, response.get_data(as_text=True)
    return [str(e["SUMMARY"]) for e in Calendar.from_ical(response.data).walk("VEVENT")]


def client_of(app, case_id):
    with app.app_context():
        return db.session.get(Case, case_id).client_id


def initials_of(app, case_id):
    with app.app_context():
        client = db.session.get(Client, client_of(app, case_id))
        return f"{client.first_name[0]}{client.last_name[0]}".upper()


def test_calendar_feed_with_token_has_initials_only(client, counsellor, open_case):
    case = open_case(first_name="Bridget", last_name="Quinlan")
    sessions = book(
        counsellor, counsellor.user_id, [case], recurrence={"frequency": "weekly", "count": 2}
    ).get_json()["sessions"]
    counsellor.post(f"/api/v1/sessions/{sessions[1]['id']}/cancel", json={"reason": "Holiday"})
    issued = counsellor.post("/api/v1/auth/calendar-token")
    assert issued.status_code == 201
    token = issued.get_json()["token"]
    feed = client.get(
        f"/api/v1/staff/{counsellor.user_id}/calendar.ics", query_string={"token": token}
    )
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    text = feed.get_data(as_text=True)
    assert "Bridget" not in text and "Quinlan" not in text
    events = Calendar.from_ical(feed.data).walk("VEVENT")
    assert [str(e["UID"]) for e in events] == [
        f"session-{s['id']}@treatment-centre" for s in sessions
    ]
    assert [str(e["STATUS"]) for e in events] == ["CONFIRMED", "CANCELLED"]
    assert str(events[0]["SUMMARY"]) == "CBT: BQ"
    assert events[0].decoded("DTSTART") == datetime.fromisoformat(sessions[0]["starts_at"])
    # another staff member's feed with this token, or a revoked token, is refused
    assert (
        client.get("/api/v1/staff/999999/calendar.ics", query_string={"token": token}).status_code
        == 404
    )
    counsellor.delete("/api/v1/auth/calendar-token")
    assert (
        client.get(
            f"/api/v1/staff/{counsellor.user_id}/calendar.ics", query_string={"token": token}
        ).status_code
        == 401
    )
    assert client.get(f"/api/v1/staff/{counsellor.user_id}/calendar.ics").status_code == 401


def test_case_calendar_with_login(counsellor, open_case, login_as):
    case = open_case()
    book(counsellor, counsellor.user_id, [case])
    feed = counsellor.get(f"/api/v1/cases/{case}/calendar.ics")
    assert feed.status_code == 200
    assert len(Calendar.from_ical(feed.data).walk("VEVENT")) == 1
    assert login_as("counsellor").get(f"/api/v1/cases/{case}/calendar.ics").status_code == 404


@pytest.fixture
def shared_group(app, clinician, counsellor, open_case, foreign_case):
    """A group the counsellor facilitates, booked by a clinician with one of the
    counsellor's cases and two of another caseload's."""
    own = open_case(first_name="Ann", last_name="Lee")
    others = [foreign_case(), foreign_case()]
    response = book(clinician, counsellor.user_id, [own, *others], type="group", capacity=6)
    return {"id": booked_id(response), "own": own, "others": others}


def test_staff_feed_counts_other_caseloads_clients(counsellor, shared_group):
    feed = counsellor.get(f"/api/v1/staff/{counsellor.user_id}/calendar.ics")
    assert summaries(feed) == ["Group: AL +2 others"]


def test_clinician_feed_names_every_client(app, clinician, shared_group):
    people = [shared_group["own"], *shared_group["others"]]
    later = NEXT_MONDAY + timedelta(days=1)
    book(clinician, clinician.user_id, people, start=later, type="group", capacity=6)
    feed = clinician.get(f"/api/v1/staff/{clinician.user_id}/calendar.ics")
    assert summaries(feed) == ["Group: " + ", ".join(initials_of(app, c) for c in people)]


def test_staff_feed_audits_each_client_shown(app, counsellor, shared_group):
    counsellor.get(f"/api/v1/staff/{counsellor.user_id}/calendar.ics")
    shown = audit_rows(app, "calendar.staff.read", record_type="therapy_session")
    assert shown == [(shared_group["id"], client_of(app, shared_group["own"]))]


def test_case_feed_names_only_its_own_client(app, clinician, counsellor, shared_group):
    url = f"/api/v1/cases/{shared_group['own']}/calendar.ics"
    assert summaries(counsellor.get(url)) == ["Group: AL +2 others"]
    # not even a clinician's copy of a case's feed names the other clients
    assert summaries(clinician.get(url)) == ["Group: AL +2 others"]
    rows = audit_rows(app, "calendar.case.read", record_type="therapy_session")
    own_client = client_of(app, shared_group["own"])
    assert rows == [(shared_group["id"], own_client), (shared_group["id"], own_client)]


def test_feed_url_is_built_from_public_url_not_the_host_header(app, counsellor, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://centre.example")
    issued = counsellor.post(
        "/api/v1/auth/calendar-token", headers={"Host": "attacker.example"}
    ).get_json()
    assert issued["feed_url"] == (
        f"https://centre.example/api/v1/staff/{counsellor.user_id}/calendar.ics"
        f"?token={issued['token']}"
    )


def test_feed_url_falls_back_to_the_default_public_url(app, counsellor, monkeypatch):
    monkeypatch.delitem(app.config, "PUBLIC_URL", raising=False)
    issued = counsellor.post(
        "/api/v1/auth/calendar-token", headers={"Host": "attacker.example"}
    ).get_json()
    assert issued["feed_url"].startswith(
        f"http://127.0.0.1:5000/api/v1/staff/{counsellor.user_id}/calendar.ics?token="
    )
