"""Consents (42 CFR §2.31): every element is required or refused with a 422 naming it; a
consent is never edited; revocation is final; counsellors see their own caseload's only;
every read and write is audited without clinical content."""

from __future__ import annotations

import pytest

from core.audit import AuditEvent
from core.extensions import db
from privacy.consents.service import DISCLOSER
from tests.factories import add_to_caseload
from tests.privacy.consents.consent_helpers import (
    GP,
    audit_events,
    days,
    new_client,
    new_consent,
    post_consent,
)


@pytest.fixture
def client_id(app):
    return new_client(app)


def field_errors(response):
    assert response.status_code == 422, response.get_json()
    return response.get_json()["errors"]["json"]


# --- recording -------------------------------------------------------------------------------


def test_a_consent_records_every_element_of_2_31(intake, client_id):
    body = new_consent(intake, client_id)
    assert body["discloser"] == DISCLOSER
    assert (body["kind"], body["recipient"], body["purpose"]) == (
        "tpo",
        {"name": GP, "class": None},
        "treatment",
    )
    assert body["information"] == ["diagnoses", "medications"]
    assert body["counselling_notes"] is False
    assert (body["expires_on"], body["expiry_event"], body["signed_on"]) == (
        days(365),
        None,
        days(0),
    )
    assert body["signature"] == {"method": "wet", "signed_by": "Alex Morgan"}
    assert body["status"] == "active" and body["recorded_by"] == intake.user_id
    assert body["revoked_on"] is None and body["client_id"] == client_id


def test_scopes_are_kept_in_their_order(clinician, client_id):
    body = new_consent(clinician, client_id, information=["notes", "demographics", "flags"])
    assert body["information"] == ["demographics", "flags", "notes"]


@pytest.mark.parametrize("missing", ["signed_on", "purpose", "signature", "kind", "recipient"])
def test_a_consent_without_an_element_is_422_naming_it(intake, client_id, missing):
    assert missing in field_errors(post_consent(intake, client_id, **{missing: ...}))


def test_a_signature_needs_its_method_and_who_signed(intake, client_id):
    errors = field_errors(post_consent(intake, client_id, signature={"method": "wet"}))
    assert "signed_by" in errors["signature"]
    errors = field_errors(
        post_consent(intake, client_id, signature={"method": "x", "signed_by": "A"})
    )
    assert "method" in errors["signature"]


def test_a_signature_date_in_the_future_is_422(intake, client_id):
    assert "signed_on" in field_errors(post_consent(intake, client_id, signed_on=days(1)))


def test_blank_purpose_unknown_scope_and_unknown_field_are_422(intake, client_id):
    assert "purpose" in field_errors(post_consent(intake, client_id, purpose="   "))
    errors = field_errors(post_consent(intake, client_id, information=["diagnoses", "dreams"]))
    assert "information" in errors
    assert "discloser" in field_errors(post_consent(intake, client_id, discloser="Someone"))


def test_an_expiry_date_or_event_is_required(intake, client_id):
    errors = field_errors(post_consent(intake, client_id, expires_on=...))
    assert "expiry_event" in errors["expires_on"][0]
    by_event = new_consent(intake, client_id, expires_on=..., expiry_event="end of treatment")
    assert by_event["expiry_event"] == "end of treatment" and by_event["expires_on"] is None
    before = post_consent(intake, client_id, expires_on=days(-10), signed_on=days(-5))
    assert "expires_on" in field_errors(before)


def test_a_specific_consent_names_its_recipient_a_tpo_consent_may_name_a_class(intake, client_id):
    errors = field_errors(
        post_consent(intake, client_id, kind="specific", recipient={"class": "my providers"})
    )
    assert "recipient.name" in errors["recipient"][0]
    assert "recipient" in field_errors(post_consent(intake, client_id, recipient={}))
    tpo = new_consent(intake, client_id, recipient={"class": "my treating providers"})
    assert tpo["recipient"] == {"name": None, "class": "my treating providers"}


def test_counselling_notes_need_a_consent_that_names_nothing_else(intake, client_id):
    mixed = post_consent(intake, client_id, counselling_notes=True)
    assert "names nothing else" in field_errors(mixed)["information"][0]
    alone = new_consent(intake, client_id, counselling_notes=True, information=[])
    assert alone["counselling_notes"] is True and alone["information"] == []
    assert "information" in field_errors(post_consent(intake, client_id, information=[]))


def test_a_scope_named_twice_is_422(intake, client_id):
    errors = field_errors(post_consent(intake, client_id, information=["flags", "flags"]))
    assert errors["information"] == ["Name each scope once."]


def test_a_refused_consent_records_nothing(app, intake, client_id):
    post_consent(intake, client_id, signed_on=days(3))
    assert intake.get(f"/api/v1/clients/{client_id}/consents").get_json()["total"] == 0


def test_an_unknown_client_is_404(intake):
    assert post_consent(intake, 999999).status_code == 404


