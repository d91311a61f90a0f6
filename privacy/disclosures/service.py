"""Disclosures and the accounting of disclosures (API.md "Consent and disclosure").
Services flush and audit; views commit.

- Under a consent: the consent must be the client's, current today in the centre's time zone
  (not revoked, not expired) and cover the recipient, the purpose, every scope asked for and
  counselling notes (`privacy.consents.rules`); else 409 naming the element that fails
  (`element`, and `scopes` for scopes not covered). A refused disclosure logs nothing as
  disclosed: the app rolls the request back; only its refusal is audited.
- In a medical emergency (§2.51): no consent; the record says who received it, where they
  work, who disclosed, when, and the nature of the emergency. Never counselling notes.
- Both send the §2.32 notice and a FHIR R4 bundle of only the scopes named, led by the
  notice and holding the consent (`privacy.fhir.export.client_bundle`); the disclosure keeps
  the bundle's SHA-256, not a copy of the record. SUD counselling notes are never in a
  bundle: the record keeps none (they are kept apart); a disclosure of them under their own
  consent is logged here, and the centre sends them itself with the notice.
- The accounting lists every disclosure of a client, oldest first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from auth.caseload import client_visibility
from auth.models import User
from core import audit
from core.clock import centre_today
from core.errors import Conflict
from core.extensions import db
from core.shown import Shown
from intake.clients.service import get_client
from privacy.consents import rules as consent_rules
from privacy.consents.models import Consent
from privacy.consents.rules import Asked, Recipient, Refusal, in_scope_order
from privacy.consents.service import (
    as_mapping,
    consent_for_disclosure,
    refuse_problems,
    terms_of,
)
from privacy.disclosures.models import Disclosure
from privacy.disclosures.rules import NOTICE, asked_problems, bundle_digest
from privacy.fhir.export import client_bundle


@dataclass(frozen=True)
class ShownDisclosure(Shown):
    """A disclosure just made, with the bundle it sent."""

    record: Disclosure
    bundle: Any


class DisclosureRefused(Conflict):
    """409: the consent does not allow the disclosure; says which element fails."""

    def __init__(self, refusal: Refusal) -> None:
        extra: dict[str, Any] = {"element": refusal.element}
        if refusal.scopes:
            extra["scopes"] = list(refusal.scopes)
        super().__init__(refusal.message, **extra)


def _bundle(
    client_id: int, *, actor: User, information: Sequence[str], consents: Sequence[Consent]
) -> dict[str, Any]:
    """The FHIR R4 bundle of only the scopes named, led by the notice, with the consent it
    is made under. SUD counselling notes are never in it (the record keeps none: they are
    kept apart, and a disclosure of them is logged here and sent by the centre itself)."""
    return client_bundle(
        client_id,
        actor=actor,
        scopes=frozenset(information),
        consents=[as_mapping(consent) for consent in consents],
        notice=NOTICE,
    )


def _log(client_id: int, *, actor: User, bundle: Any, **fields: Any) -> Disclosure:
    disclosure = Disclosure(
        client_id=client_id,
        disclosed_by_id=actor.id,
        notice=NOTICE,
        bundle_sha256=bundle_digest(bundle),
        **fields,
    )
    db.session.add(disclosure)
    db.session.flush()
    return disclosure


def disclose(client_id: int, data: dict[str, Any], *, actor: User) -> ShownDisclosure:
    """Disclose under a consent (`DisclosureCreateSchema`): 422 for what is asked, 409 when
    the consent does not allow it (module docstring), else logged, with notice and bundle."""
    get_client(client_id, actor=actor, action="client.read_for_disclosure")
    refuse_problems(asked_problems(data["information"], data["counselling_notes"]))
    consent = consent_for_disclosure(client_id, data["consent_id"], actor=actor)
    given = data["recipient"]
    asked = Asked(
        recipient=Recipient(given["name"], given.get("class_")),
        purpose=data["purpose"],
        information=frozenset(data["information"]),
        counselling_notes=data["counselling_notes"],
    )
    refused = consent_rules.refusal(terms_of(consent), asked, centre_today())
    if refused is not None:
        raise DisclosureRefused(refused)
    information = in_scope_order(data["information"])
    bundle = _bundle(client_id, actor=actor, information=information, consents=(consent,))
    disclosure = _log(
        client_id,
        actor=actor,
        bundle=bundle,
        consent_id=consent.id,
        recipient_name=given["name"],
        recipient_class=given.get("class_"),
        purpose=data["purpose"],
        information=information,
        counselling_notes=asked.counselling_notes,
        format=data["format"],
    )
    audit.record(
        "disclosure.create",
        actor=actor,
        record_type="disclosure",
        record_id=disclosure.id,
        client_id=client_id,
        detail={"consent_id": consent.id},
    )
    return ShownDisclosure(disclosure, bundle)


def disclose_in_emergency(client_id: int, data: dict[str, Any], *, actor: User) -> ShownDisclosure:
    """Disclose to medical personnel in a medical emergency (§2.51,
    `EmergencyDisclosureCreateSchema`), without consent, logged like any disclosure."""
    get_client(client_id, actor=actor, action="client.read_for_disclosure")
    refuse_problems(asked_problems(data["information"]))
    information = in_scope_order(data["information"])
    bundle = _bundle(client_id, actor=actor, information=information, consents=())
    recipient = data["recipient"]
    disclosure = _log(
        client_id,
        actor=actor,
        bundle=bundle,
        recipient_name=recipient["name"],
        recipient_affiliation=recipient["affiliation"],
        information=information,
        nature_of_emergency=data["nature_of_emergency"],
        format=data["format"],
    )
    audit.record(
        "disclosure.emergency",
        actor=actor,
        record_type="disclosure",
        record_id=disclosure.id,
        client_id=client_id,
    )
    return ShownDisclosure(disclosure, bundle)


def _of_client(client_id: int) -> sa.Select[tuple[Disclosure]]:
    return (
        sa.select(Disclosure)
        .where(Disclosure.client_id == client_id)
        .order_by(Disclosure.disclosed_at, Disclosure.id)
    )


def accounting(client_id: int, *, actor: User, page: int, per_page: int) -> dict[str, Any]:
    """A page of the client's accounting of disclosures, oldest first, each shown audited."""
    get_client(client_id, actor=actor, action="client.read_for_accounting")
    return audit.audited_page(
        _of_client(client_id),
        page,
        per_page,
        actor=actor,
        action="disclosure.list",
        record_type="disclosure",
        client_of=client_id,
    )


def accounting_in_full(client_id: int, *, actor: User) -> list[Disclosure]:
    """Every disclosure of the client, oldest first (the CSV), each audited as exported."""
    get_client(client_id, actor=actor, action="client.read_for_accounting")
    disclosures = list(db.session.scalars(_of_client(client_id)))
    audit.record_many(
        "disclosure.export",
        actor=actor,
        record_type="disclosure",
        rows=[(d.id, d.client_id) for d in disclosures],
    )
    return disclosures


def list_emergency_disclosures(
    *, actor: User, page: int, per_page: int, client_id: int | None = None
) -> dict[str, Any]:
    """Emergency disclosures across clients, newest first, for review."""
    stmt = sa.select(Disclosure).where(
        Disclosure.consent_id.is_(None), client_visibility(actor, Disclosure.client_id)
    )
    if client_id is not None:
        stmt = stmt.where(Disclosure.client_id == client_id)
    return audit.audited_page(
        stmt.order_by(Disclosure.disclosed_at.desc(), Disclosure.id.desc()),
        page,
        per_page,
        actor=actor,
        action="disclosure.emergency_list",
        record_type="disclosure",
    )
