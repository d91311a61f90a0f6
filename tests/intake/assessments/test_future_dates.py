"""A date of birth, an assessment or a last use in the future is a 422 naming the field
(API.md Corrections, "Date filters"); "the future" starts tomorrow in the centre's time
zone."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.clock import centre_today
from core.extensions import db
from tests.factories import make_client

NEW = {"first_name": "Robin", "last_name": "Hale", "date_of_birth": "1988-04-12"}
ZONE = "Pacific/Kiritimati"  # UTC+14: its today is often UTC's tomorrow


@pytest.fixture
def today(app, monkeypatch):
    monkeypatch.setitem(app.config, "CENTRE_TIMEZONE", ZONE)
    with app.app_context():
        return centre_today()


@pytest.fixture
def client_id(app):
    with app.app_context():
        cid = make_client()
        db.session.commit()
    return cid


def test_date_of_birth_tomorrow_is_422_naming_it(intake, today):
    born = (today + timedelta(days=1)).isoformat()
    response = intake.post("/api/v1/clients", json={**NEW, "date_of_birth": born})
    assert response.status_code == 422
    body = response.get_json()
    assert list(body["errors"]["json"]) == ["date_of_birth"]
    assert "future" in body["errors"]["json"]["date_of_birth"][0]
    assert "date_of_birth" in body["message"]


def test_date_of_birth_today_is_accepted(intake, today):
    response = intake.post("/api/v1/clients", json={**NEW, "date_of_birth": today.isoformat()})
    assert response.status_code == 201, response.get_json()


def test_editing_date_of_birth_into_the_future_is_422(intake, today, client_id):
    url = f"/api/v1/clients/{client_id}"
    etag = intake.get(url).headers["ETag"]
    born = (today + timedelta(days=400)).isoformat()
    response = intake.patch(url, json={"date_of_birth": born}, headers={"If-Match": etag})
    assert response.status_code == 422
    assert list(response.get_json()["errors"]["json"]) == ["date_of_birth"]


def test_assessment_dated_tomorrow_is_422_naming_assessed_on(intake, today, client_id):
    url = f"/api/v1/clients/{client_id}/assessments"
    tomorrow = (today + timedelta(days=1)).isoformat()
    response = intake.post(url, json={"assessed_on": tomorrow})
    assert response.status_code == 422
    assert list(response.get_json()["errors"]["json"]) == ["assessed_on"]
    draft = intake.post(url, json={"assessed_on": today.isoformat()})
    assert draft.status_code == 201, draft.get_json()
    moved = intake.patch(
        f"/api/v1/assessments/{draft.get_json()['id']}",
        json={"assessed_on": tomorrow},
        headers={"If-Match": draft.headers["ETag"]},
    )
    assert moved.status_code == 422
    assert list(moved.get_json()["errors"]["json"]) == ["assessed_on"]


def test_default_assessment_date_is_the_centres_today(intake, today, client_id):
    draft = intake.post(f"/api/v1/clients/{client_id}/assessments", json={})
    assert draft.get_json()["assessed_on"] == today.isoformat()


def test_last_use_in_the_future_is_422_naming_it(intake, today, client_id):
    substance = {
        "substance": "alcohol",
        "category": "alcohol",
        "prescribed": False,
        "taken_as_prescribed": False,
        "last_use": (today + timedelta(days=1)).isoformat(),
    }
    url = f"/api/v1/clients/{client_id}/assessments"
    response = intake.post(url, json={"substances": [substance]})
    assert response.status_code == 422
    assert "last_use" in response.get_json()["errors"]["json"]["substances"]["0"]
