"""Disclosure routes (API.md "Consent and disclosure"): disclose under a consent
(`DISCLOSE`: clinician, manager), the accounting of a client's disclosures
(`DISCLOSURE_READ`: clinician, manager; `?format=csv` too), emergency disclosures (§2.51,
`EMERGENCY_DISCLOSE`: clinician) and their list for review (`DISCLOSURE_READ`)."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from auth.permissions import Permission, current_actor, permission_required
from core.extensions import db
from core.http import page_schema
from privacy.disclosures import service
from privacy.disclosures.schemas import (
    CSV_COLUMNS,
    AccountingCsvSchema,
    AccountingQuerySchema,
    DisclosureCreateSchema,
    DisclosureSchema,
    DisclosureSentSchema,
    EmergencyDisclosureCreateSchema,
    EmergencyDisclosureQuerySchema,
)
from reports.csv_export import csv_response

bp = Blueprint("disclosures", __name__, url_prefix="/api/v1", description="Disclosures")


@bp.post("/clients/<int:client_id>/disclosures")
@permission_required(Permission.DISCLOSE)
@bp.arguments(DisclosureCreateSchema)
@bp.response(201, DisclosureSentSchema)
def create_disclosure(data: dict[str, Any], client_id: int) -> Any:
    """Disclose `{consent_id, recipient: {name, class?}, purpose, information: [scopes],
    counselling_notes?, format: fhir}` under the client's consent: the answer carries the
    §2.32 `notice` and the FHIR `bundle` of only those scopes. 409 when the consent is
    revoked or expired, or does not cover the recipient (by name; a class-only consent by
    `recipient.class`), the purpose, counselling notes or a scope: `element` says which
    (`scopes` lists those not covered), and nothing is logged as disclosed."""
    disclosure = service.disclose(client_id, data, actor=current_actor())
    db.session.commit()
    return disclosure


@bp.get("/clients/<int:client_id>/disclosures")
@permission_required(Permission.DISCLOSURE_READ)
@bp.arguments(AccountingQuerySchema, location="query")
@bp.response(200, page_schema(DisclosureSchema))
@bp.doc(
    responses={
        "200": {
            "content": {
                "application/json": {"schema": page_schema(DisclosureSchema)},
                "text/csv": {"schema": {"type": "string"}},
            }
        }
    }
)
def list_disclosures(args: dict[str, Any], client_id: int) -> Any:
    """The accounting of disclosures: every disclosure of the client (under a consent or
    in an emergency), oldest first, with date, recipient, purpose, scopes and consent.
    `?format=csv`: all of them as CSV."""
    actor = current_actor()
    if args.pop("format", "json") == "csv":
        disclosures = service.accounting_in_full(client_id, actor=actor)
        db.session.commit()
        rows = AccountingCsvSchema(many=True).dump(disclosures)
        return csv_response(rows, CSV_COLUMNS, f"disclosures-client-{client_id}.csv")
    page = service.accounting(client_id, actor=actor, **args)
    db.session.commit()
    return page


@bp.post("/clients/<int:client_id>/emergency-disclosures")
@permission_required(Permission.EMERGENCY_DISCLOSE)
@bp.arguments(EmergencyDisclosureCreateSchema)
@bp.response(201, DisclosureSentSchema)
def create_emergency_disclosure(data: dict[str, Any], client_id: int) -> Any:
    """Disclose in a medical emergency (§2.51), without consent, `{recipient: {name,
    affiliation}, nature_of_emergency, information: [scopes], format: fhir}`: the medical
    personnel who receive it and the facility they work for. Logged like a disclosure (in
    the client's accounting) and listed for review; never counselling notes."""
    disclosure = service.disclose_in_emergency(client_id, data, actor=current_actor())
    db.session.commit()
    return disclosure


@bp.get("/emergency-disclosures")
@permission_required(Permission.DISCLOSURE_READ)
@bp.arguments(EmergencyDisclosureQuerySchema, location="query")
@bp.response(200, page_schema(DisclosureSchema))
def list_emergency_disclosures(args: dict[str, Any]) -> Any:
    """Emergency disclosures across clients, newest first (`client_id` narrows), for the
    managers who review them."""
    page = service.list_emergency_disclosures(actor=current_actor(), **args)
    db.session.commit()
    return page
