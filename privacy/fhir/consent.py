"""The client's consents as FHIR Consent resources, and the 42 CFR §2.32 notice as the
Composition that carries it with a bundle.

Consents are kept by `privacy.consents`; this module does not import it. It takes each
consent as a plain mapping of the consent's fields (API.md "Consent and disclosure"):

    {id, client_id?, discloser?, kind: tpo|specific, recipient: {name?, class?}, purpose,
     information: [scopes], counselling_notes: bool, expires_on?, expiry_event?,
     signed_on, signature: {method: wet|typed|electronic, signed_by}, revoked_on?,
     status?: active|revoked|expired}

(dates as `date` or ISO strings). A stored consent row (`privacy.consents`' model, whose
recipient and signature are flat columns: `recipient_name`, `recipient_class`,
`signature_method`, `signed_by`) is read into that shape by :func:`consent_fields`.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from privacy.fhir.build import (
    Resource,
    identifier,
    patient_reference,
    reference,
    resource,
    text_of,
    value_of,
    when,
)
from privacy.fhir.codes import (
    ACT_REASON,
    CONSENT_SCOPE,
    EXTENSIONS,
    LOINC,
    PART2_POLICY_URI,
    PARTICIPATION_TYPE,
    RESOURCE_TYPES,
    SCOPE_RESOURCES,
    SCOPE_TEXT,
    coding,
    concept,
    humanise,
    local,
)

#: what a `tpo` consent permits: treatment, payment and health care operations.
TPO_PURPOSES = (
    coding(ACT_REASON, "TREAT", "treatment"),
    coding(ACT_REASON, "HPAYMT", "healthcare payment"),
    coding(ACT_REASON, "HOPERAT", "healthcare operations"),
)
CONSENT_SCOPES = local("consent-scope")


def _day(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    return date.fromisoformat(value) if isinstance(value, str) and value else None


def _flat(row: Any, name: str) -> Any:
    value = row.get(name) if isinstance(row, Mapping) else getattr(row, name, None)
    return getattr(value, "value", value)


def consent_fields(row: Mapping[str, Any] | Any) -> dict[str, Any]:
    """A consent in the documented shape, from that shape, from a flat mapping or from a
    stored row (attributes read by name; enum members as their values)."""
    if isinstance(row, Mapping) and isinstance(row.get("recipient"), Mapping):
        return dict(row)
    fields = {
        name: _flat(row, name)
        for name in (
            *("id", "client_id", "kind", "discloser", "purpose", "information", "status"),
            "counselling_notes",
            *("expires_on", "expiry_event", "signed_on", "revoked_on"),
        )
    }
    fields["recipient"] = {
        "name": _flat(row, "recipient_name"),
        "class": _flat(row, "recipient_class"),
    }
    fields["signature"] = {
        "method": _flat(row, "signature_method"),
        "signed_by": _flat(row, "signed_by"),
    }
    return fields


def consent_status(consent: Mapping[str, Any], today: date | None = None) -> str:
    """`inactive` once revoked, or expired on `today` (a date expiry); `active` otherwise (an
    expiry event cannot be judged here). A `status` the consents domain computed (`active`,
    `revoked`, `expired`) is taken as it is."""
    if consent.get("status") in ("revoked", "expired"):
        return "inactive"
    if consent.get("status") == "active":
        return "active"
    revoked, expires = _day(consent.get("revoked_on")), _day(consent.get("expires_on"))
    if revoked is not None and (today is None or revoked <= today):
        return "inactive"
    if expires is not None and today is not None and expires < today:
        return "inactive"
    return "active"


def consent_resource(
    consent_row: Mapping[str, Any] | Any, *, client_id: int | None = None, today: date | None = None
) -> Resource:
    """A consent (§2.31) as a FHIR Consent: a `permit` provision for the recipient (the
    information recipient), the purposes (TREAT, HPAYMT, HOPERAT for `tpo`, and the stated
    purpose), the information as scope codes and the resource types they export, from the
    signature date to the expiry or revocation. `consent_row` is a mapping or a stored row
    (:func:`consent_fields`); `client_id` defaults to the row's."""
    consent = consent_fields(consent_row)
    patient = client_id if client_id is not None else int(consent["client_id"])
    kind = str(consent.get("kind") or "specific")
    signature = consent.get("signature") if isinstance(consent.get("signature"), Mapping) else {}
    return resource(
        "Consent",
        f"consent-{consent['id']}",
        extension=_consent_extensions(consent, signature),
        identifier=[identifier("consent", consent["id"])],
        status=consent_status(consent, today),
        scope=concept(CONSENT_SCOPE, "patient-privacy", "Privacy Consent"),
        category=[
            concept(LOINC, "59284-0", "Patient Consent"),
            concept(local("consent-kind"), kind, humanise(kind)),
        ],
        patient=patient_reference(patient),
        organization=[{"display": str(consent["discloser"])}]
        if text_of(consent.get("discloser"))
        else None,
        dateTime=when(_day(consent.get("signed_on"))),
        performer=[{"display": str(signature["signed_by"])}]
        if text_of(signature.get("signed_by"))
        else None,
        policy=[{"uri": PART2_POLICY_URI}],
        provision=_provision(consent, kind),
    )


