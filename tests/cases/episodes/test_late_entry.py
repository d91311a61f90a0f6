"""Late entry (API.md Corrections): `POST /cases` takes `opened_on`, a date up to 30 days in
the past (default today in the centre's time zone), for a placement recorded after the fact;
for inpatient levels it is also the admission date."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from cases.episodes.rules import validate_opened_on
from core.clock import centre_date, centre_today
from core.extensions import db
from tests.factories import make_bed, make_client, make_submitted_assessment

ZONE = "Pacific/Auckland"  # far from UTC, so a UTC date would be the wrong day


@pytest.fixture
def centre(app, monkeypatch):
    """The centre in a time zone far from UTC; yields its today."""
    monkeypatch.setitem(app.config, "CENTRE_TIMEZONE", ZONE)
    with app.app_context():
        return centre_today()


def assessed(app, recommended, assessed_on):
    with app.app_context():
        client_id = make_client()
        assessment_id = make_submitted_assessment(
            client_id, recommended_level=recommended, assessed_on=assessed_on
        )
        db.session.commit()
    return client_id, assessment_id


def place(api, client_assessment, counsellor_id, level, **extra):
    client_id, assessment_id = client_assessment
    body = {
        "client_id": client_id,
        "assessment_id": assessment_id,
        "level": level,
        "primary_counsellor_id": counsellor_id,
        **extra,
    }
    return api.post("/api/v1/cases", json=body)


def local_day(app, stamp):
    with app.app_context():
        return centre_date(datetime.fromisoformat(stamp))


def test_outpatient_placement_recorded_late_is_opened_that_day(app, clinician, counsellor, centre):
    opened_on = centre - timedelta(days=10)
    pair = assessed(app, "1", centre - timedelta(days=20))
    response = place(clinician, pair, counsellor.user_id, "1", opened_on=opened_on.isoformat())
    assert response.status_code == 201, response.get_json()
    case = response.get_json()
    assert case["status"] == "active" and case["admitted_at"] is None
    assert local_day(app, case["opened_at"]) == opened_on
    assert local_day(app, case["level_history"][0]["changed_at"]) == opened_on


def test_inpatient_placement_recorded_late_is_admitted_that_day(app, clinician, counsellor, centre):
    with app.app_context():
        make_bed()
        db.session.commit()
    opened_on = centre - timedelta(days=20)
    pair = assessed(app, "3.7", centre - timedelta(days=31))
    response = place(clinician, pair, counsellor.user_id, "3.7", opened_on=opened_on.isoformat())
    assert response.status_code == 201, response.get_json()
    case = response.get_json()
    assert case["status"] == "admitted"
    assert local_day(app, case["admitted_at"]) == opened_on
    assert local_day(app, case["opened_at"]) == opened_on
    # the discharge window starts at the centre-local admission day, not the UTC one
    early = clinician.post(
        f"/api/v1/cases/{case['id']}/discharge",
        json={
            "reason": "transferred",
            "date": (opened_on - timedelta(days=1)).isoformat(),
            "summary": "Moved",
        },
    )
    assert early.status_code == 422
    assert "before the case began" in early.get_json()["errors"]["json"]["date"][0]


def test_without_opened_on_the_case_opens_today(app, clinician, counsellor, centre):
    pair = assessed(app, "1", centre - timedelta(days=3))
    case = place(clinician, pair, counsellor.user_id, "1").get_json()
    assert local_day(app, case["opened_at"]) == centre
    same_day = place(
        clinician, assessed(app, "1", centre), counsellor.user_id, "1", opened_on=str(centre)
    )
    assert same_day.status_code == 201, same_day.get_json()


def test_thirty_days_back_is_the_earliest(app, clinician, counsellor, centre):
    pair = assessed(app, "1", centre - timedelta(days=40))
    opened_on = (centre - timedelta(days=30)).isoformat()
    assert place(clinician, pair, counsellor.user_id, "1", opened_on=opened_on).status_code == 201


@pytest.mark.parametrize(
    ("days_ago", "phrase"), [(-1, "in the future"), (31, "more than 30 days in the past")]
)
def test_opened_on_outside_the_window_is_422(app, clinician, counsellor, centre, days_ago, phrase):
    pair = assessed(app, "1", centre - timedelta(days=60))
    opened_on = (centre - timedelta(days=days_ago)).isoformat()
    response = place(clinician, pair, counsellor.user_id, "1", opened_on=opened_on)
    assert response.status_code == 422
    body = response.get_json()
    assert phrase in body["errors"]["json"]["opened_on"][0] and phrase in body["message"]


def test_opened_on_before_the_assessment_is_422(app, clinician, counsellor, centre):
    pair = assessed(app, "1", centre - timedelta(days=5))
    opened_on = (centre - timedelta(days=6)).isoformat()
    response = place(clinician, pair, counsellor.user_id, "1", opened_on=opened_on)
    assert response.status_code == 422
    assert "before the assessment" in response.get_json()["errors"]["json"]["opened_on"][0]


def test_opened_on_before_the_previous_discharge_is_422(app, clinician, counsellor, centre):
    client_id, assessment_id = assessed(app, "1", centre - timedelta(days=20))
    first = place(
        clinician,
        (client_id, assessment_id),
        counsellor.user_id,
        "1",
        opened_on=str(centre - timedelta(days=15)),
    ).get_json()
    discharged = clinician.post(
        f"/api/v1/cases/{first['id']}/discharge",
        json={
            "reason": "transferred",
            "date": (centre - timedelta(days=5)).isoformat(),
            "summary": "Moved",
        },
    )
    assert discharged.status_code == 200, discharged.get_json()
    pair = (client_id, assessment_id)
    overlap = place(clinician, pair, counsellor.user_id, "1", opened_on=str(centre - timedelta(6)))
    assert overlap.status_code == 422
    assert "previous case" in overlap.get_json()["errors"]["json"]["opened_on"][0]
    same_day = place(clinician, pair, counsellor.user_id, "1", opened_on=str(centre - timedelta(5)))
    assert same_day.status_code == 201, same_day.get_json()


def test_opened_on_must_be_a_date(app, clinician, counsellor, centre):
    pair = assessed(app, "1", centre - timedelta(days=5))
    response = place(clinician, pair, counsellor.user_id, "1", opened_on="last tuesday")
    assert response.status_code == 422 and "opened_on" in response.get_json()["errors"]["json"]


@pytest.mark.parametrize(
    ("opened_on", "last_discharge", "ok"),
    [
        (date(2026, 3, 31), None, True),
        (date(2026, 3, 1), None, True),
        (date(2026, 2, 28), None, False),
        (date(2026, 4, 1), None, False),
        (date(2026, 3, 10), date(2026, 3, 10), True),
        (date(2026, 3, 10), date(2026, 3, 11), False),
        (date(2026, 2, 27), None, False),
    ],
)
def test_validate_opened_on(opened_on, last_discharge, ok):
    error = validate_opened_on(
        opened_on,
        date(2026, 3, 31),
        assessed_on=date(2026, 2, 27),
        last_discharge=last_discharge,
    )
    assert (error is None) is ok
