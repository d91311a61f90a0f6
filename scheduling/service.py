"""Booking and managing therapy sessions.

Conflicts (API.md): no facilitator, client or room in two overlapping sessions; no group
over its capacity; no room over its capacity. A conflicting booking books nothing and
answers 409 listing every conflict. Under concurrent requests this holds because each
booking first locks the rows it depends on — the facilitator, the room, the clients and
their cases — in a fixed order (`SELECT ... FOR UPDATE` on PostgreSQL; on SQLite every
transaction is `BEGIN IMMEDIATE`), then checks, then writes. Conflict checks use the
(facilitator, start), (room, start) and (client, start) indexes: a session lasts at most a
day, so only sessions starting within a day before the new one's start can overlap it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app

from auth.models import Role, User
from auth.permissions import caseload_client_ids, client_visibility, is_caseload_scoped
from cases.models import Case
from cases.rules import CaseStatus
from cases.service import get_case
from core import audit
from core.db import utcnow
from core.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from core.extensions import db
from scheduling import rules
from scheduling.models import (
    ParticipantStatus,
    Room,
    SessionParticipant,
    SessionSeries,
    SessionStatus,
    TherapySession,
)
from scheduling.rules import MAX_SESSION_LENGTH, Occurrence, ScheduleError

FACILITATOR_ROLES = frozenset({Role.COUNSELLOR, Role.CLINICIAN})
BOOKABLE = frozenset({CaseStatus.ADMITTED, CaseStatus.ACTIVE})


def _invalid(exc: ScheduleError) -> ValidationFailed:
    return ValidationFailed(str(exc), field=exc.field)


def _audit(action: str, session: TherapySession, actor: User, client_id: int | None = None) -> None:
    audit.record(
        action,
        actor=actor,
        record_type="therapy_session",
        record_id=session.id,
        client_id=client_id,
    )


# --- visibility -------------------------------------------------------------------------------


def _visible_sessions(actor: User) -> sa.ColumnElement[bool]:
    """Counsellors see sessions they facilitate or that book a client on their caseload."""
    if not is_caseload_scoped(actor):
        return sa.true()
    own_client = sa.exists().where(
        SessionParticipant.session_id == TherapySession.id,
        SessionParticipant.status == ParticipantStatus.BOOKED,
        SessionParticipant.client_id.in_(caseload_client_ids(actor.id)),
    )
    return sa.or_(TherapySession.facilitator_id == actor.id, own_client)


def show_participants(sessions: Iterable[TherapySession], actor: User) -> None:
    """Set `visible_participants`: a counsellor who does not facilitate a session sees only
    the participants on their own caseload."""
    mine: set[int] | None = None
    if is_caseload_scoped(actor):
        mine = set(db.session.execute(caseload_client_ids(actor.id)).scalars())
    for session in sessions:
        everyone = mine is None or session.facilitator_id == actor.id
        session.visible_participants = [
            p for p in session.participants if everyone or p.client_id in mine
        ]


def get_session(session_id: int, *, actor: User, for_update: bool = False) -> TherapySession:
    stmt = sa.select(TherapySession).where(
        TherapySession.id == session_id, _visible_sessions(actor)
    )
    if for_update:
        stmt = stmt.with_for_update(of=TherapySession, key_share=True).execution_options(
            populate_existing=True
        )
    session = db.session.execute(stmt).scalar_one_or_none()
    if session is None:
        raise NotFound("No such session.")
    _audit("session.read", session, actor)
    return session


def list_sessions(
    *,
    actor: User,
    from_: datetime | None = None,
    to: datetime | None = None,
    facilitator_id: int | None = None,
    case_id: int | None = None,
    type: Any = None,
    status: SessionStatus | None = None,
) -> sa.Select[tuple[TherapySession]]:
    stmt = sa.select(TherapySession).where(_visible_sessions(actor))
    if from_ is not None:
        stmt = stmt.where(TherapySession.ends_at > from_)
    if to is not None:
        stmt = stmt.where(TherapySession.starts_at < to)
    if facilitator_id is not None:
        stmt = stmt.where(TherapySession.facilitator_id == facilitator_id)
    if case_id is not None:
        stmt = stmt.where(
            sa.exists().where(
                SessionParticipant.session_id == TherapySession.id,
                SessionParticipant.case_id == case_id,
            )
        )
    if type is not None:
        stmt = stmt.where(TherapySession.type == type)
    if status is not None:
        stmt = stmt.where(TherapySession.status == status)
    return stmt.order_by(TherapySession.starts_at, TherapySession.id)


# --- locking and validation -------------------------------------------------------------------


def _lock(model: Any, ids: Iterable[int]) -> None:
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


def _facilitator(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or not user.active or user.role not in FACILITATOR_ROLES:
        raise ValidationFailed(
            "Must be the id of an active counsellor or clinician.", field="facilitator_id"
        )
    return user


def _room(room_id: int | None) -> Room | None:
    if room_id is None:
        return None
    room = db.session.get(Room, room_id)
    if room is None or not room.active:
        raise ValidationFailed("No such room in service.", field="room_id")
    return room


def _bookable_cases(case_ids: Sequence[int], actor: User, field: str = "case_ids") -> list[Case]:
    """Cases the actor may book: unknown and other caseloads' answer alike (422); a case
    that is not admitted or active is a 409."""
    ids = list(dict.fromkeys(case_ids))
    stmt = sa.select(Case).where(Case.id.in_(ids), client_visibility(actor, Case.client_id))
    found = {c.id: c for c in db.session.execute(stmt).unique().scalars()}
    missing = [i for i in ids if i not in found]
    if missing:
        raise ValidationFailed(f"No such case: {', '.join(map(str, missing))}.", field=field)
    return [found[i] for i in ids]


def _lock_for_booking(facilitator_id: int, room_id: int | None, cases: Sequence[Case]) -> None:
    _lock(User, [facilitator_id])
    _lock(Room, [room_id] if room_id else [])
    _lock(Case, [c.id for c in cases])
    for case in cases:  # re-read after the lock: a discharge may have just committed
        db.session.refresh(case, ["status"])


def _require_bookable(cases: Sequence[Case]) -> None:
    closed = [c for c in cases if c.status not in BOOKABLE]
    if closed:
        detail = ", ".join(f"case {c.id} is {c.status.value}" for c in closed)
        raise Conflict(
            f"Only admitted or active cases can be booked: {detail}.",
            case_ids=[c.id for c in closed],
        )


# --- conflicts --------------------------------------------------------------------------------


def _conflict(kind: str, session_id: int | None, starts_at: datetime, message: str) -> dict:
    return {
        "kind": kind,
        "session_id": session_id,
        "starts_at": starts_at.isoformat(),
        "message": message,
    }


def _span(occurrences: Sequence[Occurrence]) -> tuple[datetime, datetime]:
    return occurrences[0].starts_at - MAX_SESSION_LENGTH, occurrences[-1].ends_at


def _busy_sessions(column: Any, value: int, occurrences: Sequence[Occurrence], exclude: set[int]):
    lo, hi = _span(occurrences)
    stmt = sa.select(TherapySession.id, TherapySession.starts_at, TherapySession.ends_at).where(
        column == value,
        TherapySession.status == SessionStatus.SCHEDULED,
        TherapySession.starts_at > lo,
        TherapySession.starts_at < hi,
    )
    return [row for row in db.session.execute(stmt) if row.id not in exclude]


def _busy_clients(client_ids: Sequence[int], occurrences: Sequence[Occurrence], exclude: set[int]):
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


def find_conflicts(
    occurrences: Sequence[Occurrence],
    *,
    facilitator_id: int | None,
    room: Room | None,
    client_ids: Sequence[int],
    headcount: int,
    capacity: int | None,
    exclude: set[int] = frozenset(),  # type: ignore[assignment]
) -> list[dict[str, Any]]:
    """Every clash of these occurrences with booked sessions, plus capacity problems."""
    conflicts: list[dict[str, Any]] = []
    busy = {
        "facilitator": _busy_sessions(
            TherapySession.facilitator_id, facilitator_id, occurrences, exclude
        )
        if facilitator_id
        else [],
        "room": _busy_sessions(TherapySession.room_id, room.id, occurrences, exclude)
        if room
        else [],
        "client": _busy_clients(client_ids, occurrences, exclude) if client_ids else [],
    }
    for occ in occurrences:
        for kind, rows in busy.items():
            for row in rows:
                if rules.overlaps(occ.starts_at, occ.ends_at, row.starts_at, row.ends_at):
                    who = f" (client of case booking {row.id})" if kind == "client" else ""
                    conflicts.append(
                        _conflict(
                            kind,
                            row.id,
                            row.starts_at,
                            f"The {kind} is already booked from {row.starts_at.isoformat()}{who}.",
                        )
                    )
        if capacity is not None and headcount > capacity:
            conflicts.append(
                _conflict(
                    "capacity",
                    None,
                    occ.starts_at,
                    f"{headcount} participants exceed the capacity {capacity}.",
                )
            )
        if room is not None and headcount > room.capacity:
            conflicts.append(
                _conflict(
                    "capacity",
                    None,
                    occ.starts_at,
                    f"{headcount} people exceed room {room.name}'s capacity {room.capacity}.",
                )
            )
    return conflicts


def _raise_conflicts(conflicts: list[dict[str, Any]]) -> None:
    if conflicts:
        kinds = sorted({c["kind"] for c in conflicts})
        raise Conflict(
            f"The booking clashes ({', '.join(kinds)}); nothing was booked.", conflicts=conflicts
        )


# --- booking ----------------------------------------------------------------------------------


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


def book_session(data: dict[str, Any], *, actor: User) -> tuple[int | None, list[TherapySession]]:
    """Book a session, or every occurrence of a weekly series (all or none)."""
    family = data.get("family_members") or []
    try:
        rules.check_times(data["starts_at"], data["ends_at"])
        rules.check_roster(
            data["type"].value, len(data["case_ids"]), len(family), data.get("capacity")
        )
        occurrences = _occurrences(data)
    except ScheduleError as exc:
        raise _invalid(exc) from exc
    facilitator = _facilitator(data["facilitator_id"])
    room = _room(data.get("room_id"))
    cases = _bookable_cases(data["case_ids"], actor)
    _lock_for_booking(facilitator.id, room.id if room else None, cases)
    _require_bookable(cases)
    _raise_conflicts(
        find_conflicts(
            occurrences,
            facilitator_id=facilitator.id,
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
        _add_participant(session, case)
    db.session.flush()
    for case in cases:
        _audit("session.book", session, actor, case.client_id)
    db.session.expire(session, ["participants"])
    return session


def _add_participant(session: TherapySession, case: Case) -> None:
    existing = db.session.execute(
        sa.select(SessionParticipant).where(
            SessionParticipant.session_id == session.id, SessionParticipant.case_id == case.id
        )
    ).scalar_one_or_none()
    if existing is not None:  # re-booking after a withdrawal
        existing.status = ParticipantStatus.BOOKED
        existing.withdrawn_at = None
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


# --- changes to booked sessions ---------------------------------------------------------------


def _scoped(session: TherapySession, scope: str) -> list[TherapySession]:
    """The occurrence alone, or it and the later scheduled occurrences of its series."""
    if scope != "following" or session.series_id is None:
        return [session]
    stmt = (
        sa.select(TherapySession)
        .where(
            TherapySession.series_id == session.series_id,
            TherapySession.starts_at >= session.starts_at,
            TherapySession.status == SessionStatus.SCHEDULED,
        )
        .order_by(TherapySession.starts_at)
        .with_for_update(of=TherapySession, key_share=True)
    )
    return list(db.session.execute(stmt).scalars())


def _require_scheduled(session: TherapySession) -> None:
    if session.status is SessionStatus.CANCELLED:
        raise InvalidTransition("The session is cancelled.")


def _require_future(session: TherapySession) -> None:
    if session.starts_at <= utcnow():
        raise InvalidTransition("The session has already started.")


def _booked(session: TherapySession) -> list[SessionParticipant]:
    return list(
        db.session.execute(
            sa.select(SessionParticipant).where(
                SessionParticipant.session_id == session.id,
                SessionParticipant.status == ParticipantStatus.BOOKED,
            )
        ).scalars()
    )


def add_participant(
    session: TherapySession, case_id: int, scope: str, *, actor: User
) -> list[TherapySession]:
    """Book a case into this occurrence, or into it and every later one of the series
    (all or none), skipping occurrences the case is already in."""
    _require_scheduled(session)
    _require_future(session)
    (case,) = _bookable_cases([case_id], actor, field="case_id")
    _lock(Case, [case.id])
    targets = _scoped(session, scope)
    db.session.refresh(case, ["status"])
    _require_bookable([case])
    todo = [s for s in targets if case.id not in {p.case_id for p in _booked(s)}]
    if not todo:
        raise Conflict("The case is already booked into this session.")
    conflicts: list[dict[str, Any]] = []
    for target in todo:
        room = db.session.get(Room, target.room_id) if target.room_id else None
        headcount = len(_booked(target)) + 1 + len(target.family_members or [])
        conflicts += find_conflicts(
            [Occurrence(target.starts_at, target.ends_at)],
            facilitator_id=None,
            room=room,
            client_ids=[case.client_id],
            headcount=headcount,
            capacity=target.capacity,
        )
    _raise_conflicts(conflicts)
    for target in todo:
        _add_participant(target, case)
        db.session.flush()
        _audit("session.participant.add", target, actor, case.client_id)
        db.session.expire(target, ["participants"])
    return todo


def withdraw_participant(
    session: TherapySession, case_id: int, scope: str, *, actor: User
) -> list[TherapySession]:
    """Withdraw a case from this occurrence, or from it and every later one of the series."""
    _require_scheduled(session)
    _require_future(session)
    (case,) = _bookable_cases([case_id], actor, field="case_id")
    changed = []
    for target in _scoped(session, scope):
        for participant in _booked(target):
            if participant.case_id == case.id:
                participant.status = ParticipantStatus.WITHDRAWN
                participant.withdrawn_at = utcnow()
                changed.append(target)
    if session not in changed:
        raise Conflict("The case is not booked into this session.")
    db.session.flush()
    for target in changed:
        _audit("session.participant.withdraw", target, actor, case.client_id)
        db.session.expire(target, ["participants"])
    return changed


def record_attendance(
    session: TherapySession, records: list[dict[str, Any]], *, actor: User
) -> TherapySession:
    """Attendance per participant, only once the session has started (corrections allowed)."""
    _require_scheduled(session)
    if session.starts_at > utcnow():
        raise InvalidTransition("Attendance can be recorded once the session has started.")
    booked = {p.case_id: p for p in _booked(session)}
    for index, record in enumerate(records):
        if record["case_id"] not in booked:
            raise ValidationFailed(
                "That case is not booked into this session.", field=f"records.{index}.case_id"
            )
    for record in records:
        participant = booked[record["case_id"]]
        participant.attendance = record["status"]
        participant.attendance_recorded_at = utcnow()
        participant.attendance_recorded_by_id = actor.id
        _audit("session.attendance", session, actor, participant.client_id)
    db.session.flush()
    db.session.expire(session, ["participants"])
    return session


def cancel_session(
    session: TherapySession, reason: str, scope: str, *, actor: User
) -> list[TherapySession]:
    _require_scheduled(session)
    cancelled = _scoped(session, scope)
    for target in cancelled:
        target.status = SessionStatus.CANCELLED
        target.cancel_reason = reason
        target.cancelled_at = utcnow()
        target.cancelled_by_id = actor.id
    db.session.flush()
    for target in cancelled:
        _audit("session.cancel", target, actor)
    return cancelled


def update_session(
    session: TherapySession, changes: dict[str, Any], *, actor: User
) -> TherapySession:
    """Reschedule or re-staff one occurrence, checked for conflicts like a booking."""
    _require_scheduled(session)
    starts_at = changes.get("starts_at", session.starts_at)
    ends_at = changes.get("ends_at", session.ends_at)
    try:
        rules.check_times(starts_at, ends_at)
    except ScheduleError as exc:
        raise _invalid(exc) from exc
    facilitator_id = changes.get("facilitator_id", session.facilitator_id)
    _facilitator(facilitator_id)
    room = _room(changes.get("room_id", session.room_id))
    booked = _booked(session)
    capacity = changes.get("capacity", session.capacity)
    if session.type.value == "group" and (capacity is None or capacity < 2):
        raise ValidationFailed("A group needs a capacity of at least 2.", field="capacity")
    _lock(User, [facilitator_id])
    _lock(Room, [room.id] if room else [])
    _raise_conflicts(
        find_conflicts(
            [Occurrence(starts_at, ends_at)],
            facilitator_id=facilitator_id,
            room=room,
            client_ids=[p.client_id for p in booked],
            headcount=len(booked) + len(session.family_members or []),
            capacity=capacity,
            exclude={session.id},
        )
    )
    for key, value in changes.items():
        setattr(session, key, value)
    for participant in booked:
        participant.starts_at, participant.ends_at = starts_at, ends_at
    db.session.flush()
    _audit("session.update", session, actor)
    return session


def case_attendance(case_id: int, *, actor: User) -> list[dict[str, Any]]:
    """The case's sessions with attendance, for the case record."""
    case = get_case(case_id, actor=actor, action="case.attendance.read")
    stmt = (
        sa.select(TherapySession, SessionParticipant)
        .join(SessionParticipant, SessionParticipant.session_id == TherapySession.id)
        .where(SessionParticipant.case_id == case.id)
        .order_by(TherapySession.starts_at)
    )
    return [
        {
            "session_id": s.id,
            "type": s.type.value,
            "starts_at": s.starts_at,
            "ends_at": s.ends_at,
            "session_status": s.status.value,
            "participant_status": p.status.value,
            "attendance": p.attendance.value if p.attendance else None,
        }
        for s, p in db.session.execute(stmt)
    ]


# --- rooms ------------------------------------------------------------------------------------


def list_rooms() -> sa.Select[tuple[Room]]:
    return sa.select(Room).order_by(Room.name)


def create_room(data: dict[str, Any], *, actor: User) -> Room:
    if db.session.execute(sa.select(Room.id).where(Room.name == data["name"])).first():
        raise Conflict("A room with this name exists.")
    room = Room(**data)
    db.session.add(room)
    db.session.flush()
    audit.record("room.create", actor=actor, record_type="room", record_id=room.id)
    return room


def get_room(room_id: int) -> Room:
    room = db.session.get(Room, room_id)
    if room is None:
        raise NotFound("No such room.")
    return room


def update_room(room: Room, changes: dict[str, Any], *, actor: User) -> Room:
    if "name" in changes and changes["name"] != room.name:
        taken = db.session.execute(sa.select(Room.id).where(Room.name == changes["name"])).first()
        if taken:
            raise Conflict("A room with this name exists.")
    for key, value in changes.items():
        setattr(room, key, value)
    db.session.flush()
    audit.record("room.update", actor=actor, record_type="room", record_id=room.id)
    return room