def _consent_extensions(
    consent: Mapping[str, Any], signature: Mapping[str, Any]
) -> list[dict[str, Any]]:
    found = [
        ("signature-method", "valueCode", text_of(signature.get("method"))),
        ("expiry-event", "valueString", text_of(consent.get("expiry_event"))),
        ("revoked-on", "valueDate", when(_day(consent.get("revoked_on")))),
    ]
    return [{"url": f"{EXTENSIONS}:{name}", key: value} for name, key, value in found if value]


def _provision(consent: Mapping[str, Any], kind: str) -> dict[str, Any]:
    scopes = [str(s) for s in consent.get("information") or []]
    codes = [concept(CONSENT_SCOPES, s, SCOPE_TEXT.get(s, humanise(s))) for s in scopes]
    if consent.get("counselling_notes"):
        codes.append(concept(CONSENT_SCOPES, "counselling_notes", "SUD counselling notes"))
    types = sorted({t for s in scopes for t in SCOPE_RESOURCES.get(s, ())})
    purpose = text_of(consent.get("purpose"))
    ends = [d for d in (_day(consent.get("expires_on")), _day(consent.get("revoked_on"))) if d]
    period = {"start": when(_day(consent.get("signed_on"))), "end": when(min(ends, default=None))}
    provision: dict[str, Any] = {
        "type": "permit",
        "period": {key: value for key, value in period.items() if value},
        "actor": _recipients(consent.get("recipient")),
        "purpose": [
            *(TPO_PURPOSES if kind == "tpo" else ()),
            *([{"display": purpose}] if purpose else []),
        ],
        "class": [coding(RESOURCE_TYPES, t) for t in types],
        "code": codes,
    }
    return {key: value for key, value in provision.items() if value}


def _recipients(recipient: Any) -> list[dict[str, Any]]:
    name, recipient_class = (
        text_of(value_of(recipient, "name")),
        text_of(value_of(recipient, "class")),
    )
    shown = f"{name} ({recipient_class})" if name and recipient_class else name or recipient_class
    if not shown:
        return []
    role = concept(PARTICIPATION_TYPE, "IRCP", "information recipient")
    return [{"role": role, "reference": {"display": shown}}]


def notice_composition(
    notice: str, client_id: int, *, at: Any, covers: Sequence[Resource]
) -> Resource:
    """The §2.32 notice as a Composition whose one section holds the text and lists every
    resource of the bundle it accompanies."""
    div = f'<div xmlns="http://www.w3.org/1999/xhtml"><p>{html.escape(notice)}</p></div>'
    kind = concept(local("document-kind"), "part2_notice", "42 CFR 2.32 notice")
    section: dict[str, Any] = {
        "title": "Notice to the recipient (42 CFR 2.32)",
        "code": kind,
        "text": {"status": "generated", "div": div},
    }
    if covers:
        section["entry"] = [_reference_to(found) for found in covers]
    return resource(
        "Composition",
        f"part2-notice-{client_id}",
        status="final",
        type=kind,
        subject=patient_reference(client_id),
        date=when(at),
        author=[{"display": "The treatment centre (Part 2 programme)"}],
        title="Notice accompanying a disclosure (42 CFR 2.32)",
        confidentiality="R",
        section=[section],
    )


def _reference_to(found: Resource) -> dict[str, str]:
    return reference(found["resourceType"], found["id"])
