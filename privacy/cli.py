"""Demo consents and disclosures for `seed-demo` (after the demo cases): Alex Morgan's TPO
consent for her GP practice and one disclosure under it, and a specific consent she later
revoked, so the consent list, the accounting and a refused disclosure have something to show."""

from __future__ import annotations

from datetime import timedelta

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


def seed_demo_privacy() -> list[str]:
    if db.session.execute(sa.select(Consent.id)).first():
        return ["Demo consents: already present."]
    intake, clinician = demo_user("intake@demo.centre"), demo_user("clinician@demo.centre")
    client = db.session.execute(
        sa.select(Client).where(Client.first_name == "Alex", Client.last_name == "Morgan")
    ).scalar_one()
    today = centre_today()
    signature = {"method": SignatureMethod.WET, "signed_by": "Alex Morgan"}
    gp = record_consent(
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
        actor=intake,
    )
    disclose(
        client.id,
        {
            "consent_id": gp.id,
            "recipient": {"name": GP},
            "purpose": "treatment",
            "information": GP_SCOPES,
            "counselling_notes": False,
            "format": "fhir",
        },
        actor=clinician,
    )
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
        actor=intake,
    )
    revoke_consent(
        employer.record,
        reason="The client withdrew this consent in writing.",
        revoked_on=today - timedelta(days=3),
        actor=intake,
    )
    return ["Demo privacy: 2 consents for Alex Morgan (one revoked), 1 disclosure to her GP."]
