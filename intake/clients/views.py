"""Client registry routes (API.md "Clients")."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from auth.credentials import reads_record
from auth.models import User
from auth.permissions import Permission, current_actor, permission_required
from core.extensions import db
from core.http import check_if_match, page_schema, set_etag
from intake.clients import service
from intake.clients.episodes import record_of, with_episodes
from intake.clients.schemas import (
    ArchiveSchema,
    ClientCreateSchema,
    ClientQuerySchema,
    ClientSchema,
    ClientUpdateSchema,
)

bp = Blueprint("clients", __name__, url_prefix="/api/v1", description="Clients")


def _keep_probe_audit(found: service.DuplicateClient, actor: User, client_id: int | None) -> None:
    """The failed request is rolled back whole; its duplicate probe is audited after that,
    in a transaction of its own, so the trail keeps it."""
    db.session.rollback()
    service.audit_duplicate_probe(found, actor=actor, client_id=client_id)
    db.session.commit()


@bp.post("/clients")
@permission_required(Permission.CLIENT_CREATE)
@bp.arguments(ClientCreateSchema)
@bp.response(201, ClientSchema)
def create_client(data: dict[str, Any]) -> Any:
    """Register a client. Same first and last name and date of birth as an existing client
    (case-insensitive) is a 409, with `existing_client_id` when the caller may see that
    client, unless `allow_duplicate` and a `duplicate_reason` are sent."""
    actor = current_actor()
    try:
        client = service.register_client(data, actor=actor)
    except service.DuplicateClient as found:
        _keep_probe_audit(found, actor, client_id=None)
        raise
    record = record_of(client)  # its episodes read in the same transaction
    db.session.commit()
    set_etag(client)
    return record


@bp.get("/clients")
@permission_required(Permission.CLIENT_READ)
@bp.arguments(ClientQuerySchema, location="query")
@bp.response(200, page_schema(ClientSchema))
def list_clients(args: dict[str, Any]) -> Any:
    """Search by name, MRN or date of birth. Counsellors see only their caseload."""
    actor = current_actor()
    page = service.list_clients(
        actor=actor,
        q=args.get("q"),
        status=args.get("status"),
        page=args["page"],
        per_page=args["per_page"],
    )
    items = with_episodes(page["items"])  # their episodes read in the same transaction
    db.session.commit()
    return {**page, "items": items}


@bp.get("/clients/<int:client_id>")
@reads_record(service.CLIENT_READ)
@permission_required(Permission.CLIENT_READ)
@bp.response(200, ClientSchema)
def get_client(client_id: int) -> Any:
    client = service.get_client(client_id, actor=current_actor())
    record = record_of(client)  # its episodes read in the same transaction
    db.session.commit()
    set_etag(client)
    return record


@bp.patch("/clients/<int:client_id>")
@permission_required(Permission.CLIENT_EDIT)
@bp.arguments(ClientUpdateSchema)
@bp.response(200, ClientSchema)
def update_client(data: dict[str, Any], client_id: int) -> Any:
    """Edit client details (If-Match required). A new name or birth date matching another
    client is a 409 as on registration."""
    actor = current_actor()
    client = service.get_client(client_id, actor=actor, action="client.read_for_update")
    check_if_match(client)
    try:
        service.update_client(client, data, actor=actor)
    except service.DuplicateClient as found:
        _keep_probe_audit(found, actor, client_id=client_id)
        raise
    record = record_of(client)  # its episodes read in the same transaction
    db.session.commit()
    set_etag(client)
    return record


@bp.post("/clients/<int:client_id>/archive")
@permission_required(Permission.CLIENT_ARCHIVE)
@bp.arguments(ArchiveSchema)
@bp.response(200, ClientSchema)
def archive_client(data: dict[str, Any], client_id: int) -> Any:
    """Archive a client (clinical records are never deleted)."""
    actor = current_actor()
    client = service.get_client(client_id, actor=actor, action="client.read_for_update")
    service.archive_client(client, data["reason"], actor=actor)
    record = record_of(client)  # its episodes read in the same transaction
    db.session.commit()
    set_etag(client)
    return record


@bp.post("/clients/<int:client_id>/restore")
@permission_required(Permission.CLIENT_ARCHIVE)
@bp.response(200, ClientSchema)
def restore_client(client_id: int) -> Any:
    """Bring an archived client back into the active registry."""
    actor = current_actor()
    client = service.get_client(client_id, actor=actor, action="client.read_for_update")
    service.restore_client(client, actor=actor)
    record = record_of(client)  # its episodes read in the same transaction
    db.session.commit()
    set_etag(client)
    return record
