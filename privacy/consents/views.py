"""Consent routes (API.md "Consent and disclosure"): record (`CONSENT_WRITE`: intake,
clinician), read and list (`CONSENT_READ`; counsellors their own caseload), revoke (final).
Consents are never edited or deleted: a change is a new consent. Registering this blueprint
lets the FHIR export list the client's consents."""

from __future__ import annotations

from typing import Any

from flask.blueprints import BlueprintSetupState
from flask_smorest import Blueprint

from auth.permissions import Permission, current_actor, permission_required
from core.audit import finds_client
from core.extensions import db
from core.http import PageArgsSchema, page_schema
from privacy.consents import service
from privacy.consents.models import client_of_consent
from privacy.consents.schemas import ConsentCreateSchema, ConsentSchema, RevokeSchema
from privacy.fhir.views import CONSENTS_LOOKUP

bp = Blueprint("consents", __name__, url_prefix="/api/v1", description="Consents")


@bp.record_once
def _list_consents_in_exports(state: BlueprintSetupState) -> None:
    """The FHIR export lists the client's consents (`privacy.fhir.views.CONSENTS_LOOKUP`)."""
    state.app.extensions[CONSENTS_LOOKUP] = service.consent_mappings


@bp.post("/clients/<int:client_id>/consents")
@permission_required(Permission.CONSENT_WRITE)
@bp.arguments(ConsentCreateSchema)
@bp.response(201, ConsentSchema)
def create_consent(data: dict[str, Any], client_id: int) -> Any:
    """Record the client's signed consent `{kind: tpo|specific, recipient: {name?, class?},
    purpose, information: [scopes], counselling_notes, expires_on? | expiry_event?,
    signed_on, signature: {method, signed_by}}`. A specific consent names its recipient; a
    TPO consent may name a class instead. A consent to disclose SUD counselling notes names
    no other information. One of `expires_on` (the last day covered) and `expiry_event` is
    required. `signed_on` may not be in the future. 422 names each field at fault."""
    consent = service.record_consent(client_id, data, actor=current_actor())
    db.session.commit()
    return consent


@bp.get("/clients/<int:client_id>/consents")
@permission_required(Permission.CONSENT_READ)
@bp.arguments(PageArgsSchema, location="query")
@bp.response(200, page_schema(ConsentSchema))
def list_consents(args: dict[str, Any], client_id: int) -> Any:
    """The client's consents, newest signature first, each with its status today."""
    page = service.list_consents(client_id, actor=current_actor(), **args)
    db.session.commit()
    return page


@bp.get("/consents/<int:consent_id>")
@finds_client("consent_id", client_of_consent)
@permission_required(Permission.CONSENT_READ)
@bp.response(200, ConsentSchema)
def get_consent(consent_id: int) -> Any:
    consent = service.get_consent(consent_id, actor=current_actor())
    db.session.commit()
    return service.shown(consent)


@bp.post("/consents/<int:consent_id>/revoke")
@finds_client("consent_id", client_of_consent)
@permission_required(Permission.CONSENT_WRITE)
@bp.arguments(RevokeSchema)
@bp.response(200, ConsentSchema)
def revoke_consent(data: dict[str, Any], consent_id: int) -> Any:
    """Record the client's revocation `{reason, revoked_on?}` (default today; not in the
    future, not before the signature). Final: 409 when already revoked. It stops every
    disclosure under the consent from `revoked_on` on; those made before stay logged."""
    actor = current_actor()
    consent = service.get_consent(
        consent_id, actor=actor, action="consent.read_for_update", for_update=True
    )
    consent = service.revoke_consent(consent, actor=actor, **data)
    db.session.commit()
    return consent
