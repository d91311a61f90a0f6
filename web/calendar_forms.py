"""What the calendar's forms share: a date, a start time and a length in minutes (what a
person types) as the `starts_at`/`ends_at` timestamps the API's schemas take, in the
centre's time zone; and a conflict list (the 409 of `scheduling.sessions.conflicts`) in
words — who or what clashes, and when.

The schemas and services still decide: these only translate. A schema's or a service's
error on `starts_at` or `ends_at` is shown beside the input it came from (`TIME_FIELDS`).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from core.clock import centre_zone
from core.extensions import db
from intake.clients.models import Client
from scheduling.rooms.models import Room
from scheduling.sessions.models import ParticipantStatus, SessionParticipant
from web.forms import Errors

#: Where a timestamp's error shows: the inputs a person filled in.
TIME_FIELDS = {"starts_at": "start_time", "ends_at": "duration_minutes"}
MAX_MINUTES = 24 * 60


def _day(form: MultiDict, errors: Errors) -> date | None:
    """The `day` input as a date, within the range every date must lie in."""
    raw = form.get("day", "").strip()
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        errors["day"] = ["Give the date of the session."]
        return None
    if not date(1900, 1, 1) <= day <= date(2200, 12, 31):
        errors["day"] = ["Give a date from 1900 to 2200."]
        return None
    return day


def _time(form: MultiDict, errors: Errors) -> time | None:
    """The `start_time` input (HH:MM)."""
    try:
        return time.fromisoformat(form.get("start_time", "").strip())
    except ValueError:
        errors["start_time"] = ["Give the start time as HH:MM."]
        return None


def _minutes(form: MultiDict, errors: Errors) -> int | None:
    """The `duration_minutes` input: 1 minute to a day (the longest a session may last)."""
    raw = form.get("duration_minutes", "").strip()
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_MINUTES:
        errors["duration_minutes"] = [f"Give the length in minutes, 1 to {MAX_MINUTES}."]
        return None
    return int(raw)


def times(form: MultiDict, errors: Errors) -> dict[str, str]:
    """`starts_at` and `ends_at` (ISO with the centre's offset) from the `day`,
    `start_time` and `duration_minutes` inputs; what is wrong with them goes to `errors`."""
    day, start, minutes = _day(form, errors), _time(form, errors), _minutes(form, errors)
    if day is None or start is None or minutes is None:
        return {}
    starts_at = datetime.combine(day, start, tzinfo=centre_zone())
    return {
        "starts_at": starts_at.isoformat(),
        "ends_at": (starts_at + timedelta(minutes=minutes)).isoformat(),
    }


def time_inputs(starts_at: datetime, ends_at: datetime) -> dict[str, str]:
    """A session's times as the form's inputs (to pre-fill a move)."""
    local = starts_at.astimezone(centre_zone())
    return {
        "day": local.date().isoformat(),
        "start_time": local.strftime("%H:%M"),
        "duration_minutes": str(int((ends_at - starts_at).total_seconds() // 60)),
    }


def placed(errors: Errors) -> Errors:
    """Errors keyed by the inputs they belong to (a timestamp's at its time input; a list
    item's, such as `case_ids.0`, at its list)."""
    out: Errors = {}
    for name, messages in errors.items():
        head = name.split(".")[0]
        key = TIME_FIELDS.get(head, head if head in ("case_ids", "records") else name)
        out.setdefault(key, [])
        out[key] += [m for m in messages if m not in out[key]]
    return out


def _when(iso: str) -> str:
    """A conflict's ISO timestamp as a centre-local day and time."""
    moment = datetime.fromisoformat(iso).astimezone(centre_zone())
    return moment.strftime("%a %d %b %Y at %H:%M")


def _clients_in(session_ids: set[int], client_ids: set[int]) -> dict[int, list[str]]:
    """The chosen clients booked in each clashing session, by name (one query)."""
    if not session_ids or not client_ids:
        return {}
    stmt = (
        sa.select(SessionParticipant.session_id, Client.first_name, Client.last_name)
        .join(Client, Client.id == SessionParticipant.client_id)
        .where(
            SessionParticipant.session_id.in_(session_ids),
            SessionParticipant.client_id.in_(client_ids),
            SessionParticipant.status == ParticipantStatus.BOOKED,
        )
        .order_by(SessionParticipant.session_id, Client.last_name)
    )
    found: dict[int, list[str]] = {}
    for session_id, first, last in db.session.execute(stmt):
        found.setdefault(session_id, []).append(f"{first} {last}")
    return found


def described(
    conflicts: list[dict[str, Any]],
    *,
    facilitator: str | None,
    room: Room | None,
    client_ids: set[int],
) -> list[str]:
    """Each conflict as a sentence: who or what is double-booked, and from when. Clients
    named are only those the person chose (a clash never names anyone else)."""
    clash_ids = {c["session_id"] for c in conflicts if c["kind"] == "client" and c["session_id"]}
    clients = _clients_in(clash_ids, client_ids)
    lines = []
    for conflict in conflicts:
        when, kind, sid = _when(conflict["starts_at"]), conflict["kind"], conflict["session_id"]
        if kind == "facilitator":
            who = facilitator or "The facilitator"
            lines.append(f"{who} is already facilitating session {sid}, from {when}.")
        elif kind == "room":
            what = f"Room {room.name}" if room else "The room"
            lines.append(f"{what} is already booked for session {sid}, from {when}.")
        elif kind == "client":
            who = " and ".join(clients.get(sid, [])) or "A client you chose"
            lines.append(f"{who}: already booked into session {sid}, from {when}.")
        else:
            lines.append(f"{conflict['message']} (the occurrence of {when})")
    return lines
