"""The FHIR R4 export route (API.md "FHIR R4 export"): the client's whole record as a Bundle
for the centre's own use. What leaves the centre goes through a disclosure instead, which
builds its bundle with `privacy.fhir.export.client_bundle` and its scopes.

With a read replica configured (`DATABASE_REPLICA_URL`, `core.replica`) the export reads the
record from the replica, whose copy may be a few seconds old. Who may see the client is asked
of the primary first: a caseload membership or emergency grant that just ended must not live on
for the replica's lag. (One that just began may not have reached the replica: the export is
then the same 404 for those seconds, the safe side.) The audit event goes to the primary."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from flask import Response, current_app
from flask_smorest import Blueprint

from auth.caseload import can_see_client
from auth.models import User
from auth.permissions import Permission, current_actor, permission_required
from core.extensions import db
from core.replica import reading_from_replica, replica_configured
from privacy.fhir.codes import SCOPES
from privacy.fhir.export import FHIR_JSON, records_bundle
from privacy.fhir.records import load_records

bp = Blueprint("fhir", __name__, url_prefix="/api/v1", description="FHIR R4 export")

#: ``app.extensions`` key of a function client id → that client's consents as mappings
#: (`privacy.fhir.consent`), which the consents domain may install at set-up so the export
#: lists them; without it the export has no Consent resources.
CONSENTS_LOOKUP = "privacy.client_consents"
ConsentsLookup = Callable[[int], Sequence[Mapping[str, Any]]]


def _consents(client_id: int) -> Sequence[Mapping[str, Any]]:
    lookup: ConsentsLookup | None = current_app.extensions.get(CONSENTS_LOOKUP)
    return lookup(client_id) if lookup is not None else ()


def _record_source(client_id: int, actor: User) -> AbstractContextManager[None]:
    """Where the record is read: the replica when one is configured and the primary says the
    actor may see the client now; otherwise the primary (which answers the usual 404)."""
    if replica_configured() and can_see_client(actor, client_id, db.session):
        return reading_from_replica()
    return nullcontext()


@bp.get("/clients/<int:client_id>/fhir")
@permission_required(Permission.FHIR_EXPORT)
@bp.response(
    200,
    {"type": "object", "description": "A FHIR R4 Bundle of type collection."},
    content_type=FHIR_JSON,
    description="The client's record as a FHIR R4 Bundle (`application/fhir+json`).",
)
def export_client(client_id: int) -> Response:
    """The client's record as a FHIR R4 Bundle (type `collection`).

    Patient, Condition, Observation, Flag, EpisodeOfCare, CarePlan, MedicationStatement,
    Appointment, DocumentReference (signed notes) and Consent, each labelled restricted and
    42 CFR Part 2 (docs/fhir.md). For the centre's own use; audited as `fhir.export`. May be
    served by a read replica, a few seconds behind the latest changes."""
    everything, actor = frozenset(SCOPES), current_actor()
    with _record_source(client_id, actor):
        records = load_records(client_id, actor=actor, scopes=everything)
        bundle = records_bundle(records, everything, consents=_consents(records.client.id))
    db.session.commit()
    return Response(json.dumps(bundle), status=200, mimetype=FHIR_JSON)
