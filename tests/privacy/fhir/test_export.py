"""The FHIR export of one client through the API and through `client_bundle`: the whole
record validates and resolves; scopes filter exactly; the notice and consents travel with a
bundle; who may export, and the audit trail."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa

from auth.models import User
from core.audit import AuditEvent
from core.errors import NotFound
from core.extensions import db
from privacy.fhir.build import patient_reference
from privacy.fhir.codes import SCOPE_RESOURCES, SCOPES
from privacy.fhir.export import FHIR_JSON, client_bundle
from privacy.fhir.views import CONSENTS_LOOKUP
from tests.privacy.fhir.fhir_helpers import check_bundle, labels, of_type, resources, types
from tests.privacy.fhir.fhir_record import (
    Record,
    new_client,
    open_case,
    rich_sections,
    submit_assessment_via_api,
    whole_record,
)

URL = "/api/v1/clients/{}/fhir"
CONSENT = {
    "id": 41,
    "kind": "specific",
    "recipient": {"name": "Dr Rivera", "class": None},
    "purpose": "Referral to primary care",
    "information": ["diagnoses", "medications"],
    "counselling_notes": False,
    "expires_on": "2099-12-31",
    "signed_on": "2026-11-01",
    "signature": {"method": "electronic", "signed_by": "The client"},
}


@pytest.fixture
def other(staff) -> dict[str, int]:
    """Another client, on the same counsellor's caseload, with a case of their own."""
    client_id = new_client(staff, first_name="Zebedee", gender_identity=None)
    assessment = submit_assessment_via_api(staff.intake, client_id, rich_sections())
    return {"client_id": client_id, "case_id": open_case(staff, client_id, assessment)}


@pytest.fixture
def record(staff, other) -> Record:
    return whole_record(staff, n=1, other_case=other["case_id"])


def export(api: Any, client_id: int) -> dict[str, Any]:
    response = api.get(URL.format(client_id), headers={"Accept": FHIR_JSON})
    assert response.status_code == 200, response.get_json(force=True)
    assert response.mimetype == FHIR_JSON
    return json.loads(response.data)


def direct(app: Any, user_id: int, client_id: int, **kw: Any) -> dict[str, Any]:
    """`client_bundle` called as a disclosure would, by the user `user_id`."""
    with app.app_context():
        return client_bundle(client_id, actor=db.session.get(User, user_id), **kw)


# --- the whole record -------------------------------------------------------------------------


def test_the_whole_record_validates_and_every_reference_resolves(staff, record):
    bundle = export(staff.clinician, record.client_id)
    check_bundle(bundle)
    assert types(bundle) == {t for scope in SCOPES for t in SCOPE_RESOURCES[scope]} | {"Consent"}
    counts = {t: len(of_type(bundle, t)) for t in types(bundle)}
    assert counts["Patient"] == counts["Condition"] == counts["EpisodeOfCare"] == 1
    assert counts["CarePlan"] == 2
    assert [c["status"] for c in of_type(bundle, "Consent")] == ["inactive"]  # revoked
    assert counts["MedicationStatement"] == 3 + 1  # three substances, one taper plan
    assert counts["Observation"] == 10 + 1  # ten screenings, one withdrawal score
    assert counts["Appointment"] == len(record.session_ids)
    assert {d["id"] for d in of_type(bundle, "DocumentReference")} == {
        f"note-{n}" for n in record.note_ids
    }


def test_what_the_record_says(staff, record):
    bundle = export(staff.clinician, record.client_id)
    [condition] = of_type(bundle, "Condition")
    assert condition["code"]["coding"][0]["code"] == "F13.20"  # five criteria: moderate
    [patient] = of_type(bundle, "Patient")
    assert patient["id"] == f"patient-{record.client_id}"
    assert patient["gender"] == "female" and patient["name"][0]["given"] == ["Fhir"]
    statuses = sorted(a["status"] for a in of_type(bundle, "Appointment"))
    assert statuses == ["booked", "booked", "cancelled"]
    loinc = {o["code"]["coding"][0]["code"] for o in of_type(bundle, "Observation")}
    assert {"44261-6", "70274-6", "75626-2", "82667-7", "cows"} <= loinc
    flags = {f["code"]["coding"][0]["code"]: f["status"] for f in of_type(bundle, "Flag")}
    assert flags["other_care"] == "inactive" and flags["depression"] == "active"


def test_nothing_of_other_clients_or_family_members(staff, record, other):
    text = json.dumps(export(staff.clinician, record.client_id))
    assert "Zebedee" not in text and "Kim Secret" not in text
    assert patient_reference(other["client_id"])["reference"] not in text
    assert all(f"note-{n}" not in text for n in record.hidden_note_ids)


def test_the_same_record_gets_the_same_urls(staff, record):
    first, second = (export(staff.clinician, record.client_id) for _ in range(2))
    assert [e["fullUrl"] for e in first["entry"]] == [e["fullUrl"] for e in second["entry"]]
    assert first["id"] != second["id"]


