"""Screen 8: the calendar — a week of therapy sessions per counsellor or per room.

"My week" (the sessions the signed-in counsellor or clinician facilitates) by default; the
pickers switch to any facilitator's or any room's week, and the links to the previous and
next week carry a date (`?week=2026-12-07&staff=3`, ids and dates only). The sessions come
from `scheduling.sessions.service.week_sessions`, bounded on both sides of their start, so
the page's statements stay the same however long the history; who is booked is shown as the
API's listing shows it (`show_sessions`, audited as `session.list`: a counsellor sees only
their own caseload's clients, the rest as "+2 others").

Booking (`web.calendar_booking`), the session page and attendance (`web.calendar_sessions`,
`web.calendar_attendance`) and the calendar subscription (`web.calendar_feed`) register
their routes on this blueprint.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, request

from auth.models import User
from auth.permissions import Permission, allowed, current_actor
from core.clock import centre_date, centre_today, start_of_centre_day
from core.errors import ValidationFailed
from core.extensions import db
from scheduling.calendars.service import TYPE_LABELS, attendees
from scheduling.rooms.models import Room
from scheduling.sessions import service as sessions
from scheduling.sessions.booking import FACILITATOR_ROLES
from scheduling.sessions.models import TherapySession
from web.pages import render
from web.security import page

bp = Blueprint("calendar", __name__)

DAYS = 7


def type_label(kind: Any) -> str:
    """A session type in words ("Motivational interviewing")."""
    return TYPE_LABELS.get(getattr(kind, "value", kind), str(kind))


def facilitators() -> list[sa.Row[tuple[int, str]]]:
    """Active counsellors and clinicians (who may facilitate): `id` and `name` of each, in one
    query (columns, not users: a centre of 500 counsellors loaded 500 users per page)."""
    stmt = (
        sa.select(User.id, User.name)
        .where(User.active.is_(True), User.role.in_(list(FACILITATOR_ROLES)))
        .order_by(User.name, User.id)
    )
    return list(db.session.execute(stmt))


def rooms() -> list[sa.Row[tuple[int, str, int, bool]]]:
    """Every therapy room (those out of service too: their booked sessions show): `id`,
    `name`, `capacity` and `active`, in one query."""
    stmt = sessions.list_rooms().with_only_columns(Room.id, Room.name, Room.capacity, Room.active)
    return list(db.session.execute(stmt))


def _int_arg(name: str) -> int | None:
    """A picker's id from the query string (None when empty); anything else is a 422 naming it."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 9 or int(raw) < 1:
        raise ValidationFailed(f"{name}: give the id of one from the list.", field=name)
    return int(raw)


def week_start(raw: str | None) -> date:
    """The Monday of the week holding `raw` (an ISO date; this week when empty)."""
    if not raw:
        day = centre_today()
    else:
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            raise ValidationFailed("week: give a date as YYYY-MM-DD.", field="week") from None
        if not date(1900, 1, 8) <= day <= date(2200, 12, 24):
            raise ValidationFailed("week: give a date from 1900 to 2200.", field="week")
    return day - timedelta(days=day.weekday())


def _whose(actor: User) -> tuple[int | None, int | None]:
    """The facilitator and room the week is of (my week by default, for those who may
    facilitate; everyone's otherwise)."""
    staff_id, room_id = _int_arg("staff"), _int_arg("room")
    mine = actor.role in FACILITATOR_ROLES and "staff" not in request.args
    if mine and staff_id is None and room_id is None:
        staff_id = actor.id
    return staff_id, room_id


def _by_day(monday: date, found: list[TherapySession]) -> list[tuple[date, list[Any]]]:
    """The week's seven days, each with its sessions in start order (one that began the
    night before shows on Monday)."""
    days: dict[date, list[Any]] = {monday + timedelta(days=n): [] for n in range(DAYS)}
    for session in found:
        day = max(centre_date(session.starts_at), monday)
        days.setdefault(day, []).append(session)
    return [(day, days[day]) for day in sorted(days) if day < monday + timedelta(days=DAYS)]


def _week_sessions(actor: User, monday: date, staff_id: int | None, room_id: int | None) -> Any:
    """The week's sessions as the actor may see them (audited) and their initials."""
    lo: datetime = start_of_centre_day(monday)
    hi: datetime = start_of_centre_day(monday + timedelta(days=DAYS))
    found = sessions.week_sessions(
        actor=actor, lo=lo, hi=hi, facilitator_id=staff_id, room_id=room_id
    )
    sessions.show_sessions(found, actor, action="session.list")
    shown = {p.client_id for s in found for p in s.visible_participants}
    people = attendees([s.id for s in found], lambda client_id: client_id in shown)
    return found, people


@bp.get("/calendar")
@page(Permission.SESSION_READ)
def week() -> Response:
    """The week view (module docstring)."""
    actor = current_actor()
    monday = week_start(request.args.get("week"))
    staff_id, room_id = _whose(actor)
    found, people = _week_sessions(actor, monday, staff_id, room_id)
    staff, all_rooms = facilitators(), rooms()
    db.session.commit()
    return render(
        "calendar/week.html",
        monday=monday,
        days=_by_day(monday, found),
        people=people,
        staff_options=[(u.id, u.name) for u in staff],
        staff_id=staff_id,
        room_id=room_id,
        room_options=[(r.id, r.name) for r in all_rooms],
        room_names={r.id: r.name for r in all_rooms},
        names={u.id: u.name for u in staff},
        type_label=type_label,
        may_book=allowed(actor.role, Permission.SESSION_WRITE),
        may_subscribe=allowed(actor.role, Permission.OWN_CALENDAR),
        previous_week=monday - timedelta(days=DAYS),
        next_week=monday + timedelta(days=DAYS),
        today=centre_today(),
    )


# The calendar's other pages: their routes register on `bp` when these modules load.
from web import (  # noqa: E402
    calendar_attendance,
    calendar_booking,
    calendar_feed,
    calendar_sessions,
)

__all__ = [
    "bp",
    "calendar_attendance",
    "calendar_booking",
    "calendar_feed",
    "calendar_sessions",
]
