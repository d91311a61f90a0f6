"""The one clock: the current time (`now`), and the centre's own "today" and local dates in
`CENTRE_TIMEZONE` (API.md). Every reading of the time goes through `now` (`core.db.utcnow`
calls it), so a test freezes the whole service's time with `freeze` (the `clock` fixture)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask import current_app

_frozen: datetime | None = None


def now() -> datetime:
    """The current time, timezone-aware in UTC (the frozen time while one is set)."""
    return _frozen if _frozen is not None else datetime.now(UTC)


def freeze(moment: datetime | None) -> None:
    """Stop the clock at `moment` (aware), or let it run again with None. For tests."""
    if moment is not None and moment.tzinfo is None:
        raise ValueError("freeze() needs a timezone-aware moment")
    global _frozen
    _frozen = moment


def centre_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["CENTRE_TIMEZONE"])


def centre_today() -> date:
    """Today in the centre's time zone."""
    return now().astimezone(centre_zone()).date()


def centre_date(moment: datetime) -> date:
    """The centre-local calendar date of a timestamp."""
    return moment.astimezone(centre_zone()).date()


def start_of_centre_day(day: date) -> datetime:
    """Midnight of `day` in the centre's time zone, as a UTC timestamp."""
    return datetime.combine(day, time.min, tzinfo=centre_zone()).astimezone(UTC)
