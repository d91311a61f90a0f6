"""Object-level access and mass assignment, generated from the url map.

Every route that names a client record by id is probed as a counsellor whose caseload does
not hold it: never a success, and the body carries no client data (only the error shape).
Every route that takes a body is probed with fields nobody may set (`role`, `version`,
`created_by`, `id`): 422 naming them."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from cases.episodes.models import Case
from core.extensions import db
from intake.clients.models import Client
from tests.core.test_access import EXPECTED_ROLES, NON_API
from tests.factories import make_case, make_user

CLIENT_PARAMS = {
    "client_id",
    "case_id",
    "assessment_id",
    "flag_id",
    "note_id",
    "plan_id",
    "session_id",
    "follow_up_id",
}
ERROR_KEYS = {"code", "status", "message", "errors"}
PROBE_FIELDS = {"role": "admin", "version": 99, "created_by": 1, "id": 5}


@pytest.fixture
def world(app, login_as):
    """One counsellor's client with a record of every kind, and a second counsellor."""
    with app.app_context():
        own_id = make_user("counsellor")
        case_id = make_case(own_id)
        gone_id = make_case(own_id)
        case = db.session.get(Case, case_id)
        client = db.session.get(Client, case.client_id)
        ids = {"case_id": case_id, "client_id": case.client_id, "assessment_id": case.assessment_id}
        secrets = [client.last_name, client.mrn]
        db.session.commit()
    own = login_as("counsellor", user_id=own_id)
    clinician = login_as("clinician")
    ids |= _clinical_records(own, clinician, ids["client_id"], case_id)
    _plans(own, case_id)
    ids["session_id"] = _booked_session(own, case_id)
    discharged = clinician.post(
        f"/api/v1/cases/{gone_id}/discharge",
        json={"reason": "transferred", "date": date.today().isoformat(), "summary": "probe"},
    )
    ids["follow_up_id"] = discharged.get_json()["follow_ups"][0]["id"]
    assert all(isinstance(v, int) for v in ids.values()), ids
    return {"ids": ids, "own": own, "secrets": secrets, "other": login_as("counsellor")}


def _clinical_records(own, clinician, client_id, case_id):
    """A flag, a note and a taper plan on the client's case: their ids."""
    ids = {}
    ids["flag_id"] = clinician.post(
        f"/api/v1/clients/{client_id}/flags",
        json={"type": "self_harm", "severity": "warning", "note": "probe"},
    ).get_json()["id"]
    ids["note_id"] = own.post(
        f"/api/v1/cases/{case_id}/notes", json={"kind": "progress", "body": {"text": "probe"}}
    ).get_json()["id"]
    ids["plan_id"] = clinician.post(
        f"/api/v1/cases/{case_id}/taper-plans",
        json={
            "medication": "diazepam",
            "current_daily_dose_mg": 10,
            "switch_to_diazepam": False,
            "start_date": date.today().isoformat(),
        },
    ).get_json()["id"]
    return ids


def _plans(own, case_id):
    """A treatment plan and a draft aftercare plan on the case."""
    plan = own.put(
        f"/api/v1/cases/{case_id}/treatment-plan",
        json={
            "problems": [
                {
                    "description": "Benzodiazepine dependence",
                    "goals": [
                        {
                            "description": "Taper",
                            "target_date": "2027-06-01",
                            "review_date": "2027-03-01",
                            "interventions": [{"type": "cbt"}],
                        }
                    ],
                }
            ]
        },
    )
    assert plan.status_code == 201, plan.get_json()
    aftercare = own.put(f"/api/v1/cases/{case_id}/aftercare-plan", json={"status": "draft"})
    assert aftercare.status_code == 201, aftercare.get_json()


def _booked_session(own, case_id):
    """A session the counsellor facilitates for the case, in three days: its id."""
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    return own.post(
        "/api/v1/sessions",
        json={
            "type": "cbt",
            "facilitator_id": own.user_id,
            "case_ids": [case_id],
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=1)).isoformat(),
        },
    ).get_json()["sessions"][0]["id"]


def client_routes(app):
    for endpoint, method, rule in _rules(app):
        names = set(re.findall(r"<(?:\w+:)?(\w+)>", rule))
        if names and names <= CLIENT_PARAMS:
            yield endpoint, method, rule


def _rules(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint not in NON_API and rule.rule.startswith("/api/v1"):
            (method,) = rule.methods - {"HEAD", "OPTIONS"}
            yield rule.endpoint, method, rule.rule


def fill(rule, ids):
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(ids[m.group(1)]), rule)


def test_other_caseload_gets_no_client_data_anywhere(world, app):
    probed = 0
    for endpoint, method, rule in client_routes(app):
        url = fill(rule, world["ids"])
        response = world["other"].http.open(
            url,
            method=method,
            json={} if method != "GET" else None,
            headers={"Authorization": f"Bearer {world['other'].token}", "If-Match": "*"},
        )
        assert response.status_code >= 400, (endpoint, response.status_code)
        if method == "GET":
            assert response.status_code in (403, 404), (endpoint, response.status_code)
        body = response.get_json()
        assert set(body) <= ERROR_KEYS, (endpoint, body)
        text = response.get_data(as_text=True)
        assert not any(secret in text for secret in world["secrets"]), endpoint
        probed += 1
    assert probed >= 40


def test_own_caseload_reads_succeed(world, app):
    for endpoint, method, rule in client_routes(app):
        if method != "GET" or EXPECTED_ROLES[endpoint] is None:
            continue
        if "counsellor" not in EXPECTED_ROLES[endpoint]:
            continue
        response = world["own"].get(fill(rule, world["ids"]))
        assert response.status_code == 200, (endpoint, response.status_code)


def body_routes(app):
    """(endpoint, method, rule, the body's own field names) for routes that take a body."""
    doc = app.test_client().get("/api/openapi.json").get_json()
    for endpoint, method, rule in _rules(app):
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule)
        body = doc["paths"].get(path, {}).get(method.lower(), {}).get("requestBody")
        if body:
            ref = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
            yield endpoint, method, rule, set(doc["components"]["schemas"][ref]["properties"])


def test_fields_nobody_may_set_are_rejected(world, app, login_as):
    ids = {
        **world["ids"],
        "staff_id": world["own"].user_id,
        "bed_id": 1,
        "room_id": 1,
        "consent_id": 1,
        "grant_id": 1,
    }
    probed = 0
    for endpoint, method, rule, own_fields in body_routes(app):
        probe = {k: v for k, v in PROBE_FIELDS.items() if k not in own_fields}
        roles = EXPECTED_ROLES[endpoint]
        headers = {"If-Match": "*"}
        if roles is None:
            http = app.test_client()
        else:
            api = login_as(sorted(roles)[0])
            http = api.http
            headers["Authorization"] = f"Bearer {api.token}"
        response = http.open(fill(rule, ids), method=method, json=probe, headers=headers)
        assert response.status_code == 422, (endpoint, response.status_code)
        named = set(response.get_json()["errors"]["json"])
        assert set(probe) <= named, (endpoint, named)
        probed += 1
    assert probed >= 30
