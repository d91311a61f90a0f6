"""Which occurrences a change reaches, who is booked into them, and the states that allow
a change: a cancelled session allows none; roster changes need a session that has not
started; attendance one that has."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from core.db import utcnow
from core.errors import InvalidTransition
from core.extensions import db
from scheduling.sessions.models import (
    ParticipantStatus,
    SessionParticipant,
    SessionStatus,
    TherapySession,
)

#: `following` = this occurrence and the rest of its series.
FOLLOWING = "following"


def scoped(session: TherapySession, scope: str) -> list[TherapySession]:
    """The occurrence alone, or it and the later scheduled occurrences of its series,
    locked in id order (the lock order of `scheduling.sessions.conflicts`), by start time."""
    if scope != FOLLOWING or session.series_id is None:
        return [session]
    stmt = (
        sa.select(TherapySession)
        .where(
            TherapySession.series_id == session.series_id,
            TherapySession.starts_at >= session.starts_at,
            TherapySession.status == SessionStatus.SCHEDULED,
        )
        .order_by(TherapySession.id)
        .with_for_update(of=TherapySession, key_share=True)
    )
    found = list(db.session.execute(stmt).scalars())
    return sorted(found, key=lambda s: (s.starts_at, s.id))


def booked(session: TherapySession, *, fresh: bool = False) -> list[SessionParticipant]:
    """The session's booked participants; `fresh` re-reads rows already loaded (after a
    lock, to see what a concurrent transaction committed)."""
    stmt = (
        sa.select(SessionParticipant)
        .where(
            SessionParticipant.session_id == session.id,
            SessionParticipant.status == ParticipantStatus.BOOKED,
        )
        .order_by(SessionParticipant.id)
    )
    if fresh:
        stmt = stmt.execution_options(populate_existing=True)
    return list(db.session.execute(stmt).scalars())


def booked_in(sessions: Sequence[TherapySession]) -> dict[int, list[SessionParticipant]]:
    """Booked participants of several sessions, by session id."""
    found: dict[int, list[SessionParticipant]] = {s.id: [] for s in sessions}
    rows = db.session.execute(
        sa.select(SessionParticipant)
        .where(
            SessionParticipant.session_id.in_(list(found)),
            SessionParticipant.status == ParticipantStatus.BOOKED,
        )
        .order_by(SessionParticipant.id)
    ).scalars()
    for participant in rows:
        found[participant.session_id].append(participant)
    return found


def require_scheduled(session: TherapySession) -> None:
    if session.status is SessionStatus.CANCELLED:
        raise InvalidTransition("The session is cancelled.")


def require_future(session: TherapySession) -> None:
    if session.starts_at <= utcnow():
        raise InvalidTransition("The session has already started.")


def require_started(session: TherapySession) -> None:
    if session.starts_at > utcnow():
        raise InvalidTransition("Attendance can be recorded once the session has started.")
