"""Flag routes (API.md "Flags")."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from auth.credentials import reads_record
from auth.permissions import Permission, current_actor, permission_required
from core.audit import finds_client
from core.extensions import db
from core.http import page_schema, set_etag
from intake.flags import service
from intake.flags.models import client_of_flag
from intake.flags.schemas import (
    ClientFlagQuerySchema,
    FlagQuerySchema,
    FlagSchema,
    ManualFlagSchema,
    ResolveSchema,
)

bp = Blueprint("flags", __name__, url_prefix="/api/v1", description="Clinical flags")


@bp.get("/clients/<int:client_id>/flags")
@permission_required(Permission.CLIENT_READ)
@bp.arguments(ClientFlagQuerySchema, location="query")
@bp.response(200, page_schema(FlagSchema))
def list_client_flags(args: dict[str, Any], client_id: int) -> Any:
    """A client's flags, urgent first."""
    page = service.list_client_flags(
        client_id,
        actor=current_actor(),
        status=args.get("status"),
        page=args["page"],
        per_page=args["per_page"],
    )
    db.session.commit()
    return page


@bp.post("/clients/<int:client_id>/flags")
@permission_required(Permission.FLAG_RAISE)
@bp.arguments(ManualFlagSchema)
@bp.response(201, FlagSchema)
@bp.alt_response(
    200,
    schema=FlagSchema,
    description="An active flag of that type already "
    "existed: its severity was raised if the new one is higher, and it is returned.",
)
def raise_manual_flag(data: dict[str, Any], client_id: int) -> Any:
    """Raise a manual flag. Types and categories: CLINICAL.md §3."""
    flag, created = service.raise_manual_flag(client_id, data, actor=current_actor())
    db.session.commit()
    set_etag(flag)
    return flag, 201 if created else 200


@bp.get("/flags")
@permission_required(Permission.CLIENT_READ)
@bp.arguments(FlagQuerySchema, location="query")
@bp.response(200, page_schema(FlagSchema))
def list_flags(args: dict[str, Any]) -> Any:
    """Flags across clients — e.g. `?status=active&severity=urgent&acknowledged=false`, the
    urgent flags nobody has acknowledged yet. Counsellors see their caseload only."""
    page = service.list_flags_page(
        actor=current_actor(),
        page=args["page"],
        per_page=args["per_page"],
        status=args.get("status"),
        severity=args.get("severity"),
        acknowledged=args.get("acknowledged"),
    )
    db.session.commit()
    return page


@bp.get("/flags/<int:flag_id>")
@reads_record(service.FLAG_READ)
@finds_client("flag_id", client_of_flag)
@permission_required(Permission.CLIENT_READ)
@bp.response(200, FlagSchema)
def get_flag(flag_id: int) -> Any:
    flag = service.get_flag(flag_id, actor=current_actor())
    db.session.commit()
    set_etag(flag)
    return flag


@bp.post("/flags/<int:flag_id>/resolve")
@finds_client("flag_id", client_of_flag)
@permission_required(Permission.FLAG_RESOLVE)
@bp.arguments(ResolveSchema)
@bp.response(200, FlagSchema)
def resolve_flag(data: dict[str, Any], flag_id: int) -> Any:
    """Resolve with a reason (clinicians); 409 if already resolved."""
    actor = current_actor()
    flag = service.get_flag(flag_id, actor=actor)
    service.resolve_flag(flag, data["reason"], actor=actor)
    db.session.commit()
    set_etag(flag)
    return flag


@bp.post("/flags/<int:flag_id>/acknowledge")
@finds_client("flag_id", client_of_flag)
@permission_required(Permission.FLAG_ACKNOWLEDGE)
@bp.response(200, FlagSchema)
def acknowledge_flag(flag_id: int) -> Any:
    """Record that the caller has seen the flag, and when."""
    actor = current_actor()
    flag = service.get_flag(flag_id, actor=actor)
    service.acknowledge_flag(flag, actor=actor)
    db.session.commit()
    set_etag(flag)
    return flag
