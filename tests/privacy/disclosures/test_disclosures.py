"""Disclosures under a consent and the accounting of disclosures: a disclosure sends only the
scopes the consent covers, with the §2.32 notice; a revoked, expired or narrower consent is
refused (409 naming the element) and nothing is logged as disclosed; the accounting lists
every disclosure (JSON and CSV)."""

from __future__ import annotations

import csv
import io

import pytest

from core.audit import AuditEvent
from privacy.disclosures.rules import NOTICE, bundle_digest
from privacy.disclosures.schemas import CSV_COLUMNS
from tests.privacy.consents.consent_helpers import (
    GP,
    assessed_client,
    audit_events,
    days,
    disclosure_count,
    new_client,
    new_consent,
    post_disclosure,
    resource_types,
)


@pytest.fixture
def client_id(app, intake):
    return assessed_client(app, intake)


def accounting(api, client_id, query=""):
    response = api.get(f"/api/v1/clients/{client_id}/disclosures{query}")
    assert response.status_code == 200, response.get_json()
    return response


def refused(response, element):
    assert response.status_code == 409, response.get_json()
    body = response.get_json()
    assert body["element"] == element, body
    return body


# --- the "Done when" ------------------------------------------------------------------


def test_gp_consent_disclosure_revocation_and_the_accounting(app, intake, clinician, client_id):
    """A TPO consent for the GP practice covering diagnoses and medications → a disclosure to
    the GP holds exactly those, with the notice → the client revokes → a second disclosure
    is refused → the accounting lists the first, as JSON and as CSV."""
    consent = new_consent(intake, client_id)
    sent = post_disclosure(clinician, client_id, consent["id"])
    assert sent.status_code == 201, sent.get_json()
    first = sent.get_json()
    assert (first["consent_id"], first["recipient"]["name"], first["purpose"]) == (
        consent["id"],
        GP,
        "treatment",
    )
    assert first["information"] == ["diagnoses", "medications"]
    assert first["notice"] == NOTICE and first["kind"] == "consent"
    assert first["disclosed_by"] == clinician.user_id

    _check_gp_bundle(first, consent)

    revoke = intake.post(
        f"/api/v1/consents/{consent['id']}/revoke", json={"reason": "Client revoked in writing"}
    )
    assert revoke.status_code == 200
    second = refused(post_disclosure(clinician, client_id, consent["id"]), "revoked")
    assert "revoked on" in second["message"]
    assert disclosure_count(app, client_id) == 1

    _check_accounting(clinician, client_id, first, consent)


def _check_gp_bundle(first, consent):
    """The GP's bundle: the notice first, then exactly the consented scopes and the consent."""
    bundle = first["bundle"]
    types = resource_types(bundle)
    assert types[0] == "Composition"  # the notice leads the bundle
    assert set(types) == {"Composition", "Condition", "MedicationStatement", "Consent"}
    notice_text = bundle["entry"][0]["resource"]["section"][0]["text"]["div"]
    assert "42 CFR part 2" in notice_text and "legislative proceeding" in notice_text
    [consent_resource] = [
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Consent"
    ]
    assert consent_resource["id"] == f"consent-{consent['id']}"
    assert first["bundle_sha256"] == bundle_digest(bundle)


def _check_accounting(clinician, client_id, first, consent):
    """The accounting lists the one disclosure, as JSON and as CSV, without its bundle."""
    listed = accounting(clinician, client_id).get_json()
    assert listed["total"] == 1
    [entry] = listed["items"]
    assert entry["id"] == first["id"] and entry["information"] == ["diagnoses", "medications"]
    assert "bundle" not in entry and "notice" not in entry

    as_csv = accounting(clinician, client_id, "?format=csv")
    assert as_csv.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(as_csv.get_data(as_text=True))))
    assert list(rows[0]) == CSV_COLUMNS
    assert [(r["id"], r["kind"], r["consent_id"], r["recipient_name"]) for r in rows] == [
        (str(first["id"]), "consent", str(consent["id"]), GP)
    ]
    assert rows[0]["information"] == "diagnoses medications"


