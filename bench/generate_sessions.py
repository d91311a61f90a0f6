"""Therapy sessions for the generator: a block's sessions laid on its counsellor's weekly grid
(so nobody is double-booked) and sampled down to an exact number of participations, and the
packed history of the conflict-check data set (`--sessions N`)."""

from __future__ import annotations

import random
import sys
from datetime import date, timedelta
from typing import NamedTuple

from bench.generate_model import (
    ATTENDANCE,
    GROUP_DAYS,
    INDIVIDUAL_HOURS,
    INDIVIDUAL_TYPES,
    Episode,
    GeneratorBase,
    utc_at,
    weighted,
)
from bench.writer import as_json


class Slot(NamedTuple):
    """A candidate session on the grid; bookings are (slot, index into `episodes`)."""

    day: date
    hour: int
    minutes: int
    kind: str
    episodes: list[Episode]


def _week(rng: random.Random, bookable: list[Episode], monday: date) -> list[Slot]:
    """One week of the grid: a group at noon on group days (two or more cases present), then
    each case in turn takes the first free individual hour inside its episode."""
    days = [monday + timedelta(days=d) for d in range(5)]
    active = [ep for ep in bookable if ep.start <= days[-1] and ep.end > monday]
    slots = []
    for d in GROUP_DAYS:
        day = days[d]
        present = [ep for ep in active if ep.start <= day < ep.end]
        if len(present) >= 2:
            slots.append(Slot(day, 12, 90, "group", rng.sample(present, min(8, len(present)))))
    rng.shuffle(active)
    free = [(day, hour) for day in days for hour in INDIVIDUAL_HOURS]
    for ep in active:
        for k, (day, hour) in enumerate(free):
            if ep.start <= day < ep.end:
                slots.append(Slot(day, hour, 50, weighted(rng, INDIVIDUAL_TYPES), [ep]))
                del free[k]
                break
    return slots


def _grid(rng: random.Random, bookable: list[Episode]) -> list[Slot]:
    """Every week from the Monday before the first bookable day to the last."""
    first = min(ep.start for ep in bookable)
    monday = first - timedelta(days=first.weekday())
    last = max(ep.end for ep in bookable)
    slots: list[Slot] = []
    while monday < last:
        slots.extend(_week(rng, bookable, monday))
        monday += timedelta(days=7)
    return slots


def _sample_bookings(
    rng: random.Random, slots: list[Slot], participations: int
) -> dict[int, list[int]]:
    """Exactly `participations` bookings (all of them if the grid holds fewer), as the
    participant indexes kept per slot index."""
    bookings = [(s, p) for s, slot in enumerate(slots) for p in range(len(slot.episodes))]
    if len(bookings) < participations:
        print(f"  note: block grid holds {len(bookings)} bookings < {participations}",
              file=sys.stderr)  # fmt: skip
        participations = len(bookings)
    kept: dict[int, list[int]] = {}
    for s, p in rng.sample(bookings, participations):
        kept.setdefault(s, []).append(p)
    return kept


class SessionsMixin(GeneratorBase):
    def _sessions(
        self,
        rng: random.Random,
        episodes: list[Episode],
        counsellor: int,
        room_id: int,
        participations: int,
    ) -> None:
        """Lay the block's sessions on the counsellor's weekly grid, sample exactly
        `participations` bookings from it, and write what was kept."""
        bookable = [ep for ep in episodes if ep.bookable and ep.start < ep.end]
        if not bookable:
            return
        slots = _grid(rng, bookable)
        kept = _sample_bookings(rng, slots, participations)
        for s in sorted(kept, key=lambda s: (slots[s].day, slots[s].hour)):
            eps = [slots[s].episodes[p] for p in sorted(kept[s])]
            self._session(rng, slots[s], eps, counsellor, room_id)

    def _session(
        self, rng: random.Random, slot: Slot, eps: list[Episode], counsellor: int, room_id: int
    ) -> None:
        """The session row and its participants: past ones carry attendance, a few sessions
        are cancelled and a few bookings withdrawn."""
        sid = self.ids("therapy_sessions")
        starts = utc_at(slot.day, slot.hour)
        ends = starts + timedelta(minutes=slot.minutes)
        created = starts - timedelta(days=rng.randint(1, 14))
        past = ends <= self.now
        cancelled = past and rng.random() < 0.03
        kind = slot.kind
        family = [{"name": "Relative", "relationship": "parent"}] if kind == "family" else None
        self.w.add(
            "therapy_sessions",
            (sid, kind, "Relapse prevention group" if kind == "group" else None, counsellor,
             room_id, starts, ends, 10 if kind == "group" else None, as_json(family),
             "cancelled" if cancelled else "scheduled",
             "Facilitator unwell." if cancelled else None,
             starts - timedelta(hours=20) if cancelled else None,
             counsellor if cancelled else None, counsellor, created, created, 1),
        )  # fmt: skip
        for ep in eps:
            withdrawn = rng.random() < 0.02
            attendance = None
            if past and not cancelled and not withdrawn:
                attendance = weighted(rng, ATTENDANCE)
            recorded = ends + timedelta(minutes=10) if attendance else None
            self.w.add(
                "session_participants",
                (self.ids("session_participants"), sid, ep.id, ep.client_id, starts, ends,
                 "withdrawn" if withdrawn else "booked", attendance, recorded,
                 counsellor if attendance else None, created,
                 created + timedelta(hours=1) if withdrawn else None),
            )  # fmt: skip

    # --- the conflict-check data set -------------------------------------------------------------

    def _packed_history(
        self,
        counsellors: list[int],
        pools: list[list[tuple[int, int]]],
        rooms: list[int],
        n_sessions: int,
    ) -> None:
        """`n_sessions` in all, shared evenly between the counsellors."""
        per_facilitator = -(-n_sessions // len(counsellors))
        written = 0
        for f, counsellor in enumerate(counsellors):
            quota = min(per_facilitator, n_sessions - written)
            written += self._pack(pools[f], counsellor, rooms[f], quota)

    def _pack(self, pool: list[tuple[int, int]], counsellor: int, room_id: int, quota: int) -> int:
        """`quota` sessions 8 a weekday going back from as_of, groups of 4 at 10 and 14
        o'clock, the pool's (case, client) pairs in turn. Returns how many were written."""
        turn = made = 0
        day = self.as_of
        while made < quota:
            day -= timedelta(days=1)
            if day.weekday() >= 5:
                continue
            for hour in range(8, 16):
                if made >= quota:
                    break
                size = 4 if hour in (10, 14) else 1
                booked = [pool[(turn + k) % len(pool)] for k in range(size)]
                turn += size
                self._packed_session(day, hour, size, booked, counsellor, room_id)
                made += 1
        return made

    def _packed_session(
        self,
        day: date,
        hour: int,
        size: int,
        booked: list[tuple[int, int]],
        counsellor: int,
        room_id: int,
    ) -> None:
        sid = self.ids("therapy_sessions")
        starts = utc_at(day, hour)
        ends = starts + timedelta(minutes=50)
        kind = "group" if size > 1 else "cbt"
        created = starts - timedelta(days=7)
        self.w.add(
            "therapy_sessions",
            (sid, kind, None, counsellor, room_id, starts, ends, 10 if size > 1 else None, None,
             "scheduled", None, None, None, counsellor, created, created, 1),
        )  # fmt: skip
        for case_id, client_id in booked:
            self.w.add(
                "session_participants",
                (self.ids("session_participants"), sid, case_id, client_id, starts, ends,
                 "booked", "attended", ends, counsellor, created, None),
            )  # fmt: skip
