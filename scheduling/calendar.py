"""RFC 5545 calendar feeds (icalendar). A calendar service lies outside the centre, so an
event carries only the session type, time, room and the clients' initials — never names or
record numbers. UIDs are stable per session; cancelled sessions stay in the feed marked
CANCELLED so subscribed calendars remove them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from icalendar import Calendar, Event

from core.db import utcnow
from core.extensions import db
from intake.models import Client
from scheduling.models import (
    ParticipantStatus,
    Room,
    SessionParticipant,
    SessionStatus,
    TherapySession,
)

PRODID = "-//Treatment Centre//Therapy sessions//EN"
FEED_PAST = timedelta(days=60)
FEED_FUTURE = timedelta(days=400)
TYPE_LABELS = {
    "cbt": "CBT",
    "group": "Group",
    "family": "Family",
    "individual": "Individual",
    "motivational_interviewing": "Motivational interviewing",
    "contingency_management": "Contingency management",
    "holistic": "Holistic",
}


def initials(first_name: str, last_name: str) -> str:
    return f"{first_name[:1]}{last_name[:1]}".upper()


def feed_window() -> tuple[datetime, datetime]:
    now = utcnow()
    return now - FEED_PAST, now + FEED_FUTURE


def _initials_by_session(session_ids: Sequence[int]) -> dict[int, list[str]]:
    stmt = (
        sa.select(SessionParticipant.session_id, Client.first_name, Client.last_name)
        .join(Client, Client.id == SessionParticipant.client_id)
        .where(
            SessionParticipant.session_id.in_(list(session_ids)),
            SessionParticipant.status == ParticipantStatus.BOOKED,
        )
        .order_by(SessionParticipant.session_id, SessionParticipant.id)
    )
    found: dict[int, list[str]] = defaultdict(list)
    for session_id, first, last in db.session.execute(stmt):
        found[session_id].append(initials(first, last))
    return found


def _event(session: TherapySession, room: str | None, people: list[str]) -> Event:
    event = Event()
    label = TYPE_LABELS[session.type.value]
    event.add("uid", f"session-{session.id}@treatment-centre")
    event.add("dtstamp", session.updated_at)
    event.add("dtstart", session.starts_at)
    event.add("dtend", session.ends_at)
    event.add("summary", f"{label}: {', '.join(people)}" if people else label)
    if room:
        event.add("location", room)
    event.add("sequence", session.version)
    cancelled = session.status is SessionStatus.CANCELLED
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("categories", [label])
    return event


def build_calendar(name: str, sessions: Sequence[TherapySession]) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    people = _initials_by_session([s.id for s in sessions])
    rooms = dict(db.session.execute(sa.select(Room.id, Room.name)).all())
    for session in sessions:
        calendar.add_component(_event(session, rooms.get(session.room_id), people[session.id]))
    return calendar.to_ical()


def staff_sessions(staff_id: int) -> list[TherapySession]:
    lo, hi = feed_window()
    stmt = (
        sa.select(TherapySession)
        .where(
            TherapySession.facilitator_id == staff_id,
            TherapySession.starts_at >= lo,
            TherapySession.starts_at < hi,
        )
        .order_by(TherapySession.starts_at)
    )
    return list(db.session.execute(stmt).scalars())


def case_sessions(case_id: int) -> list[TherapySession]:
    lo, hi = feed_window()
    stmt = (
        sa.select(TherapySession)
        .join(SessionParticipant, SessionParticipant.session_id == TherapySession.id)
        .where(
            SessionParticipant.case_id == case_id,
            SessionParticipant.status == ParticipantStatus.BOOKED,
            TherapySession.starts_at >= lo,
            TherapySession.starts_at < hi,
        )
        .order_by(TherapySession.starts_at)
    )
    return list(db.session.execute(stmt).scalars())
