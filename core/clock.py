"""The centre's own time: "today" and local dates in `CENTRE_TIMEZONE` (API.md)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask import current_app


def centre_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["CENTRE_TIMEZONE"])


def centre_today() -> date:
    """Today in the centre's time zone."""
    return datetime.now(centre_zone()).date()


def centre_date(moment: datetime) -> date:
    """The centre-local calendar date of a timestamp."""
    return moment.astimezone(centre_zone()).date()


def start_of_centre_day(day: date) -> datetime:
    """Midnight of `day` in the centre's time zone, as a UTC timestamp."""
    return datetime.combine(day, time.min, tzinfo=centre_zone()).astimezone(UTC)
