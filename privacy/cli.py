"""Demo consents and disclosures for `seed-demo` (after the demo cases): Alex Morgan's TPO
consent for her GP practice and one disclosure under it, and a specific consent she later
revoked, so the consent list, the accounting and a refused disclosure have something to show."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from auth.cli import demo_user
from core.clock import centre_today
from core.extensions import db
from intake.clients.models import Client
from privacy.consents.models import Consent, ConsentKind, SignatureMethod
from privacy.consents.service import record_consent, revoke_consent
from privacy.disclosures.service import disclose

GP = "Riverside GP Practice"
GP_SCOPES = ["diagnoses", "medications"]


def _gp_consent(client: Client, today: date, signature: dict[str, Any], actor: Any) -> Any:
    return record_consent(
        client.id,
        {
            "kind": ConsentKind.TPO,
            "recipient": {"name": GP},
            "purpose": "treatment",
            "information": GP_SCOPES,
            "counselling_notes": False,
            "expires_on": today + timedelta(days=365),
            "signed_on": today,
            "signature": signature,
        },
        actor=actor,
    )


def _disclose_to_gp(client: Client, consent_id: int, actor: Any) -> None:
    disclose(
        client.id,
        {
            "consent_id": consent_id,
            "recipient": {"name": GP},
            "purpose": "treatment",
            "information": GP_SCOPES,
            "counselling_notes": False,
            "format": "fhir",
        },
        actor=actor,
    )


def _revoked_employer_consent(
    client: Client, today: date, signature: dict[str, Any], actor: Any
) -> None:
    employer = record_consent(
        client.id,
        {
            "kind": ConsentKind.SPECIFIC,
            "recipient": {"name": "Northside Employee Assistance Programme"},
            "purpose": "confirm attendance for a return to work",
            "information": ["cases", "sessions"],
            "counselling_notes": False,
            "expiry_event": "the end of the current episode of care",
            "signed_on": today - timedelta(days=30),
            "signature": signature,
        },
        actor=actor,
    )
    revoke_consent(
        employer.record,
        reason="The client withdrew this consent in writing.",
        revoked_on=today - timedelta(days=3),
        actor=actor,
    )


def seed_demo_privacy() -> list[str]:
    """A TPO consent for Alex Morgan's GP with one disclosure under it, and a revoked consent
    to an employee assistance programme (idempotent)."""
    if db.session.execute(sa.select(Consent.id)).first():
        return ["Demo consents: already present."]
    intake, clinician = demo_user("intake@demo.centre"), demo_user("clinician@demo.centre")
    client = db.session.execute(
        sa.select(Client).where(Client.first_name == "Alex", Client.last_name == "Morgan")
    ).scalar_one()
    today = centre_today()
    signature = {"method": SignatureMethod.WET, "signed_by": "Alex Morgan"}
    gp = _gp_consent(client, today, signature, intake)
    _disclose_to_gp(client, gp.id, clinician)
    _revoked_employer_consent(client, today, signature, intake)
    return ["Demo privacy: 2 consents for Alex Morgan (one revoked), 1 disclosure to her GP."]
