"""Stream a synthetic treatment centre into a database, at a chosen scale.

    python -m bench.generate --db URL --scale small|medium|large [--seed N] [--as-of DATE]
    python -m bench.generate --db URL --sessions 1000000     # scheduling-only data set

The target database is migrated first (`flask db upgrade` through the app) and must hold no
clients yet. `--scale large` writes 100,000 clients, 120,000 cases, 1,000,000 session
participations and 300,000 follow-ups (medium 1/10, small 1/100), plus the staff, assessments,
flags, beds, rooms, caseload memberships and level history that go with them.

The centre is built in blocks of 200 clients, one per counsellor, so memory stays bounded
(one block of cases and its session grid at a time) and rows stream out in batches. A block:
- 200 clients; 40 of them have an earlier, discharged case before their current one (so 240
  cases); 40 current cases are open: 4 admitted (each in its own bed, so every bed is taken),
  1 waitlisted, 35 active outpatient; the other 200 cases are discharged over the last two
  years, each with follow-ups at +7, +30 and +90 days (600).
- Therapy sessions on a weekly grid per counsellor (individual sessions at 9, 10, 11, 14, 15
  and 16 o'clock, a group at noon on Monday, Wednesday and Friday in the counsellor's room),
  only for admitted or active cases inside their episode, so no facilitator, room or client is
  ever double-booked; from that grid exactly 2,000 participations are sampled. Past sessions
  carry attendance, a few are cancelled; the two weeks after `as_of` are booked ahead.
- Flags: psychiatric flags (dual diagnosis), urgent safety and medical flags, polysubstance,
  and a relapse flag for each follow-up that found a relapse (which also sets the case's
  `re_engagement_recommended`).

`--sessions N` instead writes the data set for the conflict-check benchmark: 50 counsellors,
each with a room and 40 clients with open cases, and N sessions packed 8 a weekday per
counsellor going back from `as_of` (10k sessions ≈ 5 weeks of history, 1M ≈ 10 years), about
1.75 participants a session.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import flask_migrate
import sqlalchemy as sa

from auth.passwords import hash_password
from bench.writer import RowWriter, as_json
from centre import create_app
from core import audit
from core.extensions import db

SCALES = {"small": 1_000, "medium": 10_000, "large": 100_000}  #: clients
BLOCK = 200  #: clients per counsellor
PASSWORD = "bench-password-2026"
GENERATE_ACTION = "bench.generate"  #: the audit event that records a generated data set

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


def normalise_url(url: str) -> str:
    """Accept postgres://, postgresql:// (use psycopg 3) and sqlite:/// URLs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def bench_app(url: str) -> Any:
    """The real application bound to `url` (the one way the harness reaches the database)."""
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": normalise_url(url),
            "SECRET_KEY": "bench",
            "ARGON2_TIME_COST": 1,
            "ARGON2_MEMORY_COST": 8192,
        }
    )


