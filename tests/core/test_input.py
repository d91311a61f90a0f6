"""Input no column can store, or no parser should recurse over, is refused through the real
HTTP stack on routes of every domain: a 422 naming the field (400 for what is not JSON, 413
for a body too large), never a 500 (API.md "Conventions" and "Corrections to version 1")."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime

import pytest

from core.extensions import db
from core.input import MAX_JSON_DEPTH, OversizedNumber, parse_json, unstorable
from tests.factories import make_case, make_user

JSON = {"Content-Type": "application/json"}
CLIENT = {"first_name": "Ina", "last_name": "Put", "date_of_birth": "1980-02-03"}
HUGE_INT = "1" * 5000  # past Python's 4,300-digit int conversion limit
#: a taper plan that passes the schema; the route's own rules are not reached by bad input.
TAPER = {
    "medication": "diazepam",
    "current_daily_dose_mg": 10,
    "switch_to_diazepam": False,
    "start_date": "2026-12-01",
}


@pytest.fixture
def case_id(app):
    with app.app_context():
        case = make_case(make_user("counsellor"))
        db.session.commit()
    return case


def names(response, field, location="json"):
    """A 422 whose errors name `field` (a dotted path into nested errors)."""
    assert response.status_code == 422, response.get_data(as_text=True)
    errors = response.get_json()["errors"][location]
    for part in field.split("."):
        assert part in errors, (field, errors)
        errors = errors[part]
    return errors


def raw_post(api, url, text):
    return api.post(url, data=text, headers=JSON)


# --- dates and timestamps: 1900-01-01 … 2200-12-31 ------------------------------------------


@pytest.mark.parametrize("day", ["0001-01-01", "1899-12-31", "2201-01-01", "9999-12-31"])
def test_date_of_birth_outside_the_range_is_422(intake, day):
    r = intake.post("/api/v1/clients", json={**CLIENT, "date_of_birth": day})
    assert names(r, "date_of_birth") == ["Must be between 1900-01-01 and 2200-12-31."]


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_taper_start_date_outside_the_range_is_422(clinician, case_id, day):
    r = clinician.post(f"/api/v1/cases/{case_id}/taper-plans", json={**TAPER, "start_date": day})
    names(r, "start_date")


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00"])
def test_withdrawal_observed_at_outside_the_range_is_422(clinician, case_id, moment):
    body = {"instrument": "cows", "items": [0] * 11, "observed_at": moment}
    names(clinician.post(f"/api/v1/cases/{case_id}/withdrawal-scores", json=body), "observed_at")


def test_session_times_outside_the_range_are_422(clinician):
    body = {
        "type": "group",
        "facilitator_id": clinician.user_id,
        "starts_at": "9999-12-31T23:00:00-05:00",
        "ends_at": "0001-01-01T00:00:00+05:00",
        "capacity": 4,
        "case_ids": [],
    }
    r = clinician.post("/api/v1/sessions", json=body)
    names(r, "starts_at")
    names(r, "ends_at")


def test_follow_up_contacted_at_outside_the_range_is_422(login_as):
    body = {"contacted_at": "0001-01-01T00:00:00+01:00", "outcome": "abstinent", "notes": "x"}
    r = login_as("counsellor").post("/api/v1/follow-ups/1/complete", json=body)
    names(r, "contacted_at")


@pytest.mark.parametrize(
    ("url", "params", "field"),
    [
        ("/api/v1/sessions", {"from": "0001-01-01T00:00:00+05:00"}, "from"),
        ("/api/v1/sessions", {"to": "9999-12-31T23:59:59-05:00"}, "to"),
        ("/api/v1/reports/caseload", {"as_of": "9999-12-31"}, "as_of"),
        ("/api/v1/reports/outcomes", {"from": "0001-01-01"}, "from"),
        ("/api/v1/audit-events", {"from": "0001-01-01T00:00:00+05:00"}, "from"),
    ],
)
def test_query_dates_outside_the_range_are_422(manager, url, params, field):
    names(manager.get(url, query_string=params), field, location="query")


def test_the_range_bounds_themselves_are_accepted(manager):
    params = {"from": "1900-01-01T00:00:00+05:00", "to": "2200-12-31T23:59:59-05:00"}
    assert manager.get("/api/v1/audit-events", query_string=params).status_code == 200


# --- JSON the parser must not recurse over or convert -----------------------------------------


def test_json_nested_2000_deep_is_400(intake):
    r = raw_post(intake, "/api/v1/clients", '{"first_name": ' + "[" * 2000 + "]" * 2000 + "}")
    assert r.status_code == 400
    assert "nests deeper" in r.get_json()["message"]


def test_json_just_past_the_depth_limit_is_400(clinician, case_id):
    deep = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    r = raw_post(
        clinician, f"/api/v1/cases/{case_id}/notes", '{"kind": "progress", "body": ' + deep + "}"
    )
    assert r.status_code == 400


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json(intake, literal):
    r = raw_post(intake, "/api/v1/clients", '{"first_name": "A", "x": ' + literal + "}")
    assert r.status_code == 400


def test_a_5000_digit_integer_is_422_naming_the_field(intake, login_as, clinician, case_id):
    r = raw_post(intake, "/api/v1/clients", '{"first_name": ' + HUGE_INT + "}")
    assert names(r, "first_name") == ["Not a valid string."]
    r = raw_post(clinician, "/api/v1/sessions", '{"facilitator_id": ' + HUGE_INT + "}")
    assert names(r, "facilitator_id") == ["Not a valid integer."]
    note = '{"kind": "progress", "body": {"text": ' + HUGE_INT + "}}"
    names(raw_post(clinician, f"/api/v1/cases/{case_id}/notes", note), "body")
    r = raw_post(login_as("admin"), "/api/v1/staff", '{"email": "-' + HUGE_INT + '"}')
    assert r.status_code == 422  # inside a string it is only text


@pytest.mark.parametrize("literal", ["1" + "0" * 400, "1e400", "1e200"])
def test_numbers_too_large_to_store_are_422(clinician, case_id, literal):
    body = json.dumps({**TAPER, "current_daily_dose_mg": 0}).replace(": 0", ": " + literal)
    r = raw_post(clinician, f"/api/v1/cases/{case_id}/taper-plans", body)
    names(r, "current_daily_dose_mg")


def test_float_1e200_in_an_assessment_dose_is_422(intake, app):
    client = intake.post("/api/v1/clients", json=CLIENT).get_json()["id"]
    draft = intake.post(f"/api/v1/clients/{client}/assessments", json={})
    substance = {
        "substance": "diazepam",
        "category": "benzodiazepine",
        "prescribed": False,
        "taken_as_prescribed": False,
    }
    text = json.dumps({"substances": [{**substance, "daily_dose_mg": 0}]}).replace(": 0", ": 1e200")
    r = intake.patch(
        f"/api/v1/assessments/{draft.get_json()['id']}",
        data=text,
        headers={**JSON, "If-Match": draft.headers["ETag"]},
    )
    names(r, "substances.0.daily_dose_mg")


# --- text PostgreSQL cannot store ----------------------------------------------------------


def test_lone_surrogate_in_a_string_is_422_naming_the_field(intake):
    r = raw_post(intake, "/api/v1/clients", json.dumps({**CLIENT, "last_name": "\ud800"}))
    assert names(r, "last_name") == ["Must not contain lone surrogates (invalid Unicode)."]


def test_lone_surrogate_in_a_nested_field_or_free_json_is_422(intake, clinician, case_id):
    contact = {"name": "\udfff", "relationship": "sister", "phone": "1"}
    r = raw_post(intake, "/api/v1/clients", json.dumps({**CLIENT, "emergency_contact": contact}))
    names(r, "emergency_contact.name")
    note = json.dumps({"kind": "progress", "body": {"text": "ok", "\ud800": "key"}})
    names(raw_post(clinician, f"/api/v1/cases/{case_id}/notes", note), "body")


def test_lone_surrogate_in_a_login_is_422_not_a_lockout_row(client):
    r = client.post(
        "/api/v1/auth/login", data=json.dumps({"email": "\ud800", "password": "x"}), headers=JSON
    )
    names(r, "email")


def test_nul_in_free_json_is_422(clinician, case_id):
    r = clinician.post(
        f"/api/v1/cases/{case_id}/notes", json={"kind": "progress", "body": {"text": "a\x00"}}
    )
    names(r, "body")


# --- bodies without a Content-Length (chunked) ----------------------------------------------


def chunked(api, url, body: bytes, content_type: str):
    """A body sent with Transfer-Encoding: chunked, as gunicorn hands it over (de-chunked,
    `wsgi.input_terminated`, no Content-Length)."""
    return api.http.post(
        url,
        input_stream=io.BytesIO(body),
        headers={
            "Authorization": f"Bearer {api.token}",
            "Content-Type": content_type,
            "Transfer-Encoding": "chunked",
        },
        environ_overrides={"wsgi.input_terminated": True},
    )


def test_chunked_body_that_is_not_json_is_415(intake):
    r = chunked(intake, "/api/v1/clients", b"first_name=Ada", "text/plain")
    assert r.status_code == 415


def test_chunked_body_over_the_limit_is_413(app, intake):
    big = json.dumps({**CLIENT, "first_name": "x" * app.config["MAX_CONTENT_LENGTH"]})
    r = chunked(intake, "/api/v1/clients", big.encode(), "application/json")
    assert r.status_code == 413
    assert r.get_json()["code"] == 413


def test_chunked_json_body_within_the_limit_is_read(intake):
    r = chunked(intake, "/api/v1/clients", json.dumps(CLIENT).encode(), "application/json")
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["first_name"] == "Ina"


# --- the rules themselves -------------------------------------------------------------------


def test_parse_json_keeps_ordinary_numbers_and_marks_oversized_ones():
    value = parse_json('{"a": 12, "b": 1.5, "c": ' + HUGE_INT + ', "d": 1e999}')
    assert value["a"] == 12 and value["b"] == 1.5
    assert isinstance(value["c"], OversizedNumber) and isinstance(value["d"], OversizedNumber)


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ({"ok": ["text", 1, 2.5, date(1900, 1, 1)]}, None),
        ([date(2200, 12, 31), datetime(2200, 12, 31, 23, 59, tzinfo=UTC)], None),
        ({"x": [date(1899, 12, 31)]}, "Must be between 1900-01-01 and 2200-12-31."),
        (datetime(1, 1, 1, tzinfo=UTC), "Must be between 1900-01-01 and 2200-12-31."),
        ({"\ud800": 1}, "Must not contain lone surrogates (invalid Unicode)."),
        (["a\x00"], "Must not contain NUL characters."),
        ({"n": OversizedNumber("9" * 200)}, "Number too large."),
    ],
)
def test_unstorable_names_the_problem(value, problem):
    assert unstorable(value) == problem
