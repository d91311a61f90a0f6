"""RFC 5545 calendar feeds (icalendar). A calendar service lies outside the centre, so an
event carries only the session type, time, room and the clients' initials — never names or
record numbers. UIDs are stable per session; cancelled sessions stay in the feed marked
CANCELLED so subscribed calendars remove them.

Whose initials (API.md "Who may change a session"): a staff feed shows the clients its
reader may see (a counsellor: their own caseload) and counts the rest ("+2 others"); a
case feed shows only that case's client and counts everyone else in shared groups. Each
client shown is audited, one event per session and client."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from icalendar import Calendar, Event

from auth.models import CredentialKind, User
from auth.service import issue_credential, revoke_all
from cases.episodes.models import Case
from core import audit
from core.config import DEFAULT_PUBLIC_URL
from core.db import utcnow
from core.extensions import db
from intake.clients.models import Client
from intake.clients.service import initials
from scheduling.rooms.models import Room
from scheduling.sessions.access import own_client_ids
from scheduling.sessions.models import (
    ParticipantStatus,
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


def feed_window() -> tuple[datetime, datetime]:
    now = utcnow()
    return now - FEED_PAST, now + FEED_FUTURE


@dataclass
class Attendees:
    """Who an event names: (client id, initials) shown, and how many others are booked."""

    shown: list[tuple[int, str]] = field(default_factory=list)
    others: int = 0

    def label(self) -> str:
        names = ", ".join(initial for _, initial in self.shown)
        if not self.others:
            return names
        more = f"+{self.others} other{'' if self.others == 1 else 's'}"
        return f"{names} {more}" if names else more


def attendees(session_ids: Sequence[int], may_see: Callable[[int], bool]) -> dict[int, Attendees]:
    """Each session's booked clients: initials of those `may_see(client_id)`, a count of
    the rest."""
    stmt = (
        sa.select(SessionParticipant.session_id, Client.id, Client.first_name, Client.last_name)
        .join(Client, Client.id == SessionParticipant.client_id)
        .where(
            SessionParticipant.session_id.in_(list(session_ids)),
            SessionParticipant.status == ParticipantStatus.BOOKED,
        )
        .order_by(SessionParticipant.session_id, SessionParticipant.id)
    )
    found = {session_id: Attendees() for session_id in session_ids}
    for session_id, client_id, first, last in db.session.execute(stmt):
        if may_see(client_id):
            found[session_id].shown.append((client_id, initials(first, last)))
        else:
            found[session_id].others += 1
    return found


def _event(session: TherapySession, room: str | None, people: Attendees) -> Event:
    event = Event()
    label = TYPE_LABELS[session.type.value]
    event.add("uid", f"session-{session.id}@treatment-centre")
    event.add("dtstamp", session.updated_at)
    event.add("dtstart", session.starts_at)
    event.add("dtend", session.ends_at)
    names = people.label()
    event.add("summary", f"{label}: {names}" if names else label)
    if room:
        event.add("location", room)
    event.add("sequence", session.version)
    cancelled = session.status is SessionStatus.CANCELLED
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("categories", [label])
    return event


def build_calendar(
    name: str, sessions: Sequence[TherapySession], people: dict[int, Attendees]
) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    rooms = dict(db.session.execute(sa.select(Room.id, Room.name)).all())
    for session in sessions:
        calendar.add_component(_event(session, rooms.get(session.room_id), people[session.id]))
    return calendar.to_ical()


def _audit_shown(action: str, reader: User, people: dict[int, Attendees]) -> None:
    rows = [(sid, cid) for sid, who in people.items() for cid, _ in who.shown]
    audit.record_many(action, actor=reader, record_type="therapy_session", rows=rows)


def staff_feed(staff_id: int, *, reader: User) -> bytes:
    """The staff member's sessions as its reader may see them (module docstring)."""
    sessions = staff_sessions(staff_id)
    mine = own_client_ids(reader)
    people = attendees([s.id for s in sessions], lambda c: mine is None or c in mine)
    audit.record("calendar.staff.read", actor=reader, record_type="user", record_id=staff_id)
    _audit_shown("calendar.staff.read", reader, people)
    return build_calendar("Therapy sessions", sessions, people)


def case_feed(case: Case, *, reader: User) -> bytes:
    """The case's booked sessions, naming only its own client (module docstring)."""
    sessions = case_sessions(case.id)
    people = attendees([s.id for s in sessions], lambda c: c == case.client_id)
    _audit_shown("calendar.case.read", reader, people)
    return build_calendar(f"Case {case.id} sessions", sessions, people)


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


# --- the subscription token ----------------------------------------------------------------


def public_feed_url(staff_id: int, token: str) -> str:
    """The feed's absolute URL under the configured `PUBLIC_URL`, never the request's
    `Host` header (which a caller, or a proxy, controls)."""
    base = urlsplit(current_app.config.get("PUBLIC_URL") or DEFAULT_PUBLIC_URL)
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "https"
    )
    values = {"staff_id": staff_id, "token": token}
    return adapter.build("calendars.staff_calendar", values, force_external=True)


def issue_feed_token(actor: User) -> tuple[str, str]:
    """A feed token for the actor's own calendar and its URL; the previous one is revoked."""
    revoke_all(actor.id, kinds=[CredentialKind.CALENDAR])
    issued = issue_credential(actor, CredentialKind.CALENDAR, label="calendar feed")
    return issued.secret, public_feed_url(actor.id, issued.secret)


def revoke_feed_token(actor: User) -> None:
    """Revoke the actor's feed token (subscribed programs get 401 from then on), audited."""
    revoke_all(actor.id, kinds=[CredentialKind.CALENDAR])
    audit.record("auth.calendar.revoke", actor=actor, record_type="user", record_id=actor.id)
