"""Therapy sessions: the use cases the views call. Reading lives here; the rules of each
part live in its own module, re-exported below so callers import one place:

- `scheduling.sessions.access`: who sees and who may change a session, auditing what is shown;
- `scheduling.sessions.conflicts`: double-booking checks and the lock order that makes them hold;
- `scheduling.sessions.booking`: booking, rescheduling, cancelling;
- `scheduling.sessions.roster`: adding and withdrawing cases, attendance, discharge withdrawals;
- `scheduling.rooms.service`: therapy rooms.

Reading rules
- Lists show only the sessions the actor may see, overlapping [from, to): `from` and `to`
  are timestamps, or dates meaning the start of that day in `CENTRE_TIMEZONE`.
- `case_id` filters by a case the actor may see; another caseload's case answers exactly
  like a case that does not exist (an empty list)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from auth.models import User
from auth.permissions import client_visibility
from cases.episodes.service import get_case
from core.clock import start_of_centre_day
from core.http import one_or_404, paginate
from scheduling.rooms.service import create_room, get_room, list_rooms, update_room
from scheduling.sessions.access import require_may_manage, show_sessions, visible_sessions
from scheduling.sessions.booking import book_session, cancel_session, update_session
from scheduling.sessions.conflicts import find_conflicts
from scheduling.sessions.models import (
    SessionParticipant,
    SessionStatus,
    SessionType,
    TherapySession,
)
from scheduling.sessions.roster import (
    Withdrawal,
    add_participant,
    lock_future_sessions,
    record_attendance,
    withdraw_from_future_sessions,
    withdraw_participant,
)
from scheduling.sessions.rules import MAX_SESSION_LENGTH

__all__ = [
    "Withdrawal",
    "add_participant",
    "book_session",
    "cancel_session",
    "case_attendance",
    "create_room",
    "find_conflicts",
    "get_room",
    "get_session",
    "list_rooms",
    "list_sessions",
    "lock_future_sessions",
    "record_attendance",
    "require_may_manage",
    "show_sessions",
    "update_room",
    "update_session",
    "withdraw_from_future_sessions",
    "withdraw_participant",
]


def get_session(session_id: int, *, actor: User, for_update: bool = False) -> TherapySession:
    """A session the actor may see (404 otherwise); `for_update` locks its row, the first
    lock of every change (`scheduling.sessions.conflicts`). The response audits what it shows
    (`show_sessions`)."""
    stmt = sa.select(TherapySession).where(TherapySession.id == session_id, visible_sessions(actor))
    return one_or_404(stmt, "session", for_update=TherapySession if for_update else None)


def _moment(value: date | datetime | None) -> datetime | None:
    """A filter bound: a timestamp as given, a date as the start of that centre day."""
    if value is None or isinstance(value, datetime):
        return value
    return start_of_centre_day(value)


def list_sessions(
    *,
    actor: User,
    from_: date | datetime | None = None,
    to: date | datetime | None = None,
    facilitator_id: int | None = None,
    case_id: int | None = None,
    type: SessionType | None = None,
    status: SessionStatus | None = None,
) -> sa.Select[tuple[TherapySession]]:
    """Sessions the actor may see, filtered (module docstring), by start time."""
    stmt = sa.select(TherapySession).where(visible_sessions(actor))
    lo, hi = _moment(from_), _moment(to)
    if lo is not None:
        # A session lasts at most MAX_SESSION_LENGTH, so one ending after `lo` starts after
        # `lo - MAX_SESSION_LENGTH`: the bound the starts_at index can use (the past stays out).
        stmt = stmt.where(
            TherapySession.starts_at > lo - MAX_SESSION_LENGTH, TherapySession.ends_at > lo
        )
    if hi is not None:
        stmt = stmt.where(TherapySession.starts_at < hi)
    if facilitator_id is not None:
        stmt = stmt.where(TherapySession.facilitator_id == facilitator_id)
    if case_id is not None:
        stmt = stmt.where(
            sa.exists().where(
                SessionParticipant.session_id == TherapySession.id,
                SessionParticipant.case_id == case_id,
                client_visibility(actor, SessionParticipant.client_id),
            )
        )
    if type is not None:
        stmt = stmt.where(TherapySession.type == type)
    if status is not None:
        stmt = stmt.where(TherapySession.status == status)
    return stmt.order_by(TherapySession.starts_at, TherapySession.id)


def case_attendance(case_id: int, *, actor: User, page: int, per_page: int) -> dict[str, Any]:
    """One page of the case's sessions with its booking and attendance, oldest first (part
    of the case record; 404 for a case the actor may not see)."""
    case = get_case(case_id, actor=actor, action="case.attendance.read")
    stmt = (
        sa.select(TherapySession, SessionParticipant)
        .join(SessionParticipant, SessionParticipant.session_id == TherapySession.id)
        .where(SessionParticipant.case_id == case.id)
        .order_by(TherapySession.starts_at, TherapySession.id)
    )
    result = paginate(stmt, page, per_page, scalars=False)
    result["items"] = [
        {
            "session_id": s.id,
            "type": s.type.value,
            "starts_at": s.starts_at,
            "ends_at": s.ends_at,
            "session_status": s.status.value,
            "participant_status": p.status.value,
            "attendance": p.attendance.value if p.attendance else None,
        }
        for s, p in result["items"]
    ]
    return result
