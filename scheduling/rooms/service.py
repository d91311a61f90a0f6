"""Therapy rooms (not a bed's room): a name unique across rooms, a capacity that sessions
in the room may not exceed, and `active: false` to take a room out of service (sessions
already booked keep it; new bookings may not name it)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from auth.models import User
from core import audit
from core.errors import Conflict
from core.extensions import db
from core.http import get_or_404
from scheduling.rooms.models import Room


def list_rooms() -> sa.Select[tuple[Room]]:
    return sa.select(Room).order_by(Room.name, Room.id)


def _require_free_name(name: str) -> None:
    if db.session.execute(sa.select(Room.id).where(Room.name == name)).first():
        raise Conflict("A room with this name exists.")


def create_room(data: dict[str, Any], *, actor: User) -> Room:
    _require_free_name(data["name"])
    room = Room(**data)
    db.session.add(room)
    db.session.flush()
    audit.record("room.create", actor=actor, record_type="room", record_id=room.id)
    return room


def get_room(room_id: int) -> Room:
    return get_or_404(Room, room_id, "room")


def update_room(room: Room, changes: dict[str, Any], *, actor: User) -> Room:
    if "name" in changes and changes["name"] != room.name:
        _require_free_name(changes["name"])
    for key, value in changes.items():
        setattr(room, key, value)
    db.session.flush()
    audit.record("room.update", actor=actor, record_type="room", record_id=room.id)
    return room
