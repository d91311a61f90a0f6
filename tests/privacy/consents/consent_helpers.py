"""Helpers shared by the consent, disclosure and emergency access tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask

from core.audit import AuditEvent
from core.extensions import db
from intake.instruments.dsm5 import DSM5_CRITERIA
from privacy.disclosures.models import Disclosure
from tests.factories import ApiClient, make_client, submit_assessment_via_api

GP = "Riverside GP Practice"

#: an intake assessment with one substance and physical dependence: a Condition and a
#: MedicationStatement in the FHIR export.
SECTIONS: dict[str, Any] = {
    "substances": [
        {
            "substance": "lorazepam",
            "category": "benzodiazepine",
            "daily_dose_mg": 2,
            "prescribed": True,
            "taken_as_prescribed": True,
        }
    ],
    "dsm5": {
        "primary_substance": "lorazepam",
        "medically_supervised": True,
        "criteria": {**dict.fromkeys(DSM5_CRITERIA, False), "tolerance": True, "withdrawal": True},
    },
    "screenings": {"phq9": [2, 2, 1, 1, 2, 1, 2, 1, 0]},
    "withdrawal_history": {"seizures": False, "delirium": False},
    "dimensions": {
        key: {"rating": 1}
        for key in (
            "withdrawal",
            "biomedical",
            "emotional_behavioural",
            "readiness",
            "relapse_potential",
            "recovery_environment",
        )
    },
}


def today() -> date:
    return datetime.now(UTC).date()


def days(n: int) -> str:
    """Today plus `n` days, ISO."""
    return (today() + timedelta(days=n)).isoformat()


def new_client(app: Flask) -> int:
    with app.app_context():
        client_id = make_client()
        db.session.commit()
    return client_id


def assessed_client(app: Flask, intake: ApiClient) -> int:
    """A client with a submitted intake assessment (substances, dependence, a screening)."""
    client_id = new_client(app)
    submit_assessment_via_api(intake, client_id, SECTIONS)
    return client_id


def consent_body(**changes: Any) -> dict[str, Any]:
    """A TPO consent for the client's GP practice: diagnoses and medications, for a year."""
    body: dict[str, Any] = {
        "kind": "tpo",
        "recipient": {"name": GP},
        "purpose": "treatment",
        "information": ["diagnoses", "medications"],
        "counselling_notes": False,
        "expires_on": days(365),
        "signed_on": days(0),
        "signature": {"method": "wet", "signed_by": "Alex Morgan"},
    }
    body.update(changes)
    return {key: value for key, value in body.items() if value is not ...}


def post_consent(api: ApiClient, client_id: int, **changes: Any) -> Any:
    return api.post(f"/api/v1/clients/{client_id}/consents", json=consent_body(**changes))


def new_consent(api: ApiClient, client_id: int, **changes: Any) -> dict[str, Any]:
    response = post_consent(api, client_id, **changes)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def disclosure_body(consent_id: int, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "consent_id": consent_id,
        "recipient": {"name": GP},
        "purpose": "treatment",
        "information": ["diagnoses", "medications"],
        "format": "fhir",
    }
    body.update(changes)
    return {key: value for key, value in body.items() if value is not ...}


def post_disclosure(api: ApiClient, client_id: int, consent_id: int, **changes: Any) -> Any:
    return api.post(
        f"/api/v1/clients/{client_id}/disclosures", json=disclosure_body(consent_id, **changes)
    )


def disclosure_count(app: Flask, client_id: int) -> int:
    with app.app_context():
        stmt = sa.select(sa.func.count()).where(Disclosure.client_id == client_id)
        return db.session.execute(stmt).scalar_one()


def audit_events(app: Flask, *conditions: Any) -> list[AuditEvent]:
    with app.app_context():
        stmt = sa.select(AuditEvent).where(*conditions).order_by(AuditEvent.id)
        return list(db.session.scalars(stmt))


def resource_types(bundle: dict[str, Any]) -> list[str]:
    return [entry["resource"]["resourceType"] for entry in bundle["entry"]]