def _weighted(rng: random.Random, choices: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def mrn_for(client_id: int) -> str:
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


class CentreGenerator:
    def __init__(self, writer: RowWriter, *, seed: int, as_of: date, password_hash: str) -> None:
        self.w = writer
        self.seed = seed
        self.as_of = as_of
        self.password_hash = password_hash
        self.ids = Ids()
        self.now = _at(as_of, 0)

    # --- staff, beds, rooms -------------------------------------------------------------------

    def _user(self, role: str, n: int, name: str, *, active: bool = True) -> int:
        uid = self.ids("users")
        created = self.now - timedelta(days=900)
        email = f"{role}{n}@bench.centre" if role != "manager" else "manager@bench.centre"
        self.w.add(
            "users",
            (uid, email, name, role, self.password_hash, active, False, created, created,
             created, 1),
        )  # fmt: skip
        return uid

    def staff(self, counsellors: int) -> Staff:
        rng = random.Random(self.seed)
        manager = self._user("manager", 1, "Morgan Manager")
        admin = self._user("admin", 1, "Avery Admin")
        intake = [self._user("intake", i, f"Intake Worker {i}") for i in range(1, 4)]
        clinicians = [
            self._user("clinician", i, f"Dr {rng.choice(LAST)} {i}")
            for i in range(1, max(2, counsellors // 10) + 1)
        ]
        names = [f"{rng.choice(FIRST)} {rng.choice(LAST)} {i:04d}" for i in range(counsellors)]
        ids = [self._user("counsellor", i + 1, names[i]) for i in range(counsellors)]
        # One counsellor who has left: inactive, with no open cases (not in the report).
        self._user("counsellor", counsellors + 1, "Former Counsellor", active=False)
        return Staff(manager, admin, intake, clinicians, ids)

    def beds(self, count: int, spare_out_of_service: int) -> list[int]:
        ids = []
        created = self.now - timedelta(days=900)
        for i in range(count + spare_out_of_service):
            bid = self.ids("beds")
            unit = ("North", "South", "East", "West")[i % 4]
            active = i < count
            self.w.add(
                "beds",
                (bid, unit, str(i // 8 + 1), f"B{i + 1}", active, created, created, 1),
            )
            if active:
                ids.append(bid)
        return ids

    def rooms(self, count: int, prefix: str = "Office") -> list[int]:
        created = self.now - timedelta(days=900)
        ids = []
        for i in range(count):
            rid = self.ids("rooms")
            self.w.add("rooms", (rid, f"{prefix} {i + 1}", 10, True, created, created, 1))
            ids.append(rid)
        return ids

    # --- one block: 200 clients of one counsellor --------------------------------------------

    def block(self, b: int, staff: Staff, beds: list[int], room_id: int, participations: int):
        rng = random.Random(self.seed * 1_000_003 + b)
        counsellor = staff.counsellors[b]
        clinician = staff.clinicians[b % len(staff.clinicians)]
        intake = staff.intake[b % len(staff.intake)]
        clients = [self.ids("clients") for _ in range(BLOCK)]
        order = list(range(BLOCK))
        rng.shuffle(order)
        open_idx = order[:40]
        repeat = set(rng.sample(range(BLOCK), 40))
        statuses = ["admitted"] * len(beds) + ["waitlisted"] + ["active"] * (39 - len(beds))
        status_of = dict(zip(open_idx, statuses, strict=True))
        bed_of = dict(zip(open_idx[: len(beds)], beds, strict=True))
        episodes: list[Episode] = []
        for j, client_id in enumerate(clients):
            status = status_of.get(j, "discharged")
            last = self._episode(rng, client_id, status, bed_of.get(j))
            if j in repeat:
                first = self._episode(rng, client_id, "discharged", None, before=last.opened_at)
                last.previous_case_id = first.id
                episodes.append(first)
            episodes.append(last)
        for ep in episodes:
            if ep.status == "discharged":
                self._plan_follow_ups(rng, ep, counsellor)
        # rows, in foreign-key order (the writer flushes tables in that order anyway)
        by_client: dict[int, list[Episode]] = {}
        for ep in episodes:
            by_client.setdefault(ep.client_id, []).append(ep)
        for client_id in clients:
            eps = sorted(by_client[client_id], key=lambda e: e.opened_at)
            registered = eps[0].opened_at - timedelta(days=rng.randint(8, 30))
            self._client(rng, client_id, intake, registered)
            assessments = [self._case(rng, ep, counsellor, clinician, intake) for ep in eps]
            self._flags(rng, client_id, eps, assessments, clinician, counsellor)
        self._sessions(rng, episodes, counsellor, room_id, participations)

    def _client(self, rng: random.Random, cid: int, intake: int, created: datetime) -> None:
        """The client row (registered before the first assessment)."""
        dob = date(1950, 1, 1) + timedelta(days=rng.randint(0, 55 * 365))
        sex = rng.choice(("female", "male", "male", "female", "intersex", "unknown"))
        self.w.add(
            "clients",
            (cid, mrn_for(cid), rng.choice(FIRST), rng.choice(LAST), dob, sex,
             f"+44 7700 {rng.randint(0, 999999):06d}",
             rng.choice(("self", "GP", "court", "family", "hospital")), "active", intake,
             created, created, 1),
        )  # fmt: skip

    def _episode(
        self,
        rng: random.Random,
        client_id: int,
        status: str,
        bed_id: int | None,
        before: datetime | None = None,
    ) -> Episode:
        A = self.as_of
        if status in ("admitted", "waitlisted"):
            level = rng.choice(INPATIENT)
        elif status == "active":
            level = rng.choice(OUTPATIENT)
        else:
            level = rng.choice(INPATIENT) if rng.random() < 0.3 else rng.choice(OUTPATIENT)
        ahead = A + timedelta(days=14)
        if status == "active":
            opened = A - timedelta(days=rng.randint(1, 150))
            ep = Episode(0, client_id, level, status, _at(opened, rng.randint(9, 16)), opened,
                         ahead)  # fmt: skip
        elif status == "admitted":
            opened = A - timedelta(days=rng.randint(1, 40))
            at = _at(opened, rng.randint(9, 16))
            ep = Episode(0, client_id, level, status, at, opened, ahead, admitted_at=at)
        elif status == "waitlisted":
            opened = A - timedelta(days=rng.randint(1, 14))
            at = _at(opened, rng.randint(9, 16))
            ep = Episode(0, client_id, level, status, at, ahead, ahead, waitlisted_at=at)
        else:
            stay = rng.randint(5, 45) if level in INPATIENT else rng.randint(21, 150)
            if before is None:
                discharged = A - timedelta(days=rng.randint(1, 700))
            else:
                discharged = before.date() - timedelta(days=rng.randint(30, 300))
            opened = discharged - timedelta(days=stay)
            at = _at(opened, rng.randint(9, 16))
            ep = Episode(0, client_id, level, status, at, opened, discharged,
                         discharge_date=discharged)  # fmt: skip
            if level in INPATIENT:
                ep.admitted_at = at
        ep.id = self.ids("cases")
        ep.bed_id = bed_id
        return ep

    def _plan_follow_ups(self, rng: random.Random, ep: Episode, counsellor: int) -> None:
        A = self.as_of
        assert ep.discharge_date is not None
        for offset in (7, 30, 90):
            due = ep.discharge_date + timedelta(days=offset)
            contacted = outcome = notes = None
            # Most past follow-ups were made (old ones closed one way or another); about a
            # quarter of the last two months' are still open, i.e. overdue.
            done = 0.97 if due < A - timedelta(days=60) else 0.75
            if due < A and rng.random() < done:
                day = due + timedelta(days=rng.randint(-2, 3))
                day = min(max(day, ep.discharge_date + timedelta(days=1)), A - timedelta(days=1))
                contacted = _at(day, rng.randint(9, 17), rng.choice((0, 15, 30, 45)))
                outcome = _weighted(rng, OUTCOMES)
                notes = f"Follow-up call: {outcome}."
                if outcome == "relapse":
                    ep.relapses.append(contacted)
            created = _at(ep.discharge_date, 17)
            ep.follow_ups.append(
                (self.ids("follow_ups"), ep.id, ep.client_id, offset, due, counsellor, contacted,
                 outcome, notes, contacted, counsellor if contacted else None, created, 1)
            )  # fmt: skip

    def _case(
        self, rng: random.Random, ep: Episode, counsellor: int, clinician: int, intake: int
    ) -> int:
        """The case's assessment, the case, its level history, caseload access, care team,
        follow-ups. Returns the assessment id."""
        aid = self.ids("assessments")
        assessed_on = ep.opened_at.date() - timedelta(days=rng.randint(1, 7))
        submitted = _at(assessed_on, rng.randint(10, 16))
        recommended = ep.level
        override = None
        if rng.random() < 0.1:
            pool = INPATIENT if ep.inpatient else OUTPATIENT
            recommended = rng.choice([lv for lv in pool if lv != ep.level])
            override = "Clinical judgement after the intake interview."
        urgent = rng.random() < 0.1
        self.w.add(
            "assessments",
            (aid, ep.client_id, "submitted", assessed_on,
             as_json({"recommendation": {"level": recommended}}), "bench",
             rng.random() < 0.85, rng.random() < 0.6, recommended, urgent, submitted, clinician,
             intake, submitted - timedelta(hours=2), submitted, 1),
        )  # fmt: skip
        discharged_at = reason = summary = None
        if ep.discharge_date is not None:
            discharged_at = _at(ep.discharge_date, rng.randint(10, 17))
            reason = _weighted(rng, DISCHARGE_REASONS)
            summary = f"Discharged ({reason.replace('_', ' ')})."
        self.w.add(
            "cases",
            (ep.id, ep.client_id, aid, ep.level, "inpatient" if ep.inpatient else "outpatient",
             ep.status, recommended, override, urgent, counsellor, ep.bed_id, ep.previous_case_id,
             ep.opened_at, clinician, ep.admitted_at, ep.waitlisted_at, discharged_at,
             ep.discharge_date, reason, summary, clinician if discharged_at else None,
             bool(ep.relapses), ep.opened_at, discharged_at or ep.opened_at,
             2 if discharged_at else 1),
        )  # fmt: skip
        self.w.add(
            "level_changes",
            (self.ids("level_changes"), ep.id, None, ep.level, override, ep.opened_at, clinician),
        )
        self.w.add(
            "caseload_memberships",
            (self.ids("caseload_memberships"), counsellor, ep.client_id, ep.id, "primary",
             ep.opened_at, discharged_at),
        )  # fmt: skip
        if ep.status == "admitted":
            self.w.add(
                "care_team_members",
                (self.ids("care_team_members"), ep.id, clinician, ep.opened_at, None),
            )
            self.w.add(
                "caseload_memberships",
                (self.ids("caseload_memberships"), clinician, ep.client_id, ep.id, "care_team",
                 ep.opened_at, None),
            )  # fmt: skip
        if discharged_at is not None:
            last_open = any(f[9] is None for f in ep.follow_ups)
            ended = None if last_open else max(f[9] for f in ep.follow_ups)
            self.w.add(
                "caseload_memberships",
                (self.ids("caseload_memberships"), counsellor, ep.client_id, ep.id, "aftercare",
                 discharged_at, ended),
            )  # fmt: skip
        for row in ep.follow_ups:
            self.w.add("follow_ups", row)
        return aid

    def _flags(
        self,
        rng: random.Random,
        client_id: int,
        eps: list[Episode],
        assessments: list[int],
        clinician: int,
        counsellor: int,
    ) -> None:
        raised = eps[0].opened_at - timedelta(hours=1)
        source = assessments[0]

        def flag(kind: str, category: str, severity: str, active: bool, note: str) -> None:
            resolved = None if active else raised + timedelta(days=rng.randint(10, 90))
            self.w.add(
                "flags",
                (self.ids("flags"), client_id, kind, category, severity,
                 "active" if active else "resolved", "screening", source, note, raised, clinician,
                 resolved, clinician if resolved else None,
                 "Reviewed and resolved." if resolved else None, 1),
            )  # fmt: skip

        if rng.random() < 0.22:
            for kind in rng.sample(PSYCHIATRIC, rng.choice((1, 1, 2))):
                flag(kind, "psychiatric", "warning", rng.random() < 0.8, f"History of {kind}.")
        if rng.random() < 0.25:
            flag("polysubstance", "substance", "warning", rng.random() < 0.9, "Two classes.")
        if rng.random() < 0.04:
            flag("suicide_risk", "safety", "urgent", rng.random() < 0.5, "PHQ-9 item 9 > 0.")
        if rng.random() < 0.03:
            flag("respiratory_depression_risk", "medical", "urgent", rng.random() < 0.6,
                 "Benzodiazepine with opioid use.")  # fmt: skip
        relapses = sorted(r for ep in eps for r in ep.relapses)
        for i, at in enumerate(relapses):
            resolved = relapses[i + 1] - timedelta(hours=1) if i + 1 < len(relapses) else None
            self.w.add(
                "flags",
                (self.ids("flags"), client_id, "relapse", "substance", "warning",
                 "resolved" if resolved else "active", "follow_up", None,
                 "Relapse reported at follow-up.", at, counsellor, resolved,
                 counsellor if resolved else None, "Re-engaged." if resolved else None, 1),
            )  # fmt: skip

    # --- sessions ------------------------------------------------------------------------------

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
        first = min(ep.start for ep in bookable)
        monday = first - timedelta(days=first.weekday())
        last = max(ep.end for ep in bookable)
        # Candidate sessions: (day, hour, minutes, kind, [episodes]); bookings index them.
        sessions: list[tuple[date, int, int, str, list[Episode]]] = []
        while monday < last:
            days = [monday + timedelta(days=d) for d in range(5)]
            active = [ep for ep in bookable if ep.start <= days[-1] and ep.end > monday]
            for d in GROUP_DAYS:
                day = days[d]
                present = [ep for ep in active if ep.start <= day < ep.end]
                if len(present) >= 2:
                    sessions.append(
                        (day, 12, 90, "group", rng.sample(present, min(8, len(present))))
                    )
            rng.shuffle(active)
            free = [(day, hour) for day in days for hour in INDIVIDUAL_HOURS]
            for ep in active:
                for k, (day, hour) in enumerate(free):
                    if ep.start <= day < ep.end:
                        sessions.append((day, hour, 50, _weighted(rng, INDIVIDUAL_TYPES), [ep]))
                        del free[k]
                        break
            monday += timedelta(days=7)
        bookings = [(s, p) for s, sess in enumerate(sessions) for p in range(len(sess[4]))]
        if len(bookings) < participations:
            print(f"  note: block grid holds {len(bookings)} bookings < {participations}",
                  file=sys.stderr)  # fmt: skip
            participations = len(bookings)
        kept: dict[int, list[int]] = {}
        for s, p in rng.sample(bookings, participations):
            kept.setdefault(s, []).append(p)
        for s in sorted(kept, key=lambda s: (sessions[s][0], sessions[s][1])):
            day, hour, minutes, kind, eps = sessions[s]
            self._session(rng, day, hour, minutes, kind, [eps[p] for p in sorted(kept[s])],
                          counsellor, room_id)  # fmt: skip

    def _session(
        self,
        rng: random.Random,
        day: date,
        hour: int,
        minutes: int,
        kind: str,
        eps: list[Episode],
        counsellor: int,
        room_id: int,
    ) -> None:
        sid = self.ids("therapy_sessions")
        starts = _at(day, hour)
        ends = starts + timedelta(minutes=minutes)
        created = starts - timedelta(days=rng.randint(1, 14))
        past = ends <= self.now
        cancelled = past and rng.random() < 0.03
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
                attendance = _weighted(rng, ATTENDANCE)
            recorded = ends + timedelta(minutes=10) if attendance else None
            self.w.add(
                "session_participants",
                (self.ids("session_participants"), sid, ep.id, ep.client_id, starts, ends,
                 "withdrawn" if withdrawn else "booked", attendance, recorded,
                 counsellor if attendance else None, created,
                 created + timedelta(hours=1) if withdrawn else None),
            )  # fmt: skip

    # --- the whole centre ----------------------------------------------------------------------

    def centre(self, clients: int) -> None:
        blocks = max(1, clients // BLOCK)
        participations = 10 * BLOCK  # per block: 1,000,000 at 100,000 clients
        staff = self.staff(blocks)
        beds = self.beds(4 * blocks, max(1, blocks // 10))
        rooms = self.rooms(blocks)
        for b in range(blocks):
            self.block(b, staff, beds[4 * b : 4 * b + 4], rooms[b], participations)

    def scheduling(self, n_sessions: int, facilitators: int = 50, per: int = 40) -> None:
        """The conflict-check data set (module docstring)."""
        rng = random.Random(self.seed)
        staff = self.staff(facilitators)
        rooms = self.rooms(facilitators, prefix="Room")
        pools: list[list[tuple[int, int]]] = []
        for f, counsellor in enumerate(staff.counsellors):
            pool = []
            for _ in range(per):
                client_id = self.ids("clients")
                ep = self._episode(rng, client_id, "active", None)
                ep.level = "1"  # outpatient, open for as long as the packed history runs
                ep.opened_at = _at(self.as_of - timedelta(days=12 * 366), 9)
                self._client(rng, client_id, staff.intake[0], ep.opened_at - timedelta(days=9))
                self._case(rng, ep, counsellor, staff.clinicians[f % len(staff.clinicians)],
                           staff.intake[0])  # fmt: skip
                pool.append((ep.id, client_id))
            pools.append(pool)
        per_facilitator = -(-n_sessions // facilitators)
        written = 0
        for f, counsellor in enumerate(staff.counsellors):
            pool, turn = pools[f], 0
            day = self.as_of
            made = 0
            while made < per_facilitator and written < n_sessions:
                day -= timedelta(days=1)
                if day.weekday() >= 5:
                    continue
                for hour in range(8, 16):
                    if made >= per_facilitator or written >= n_sessions:
                        break
                    size = 4 if hour in (10, 14) else 1
                    booked = [pool[(turn + k) % per] for k in range(size)]
                    turn += size
                    self._packed_session(day, hour, size, booked, counsellor, rooms[f])
                    made += 1
                    written += 1

    def _packed_session(self, day, hour, size, booked, counsellor, room_id) -> None:
        sid = self.ids("therapy_sessions")
        starts = _at(day, hour)
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


def _progress(writer: RowWriter) -> None:
    elapsed = time.perf_counter() - writer.started
    total = sum(writer.counts.values())
    print(f"  {total:>10,} rows  {elapsed:7.1f} s  {total / elapsed:>9,.0f} rows/s", flush=True)


def _migrate(url: str) -> tuple[Any, str]:
    app = bench_app(url)
    with app.app_context():
        flask_migrate.upgrade()
        if db.session.execute(sa.text("SELECT count(*) FROM users")).scalar():
            raise SystemExit("The target database already holds data: give an empty one.")
        password_hash = hash_password(PASSWORD)
    return app, password_hash


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.generate",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--db", required=True, help="database URL (PostgreSQL or SQLite)")
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--scale", choices=SCALES)
    what.add_argument("--sessions", type=int, help="scheduling-only data set of N sessions")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--as-of", type=date.fromisoformat, default=None,
                        help="the centre's 'today' (default: today, UTC)")  # fmt: skip
    parser.add_argument("--batch", type=int, default=50_000, help="rows per flush")
    args = parser.parse_args(argv)
    as_of = args.as_of or datetime.now(UTC).date()

    t0 = time.perf_counter()
    app, password_hash = _migrate(args.db)
    print(f"migrated in {time.perf_counter() - t0:.1f} s", flush=True)
    with app.app_context():
        writer = RowWriter(db.engine, batch=args.batch)
        writer.on_flush = _progress
        gen = CentreGenerator(writer, seed=args.seed, as_of=as_of, password_hash=password_hash)
        if args.scale:
            gen.centre(SCALES[args.scale])
        else:
            gen.scheduling(args.sessions)
        writer.finish()
        # Say what made this data set (and its `as_of`, which bench.run reads back).
        detail = {"as_of": as_of.isoformat(), "seed": args.seed}
        detail.update({"scale": args.scale} if args.scale else {"sessions": args.sessions})
        audit.record(GENERATE_ACTION, actor=None, detail=detail)
        db.session.commit()
    elapsed = time.perf_counter() - writer.started
    total = sum(writer.counts.values())
    print(f"\n{'table':<24}{'rows':>12}")
    for table, count in writer.counts.items():
        print(f"{table:<24}{count:>12,}")
    print(f"{'total':<24}{total:>12,}")
    print(f"\nwrote {total:,} rows in {elapsed:.1f} s = {total / elapsed:,.0f} rows/s "
          f"(as_of {as_of}, seed {args.seed}, {db_kind(args.db)})")  # fmt: skip
    print(f"staff password for every generated account: {PASSWORD}")


def db_kind(url: str) -> str:
    return "SQLite" if url.startswith("sqlite") else "PostgreSQL"


if __name__ == "__main__":
    main()
