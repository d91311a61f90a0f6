"""Pure scheduling rules: what each session type takes, how long a session may be, and how
a weekly series expands in the centre's time zone (python-dateutil), keeping wall-clock
times across daylight-saving changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import WEEKLY, rrule

MAX_SESSION_LENGTH = timedelta(hours=24)
MAX_OCCURRENCES = 104  #: two years of weekly sessions
MAX_SERIES_SPAN = timedelta(days=2 * 366)

SINGLE_CASE_TYPES = frozenset({"cbt", "individual"})


class ScheduleError(ValueError):
    """Input a session cannot have; `field` names where it is."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Occurrence:
    starts_at: datetime
    ends_at: datetime


def check_times(starts_at: datetime, ends_at: datetime) -> None:
    """End after start, at most a day long, both with an offset."""
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise ScheduleError(
            "Give times with an offset, e.g. 2026-03-02T14:00:00+00:00.", "starts_at"
        )
    if ends_at <= starts_at:
        raise ScheduleError("Must be after starts_at.", "ends_at")
    if ends_at - starts_at > MAX_SESSION_LENGTH:
        raise ScheduleError("A session lasts at most 24 hours.", "ends_at")


def check_roster(
    session_type: str, case_count: int, family_count: int, capacity: int | None
) -> None:
    """API.md: cbt and individual take exactly one case; family one case and at least one
    family member; group a capacity of at least 2; every type at least one case."""
    if case_count < 1:
        raise ScheduleError("Book at least one case.", "case_ids")
    if session_type in SINGLE_CASE_TYPES and case_count != 1:
        raise ScheduleError(f"A {session_type} session takes exactly one case.", "case_ids")
    if session_type == "family":
        if case_count != 1:
            raise ScheduleError("A family session takes exactly one case.", "case_ids")
        if family_count < 1:
            raise ScheduleError(
                "A family session needs at least one family member.", "family_members"
            )
    elif family_count:
        raise ScheduleError("Only family sessions have family members.", "family_members")
    if session_type == "group" and (capacity is None or capacity < 2):
        raise ScheduleError("A group needs a capacity of at least 2.", "capacity")


def expand_weekly(
    starts_at: datetime,
    ends_at: datetime,
    zone: str,
    *,
    count: int | None = None,
    until: date | None = None,
) -> list[Occurrence]:
    """Every occurrence of a weekly series, in UTC. Each keeps the first one's local wall
    clock time and length in `zone`, so 18:00 stays 18:00 after a DST change. `until` is a
    local date, inclusive. Exactly one of count and until."""
    if (count is None) == (until is None):
        raise ScheduleError("Give either count or until.", "recurrence")
    tz = ZoneInfo(zone)
    local_start = starts_at.astimezone(tz).replace(tzinfo=None)
    length = ends_at.astimezone(tz).replace(tzinfo=None) - local_start
    if count is not None and not 1 <= count <= MAX_OCCURRENCES:
        raise ScheduleError(f"count must be 1-{MAX_OCCURRENCES}.", "recurrence")
    if until is not None:
        if until < local_start.date():
            raise ScheduleError("until is before the first session.", "recurrence")
        if until - local_start.date() > MAX_SERIES_SPAN:
            raise ScheduleError("A series spans at most two years.", "recurrence")
    rule = rrule(
        WEEKLY,
        dtstart=local_start,
        count=count,
        until=datetime.combine(until, time.max) if until else None,
    )
    return [_occurrence(local, length, tz) for local in rule]


def _occurrence(local_start: datetime, length: timedelta, tz: ZoneInfo) -> Occurrence:
    """The start keeps its wall-clock time; the session keeps its length in elapsed time, so
    a clock change during it (or a start in a spring-forward gap) never shortens it to 0."""
    start = local_start.replace(tzinfo=tz).astimezone(UTC)
    return Occurrence(start, start + length)


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    """Half-open intervals: a session ending at 10:00 does not clash with one starting then."""
    return a_start < b_end and b_start < a_end
