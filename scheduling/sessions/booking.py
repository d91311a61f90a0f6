"""Booking, rescheduling and cancelling therapy sessions (API.md "Therapy sessions").

- A booking is one session or every occurrence of a weekly series, all or none. `cbt` and
  `individual` take one case, `family` one case and a family member, `group` a capacity
  of at least 2. Only admitted or active cases can be booked (409).
- A counsellor books only their own cases; a case they may not see answers like one that
  does not exist (`scheduling.sessions.access`).
- Rescheduling (PATCH) and cancelling follow "Who may change a session"
  (`scheduling.sessions.access.require_may_manage`). A reschedule locks what a booking locks —
  facilitator, room and the cases of every booked participant, in the order of
  `scheduling.sessions.conflicts` — then re-reads the roster and checks conflicts, so a concurrent
  booking of one of its clients into the new time cannot also succeed.

Services flush and audit; the view commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app

from auth.models import Role, User
from cases.episodes.models import Case
from cases.episodes.rules import CaseStatus
from core.db import utcnow
from core.errors import Conflict, ValidationFailed
from core.extensions import db
from scheduling.rooms.models import Room
from scheduling.sessions import rules
from scheduling.sessions.access import audit_change, cases_in_body, require_may_manage
from scheduling.sessions.conflicts import find_conflicts, lock, lock_for_booking, raise_conflicts
from scheduling.sessions.models import (
    ParticipantStatus,
    SessionParticipant,
    SessionSeries,
    SessionStatus,
    TherapySession,
)
from scheduling.sessions.occurrences import booked, booked_in, require_scheduled, scoped
from scheduling.sessions.rules import Occurrence, ScheduleError

FACILITATOR_ROLES = frozenset({Role.COUNSELLOR, Role.CLINICIAN})
BOOKABLE = frozenset({CaseStatus.ADMITTED, CaseStatus.ACTIVE})


def invalid(exc: ScheduleError) -> ValidationFailed:
    return ValidationFailed(str(exc), field=exc.field)


def facilitator(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or not user.active or user.role not in FACILITATOR_ROLES:
        raise ValidationFailed(
            "Must be the id of an active counsellor or clinician.", field="facilitator_id"
        )
    return user


def room_in_service(room_id: int | None) -> Room | None:
    if room_id is None:
        return None
    room = db.session.get(Room, room_id)
    if room is None or not room.active:
        raise ValidationFailed("No such room in service.", field="room_id")
    return room


def require_bookable(cases: Sequence[Case]) -> None:
    """409 for a case that is not admitted or active (re-read after its lock: a discharge
    may have just committed)."""
    for case in cases:
        db.session.refresh(case, ["status"])
    closed = [c for c in cases if c.status not in BOOKABLE]
    if closed:
        detail = ", ".join(f"case {c.id} is {c.status.value}" for c in closed)
        raise Conflict(
            f"Only admitted or active cases can be booked: {detail}.",
            case_ids=[c.id for c in closed],
        )


def _occurrences(data: dict[str, Any]) -> list[Occurrence]:
    recurrence = data.get("recurrence")
    if not recurrence:
        return [Occurrence(data["starts_at"], data["ends_at"])]
    return rules.expand_weekly(
        data["starts_at"],
        data["ends_at"],
        current_app.config["CENTRE_TIMEZONE"],
        count=recurrence.get("count"),
        until=recurrence.get("until"),
    )


def checked_occurrences(data: dict[str, Any]) -> list[Occurrence]:
    family = data.get("family_members") or []
    try:
        rules.check_times(data["starts_at"], data["ends_at"])
        rules.check_roster(
            data["type"].value, len(data["case_ids"]), len(family), data.get("capacity")
        )
        return _occurrences(data)
    except ScheduleError as exc:
        raise invalid(exc) from exc


def book_session(data: dict[str, Any], *, actor: User) -> tuple[int | None, list[TherapySession]]:
    """Book a session, or every occurrence of a weekly series (all or none)."""
    occurrences = checked_occurrences(data)
    family = data.get("family_members") or []
    lead = facilitator(data["facilitator_id"])
    room = room_in_service(data.get("room_id"))
    cases = cases_in_body(data["case_ids"], actor, "case_ids")
    lock_for_booking(lead.id, room.id if room else None, [c.id for c in cases])
    require_bookable(cases)
    raise_conflicts(
        find_conflicts(
            occurrences,
            facilitator_id=lead.id,
            room=room,
            client_ids=[c.client_id for c in cases],
            headcount=len(cases) + len(family),
            capacity=data.get("capacity"),
        )
    )
    series = _series(data, actor)
    sessions = [_create(data, occ, series, cases, family, actor) for occ in occurrences]
    return (series.id if series else None), sessions


def _series(data: dict[str, Any], actor: User) -> SessionSeries | None:
    recurrence = data.get("recurrence")
    if not recurrence:
        return None
    series = SessionSeries(
        frequency="weekly",
        count=recurrence.get("count"),
        until=recurrence.get("until"),
        timezone=current_app.config["CENTRE_TIMEZONE"],
        created_by_id=actor.id,
    )
    db.session.add(series)
    db.session.flush()
    return series


def _create(
    data: dict[str, Any],
    occ: Occurrence,
    series: SessionSeries | None,
    cases: Sequence[Case],
    family: list[dict[str, Any]],
    actor: User,
) -> TherapySession:
    session = TherapySession(
        series_id=series.id if series else None,
        type=data["type"],
        title=data.get("title"),
        facilitator_id=data["facilitator_id"],
        room_id=data.get("room_id"),
        starts_at=occ.starts_at,
        ends_at=occ.ends_at,
        capacity=data.get("capacity"),
        family_members=family or None,
        created_by_id=actor.id,
    )
    db.session.add(session)
    db.session.flush()
    for case in cases:
        add_participant_row(session, case)
    db.session.flush()
    audit_change("session.book", [session], actor, {session.id: [c.client_id for c in cases]})
    db.session.expire(session, ["participants"])
    return session


def add_participant_row(session: TherapySession, case: Case) -> None:
    """Book the case into the session (re-booking reuses a withdrawn row)."""
    existing = db.session.execute(
        sa.select(SessionParticipant).where(
            SessionParticipant.session_id == session.id, SessionParticipant.case_id == case.id
        )
    ).scalar_one_or_none()
    if existing is not None:
        existing.status = ParticipantStatus.BOOKED
        existing.withdrawn_at = None
        existing.starts_at, existing.ends_at = session.starts_at, session.ends_at
        return
    db.session.add(
        SessionParticipant(
            session_id=session.id,
            case_id=case.id,
            client_id=case.client_id,
            starts_at=session.starts_at,
            ends_at=session.ends_at,
        )
    )


# --- changes to a booked session --------------------------------------------------------------


def _times(session: TherapySession, changes: dict[str, Any]) -> tuple[datetime, datetime]:
    starts_at = changes.get("starts_at", session.starts_at)
    ends_at = changes.get("ends_at", session.ends_at)
    try:
        rules.check_times(starts_at, ends_at)
    except ScheduleError as exc:
        raise invalid(exc) from exc
    return starts_at, ends_at


def _new_room(session: TherapySession, changes: dict[str, Any]) -> Room | None:
    """The room after the change: a new one must be in service; the current one stays."""
    if "room_id" in changes:
        return room_in_service(changes["room_id"])
    return db.session.get(Room, session.room_id) if session.room_id else None


def update_session(
    session: TherapySession, changes: dict[str, Any], *, actor: User
) -> TherapySession:
    """Reschedule, re-staff or re-room one occurrence, checked for conflicts like a booking
    under the same locks (module docstring)."""
    require_scheduled(session)
    lock(TherapySession, [session.id])
    require_may_manage([session], actor)
    starts_at, ends_at = _times(session, changes)
    facilitator_id = facilitator(changes.get("facilitator_id", session.facilitator_id)).id
    room = _new_room(session, changes)
    capacity = changes.get("capacity", session.capacity)
    if session.type.value == "group" and (capacity is None or capacity < 2):
        raise ValidationFailed("A group needs a capacity of at least 2.", field="capacity")
    case_ids = [p.case_id for p in booked(session)]
    lock_for_booking(facilitator_id, room.id if room else None, case_ids)
    roster = booked(session, fresh=True)
    raise_conflicts(
        find_conflicts(
            [Occurrence(starts_at, ends_at)],
            facilitator_id=facilitator_id,
            room=room,
            client_ids=[p.client_id for p in roster],
            headcount=len(roster) + len(session.family_members or []),
            capacity=capacity,
            exclude={session.id},
        )
    )
    for key, value in changes.items():
        setattr(session, key, value)
    for participant in roster:
        participant.starts_at, participant.ends_at = starts_at, ends_at
    db.session.flush()
    audit_change("session.update", [session], actor, {session.id: [p.client_id for p in roster]})
    return session


def cancel_session(
    session: TherapySession, reason: str, scope: str, *, actor: User
) -> list[TherapySession]:
    """Cancel this occurrence, or it and the rest of its series (`following`); every one of
    them must be the actor's to change. Bookings stay on record; the slots are free again."""
    require_scheduled(session)
    targets = scoped(session, scope)
    require_may_manage(targets, actor)
    for target in targets:
        mark_cancelled(target, reason, actor)
    db.session.flush()
    roster = booked_in(targets)
    clients = {sid: [p.client_id for p in people] for sid, people in roster.items()}
    audit_change("session.cancel", targets, actor, clients)
    return targets


def mark_cancelled(session: TherapySession, reason: str, actor: User) -> None:
    session.status = SessionStatus.CANCELLED
    session.cancel_reason = reason
    session.cancelled_at = utcnow()
    session.cancelled_by_id = actor.id
