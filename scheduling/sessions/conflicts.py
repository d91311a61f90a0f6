"""Double-booking rules and the locks that make them hold under concurrent requests.

Conflicts (API.md): no facilitator, client or room in two overlapping sessions; no group
over its capacity; no room over its capacity. A conflicting change books nothing and
answers 409 listing every conflict. A session never clashes with itself: checks exclude
the sessions being changed.

Locks. Every write first locks the rows it depends on, then checks, then writes; on
PostgreSQL with `SELECT ... FOR NO KEY UPDATE`, on SQLite every transaction is
`BEGIN IMMEDIATE` (one writer at a time) and the locks are no-ops. All writers take them
in one order, so two writers never wait on each other in a cycle:

1. therapy sessions being changed (the one in the path first, then others by id);
2. the facilitator (users), 3. the room, 4. the cases (by id);
5. then participant rows are written.

Booking takes 2-4; rescheduling 1-4; adding a participant 1 and 4; discharge 1 (the
case's future sessions) and then 4 (its case).

Conflict checks use the (facilitator, start), (room, start) and (client, start) indexes:
a session lasts at most a day, so only sessions starting within a day before the new
one's start can overlap it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from auth.models import User
from cases.episodes.models import Case
from core.errors import Conflict
from core.extensions import db
from scheduling.rooms.models import Room
from scheduling.sessions import rules
from scheduling.sessions.models import (
    ParticipantStatus,
    SessionParticipant,
    SessionStatus,
    TherapySession,
)
from scheduling.sessions.rules import MAX_SESSION_LENGTH, Occurrence


def lock(model: Any, ids: Iterable[int]) -> None:
    """Lock rows in id order (PostgreSQL; a no-op on SQLite, whose transactions already hold
    the write lock)."""
    wanted = sorted(set(ids))
    if wanted:
        db.session.execute(
            sa.select(model.id)
            .where(model.id.in_(wanted))
            .order_by(model.id)
            .with_for_update(key_share=True)
        ).all()


def lock_for_booking(facilitator_id: int, room_id: int | None, case_ids: Iterable[int]) -> None:
    """Steps 2-4 of the lock order: facilitator, room, cases."""
    lock(User, [facilitator_id])
    lock(Room, [room_id] if room_id else [])
    lock(Case, case_ids)


def _conflict(kind: str, session_id: int | None, starts_at: datetime, message: str) -> dict:
    return {
        "kind": kind,
        "session_id": session_id,
        "starts_at": starts_at.isoformat(),
        "message": message,
    }


def _span(occurrences: Sequence[Occurrence]) -> tuple[datetime, datetime]:
    return occurrences[0].starts_at - MAX_SESSION_LENGTH, occurrences[-1].ends_at


def _busy_sessions(
    column: Any, value: int, occurrences: Sequence[Occurrence], exclude: set[int]
) -> list[Any]:
    lo, hi = _span(occurrences)
    stmt = sa.select(TherapySession.id, TherapySession.starts_at, TherapySession.ends_at).where(
        column == value,
        TherapySession.status == SessionStatus.SCHEDULED,
        TherapySession.starts_at > lo,
        TherapySession.starts_at < hi,
    )
    return [row for row in db.session.execute(stmt) if row.id not in exclude]


def _busy_clients(
    client_ids: Sequence[int], occurrences: Sequence[Occurrence], exclude: set[int]
) -> list[Any]:
    lo, hi = _span(occurrences)
    stmt = (
        sa.select(
            SessionParticipant.session_id.label("id"),
            SessionParticipant.client_id,
            SessionParticipant.starts_at,
            SessionParticipant.ends_at,
        )
        .join(TherapySession, TherapySession.id == SessionParticipant.session_id)
        .where(
            SessionParticipant.client_id.in_(list(client_ids)),
            SessionParticipant.status == ParticipantStatus.BOOKED,
            SessionParticipant.starts_at > lo,
            SessionParticipant.starts_at < hi,
            TherapySession.status == SessionStatus.SCHEDULED,
        )
    )
    return [row for row in db.session.execute(stmt) if row.id not in exclude]


def _clashes(occurrences: Sequence[Occurrence], busy: dict[str, list[Any]]) -> list[dict[str, Any]]:
    conflicts = []
    for occ in occurrences:
        for kind, rows in busy.items():
            for row in rows:
                if rules.overlaps(occ.starts_at, occ.ends_at, row.starts_at, row.ends_at):
                    at = row.starts_at.isoformat()
                    message = f"The {kind} is already booked in a session from {at}."
                    conflicts.append(_conflict(kind, row.id, row.starts_at, message))
    return conflicts


def _over_capacity(
    occurrences: Sequence[Occurrence], headcount: int, capacity: int | None, room: Room | None
) -> list[dict[str, Any]]:
    """Capacity problems; the messages name the limit, not the headcount (a counsellor
    may not learn how many others are booked)."""
    conflicts = []
    for occ in occurrences:
        if capacity is not None and headcount > capacity:
            message = f"The session would exceed its capacity of {capacity}."
            conflicts.append(_conflict("capacity", None, occ.starts_at, message))
        if room is not None and headcount > room.capacity:
            message = f"Room {room.name} would exceed its capacity of {room.capacity}."
            conflicts.append(_conflict("capacity", None, occ.starts_at, message))
    return conflicts


def find_conflicts(
    occurrences: Sequence[Occurrence],
    *,
    facilitator_id: int | None,
    room: Room | None,
    client_ids: Sequence[int],
    headcount: int,
    capacity: int | None,
    exclude: Iterable[int] = (),
) -> list[dict[str, Any]]:
    """Every clash of these occurrences with other scheduled sessions (never with the
    sessions in `exclude`, those being changed), plus capacity problems."""
    skip = set(exclude)
    busy = {
        "facilitator": _busy_sessions(
            TherapySession.facilitator_id, facilitator_id, occurrences, skip
        )
        if facilitator_id
        else [],
        "room": _busy_sessions(TherapySession.room_id, room.id, occurrences, skip) if room else [],
        "client": _busy_clients(client_ids, occurrences, skip) if client_ids else [],
    }
    return _clashes(occurrences, busy) + _over_capacity(occurrences, headcount, capacity, room)


def raise_conflicts(conflicts: list[dict[str, Any]]) -> None:
    """409 listing every conflict, when there is one."""
    if conflicts:
        kinds = sorted({c["kind"] for c in conflicts})
        raise Conflict(
            f"The booking clashes ({', '.join(kinds)}); nothing was changed.", conflicts=conflicts
        )
