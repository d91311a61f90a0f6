"""Consents (42 CFR §2.31): record, read, list and revoke. Services flush and audit; views
commit. A consent is never edited: a change is a new consent. Revocation is final and stops
every later disclosure under it; the disclosures made before it stay in the accounting.
Counsellors see the consents of their own caseload only (others answer 404)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from auth.caseload import client_visibility
from auth.models import User
from core import audit
from core.clock import centre_today
from core.db import utcnow
from core.errors import InvalidTransition, ValidationFailed
from core.extensions import db
from core.http import locked, one_or_404
from core.shown import Shown
from intake.clients.service import get_client
from privacy.consents import rules
from privacy.consents.models import Consent, ConsentKind
from privacy.consents.rules import ConsentTerms, Recipient
from privacy.consents.schemas import ConsentSchema

#: Who discloses (§2.31(a)(2)): the programme, as every consent it records names it.
DISCLOSER = "Treatment Centre"


@dataclass(frozen=True)
class ShownConsent(Shown):
    """A consent with its status today (`active`, `revoked`, `expired`)."""

    record: Consent
    status: str


def terms_of(consent: Consent) -> ConsentTerms:
    """What the stored consent says, for the rules."""
    return ConsentTerms(
        kind=consent.kind.value,
        recipient=Recipient(consent.recipient_name, consent.recipient_class),
        purpose=consent.purpose,
        information=frozenset(consent.information),
        counselling_notes=consent.counselling_notes,
        signed_on=consent.signed_on,
        expires_on=consent.expires_on,
        revoked_on=consent.revoked_on,
    )


def shown(consent: Consent, today: date | None = None) -> ShownConsent:
    return ShownConsent(consent, rules.status_on(terms_of(consent), today or centre_today()))


def as_mapping(consent: Consent) -> dict[str, Any]:
    """The consent as the API shows it: the mapping `privacy.fhir.consent` turns into a FHIR
    Consent."""
    return ConsentSchema().dump(shown(consent))


def consent_mappings(client_id: int) -> list[dict[str, Any]]:
    """Every consent of the client as `as_mapping` shows it, oldest first: the lookup the
    FHIR export lists them with (`privacy.fhir.views.CONSENTS_LOOKUP`)."""
    stmt = sa.select(Consent).where(Consent.client_id == client_id).order_by(Consent.id)
    return [as_mapping(consent) for consent in db.session.scalars(stmt)]


def _audit(action: str, consent: Consent, actor: User, **detail: Any) -> None:
    audit.record(
        action,
        actor=actor,
        record_type="consent",
        record_id=consent.id,
        client_id=consent.client_id,
        detail=detail or None,
    )


def refuse_problems(problems: Mapping[str, str]) -> None:
    """422 naming each field of `problems` (a rules module's `{field: message}`), if any."""
    if problems:
        errors = {"json": {name: [text] for name, text in problems.items()}}
        raise ValidationFailed(next(iter(problems.values())), errors=errors)


def record_consent(client_id: int, data: dict[str, Any], *, actor: User) -> ShownConsent:
    """Record a signed consent (`ConsentCreateSchema`) for a client the actor may see; 422
    naming each element §2.31 needs that is missing or contradictory."""
    get_client(client_id, actor=actor, action="client.read_for_consent")
    given = data["recipient"]
    recipient = Recipient(given.get("name"), given.get("class_"))
    kind: ConsentKind = data["kind"]
    problems = rules.consent_problems(
        kind=kind.value,
        recipient=recipient,
        information=data["information"],
        counselling_notes=data["counselling_notes"],
        signed_on=data["signed_on"],
        expires_on=data.get("expires_on"),
        expiry_event=data.get("expiry_event"),
    )
    refuse_problems(problems)
    consent = Consent(
        client_id=client_id,
        discloser=DISCLOSER,
        kind=kind,
        recipient_name=recipient.name,
        recipient_class=recipient.class_,
        purpose=data["purpose"],
        information=rules.in_scope_order(data["information"]),
        counselling_notes=data["counselling_notes"],
        expires_on=data.get("expires_on"),
        expiry_event=data.get("expiry_event"),
        signed_on=data["signed_on"],
        signature_method=data["signature"]["method"],
        signed_by=data["signature"]["signed_by"],
        recorded_by_id=actor.id,
    )
    db.session.add(consent)
    db.session.flush()
    _audit("consent.create", consent, actor, kind=kind.value)
    return shown(consent)


def list_consents(client_id: int, *, actor: User, page: int, per_page: int) -> dict[str, Any]:
    """A page of the client's consents, newest signature first, each shown audited."""
    get_client(client_id, actor=actor, action="client.read_for_consents")
    today = centre_today()
    stmt = (
        sa.select(Consent)
        .where(Consent.client_id == client_id)
        .order_by(Consent.signed_on.desc(), Consent.id.desc())
    )
    return audit.audited_page(
        stmt,
        page,
        per_page,
        actor=actor,
        action="consent.list",
        record_type="consent",
        client_of=client_id,
        shown=lambda row: shown(row[0], today),
    )


def get_consent(
    consent_id: int, *, actor: User, action: str = "consent.read", for_update: bool = False
) -> Consent:
    """A consent of a client the actor may see; 404 "No such consent." otherwise (the
    caseload check is in the one query that loads it). `for_update` locks its row."""
    stmt = sa.select(Consent).where(
        Consent.id == consent_id, client_visibility(actor, Consent.client_id)
    )
    consent = one_or_404(stmt, "consent", for_update=Consent if for_update else None)
    _audit(action, consent, actor)
    return consent


def consent_for_disclosure(client_id: int, consent_id: int, *, actor: User) -> Consent:
    """The client's consent a disclosure names, its row locked (a revocation waits for the
    disclosure, or the disclosure sees the revocation); 422 naming `consent_id` when the
    client has no such consent."""
    stmt = sa.select(Consent).where(Consent.id == consent_id, Consent.client_id == client_id)
    consent = db.session.execute(locked(stmt, Consent)).scalar_one_or_none()
    if consent is None:
        raise ValidationFailed("The client has no such consent.", field="consent_id")
    _audit("consent.read_for_disclosure", consent, actor)
    return consent


def revoke_consent(
    consent: Consent, *, reason: str, revoked_on: date | None = None, actor: User
) -> ShownConsent:
    """Record the client's revocation (final: 409 the second time). `revoked_on` (default
    today) may not precede the signature."""
    if consent.revoked_on is not None:
        raise InvalidTransition(
            f"The consent was already revoked on {consent.revoked_on}; revocation is final."
        )
    revoked_on = revoked_on or centre_today()
    if revoked_on < consent.signed_on:
        raise ValidationFailed(
            f"Must not be before the signature date {consent.signed_on}.", field="revoked_on"
        )
    consent.revoked_on = revoked_on
    consent.revoke_reason = reason
    consent.revoked_by_id = actor.id
    consent.revoked_at = utcnow()
    db.session.flush()
    _audit("consent.revoke", consent, actor, fields=["revoke_reason", "revoked_on"])
    return shown(consent)
