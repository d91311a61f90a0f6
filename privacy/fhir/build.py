"""What every resource of the export shares: its id, the bundle-local URL references use, its
security labels and identifier, and date formatting. Pure: no Flask, no database.

Each resource has a readable, stable id (``flag-12``, ``obs-a3-phq9``) and a ``fullUrl`` that
is a name-based UUID of its type and id (``urn:uuid:...``, RFC 4122 version 5), so the same
record gets the same URL in every export and references inside a bundle resolve without a
server base URL.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from privacy.fhir.codes import identifier_system, security_labels

#: The namespace of the export's name-based UUIDs.
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:treatment-centre:fhir")

Resource = dict[str, Any]


def full_url(resource_type: str, resource_id: str) -> str:
    """The bundle URL of a resource: ``urn:uuid:`` + UUID5 of ``Type/id``."""
    return f"urn:uuid:{uuid.uuid5(NAMESPACE, f'{resource_type}/{resource_id}')}"


def reference(resource_type: str, resource_id: str) -> dict[str, str]:
    return {"reference": full_url(resource_type, resource_id)}


def patient_id(client_id: int) -> str:
    return f"patient-{client_id}"


def patient_reference(client_id: int) -> dict[str, str]:
    """The reference every resource of a client uses for its subject. When the bundle holds
    no Patient (a disclosure without ``demographics``) it stays an opaque URL."""
    return reference("Patient", patient_id(client_id))


def identifier(record_type: str, record_id: int | str) -> dict[str, str]:
    """The identifier of the record a resource was built from."""
    return {"system": identifier_system(record_type), "value": str(record_id)}


def resource(resource_type: str, resource_id: str, **fields: Any) -> Resource:
    """A resource dict with its type, id and security labels, then ``fields`` (None values
    and empty lists are left out)."""
    body: Resource = {
        "resourceType": resource_type,
        "id": resource_id,
        "meta": {"security": security_labels()},
    }
    body.update({key: value for key, value in fields.items() if value not in (None, [], {})})
    return body


def entry(found: Resource) -> dict[str, Any]:
    """The Bundle entry of a resource."""
    return {"fullUrl": full_url(found["resourceType"], found["id"]), "resource": found}


def when(value: date | datetime | str | None) -> str | None:
    """A FHIR date or dateTime: ISO 8601 (aware timestamps keep their offset)."""
    if value is None:
        return None
    return value if isinstance(value, str) else value.isoformat()


def text_of(value: Any) -> str | None:
    """Stripped text, or None when there is none."""
    if not isinstance(value, str):
        return None
    return value.strip() or None


def notes(*texts: str | None) -> list[dict[str, str]]:
    """Annotations for the texts that are there."""
    return [{"text": text} for text in texts if text]


def slug(code: str) -> str:
    """A code usable inside a resource id (``pc_ptsd5`` → ``pc-ptsd5``)."""
    return code.replace("_", "-")


def value_of(mapping: Mapping[str, Any] | None, key: str) -> Any:
    return mapping.get(key) if isinstance(mapping, Mapping) else None


def code_of(value: Any) -> str | None:
    """An enum member's value (the stored code), or the value as text."""
    if value is None:
        return None
    return str(getattr(value, "value", value))
