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

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app

from auth.caseload import client_visibility
from auth.models import User
from cases.episodes.models import Case
from cases.episodes.service import get_case
from core import audit
from core.clock import start_of_centre_day
from core.errors import Conflict
from core.extensions import db
from core.http import one_or_404, paginate
from intake.clients.models import Client
from scheduling.rooms.service import create_room, get_room, list_rooms, update_room
from scheduling.sessions.access import (
    cases_in_body,
    require_may_manage,
    show_sessions,
    visible_sessions,
)
from scheduling.sessions.booking import (
    BOOKABLE,
    book_session,
    cancel_session,
    checked_occurrences,
    facilitator,
    require_bookable,
    room_in_service,
    update_session,
)
from scheduling.sessions.conflicts import find_conflicts, raise_conflicts
from scheduling.sessions.models import (
    SessionParticipant,
    SessionStatus,
    SessionType,
    TherapySession,
)
from scheduling.sessions.occurrences import scoped
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
    "bookable_cases",
    "booking_conflicts",
    "cancel_session",
    "case_attendance",
    "create_room",
    "find_conflicts",
    "get_room",
    "get_session",
    "list_rooms",
    "list_sessions",
    "lock_future_sessions",
    "move_following",
    "record_attendance",
    "require_may_manage",
    "show_sessions",
    "update_room",
    "update_session",
    "week_sessions",
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


# --- the staff calendar (web.calendar) --------------------------------------------------------


def week_sessions(
    *,
    actor: User,
    lo: datetime,
    hi: datetime,
    facilitator_id: int | None = None,
    room_id: int | None = None,
) -> list[TherapySession]:
    """The sessions the actor may see overlapping [lo, hi), for one facilitator or one room.
    `list_sessions` bounds `starts_at` on both sides (a session lasts at most a day), so the
    (facilitator, start) and (room, start) indexes keep it flat however long the history."""
    stmt = list_sessions(actor=actor, from_=lo, to=hi, facilitator_id=facilitator_id)
    if room_id is not None:
        stmt = stmt.where(TherapySession.room_id == room_id)
    return list(db.session.execute(stmt).scalars())


def booking_conflicts(data: dict[str, Any], *, actor: User) -> list[dict[str, Any]]:
    """What `book_session` would refuse this booking for, without booking or locking: its
    422s and a closed case's 409 raise as there, and the double-booking and capacity
    conflicts come back as the list `book_session`'s 409 would carry (same `find_conflicts`).
    For the booking form's check as it is filled in; the booking checks again under locks."""
    occurrences = checked_occurrences(data)
    lead = facilitator(data["facilitator_id"])
    room = room_in_service(data.get("room_id"))
    cases = cases_in_body(data["case_ids"], actor, "case_ids")
    require_bookable(cases)
    return find_conflicts(
        occurrences,
        facilitator_id=lead.id,
        room=room,
        client_ids=[c.client_id for c in cases],
        headcount=len(cases) + len(data.get("family_members") or []),
        capacity=data.get("capacity"),
    )


def bookable_cases(*, actor: User, limit: int = 200) -> list[tuple[Case, str, str]]:
    """Admitted and active cases the actor may see, with their client's names, for the
    booking form's picker (each case shown audited as `case.list`)."""
    stmt = (
        sa.select(Case, Client.first_name, Client.last_name)
        .join(Client, Client.id == Case.client_id)
        .where(Case.status.in_(list(BOOKABLE)), client_visibility(actor, Case.client_id))
        .order_by(Client.last_name, Client.first_name, Case.id)
    )
    found = audit.audited_page(
        stmt,
        1,
        limit,
        actor=actor,
        action="case.list",
        record_type="case",
        client_of=lambda row: row.client_id,
        shown=lambda row: _CaseRow(row[0], row[1], row[2]),
    )
    return [(r.case, r.first_name, r.last_name) for r in found["items"]]


class _CaseRow:
    """A case with its client's names, shaped for `audited_page` (`id`, `client_id`)."""

    def __init__(self, case: Case, first_name: str, last_name: str) -> None:
        self.case, self.first_name, self.last_name = case, first_name, last_name
        self.id, self.client_id = case.id, case.client_id


def _moved(moment: datetime, days: int, wall: time, zone: ZoneInfo) -> datetime:
    """`moment` moved by `days` to the local wall-clock time `wall` in `zone`, in UTC."""
    local = moment.astimezone(zone)
    return datetime.combine(local.date() + timedelta(days=days), wall, tzinfo=zone).astimezone(UTC)


def move_following(
    session: TherapySession, changes: dict[str, Any], *, actor: User
) -> list[TherapySession]:
    """Move this occurrence and the later ones of its series (`scope: following`), each by
    `update_session` (its permission, locks and conflict check): by as many days as this
    one moves, to its new local wall-clock time and length, and into its new room (moved
    furthest first, so an occurrence never clashes with the next one's old slot). All or
    none: every conflict of every occurrence in one 409."""
    zone = ZoneInfo(current_app.config["CENTRE_TIMEZONE"])
    targets = scoped(session, "following")
    require_may_manage(targets, actor)
    new_start = changes.get("starts_at", session.starts_at).astimezone(zone)
    days = (new_start.date() - session.starts_at.astimezone(zone).date()).days
    length = changes.get("ends_at", session.ends_at) - changes.get("starts_at", session.starts_at)
    conflicts: list[dict[str, Any]] = []
    later_first = new_start > session.starts_at  # so no occurrence lands on its next one
    for target in sorted(targets, key=lambda s: s.starts_at, reverse=later_first):
        starts_at = _moved(target.starts_at, days, new_start.time(), zone)
        own = {**changes, "starts_at": starts_at, "ends_at": starts_at + length}
        try:
            update_session(target, own, actor=actor)
        except Conflict as clash:
            conflicts += clash.extra.get("conflicts", [])
            if not clash.extra.get("conflicts"):
                raise
    raise_conflicts(conflicts)
    return targets