# --- refusals: 409 naming the element, nothing logged -----------------------------------------


def test_an_expired_consent_is_refused(app, intake, clinician, client_id):
    consent = new_consent(intake, client_id, signed_on=days(-30), expires_on=days(-1))
    body = refused(post_disclosure(clinician, client_id, consent["id"]), "expired")
    assert days(-1) in body["message"]
    assert disclosure_count(app, client_id) == 0


def test_a_consent_dated_to_today_still_covers_today(intake, clinician, client_id):
    consent = new_consent(intake, client_id, signed_on=days(-30), expires_on=days(0))
    assert post_disclosure(clinician, client_id, consent["id"]).status_code == 201


def test_a_narrower_consent_refuses_the_scopes_it_does_not_name(app, intake, clinician, client_id):
    consent = new_consent(intake, client_id, information=["diagnoses"])
    body = refused(post_disclosure(clinician, client_id, consent["id"]), "scope")
    assert body["scopes"] == ["medications"] and "medications" in body["message"]
    wider = post_disclosure(
        clinician, client_id, consent["id"], information=["diagnoses", "notes", "flags"]
    )
    assert refused(wider, "scope")["scopes"] == ["flags", "notes"]
    assert disclosure_count(app, client_id) == 0
    fitting = post_disclosure(clinician, client_id, consent["id"], information=["diagnoses"])
    assert fitting.status_code == 201
    assert set(resource_types(fitting.get_json()["bundle"])) == {
        "Composition",
        "Condition",
        "Consent",
    }


def test_another_recipient_or_purpose_is_refused(app, intake, clinician, client_id):
    consent = new_consent(intake, client_id)
    other = post_disclosure(clinician, client_id, consent["id"], recipient={"name": "Acme Ltd"})
    assert GP in refused(other, "recipient")["message"]
    refused(post_disclosure(clinician, client_id, consent["id"], purpose="research"), "purpose")
    assert disclosure_count(app, client_id) == 0
    spelled = post_disclosure(
        clinician, client_id, consent["id"], recipient={"name": "riverside gp  practice"}
    )
    assert spelled.status_code == 201


def test_a_class_only_consent_needs_the_recipients_class(intake, clinician, client_id):
    consent = new_consent(intake, client_id, recipient={"class": "my treating providers"})
    unnamed_class = post_disclosure(clinician, client_id, consent["id"], recipient={"name": GP})
    refused(unnamed_class, "recipient")
    named = post_disclosure(
        clinician,
        client_id,
        consent["id"],
        recipient={"name": GP, "class": "My treating providers"},
    )
    assert named.status_code == 201
    assert named.get_json()["recipient"] == {
        "name": GP,
        "class": "My treating providers",
        "affiliation": None,
    }


def test_counselling_notes_are_refused_under_a_general_consent(app, intake, clinician, client_id):
    general = new_consent(intake, client_id)
    asked = post_disclosure(
        clinician, client_id, general["id"], information=[], counselling_notes=True
    )
    assert "counselling notes" in refused(asked, "counselling_notes")["message"]
    assert disclosure_count(app, client_id) == 0


def test_counselling_notes_under_their_own_consent_are_logged_but_never_in_a_bundle(
    intake, clinician, client_id
):
    notes_consent = new_consent(intake, client_id, information=[], counselling_notes=True)
    scopes = post_disclosure(clinician, client_id, notes_consent["id"])
    assert refused(scopes, "scope")["scopes"] == ["diagnoses", "medications"]
    sent = post_disclosure(
        clinician, client_id, notes_consent["id"], information=[], counselling_notes=True
    )
    assert sent.status_code == 201, sent.get_json()
    body = sent.get_json()
    assert body["counselling_notes"] is True and body["information"] == []
    assert set(resource_types(body["bundle"])) == {"Composition", "Consent"}


