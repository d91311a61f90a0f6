"""Scheduling rules: roster per type, time limits, weekly expansion across DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scheduling.sessions.rules import (
    MAX_OCCURRENCES,
    ScheduleError,
    check_roster,
    check_times,
    expand_weekly,
    overlaps,
)

LONDON = "Europe/London"


def at(y, m, d, h, mi=0, zone=LONDON):
    return datetime(y, m, d, h, mi, tzinfo=ZoneInfo(zone))


def test_weekly_series_keeps_wall_clock_across_dst():
    # UK clocks go back on 2026-10-25: 18:00 local is 17:00 UTC before, 18:00 UTC after.
    occurrences = expand_weekly(at(2026, 10, 14, 18), at(2026, 10, 14, 19), LONDON, count=3)
    local = [o.starts_at.astimezone(ZoneInfo(LONDON)) for o in occurrences]
    assert [(d.day, d.hour) for d in local] == [(14, 18), (21, 18), (28, 18)]
    assert [o.starts_at.astimezone(UTC).hour for o in occurrences] == [17, 17, 18]
    assert all(o.ends_at - o.starts_at == timedelta(hours=1) for o in occurrences)


def test_until_is_inclusive_local_date():
    occurrences = expand_weekly(
        at(2026, 3, 2, 9), at(2026, 3, 2, 10), LONDON, until=date(2026, 3, 16)
    )
    assert [o.starts_at.astimezone(ZoneInfo(LONDON)).day for o in occurrences] == [2, 9, 16]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({}, "recurrence"),
        ({"count": 2, "until": date(2026, 4, 1)}, "recurrence"),
        ({"count": 0}, "recurrence"),
        ({"count": MAX_OCCURRENCES + 1}, "recurrence"),
        ({"until": date(2026, 3, 1)}, "recurrence"),
        ({"until": date(2029, 3, 1)}, "recurrence"),
    ],
)
def test_bad_recurrence(kwargs, field):
    with pytest.raises(ScheduleError) as exc:
        expand_weekly(at(2026, 3, 2, 9), at(2026, 3, 2, 10), LONDON, **kwargs)
    assert exc.value.field == field


def test_times_end_after_start_and_at_most_a_day():
    start = at(2026, 3, 2, 9)
    check_times(start, start + timedelta(hours=24))
    for end in (start, start - timedelta(minutes=1), start + timedelta(hours=24, seconds=1)):
        with pytest.raises(ScheduleError) as exc:
            check_times(start, end)
        assert exc.value.field == "ends_at"
    with pytest.raises(ScheduleError):
        check_times(datetime(2026, 3, 2, 9), datetime(2026, 3, 2, 10))


@pytest.mark.parametrize(
    ("kind", "cases", "family", "capacity", "field"),
    [
        ("cbt", 2, 0, None, "case_ids"),
        ("individual", 0, 0, None, "case_ids"),
        ("family", 1, 0, None, "family_members"),
        ("family", 2, 1, None, "case_ids"),
        ("group", 3, 0, None, "capacity"),
        ("group", 1, 0, 1, "capacity"),
        ("cbt", 1, 1, None, "family_members"),
        ("holistic", 0, 0, None, "case_ids"),
    ],
)
def test_roster_rules_reject(kind, cases, family, capacity, field):
    with pytest.raises(ScheduleError) as exc:
        check_roster(kind, cases, family, capacity)
    assert exc.value.field == field


@pytest.mark.parametrize(
    ("kind", "cases", "family", "capacity"),
    [
        ("cbt", 1, 0, None),
        ("individual", 1, 0, None),
        ("family", 1, 2, None),
        ("group", 1, 0, 2),
        ("group", 8, 0, 8),
        ("holistic", 3, 0, None),
    ],
)
def test_roster_rules_accept(kind, cases, family, capacity):
    check_roster(kind, cases, family, capacity)


def test_overlap_is_half_open():
    a, b, c = at(2026, 3, 2, 9), at(2026, 3, 2, 10), at(2026, 3, 2, 11)
    assert not overlaps(a, b, b, c)
    assert overlaps(a, c, b, c)


@given(
    start=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2030, 1, 1)),
    minutes=st.integers(min_value=15, max_value=240),
    count=st.integers(min_value=1, max_value=30),
    zone=st.sampled_from(["UTC", LONDON, "America/New_York", "Australia/Sydney"]),
)
def test_expansion_keeps_local_time_and_weekday(start, minutes, count, zone):
    tz = ZoneInfo(zone)
    first = start.replace(second=0, microsecond=0, tzinfo=tz)
    if first.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != first.replace(tzinfo=None):
        return  # a wall time that does not exist (spring-forward gap)
    occurrences = expand_weekly(first, first + timedelta(minutes=minutes), zone, count=count)
    assert len(occurrences) == count
    for i, occurrence in enumerate(occurrences):
        local = occurrence.starts_at.astimezone(tz)
        assert local.weekday() == first.weekday()
        assert local.date() == (first + timedelta(weeks=i)).date()
        assert occurrence.ends_at > occurrence.starts_at


def test_a_weekly_session_starting_in_a_spring_forward_gap_keeps_its_length():
    # 01:00 on 2029-03-25 does not exist in London (clocks go from 01:00 GMT to 02:00 BST).
    first = datetime(2029, 3, 18, 1, 0, tzinfo=ZoneInfo(LONDON))
    occurrences = expand_weekly(first, first + timedelta(hours=1), LONDON, count=2)
    assert [o.ends_at - o.starts_at for o in occurrences] == [timedelta(hours=1)] * 2
