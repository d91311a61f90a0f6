"""Helpers for the calendar page tests (tests/web/test_calendar_*.py): rooms and sessions
made through the booking service, and the week a session falls in. No tests here."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from auth.models import User
from core.extensions import db
from scheduling.rooms.models import Room
from scheduling.sessions import service
from scheduling.sessions.models import SessionType


def zone(app: Any) -> ZoneInfo:
    return ZoneInfo(app.config["CENTRE_TIMEZONE"])


def make_room(name: str = "Willow", capacity: int = 10) -> int:
    """A therapy room (inside an app context)."""
    room = Room(name=name, capacity=capacity)
    db.session.add(room)
    db.session.flush()
    return room.id


def at(app: Any, day: Any, hour: int, minute: int = 0) -> datetime:
    """A centre-local wall-clock moment."""
    return datetime.combine(day, time(hour, minute), tzinfo=zone(app))


def make_session(
    actor_id: int,
    case_ids: list[int],
    starts_at: datetime,
    *,
    minutes: int = 60,
    facilitator_id: int | None = None,
    kind: str = "cbt",
    **extra: Any,
) -> list[int]:
    """Book through `service.book_session` as `actor_id` (inside an app context): the ids."""
    data = {
        "type": SessionType(kind),
        "facilitator_id": facilitator_id or actor_id,
        "starts_at": starts_at,
        "ends_at": starts_at + timedelta(minutes=minutes),
        "case_ids": case_ids,
        **extra,
    }
    _, sessions = service.book_session(data, actor=db.session.get(User, actor_id))
    db.session.flush()
    return [s.id for s in sessions]


def monday_of(day: Any) -> Any:
    return day - timedelta(days=day.weekday())


def said_day(app: Any, day: Any) -> str:
    """A day as a conflict sentence says it ("Mon 07 Dec"; with the year when not this one)."""
    from core.clock import centre_today

    with app.app_context():
        this_year = centre_today().year
    return day.strftime("%a %d %b" if day.year == this_year else "%a %d %b %Y")