def test_the_refusal_is_audited_and_nothing_else_stays(app, intake, clinician, client_id):
    consent = new_consent(intake, client_id, information=["diagnoses"])
    post_disclosure(clinician, client_id, consent["id"])
    events = audit_events(app, AuditEvent.actor_id == clinician.user_id)
    assert [
        (e.action, e.outcome, e.client_id) for e in events if e.action != "auth.bearer.issue"
    ] == [("disclosures.create_disclosure", "409", client_id)]


# --- bad input --------------------------------------------------------------------------------


def test_a_consent_of_another_client_is_422(app, intake, clinician, client_id):
    other = new_client(app)
    theirs = new_consent(intake, other)
    response = post_disclosure(clinician, client_id, theirs["id"])
    assert response.status_code == 422
    assert "consent_id" in response.get_json()["errors"]["json"]
    assert post_disclosure(clinician, client_id, 999999).status_code == 422
    assert disclosure_count(app, client_id) == 0


def test_what_is_asked_must_be_named_and_known(intake, clinician, client_id):
    consent = new_consent(intake, client_id)

    def errors(consent_id=consent["id"], **changes):
        response = post_disclosure(clinician, client_id, consent_id, **changes)
        assert response.status_code == 422, response.get_json()
        return response.get_json()["errors"]["json"]

    assert "information" in errors(information=[])
    assert "information" in errors(information=["diagnoses", "diagnoses"])
    assert "information" in errors(information=["horoscope"])
    assert "format" in errors(format="pdf")
    assert "recipient" in errors(recipient={"class": "GPs"})
    assert "purpose" in errors(purpose=...)
    assert "consent_id" in errors(consent_id=...)


def test_an_unknown_client_is_404(intake, clinician, client_id):
    consent = new_consent(intake, client_id)
    assert post_disclosure(clinician, 999999, consent["id"]).status_code == 404
    assert clinician.get("/api/v1/clients/999999/disclosures").status_code == 404


# --- the accounting ----------------------------------------------------------------------------


def test_the_accounting_is_oldest_first_paginated_and_audited(app, intake, manager, client_id):
    consent = new_consent(intake, client_id)
    ids = [post_disclosure(manager, client_id, consent["id"]).get_json()["id"] for _ in range(3)]
    page = accounting(manager, client_id, "?per_page=2").get_json()
    assert ([d["id"] for d in page["items"]], page["total"]) == (ids[:2], 3)
    assert "format" in accounting_error(manager, client_id, "?format=xml")
    events = audit_events(app, AuditEvent.action == "disclosure.list")
    assert [(e.record_id, e.client_id) for e in events] == [(i, client_id) for i in ids[:2]]
    accounting(manager, client_id, "?format=csv")
    exported = audit_events(app, AuditEvent.action == "disclosure.export")
    assert [e.record_id for e in exported] == ids


def accounting_error(api, client_id, query):
    response = api.get(f"/api/v1/clients/{client_id}/disclosures{query}")
    assert response.status_code == 422
    return response.get_json()["errors"]["query"]


def test_csv_cells_cannot_start_a_formula(intake, clinician, client_id):
    name = '=HYPERLINK("http://x")'
    consent = new_consent(intake, client_id, recipient={"name": name})
    post_disclosure(clinician, client_id, consent["id"], recipient={"name": name})
    text = accounting(clinician, client_id, "?format=csv").get_data(as_text=True)
    [row] = list(csv.DictReader(io.StringIO(text)))
    assert row["recipient_name"] == "'" + name


def test_a_disclosure_is_audited_with_its_consent_only(app, intake, clinician, client_id):
    consent = new_consent(intake, client_id)
    disclosure = post_disclosure(clinician, client_id, consent["id"]).get_json()
    [event] = audit_events(app, AuditEvent.action == "disclosure.create")
    assert (event.record_id, event.client_id, event.detail) == (
        disclosure["id"],
        client_id,
        {"consent_id": consent["id"]},
    )
    actions = {e.action for e in audit_events(app, AuditEvent.actor_id == clinician.user_id)}
    assert {"client.read_for_disclosure", "consent.read_for_disclosure", "fhir.export"} <= actions
