"""`bench.run` (c): scheduling.sessions.service.find_conflicts for one occurrence that clashes
with a busy facilitator, room and four clients, on a database of 10k sessions vs one of 1M
sessions. The two databases are separate, generated with `bench.generate --sessions N` the
first time they are needed (`ensure_conflict_db`)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from auth.models import Role, User
from bench import generate
from bench.harness import bench_app, normalise_url
from bench.run_results import Result, median, spread
from core.extensions import db
from scheduling.rooms.models import Room
from scheduling.sessions.conflicts import find_conflicts
from scheduling.sessions.models import TherapySession
from scheduling.sessions.rules import Occurrence


def count_label(n: int) -> str:
    """10000 -> 10k, 1000000 -> 1m."""
    for size, suffix in ((1_000_000, "m"), (1_000, "k")):
        if n >= size and n % size == 0:
            return f"{n // size}{suffix}"
    return str(n)


def default_conflict_url(url: str, sessions: int) -> str:
    """Beside the main database: `bench_conflict_<n>` (e.g. `bench_conflict_1m`) on the same
    PostgreSQL server, or `bench_conflict_<n>.sqlite3` in the SQLite file's directory."""
    name = f"bench_conflict_{count_label(sessions)}"
    parsed = sa.engine.make_url(normalise_url(url))
    if parsed.get_backend_name() == "sqlite":
        folder = Path(parsed.database or ".").resolve().parent
        return f"sqlite:///{folder / (name + '.sqlite3')}"
    return parsed.set(database=name).render_as_string(hide_password=False)


def _create_pg_database(parsed: sa.URL) -> None:
    """CREATE DATABASE on the same server, unless it exists."""
    admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database}
        ).scalar()
        if not exists:
            conn.execute(sa.text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()


def ensure_conflict_db(url: str, sessions: int) -> Any:
    """Create, migrate and fill the database on first use; check its size after that."""
    parsed = sa.engine.make_url(normalise_url(url))
    if parsed.get_backend_name() == "postgresql":
        _create_pg_database(parsed)
    app = bench_app(url)
    with app.app_context():
        count = 0
        if sa.inspect(db.engine).has_table("therapy_sessions"):
            count = db.session.execute(sa.select(sa.func.count(TherapySession.id))).scalar()
        db.session.rollback()
    if count == 0:
        print(f"generating {sessions:,} sessions into {url} (first use) ...", flush=True)
        generate.main(["--db", url, "--sessions", str(sessions)])
    elif count != sessions:
        raise SystemExit(f"{url} holds {count:,} sessions, not {sessions:,}: give another one")
    return app


@dataclass(frozen=True)
class Probe:
    """The booking to check: the first counsellor's latest group session, again — same
    time, same facilitator, same room, same clients — so every kind of clash is found."""

    occurrence: Occurrence
    facilitator_id: int
    room: Room  #: transient copy: find_conflicts reads its id, name and capacity
    client_ids: tuple[int, ...]
    capacity: int | None

    @classmethod
    def find(cls) -> Probe:
        facilitator_id = db.session.execute(
            sa.select(sa.func.min(User.id)).where(User.role == Role.COUNSELLOR)
        ).scalar_one()
        session = db.session.execute(
            sa.select(TherapySession)
            .where(TherapySession.facilitator_id == facilitator_id, TherapySession.type == "group")
            .order_by(TherapySession.starts_at.desc())
            .limit(1)
        ).scalar_one()
        room = db.session.get(Room, session.room_id)
        probe = cls(
            Occurrence(session.starts_at, session.ends_at),
            facilitator_id,
            Room(id=room.id, name=room.name, capacity=room.capacity),
            tuple(p.client_id for p in session.participants),
            session.capacity,
        )
        db.session.rollback()
        return probe

    def check(self) -> list[dict[str, Any]]:
        return find_conflicts(
            [self.occurrence],
            facilitator_id=self.facilitator_id,
            room=self.room,
            client_ids=list(self.client_ids),
            headcount=len(self.client_ids),
            capacity=self.capacity,
        )


def _time_probes(
    apps: list[Any], probes: list[Probe], repeat: int, calls: int
) -> tuple[list[list[float]], list[int]]:
    """Per database, each run's median call (the first round warms up and is not counted),
    and how many conflicts the last call found."""
    times: list[list[float]] = [[], []]
    found: list[int] = [0, 0]
    for i in range(repeat + 1):
        per_call: list[list[float]] = [[], []]
        for j in range(calls):
            for k in (0, 1) if (i + j) % 2 == 0 else (1, 0):
                with apps[k].app_context():
                    db.session.connection()  # check a connection out before the clock starts
                    t0 = time.perf_counter()
                    found[k] = len(probes[k].check())
                    per_call[k].append(time.perf_counter() - t0)
                    db.session.rollback()
        if i:
            for k in (0, 1):
                times[k].append(median(per_call[k]))
    return times, found


def bench_conflicts(urls: list[str], sessions: list[int], repeat: int, calls: int) -> Result:
    """Calls alternate between the two databases one by one (both live on the same server,
    so a burst of load elsewhere hits both alike); a run's figure is its median call."""
    apps = [ensure_conflict_db(u, n) for u, n in zip(urls, sessions, strict=True)]
    probes = []
    for app in apps:
        with app.app_context():
            probes.append(Probe.find())
    times, found = _time_probes(apps, probes, repeat, calls)
    if found[0] != found[1]:
        raise SystemExit(f"(c) the probe found {found[0]} vs {found[1]} conflicts")
    small, large = (count_label(n) for n in sessions)
    return Result(
        f"(c) conflict check {large} vs {small} sessions",
        median(times[1]) * 1000,
        median(times[0]) * 1000,
        "ms",
        1.5,
        detail=(
            f"{small}: {spread(times[0], 1000)} ms; {large}: {spread(times[1], 1000)} ms; "
            f"median call of {calls} a run, calls alternating between the databases, "
            f"{found[0]} conflicts found each call (facilitator, room, clients)"
        ),
    )
