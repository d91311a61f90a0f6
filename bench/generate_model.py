"""The generator's vocabulary: scales, the centre's fixed choices (levels, session types,
outcomes, names), the plan of one case (`Episode`) and the state every part of the generator
shares (`GeneratorBase`). The centre itself is described in the docstring of
bench/generate.py."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from bench.writer import RowWriter

SCALES = {"small": 1_000, "medium": 10_000, "large": 100_000}  #: clients
BLOCK = 200  #: clients per counsellor
PASSWORD = "bench-password-2026"

OUTPATIENT = ("0.5", "1", "2.1", "2.5")
INPATIENT = ("3.1", "3.5", "3.7", "4")
PSYCHIATRIC = ("depression", "anxiety", "ptsd", "bipolar", "borderline_personality", "psychosis")
INDIVIDUAL_TYPES = (
    ("cbt", 40),
    ("individual", 30),
    ("motivational_interviewing", 15),
    ("contingency_management", 10),
    ("family", 5),
)
INDIVIDUAL_HOURS = (9, 10, 11, 14, 15, 16)
GROUP_DAYS = (0, 2, 4)  #: Monday, Wednesday, Friday
DISCHARGE_REASONS = (("completed", 60), ("against_advice", 20), ("transferred", 10),
                     ("administrative", 10))  # fmt: skip
OUTCOMES = (("abstinent", 50), ("lapse", 15), ("relapse", 10), ("unreachable", 20),
            ("declined", 5))  # fmt: skip
ATTENDANCE = (("attended", 75), ("late", 7), ("absent", 12), ("excused", 6))
FIRST = (
    "Alex",
    "Sam",
    "Jo",
    "Kim",
    "Lee",
    "Robin",
    "Chris",
    "Pat",
    "Dana",
    "Jamie",
    "Morgan",
    "Casey",
    "Riley",
    "Taylor",
    "Jordan",
    "Avery",
    "Quinn",
    "Rowan",
    "Sasha",
    "Toni",
)
LAST = (
    "Ng",
    "Smith",
    "Garcia",
    "Okafor",
    "Kowalski",
    "Nguyen",
    "Murphy",
    "Haddad",
    "Silva",
    "Jensen",
    "Tanaka",
    "Brown",
    "Ivanova",
    "Dubois",
    "Rossi",
    "Khan",
    "Moreau",
    "Li",
)


def weighted(rng: random.Random, choices: tuple[tuple[str, int], ...]) -> str:
    """One of `choices` (value, weight)."""
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


def utc_at(day: date, hour: int, minute: int = 0) -> datetime:
    """That time of `day`, in UTC."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def mrn_for(client_id: int) -> str:
    """The client's medical record number: C, seven digits, a Luhn check digit."""
    digits = f"{client_id:07d}"
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return f"C{digits}{(10 - total % 10) % 10}"


class Ids:
    """Explicit ids per table (the generator writes to an empty database)."""

    def __init__(self) -> None:
        self._next: dict[str, int] = {}

    def __call__(self, table: str) -> int:
        n = self._next.get(table, 1)
        self._next[table] = n + 1
        return n


@dataclass
class Staff:
    manager: int
    admin: int
    intake: list[int]
    clinicians: list[int]
    counsellors: list[int]


@dataclass
class Episode:
    """One case as the generator plans it, before any row is written."""

    id: int
    client_id: int
    level: str
    status: str
    opened_at: datetime
    start: date  #: first day sessions may be booked
    end: date  #: first day they may not (discharge date, or two weeks after as_of)
    admitted_at: datetime | None = None
    waitlisted_at: datetime | None = None
    discharge_date: date | None = None
    bed_id: int | None = None
    previous_case_id: int | None = None
    follow_ups: list[tuple] = field(default_factory=list)
    relapses: list[datetime] = field(default_factory=list)

    @property
    def inpatient(self) -> bool:
        return self.level in INPATIENT

    @property
    def bookable(self) -> bool:
        return self.status != "waitlisted"


class GeneratorBase:
    """What every part of the generator works with: the row writer, the ids, the seed and
    the centre's 'today'."""

    def __init__(self, writer: RowWriter, *, seed: int, as_of: date, password_hash: str) -> None:
        self.w = writer
        self.seed = seed
        self.as_of = as_of
        self.password_hash = password_hash
        self.ids = Ids()
        self.now = utc_at(as_of, 0)

    @property
    def established(self) -> datetime:
        """When the staff, beds and rooms were created (900 days before `as_of`)."""
        return self.now - timedelta(days=900)
