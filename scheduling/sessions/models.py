"""Therapy sessions (CBT, group, family, ...), their series, participants and attendance,
and the therapy rooms they use. Sessions are cancelled, never deleted."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import (
    Base,
    NeverDeleted,
    TimestampMixin,
    UTCDateTime,
    VersionedMixin,
    enum_column,
    utcnow,
)


class SessionType(enum.StrEnum):
    CBT = "cbt"
    GROUP = "group"
    FAMILY = "family"
    INDIVIDUAL = "individual"
    MOTIVATIONAL_INTERVIEWING = "motivational_interviewing"
    CONTINGENCY_MANAGEMENT = "contingency_management"
    HOLISTIC = "holistic"


class SessionStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class ParticipantStatus(enum.StrEnum):
    BOOKED = "booked"
    WITHDRAWN = "withdrawn"


class Attendance(enum.StrEnum):
    ATTENDED = "attended"
    LATE = "late"
    ABSENT = "absent"
    EXCUSED = "excused"


class SessionSeries(NeverDeleted, Base):
    """A weekly recurrence: the template its occurrences were expanded from."""

    __tablename__ = "session_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    frequency: Mapped[str] = mapped_column(sa.String(10), default="weekly")
    count: Mapped[int | None]
    until: Mapped[date | None]
    #: the zone whose wall-clock time the occurrences keep across DST changes.
    timezone: Mapped[str] = mapped_column(sa.String(64))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class TherapySession(NeverDeleted, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "therapy_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int | None] = mapped_column(sa.ForeignKey("session_series.id"), index=True)
    type: Mapped[SessionType] = mapped_column(enum_column(SessionType))
    title: Mapped[str | None] = mapped_column(sa.String(200))
    facilitator_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    room_id: Mapped[int | None] = mapped_column(sa.ForeignKey("rooms.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: group sessions only: most participants allowed.
    capacity: Mapped[int | None]
    #: family sessions: `[{name, relationship}]` (not clients of the centre).
    family_members: Mapped[list[Any] | None] = mapped_column(sa.JSON)
    status: Mapped[SessionStatus] = mapped_column(
        enum_column(SessionStatus), default=SessionStatus.SCHEDULED
    )
    cancel_reason: Mapped[str | None] = mapped_column(sa.Text)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    participants: Mapped[list[SessionParticipant]] = relationship(
        primaryjoin="and_(SessionParticipant.session_id == TherapySession.id, "
        "SessionParticipant.status == 'booked')",
        order_by="SessionParticipant.id",
        viewonly=True,
        lazy="selectin",
    )

    __table_args__ = (
        # Conflict checks look up a facilitator's or a room's sessions by start time; since a
        # session lasts at most a day, overlap needs start in (new start - 1 day, new end).
        sa.Index("ix_therapy_sessions_facilitator_starts", "facilitator_id", "starts_at"),
        sa.Index("ix_therapy_sessions_room_starts", "room_id", "starts_at"),
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    )


class SessionParticipant(NeverDeleted, Base):
    """A case booked into a session; withdrawal ends the booking, attendance is recorded
    once the session has started."""

    __tablename__ = "session_participants"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("therapy_sessions.id"))
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"))
    #: denormalised from the case so client double-booking checks use one index.
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("clients.id"))
    #: copied from the session so the client-overlap check needs no join.
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[ParticipantStatus] = mapped_column(
        enum_column(ParticipantStatus), default=ParticipantStatus.BOOKED
    )
    attendance: Mapped[Attendance | None] = mapped_column(enum_column(Attendance))
    attendance_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attendance_recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        sa.UniqueConstraint("session_id", "case_id"),
        sa.Index("ix_session_participants_client_starts", "client_id", "starts_at"),
        sa.Index("ix_session_participants_case_id", "case_id"),
        #: the caseload report's attendance window (migration 0016).
        sa.Index("ix_session_participants_starts", "starts_at"),
    )