def test_consents_are_never_edited(intake, client_id):
    consent = new_consent(intake, client_id)
    assert intake.patch(f"/api/v1/consents/{consent['id']}", json={}).status_code == 405


# --- reading ---------------------------------------------------------------------------------


def test_list_newest_signature_first_and_get(intake, client_id):
    old = new_consent(intake, client_id, signed_on=days(-20))
    new = new_consent(intake, client_id, purpose="payment")
    listed = intake.get(f"/api/v1/clients/{client_id}/consents").get_json()
    assert [c["id"] for c in listed["items"]] == [new["id"], old["id"]]
    assert listed["total"] == 2
    got = intake.get(f"/api/v1/consents/{old['id']}")
    assert got.status_code == 200 and got.get_json() == old


def test_a_counsellor_sees_only_their_own_caseloads_consents(app, login_as, intake, client_id):
    consent = new_consent(intake, client_id)
    counsellor = login_as("counsellor")
    assert counsellor.get(f"/api/v1/consents/{consent['id']}").status_code == 404
    assert counsellor.get(f"/api/v1/clients/{client_id}/consents").status_code == 404
    assert counsellor.get("/api/v1/consents/999999").get_json() == counsellor.get(
        f"/api/v1/consents/{consent['id']}"
    ).get_json() | {"message": "No such consent."}
    with app.app_context():
        add_to_caseload(counsellor.user_id, client_id)
        db.session.commit()
    assert counsellor.get(f"/api/v1/consents/{consent['id']}").status_code == 200
    assert counsellor.get(f"/api/v1/clients/{client_id}/consents").get_json()["total"] == 1


# --- revoking --------------------------------------------------------------------------------


def test_revocation_is_recorded_once_and_is_final(intake, clinician, client_id):
    consent = new_consent(intake, client_id, signed_on=days(-10))
    url = f"/api/v1/consents/{consent['id']}/revoke"
    revoked = clinician.post(url, json={"reason": "Changed my mind", "revoked_on": days(-1)})
    assert revoked.status_code == 200, revoked.get_json()
    body = revoked.get_json()
    assert (body["status"], body["revoked_on"], body["revoke_reason"], body["revoked_by"]) == (
        "revoked",
        days(-1),
        "Changed my mind",
        clinician.user_id,
    )
    again = clinician.post(url, json={"reason": "Again"})
    assert again.status_code == 409 and "final" in again.get_json()["message"]


def test_revocation_defaults_to_today_and_is_not_dated_in_the_future_or_before_signing(
    intake, client_id
):
    consent = new_consent(intake, client_id, signed_on=days(-10))
    url = f"/api/v1/consents/{consent['id']}/revoke"
    assert "reason" in field_errors(intake.post(url, json={}))
    assert "revoked_on" in field_errors(
        intake.post(url, json={"reason": "x", "revoked_on": days(1)})
    )
    early = intake.post(url, json={"reason": "x", "revoked_on": days(-11)})
    assert "revoked_on" in field_errors(early)
    today = intake.post(url, json={"reason": "x"})
    assert today.status_code == 200 and today.get_json()["revoked_on"] == days(0)


def test_an_expired_consent_shows_as_expired(intake, client_id):
    consent = new_consent(intake, client_id, signed_on=days(-30), expires_on=days(-1))
    assert consent["status"] == "expired"


# --- the audit trail ---------------------------------------------------------------------------


def test_every_read_and_write_is_audited_without_clinical_content(app, intake, client_id):
    consent = new_consent(intake, client_id)
    intake.get(f"/api/v1/consents/{consent['id']}")
    intake.get(f"/api/v1/clients/{client_id}/consents")
    intake.post(f"/api/v1/consents/{consent['id']}/revoke", json={"reason": "Moved GP"})
    events = audit_events(
        app, AuditEvent.record_type == "consent", AuditEvent.record_id == consent["id"]
    )
    assert [e.action for e in events] == [
        "consent.create",
        "consent.read",
        "consent.list",
        "consent.read_for_update",
        "consent.revoke",
    ]
    assert {e.client_id for e in events} == {client_id}
    assert events[0].detail == {"kind": "tpo"}
    assert events[-1].detail == {"fields": ["revoke_reason", "revoked_on"]}
    text = repr([e.detail for e in events])
    assert GP not in text and "Moved GP" not in text and "diagnoses" not in text


def test_a_refused_read_names_the_consents_client(app, login_as, intake, client_id):
    consent = new_consent(intake, client_id)
    stranger = login_as("counsellor")
    stranger.get(f"/api/v1/consents/{consent['id']}")
    [event] = audit_events(
        app, AuditEvent.actor_id == stranger.user_id, AuditEvent.outcome == "404"
    )
    assert event.client_id == client_id


def test_the_fhir_export_lists_the_clients_consents(intake, clinician, client_id):
    consent = new_consent(intake, client_id)
    bundle = clinician.get(f"/api/v1/clients/{client_id}/fhir").get_json(force=True)
    consents = [
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Consent"
    ]
    assert [c["id"] for c in consents] == [f"consent-{consent['id']}"]
