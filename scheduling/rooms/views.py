"""Room routes (API.md "Therapy sessions"): the rooms sessions are booked in."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from auth.permissions import (
    Permission,
    current_actor,
    permission_required,
)
from core.extensions import db
from core.http import PageArgsSchema, check_if_match, page_schema, paginate, set_etag
from scheduling.rooms.schemas import RoomCreateSchema, RoomSchema, RoomUpdateSchema
from scheduling.sessions import service

bp = Blueprint("rooms", __name__, url_prefix="/api/v1", description="Rooms")


@bp.get("/rooms")
@permission_required(Permission.FACILITY_READ)
@bp.arguments(PageArgsSchema, location="query")
@bp.response(200, page_schema(RoomSchema))
def list_rooms(args: dict[str, Any]) -> Any:
    """Therapy rooms by name."""
    return paginate(service.list_rooms(), args["page"], args["per_page"])


@bp.post("/rooms")
@permission_required(Permission.FACILITY_MANAGE)
@bp.arguments(RoomCreateSchema)
@bp.response(201, RoomSchema)
def create_room(data: dict[str, Any]) -> Any:
    room = service.create_room(data, actor=current_actor())
    db.session.commit()
    set_etag(room)
    return room


@bp.patch("/rooms/<int:room_id>")
@permission_required(Permission.FACILITY_MANAGE)
@bp.arguments(RoomUpdateSchema)
@bp.response(200, RoomSchema)
def update_room(data: dict[str, Any], room_id: int) -> Any:
    room = service.get_room(room_id)
    check_if_match(room)
    service.update_room(room, data, actor=current_actor())
    db.session.commit()
    set_etag(room)
    return room