def test_managers_export_too_and_the_export_is_audited(app, staff, record, login_as):
    export(login_as("manager"), record.client_id)
    with app.app_context():
        events = db.session.execute(
            sa.select(AuditEvent).where(
                AuditEvent.action == "fhir.export", AuditEvent.client_id == record.client_id
            )
        ).scalars()
        [event] = list(events)
    assert (event.record_type, event.record_id, event.outcome) == (
        "client",
        record.client_id,
        "success",
    )
    assert event.detail is None


# --- who may export ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["intake", "counsellor", "admin"])
def test_other_roles_are_refused(login_as, staff, record, role):
    response = login_as(role).get(URL.format(record.client_id))
    assert response.status_code == 403


def test_an_unknown_client_is_404(staff):
    response = staff.clinician.get(URL.format(987654))
    assert response.status_code == 404
    assert response.get_json()["code"] == 404


def test_a_caseload_scoped_actor_sees_only_their_caseload(app, staff, record, login_as):
    """Counsellors may not call the route, but the builder itself keeps the caseload check
    (a disclosure or an emergency grant could hand it such an actor)."""
    own = direct(app, staff.counsellor.user_id, record.client_id)
    check_bundle(own)
    stranger = login_as("counsellor")
    with pytest.raises(NotFound):
        direct(app, stranger.user_id, record.client_id)


# --- scopes -----------------------------------------------------------------------------------


@pytest.mark.parametrize("scope", SCOPES)
def test_each_scope_exports_exactly_its_resources(app, staff, record, scope):
    bundle = direct(app, staff.clinician.user_id, record.client_id, scopes=frozenset({scope}))
    check_bundle(bundle, whole=False)
    assert types(bundle) == set(SCOPE_RESOURCES[scope])
    observations = {o["id"][:5] for o in of_type(bundle, "Observation")}
    assert observations == {"assessments": {"obs-a"}, "medications": {"obs-w"}}.get(scope, set())


def test_all_scopes_together_are_the_whole_record(app, staff, record):
    whole = direct(app, staff.clinician.user_id, record.client_id)
    every = direct(app, staff.clinician.user_id, record.client_id, scopes=frozenset(SCOPES))
    assert [e["fullUrl"] for e in whole["entry"]] == [e["fullUrl"] for e in every["entry"]]


@pytest.mark.parametrize("scopes", [frozenset(), frozenset({"counselling_notes"})])
def test_no_scope_and_counselling_notes_export_nothing(app, staff, record, scopes):
    bundle = direct(app, staff.clinician.user_id, record.client_id, scopes=scopes)
    check_bundle(bundle)
    assert resources(bundle) == []


def test_an_unknown_scope_is_refused(app, staff, record):
    with pytest.raises(ValueError, match="unknown scopes"):
        direct(app, staff.clinician.user_id, record.client_id, scopes=frozenset({"billing"}))


def test_without_cases_no_reference_points_at_an_episode(app, staff, record):
    scopes = frozenset({"treatment_plan", "aftercare", "medications", "notes"})
    bundle = direct(app, staff.clinician.user_id, record.client_id, scopes=scopes)
    assert "EpisodeOfCare" not in json.dumps(bundle)
    text = json.dumps(resources(bundle))
    assert all(f"case-{case_id}" not in text for case_id in record.case_ids)


# --- the notice and consents ------------------------------------------------------------------


def test_the_notice_leads_the_bundle_and_covers_every_resource(app, staff, record):
    notice = "Notice of federal confidentiality (42 CFR part 2): do not redisclose."
    bundle = direct(
        app,
        staff.clinician.user_id,
        record.client_id,
        scopes=frozenset({"diagnoses", "medications"}),
        consents=[CONSENT],
        notice=notice,
    )
    check_bundle(bundle, whole=False)
    first, *rest = resources(bundle)
    assert first["resourceType"] == "Composition"
    assert notice.replace("'", "&#x27;") in first["section"][0]["text"]["div"]
    listed = {ref["reference"] for ref in first["section"][0]["entry"]}
    assert listed == {e["fullUrl"] for e in bundle["entry"][1:]}
    [consent] = [r for r in rest if r["resourceType"] == "Consent"]
    assert consent["status"] == "active" and labels(consent)
    assert {r["resourceType"] for r in rest} == {
        "Condition",
        "MedicationStatement",
        "Observation",
        "Consent",
    }


def test_a_blank_notice_is_refused(app, staff, record):
    with pytest.raises(ValueError, match="notice"):
        direct(app, staff.clinician.user_id, record.client_id, notice="  ")


def test_the_route_lists_the_consents_the_consents_domain_hands_in(app, staff, record, monkeypatch):
    monkeypatch.setitem(
        app.extensions, CONSENTS_LOOKUP, lambda client_id: [{**CONSENT, "client_id": client_id}]
    )
    bundle = export(staff.clinician, record.client_id)
    check_bundle(bundle)
    [consent] = of_type(bundle, "Consent")
    assert consent["patient"] == patient_reference(record.client_id)
