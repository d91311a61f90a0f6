"""Who is booked into a session: adding and withdrawing cases, attendance, and the
withdrawal from future sessions that a discharge makes.

- Cases are added or withdrawn only before the session starts; attendance (attended,
  late, absent, excused) only once it has started, corrections allowed.
- A counsellor adds, withdraws and records attendance for their own cases only, in any
  session they can see; a case they may not see answers like one that does not exist
  (`scheduling.sessions.access`), so nothing tells them who else is booked.
- `scope: following` reaches this occurrence and the rest of its series, all or none; an
  added case skips occurrences it is already in. A session never clashes with itself.
- Discharge withdraws the case from every scheduled session that has not started yet
  (attendance of sessions that have started stays on record). A session left with no
  booked case is cancelled unless it is a group: a one-to-one or family slot has no
  purpose without its client and its facilitator gets the time back, while a group's
  facilitator may still fill it (or cancel it). The cancellation reason names no client."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from auth.models import User
from cases.episodes.models import Case
from core.db import utcnow
from core.errors import Conflict, ValidationFailed
from core.extensions import db
from scheduling.rooms.models import Room
from scheduling.sessions.access import (
    NO_SUCH_CASE,
    audit_change,
    case_in_body,
    case_in_path,
    record_errors,
    visible_cases,
)
from scheduling.sessions.booking import add_participant_row, mark_cancelled, require_bookable
from scheduling.sessions.conflicts import find_conflicts, lock, raise_conflicts
from scheduling.sessions.models import (
    ParticipantStatus,
    SessionParticipant,
    SessionStatus,
    SessionType,
    TherapySession,
)
from scheduling.sessions.occurrences import (
    booked,
    booked_in,
    require_future,
    require_scheduled,
    require_started,
    scoped,
)
from scheduling.sessions.rules import Occurrence

NOT_BOOKED = "That case is not booked into this session."
#: Why a session left without clients by a discharge is cancelled (names no client).
NO_CLIENT_LEFT = "No client remains booked."


def _add_conflicts(
    todo: list[TherapySession],
    roster: dict[int, list[SessionParticipant]],
    case: Case,
    exclude: set[int],
) -> list[dict[str, Any]]:
    conflicts: list[dict[str, Any]] = []
    for target in todo:
        room = db.session.get(Room, target.room_id) if target.room_id else None
        conflicts += find_conflicts(
            [Occurrence(target.starts_at, target.ends_at)],
            facilitator_id=None,
            room=room,
            client_ids=[case.client_id],
            headcount=len(roster[target.id]) + 1 + len(target.family_members or []),
            capacity=target.capacity,
            exclude=exclude,
        )
    return conflicts


def add_participant(
    session: TherapySession, case_id: int, scope: str, *, actor: User
) -> list[TherapySession]:
    """Book a case into this occurrence, or into it and every later one of the series
    (module docstring). Locks the sessions, then the case (the lock order)."""
    require_scheduled(session)
    require_future(session)
    case = case_in_body(case_id, actor)
    targets = scoped(session, scope)
    lock(Case, [case.id])
    require_bookable([case])
    roster = booked_in(targets)
    todo = [s for s in targets if case.id not in {p.case_id for p in roster[s.id]}]
    if not todo:
        raise Conflict("The case is already booked into this session.")
    raise_conflicts(_add_conflicts(todo, roster, case, exclude={s.id for s in targets}))
    for target in todo:
        add_participant_row(target, case)
    db.session.flush()
    audit_change("session.participant.add", todo, actor, {s.id: [case.client_id] for s in todo})
    for target in todo:
        db.session.expire(target, ["participants"])
    return todo


def withdraw_participant(
    session: TherapySession, case_id: int, scope: str, *, actor: User
) -> list[TherapySession]:
    """Withdraw a case from this occurrence, or from it and every later one of the series
    (409 when it is not booked into this one)."""
    require_scheduled(session)
    require_future(session)
    case = case_in_path(case_id, actor)
    changed = []
    for target in scoped(session, scope):
        for participant in booked(target):
            if participant.case_id == case.id:
                participant.status = ParticipantStatus.WITHDRAWN
                participant.withdrawn_at = utcnow()
                changed.append(target)
    if session not in changed:
        raise Conflict("The case is not booked into this session.")
    db.session.flush()
    audit_change(
        "session.participant.withdraw", changed, actor, {s.id: [case.client_id] for s in changed}
    )
    for target in changed:
        db.session.expire(target, ["participants"])
    return changed


def record_attendance(
    session: TherapySession, records: list[dict[str, Any]], *, actor: User
) -> TherapySession:
    """Attendance per participant, once the session has started (corrections allowed). A
    record for a case the actor may not see is a 422 like one for a case that does not
    exist; for a visible case that is not booked, 422 saying so."""
    require_scheduled(session)
    require_started(session)
    visible = visible_cases([r["case_id"] for r in records], actor)
    roster = {p.case_id: p for p in booked(session)}
    errors = {
        i: NO_SUCH_CASE if r["case_id"] not in visible else NOT_BOOKED
        for i, r in enumerate(records)
        if r["case_id"] not in visible or r["case_id"] not in roster
    }
    if errors:
        raise ValidationFailed(next(iter(errors.values())), errors=record_errors(errors))
    clients: list[int] = []
    for record in records:
        participant = roster[record["case_id"]]
        participant.attendance = record["status"]
        participant.attendance_recorded_at = utcnow()
        participant.attendance_recorded_by_id = actor.id
        clients.append(participant.client_id)
    db.session.flush()
    audit_change("session.attendance", [session], actor, {session.id: sorted(set(clients))})
    db.session.expire(session, ["participants"])
    return session


# --- discharge --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Withdrawal:
    """What a discharge changed: the sessions the case left, and those cancelled because
    no client remained."""

    session_ids: list[int] = field(default_factory=list)
    cancelled_session_ids: list[int] = field(default_factory=list)


def _future_bookings(case_id: int) -> sa.Select[Any]:
    return (
        sa.select(SessionParticipant, TherapySession)
        .join(TherapySession, TherapySession.id == SessionParticipant.session_id)
        .where(
            SessionParticipant.case_id == case_id,
            SessionParticipant.status == ParticipantStatus.BOOKED,
            TherapySession.status == SessionStatus.SCHEDULED,
            TherapySession.starts_at > utcnow(),
        )
        .order_by(TherapySession.starts_at, TherapySession.id)
    )


def lock_future_sessions(case_id: int) -> None:
    """Lock the sessions the case is booked into that have not started: a discharge takes
    these before the case row, in the lock order of `scheduling.sessions.conflicts`."""
    ids = [s.id for _, s in db.session.execute(_future_bookings(case_id))]
    lock(TherapySession, ids)


def withdraw_from_future_sessions(case: Case, *, actor: User) -> Withdrawal:
    """Withdraw the discharged case from every session that has not started, and cancel
    those left without a client unless they are groups (module docstring)."""
    lock_future_sessions(case.id)
    now = utcnow()
    rows = db.session.execute(
        _future_bookings(case.id).execution_options(populate_existing=True)
    ).all()
    sessions = [s for _, s in rows]
    for participant, _ in rows:
        participant.status = ParticipantStatus.WITHDRAWN
        participant.withdrawn_at = now
    db.session.flush()
    clients = {s.id: [case.client_id] for s in sessions}
    audit_change("session.participant.withdraw", sessions, actor, clients)
    remaining = booked_in(sessions)
    empty = [s for s in sessions if not remaining[s.id] and s.type is not SessionType.GROUP]
    for session in empty:
        mark_cancelled(session, NO_CLIENT_LEFT, actor)
    db.session.flush()
    audit_change("session.cancel", empty, actor, clients)
    for session in sessions:
        db.session.expire(session, ["participants"])
    return Withdrawal([s.id for s in sessions], [s.id for s in empty])
