"""What the calendar's forms share: a date, a start time and a length in minutes (what a
person types) as the `starts_at`/`ends_at` timestamps the API's schemas take, in the
centre's time zone. (A conflict list in words is `web.calendar_conflicts`.)

The schemas and services still decide: these only translate. A schema's or a service's
error on `starts_at` or `ends_at` is shown beside the input it came from (`TIME_FIELDS`).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from werkzeug.datastructures import MultiDict

from core.clock import centre_zone
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
