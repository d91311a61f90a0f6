"""Emergency disclosures (42 CFR §2.51): to medical personnel, without consent, logged like a
disclosure with what §2.51(c) asks (who received it and where they work, who disclosed, when,
the nature of the emergency), in the client's accounting and in the managers' review list."""

from __future__ import annotations

import pytest

from core.audit import AuditEvent
from privacy.disclosures.rules import NOTICE
from tests.privacy.consents.consent_helpers import (
    assessed_client,
    audit_events,
    disclosure_count,
    new_client,
    resource_types,
)

BODY = {
    "recipient": {"name": "Dr Ana Ruiz", "affiliation": "St Mary's Emergency Department"},
    "nature_of_emergency": "Unresponsive after a suspected overdose; treating team needs "
    "current medicines.",
    "information": ["medications", "diagnoses"],
    "format": "fhir",
}


@pytest.fixture
def client_id(app, intake):
    return assessed_client(app, intake)


def emergency(api, client_id, **changes):
    body = {k: v for k, v in {**BODY, **changes}.items() if v is not ...}
    return api.post(f"/api/v1/clients/{client_id}/emergency-disclosures", json=body)


def test_an_emergency_disclosure_is_logged_without_consent(app, clinician, manager, client_id):
    response = emergency(clinician, client_id)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["kind"], body["consent_id"], body["purpose"]) == ("emergency", None, None)
    assert body["recipient"] == {
        "name": "Dr Ana Ruiz",
        "class": None,
        "affiliation": "St Mary's Emergency Department",
    }
    assert body["nature_of_emergency"] == BODY["nature_of_emergency"]
    assert body["information"] == ["diagnoses", "medications"]
    assert body["disclosed_by"] == clinician.user_id and body["disclosed_at"]
    assert body["notice"] == NOTICE
    types = set(resource_types(body["bundle"]))
    assert types == {"Composition", "Condition", "MedicationStatement"}

    [entry] = manager.get(f"/api/v1/clients/{client_id}/disclosures").get_json()["items"]
    assert entry["id"] == body["id"] and entry["kind"] == "emergency"
    listed = manager.get("/api/v1/emergency-disclosures").get_json()
    assert [d["id"] for d in listed["items"]] == [body["id"]]
    [event] = audit_events(app, AuditEvent.action == "disclosure.emergency")
    assert (event.record_id, event.client_id, event.detail) == (body["id"], client_id, None)


def test_the_review_list_is_newest_first_and_can_be_narrowed(app, clinician, manager, client_id):
    other = new_client(app)
    first = emergency(clinician, client_id).get_json()["id"]
    second = emergency(clinician, other).get_json()["id"]
    listed = manager.get("/api/v1/emergency-disclosures").get_json()["items"]
    assert [d["id"] for d in listed] == [second, first]
    narrowed = manager.get(f"/api/v1/emergency-disclosures?client_id={client_id}").get_json()
    assert [d["id"] for d in narrowed["items"]] == [first]
    assert manager.get("/api/v1/emergency-disclosures?status=x").status_code == 422


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"nature_of_emergency": ...}, "nature_of_emergency"),
        ({"nature_of_emergency": "  "}, "nature_of_emergency"),
        ({"recipient": {"name": "Dr Ruiz"}}, "recipient"),
        ({"recipient": ...}, "recipient"),
        ({"information": []}, "information"),
        ({"information": ...}, "information"),
        ({"consent_id": 1}, "consent_id"),
        ({"counselling_notes": True}, "counselling_notes"),
    ],
)
def test_bad_input_is_422_naming_the_field_and_logs_nothing(
    app, clinician, client_id, changes, field
):
    response = emergency(clinician, client_id, **changes)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]["json"]
    assert disclosure_count(app, client_id) == 0


def test_an_unknown_client_is_404(clinician):
    assert emergency(clinician, 999999).status_code == 404
