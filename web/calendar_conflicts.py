"""A conflict list (the 409 of `scheduling.sessions.conflicts`, or the booking form's live
check) in words: who or what is double-booked, and in which session — by its type and time
("the CBT session on Mon 07 Dec at 10:00-11:00"), never by an internal id.

The conflicts carry the clashing session's id and start only; its type and end, and which
of the booking's clients it books, come in one query for all of them. Staff and rooms are
named; a client is named as the caller may see them: initials when the caller may see that
client (a counsellor: their own caseload), "another client" otherwise. The API's own
messages are unchanged: only their words here differ.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from auth.caseload import client_visibility
from auth.models import User
from core.clock import centre_today, centre_zone
from core.extensions import db
from intake.clients.models import Client
from intake.clients.service import initials
from scheduling.calendars.service import TYPE_LABELS
from scheduling.rooms.models import Room
from scheduling.sessions.models import ParticipantStatus, SessionParticipant, TherapySession


@dataclass
class Clashing:
    """A session a booking clashes with, as the page may describe it."""

    type: str
    starts_at: datetime
    ends_at: datetime
    shown: list[str] = field(default_factory=list)  #: initials of clients the caller sees
    others: int = 0  #: the booking's clients in it whom the caller may not see

    def described(self) -> str:
        """ "the CBT session on Mon 07 Dec at 10:00-11:00" (with the year when not this one)."""
        label = TYPE_LABELS.get(self.type, self.type.replace("_", " "))
        kind = label if label.isupper() else label.lower()
        start, end = (t.astimezone(centre_zone()) for t in (self.starts_at, self.ends_at))
        day = start.strftime("%a %d %b" if start.year == centre_today().year else "%a %d %b %Y")
        return f"the {kind} session on {day} at {start:%H:%M}-{end:%H:%M}"

    def clients(self) -> str:
        """The booking's clients it books, as the caller may see them ("AM and BK")."""
        names = list(self.shown)
        if self.others:
            names.append("another client" if self.others == 1 else f"{self.others} other clients")
        return " and ".join(names)


def clashing_sessions(
    session_ids: Iterable[int], client_ids: set[int], actor: User
) -> dict[int, Clashing]:
    """The clashing sessions by id, each with the booking's clients (`client_ids`) it books,
    in one query for all of them."""
    ids = sorted(set(session_ids))
    if not ids:
        return {}
    booked = sa.and_(
        SessionParticipant.session_id == TherapySession.id,
        SessionParticipant.status == ParticipantStatus.BOOKED,
        SessionParticipant.client_id.in_(sorted(client_ids)),
    )
    stmt = (
        sa.select(
            TherapySession.id,
            TherapySession.type,
            TherapySession.starts_at,
            TherapySession.ends_at,
            Client.first_name,
            Client.last_name,
            client_visibility(actor, Client.id).label("seen"),
        )
        .outerjoin(SessionParticipant, booked)
        .outerjoin(Client, Client.id == SessionParticipant.client_id)
        .where(TherapySession.id.in_(ids))
        .order_by(TherapySession.id, Client.last_name, Client.first_name)
    )
    found: dict[int, Clashing] = {}
    for sid, kind, starts_at, ends_at, first, last, visible in db.session.execute(stmt):
        clash = found.setdefault(sid, Clashing(getattr(kind, "value", kind), starts_at, ends_at))
        if first is None:
            continue
        if visible:
            clash.shown.append(initials(first, last))
        else:
            clash.others += 1
    return found


def _when(iso: str) -> str:
    """A conflict's ISO timestamp as a centre-local day and time."""
    moment = datetime.fromisoformat(iso).astimezone(centre_zone())
    return moment.strftime("%a %d %b %Y at %H:%M")


def _sentence(conflict: dict[str, Any], clash: Clashing | None, who: dict[str, str]) -> str:
    """One conflict in words; `who` names the facilitator and the room of the booking."""
    kind = conflict["kind"]
    if clash is None or kind not in ("facilitator", "room", "client"):
        return f"{conflict['message']} (the occurrence of {_when(conflict['starts_at'])})"
    session = clash.described()
    if kind == "facilitator":
        return f"{who['facilitator']} is already facilitating {session}."
    if kind == "room":
        return f"{who['room']} is already booked for {session}."
    clients = clash.clients()
    if not clients:
        return f"A client you chose is already booked into {session}."
    verb = "is" if len(clash.shown) + clash.others == 1 else "are"
    return f"{clients[0].upper()}{clients[1:]} {verb} already booked into {session}."


def described(
    conflicts: list[dict[str, Any]],
    *,
    actor: User,
    facilitator: str | None,
    room: Room | None,
    client_ids: set[int],
) -> list[str]:
    """Each conflict as a sentence: who or what is double-booked, and in which session.
    The clients named are only the booking's own (`client_ids`), as `actor` may see them."""
    clashes = clashing_sessions(
        (c["session_id"] for c in conflicts if c.get("session_id")), client_ids, actor
    )
    who = {
        "facilitator": facilitator or "The facilitator",
        "room": f"Room {room.name}" if room else "The room",
    }
    return [_sentence(c, clashes.get(c.get("session_id") or 0), who) for c in conflicts]
