"""Measure the application against baselines measured in the same run.

    python -m bench.run --db URL [--repeat N] [--only abc] [--profile DIR]

(a) GET /api/v1/reports/caseload through the Flask test client, as a manager with a bearer
    token, vs the hand-written statement of bench/caseload_sql.py on the same engine; the
    numbers must be equal (checked) and the ratio of medians is the target (<= 1.5x).
(b) GET /api/v1/cases/{id} (authenticated as a counsellor, for their own open cases, with the
    audit write and commit each read makes) under gunicorn vs bench/bare_app.py under the same
    gunicorn settings, both driven by the same loopback load generator (threads, http.client
    keep-alive, bounded by count and time, 127.0.0.1 only); ratio of requests per second
    (target >= 0.5), and the peak RSS (VmHWM) of each server's processes.
(c) scheduling.sessions.service.find_conflicts for one occurrence that clashes with a busy
    facilitator, room and four clients, on a database of 10k sessions vs one of 1M sessions
    (target <= 1.5x). The two databases are separate, generated with
    `bench.generate --sessions N` the first time they are needed (see --conflict-db).

Each figure is the median over --repeat runs; measured and baseline runs alternate so that
drift hits both alike.
"""

from __future__ import annotations

import argparse
import functools
import http.client
import itertools
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from auth.models import CredentialKind, Role, User
from auth.service import issue_credential
from bench import caseload_sql
from bench import generate as gen
from bench.generate import GENERATE_ACTION
from cases.episodes.models import Case
from core.audit import AuditEvent
from core.extensions import db
from scheduling.rooms.models import Room
from scheduling.sessions.conflicts import find_conflicts
from scheduling.sessions.models import TherapySession
from scheduling.sessions.rules import Occurrence

ROOT = Path(__file__).resolve().parent.parent
OPEN = ("waitlisted", "admitted", "active")


@dataclass
class Result:
    name: str
    measured: float
    baseline: float
    unit: str
    target: float
    higher_is_better: bool = False
    detail: str = ""

    @property
    def ratio(self) -> float:
        return self.measured / self.baseline

    @property
    def passed(self) -> bool:
        if self.higher_is_better:
            return self.ratio >= self.target
        return self.ratio <= self.target


def _median(values: list[float]) -> float:
    return statistics.median(values)


def _spread(values: list[float], scale: float = 1.0) -> str:
    return f"min {min(values) * scale:.1f} / max {max(values) * scale:.1f}"


# --- (a) caseload report ---------------------------------------------------------------------


def default_as_of(app: Any) -> date:
    """The generator's `as_of`, from its audit event (else the day after the last case was
    opened)."""
    with app.app_context():
        detail = db.session.execute(
            sa.select(AuditEvent.detail)
            .where(AuditEvent.action == GENERATE_ACTION)
            .order_by(AuditEvent.id.desc())
            .limit(1)
        ).scalar()
        latest = db.session.execute(sa.select(sa.func.max(Case.opened_at))).scalar()
        db.session.rollback()
    if detail and detail.get("as_of"):
        return date.fromisoformat(detail["as_of"])
    return (latest.date() + timedelta(days=1)) if latest else datetime.now(UTC).date()


def _token(app: Any, stmt: sa.Select) -> tuple[str, int]:
    with app.app_context():
        user = db.session.execute(stmt.limit(1)).scalar_one()
        secret = issue_credential(user, CredentialKind.BEARER, label="bench").secret
        db.session.commit()
        return secret, user.id


def bench_report(app: Any, repeat: int, as_of: date) -> Result:
    token, _ = _token(
        app,
        sa.select(User).where(User.role == Role.MANAGER, User.active.is_(True)).order_by(User.id),
    )
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    url = f"/api/v1/reports/caseload?as_of={as_of.isoformat()}"
    zone = app.config["CENTRE_TIMEZONE"]

    def endpoint() -> Any:
        response = client.get(url, headers=headers)
        if response.status_code != 200:
            raise SystemExit(f"caseload report answered {response.status_code}: {response.text}")
        return response.get_json()

    def baseline() -> list[Any]:
        with db.engine.connect() as conn:
            return caseload_sql.run(conn, as_of, zone)

    with app.app_context():
        report, rows = endpoint(), baseline()  # warm-up, and the equality check
        expected = caseload_sql.shape(rows, as_of)
        for key, value in expected.items():
            if report[key] != value:
                raise SystemExit(
                    f"(a) the endpoint and the hand-written SQL disagree on {key}:\n"
                    f"  endpoint: {report[key]}\n  SQL:      {value}"
                )
        app_times, sql_times = [], []
        for i in range(repeat):
            order = [(endpoint, app_times), (baseline, sql_times)]
            for fn, times in order if i % 2 == 0 else reversed(order):
                t0 = time.perf_counter()
                fn()
                times.append(time.perf_counter() - t0)
    totals = report["totals"]
    return Result(
        "(a) caseload report vs hand SQL",
        _median(app_times) * 1000,
        _median(sql_times) * 1000,
        "ms",
        1.5,
        detail=(
            f"endpoint {_spread(app_times, 1000)} ms; SQL {_spread(sql_times, 1000)} ms; "
            f"numbers equal (open {totals['open_cases']}, dual {totals['dual_diagnosis']}, "
            f"overdue {totals['overdue_follow_ups']}, {len(report['by_counsellor'])} counsellors)"
        ),
    )


# --- (b) GET /cases/{id} under gunicorn ------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@functools.cache
def _has_control_socket() -> bool:
    """gunicorn 25+ opens a control socket in ~/.gunicorn unless told not to."""
    usage = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--help"], capture_output=True, text=True, check=False
    ).stdout
    return "--no-control-socket" in usage


class Server:
    """A gunicorn serving `spec` on a loopback port."""

    def __init__(self, spec: str, env: dict[str, str], workers: int, threads: int) -> None:
        self.port = _free_port()
        cmd = [
            sys.executable, "-m", "gunicorn", spec,
            "--bind", f"127.0.0.1:{self.port}",
            "--workers", str(workers),
            "--worker-class", "gthread",
            "--threads", str(threads),
            "--keep-alive", "30",
            "--log-level", "warning",
        ]  # fmt: skip
        if _has_control_socket():
            cmd.append("--no-control-socket")  # two servers at once: no shared control socket
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **env})

    def wait_ready(self, path: str, headers: dict[str, str], timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"gunicorn exited with {self.proc.returncode}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                conn.close()
                if response.status == 200:
                    return
                raise SystemExit(f"GET {path} answered {response.status} while warming up")
            except OSError:
                time.sleep(0.2)
        raise SystemExit("gunicorn did not start in time")

    def pids(self) -> list[int]:
        """The master and its workers."""
        pids = [self.proc.pid]
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    status = (entry / "status").read_text()
                except OSError:
                    continue
                if f"\nPPid:\t{self.proc.pid}\n" in status:
                    pids.append(int(entry.name))
        return pids

    def peak_rss_mib(self) -> dict[str, float]:
        """VmHWM (peak resident set) of the master and of each worker, in MiB."""
        peaks = {}
        for pid in self.pids():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        peaks[pid] = int(line.split()[1]) / 1024
            except OSError:
                continue
        master = peaks.pop(self.proc.pid, 0.0)
        return {
            "master": master,
            "worker_max": max(peaks.values(), default=0.0),
            "total": master + sum(peaks.values()),
            "workers": len(peaks),
        }

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def load(
    port: int,
    paths: list[str],
    headers: dict[str, str],
    *,
    clients: int,
    seconds: float,
    max_requests: int,
) -> tuple[float, int, int]:
    """Loopback load: `clients` threads with keep-alive connections, until `seconds` pass or
    `max_requests` were sent. Returns (requests per second, ok, failed)."""
    sent = itertools.count()
    ok = [0] * clients
    failed = [0] * clients
    deadline = time.perf_counter() + seconds

    def worker(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        path_cycle = itertools.cycle(paths[n:] + paths[:n])
        while time.perf_counter() < deadline and next(sent) < max_requests:
            try:
                conn.request("GET", next(path_cycle), headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status == 200:
                    ok[n] += 1
                else:
                    failed[n] += 1
                if response.will_close:
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            except (OSError, http.client.HTTPException):
                failed[n] += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    return sum(ok) / elapsed, sum(ok), sum(failed)


def bench_http(app: Any, url: str, args: argparse.Namespace) -> tuple[Result, str]:
    with app.app_context():
        counsellor_id = db.session.execute(
            sa.select(Case.primary_counsellor_id)
            .where(Case.status.in_(OPEN))
            .group_by(Case.primary_counsellor_id)
            .order_by(sa.func.count().desc(), Case.primary_counsellor_id)
            .limit(1)
        ).scalar_one()
        case_ids = list(
            db.session.execute(
                sa.select(Case.id)
                .where(Case.status.in_(OPEN), Case.primary_counsellor_id == counsellor_id)
                .order_by(Case.id)
            ).scalars()
        )
    token, _ = _token(app, sa.select(User).where(User.id == counsellor_id))
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    paths = [f"/api/v1/cases/{i}" for i in case_ids]
    env = {"DATABASE_URL": url, "SECRET_KEY": "bench"}
    servers = {
        "app": Server("wsgi:app", env, args.workers, args.threads),
        "bare": Server("bench.bare_app:app", env, args.workers, args.threads),
    }
    rates: dict[str, list[float]] = {"app": [], "bare": []}
    failures = {"app": 0, "bare": 0}
    try:
        for server in servers.values():
            server.wait_ready(paths[0], headers)
        for server in servers.values():  # warm every worker and connection
            load(server.port, paths, headers, clients=args.clients, seconds=1, max_requests=500)
        for i in range(args.repeat):
            names = ["app", "bare"] if i % 2 == 0 else ["bare", "app"]
            for name in names:
                rate, _, failed = load(
                    servers[name].port,
                    paths,
                    headers,
                    clients=args.clients,
                    seconds=args.seconds,
                    max_requests=args.max_requests,
                )
                rates[name].append(rate)
                failures[name] += failed
        memory = {name: server.peak_rss_mib() for name, server in servers.items()}
    finally:
        for server in servers.values():
            server.stop()
    if failures["app"] or failures["bare"]:
        raise SystemExit(f"(b) failed requests: {failures}")
    mem = "; ".join(
        f"{name}: total {m['total']:.0f} MiB (master {m['master']:.0f}, "
        f"{m['workers']} workers, largest {m['worker_max']:.0f})"
        for name, m in memory.items()
    )
    result = Result(
        "(b) GET /cases/{id} vs bare Flask",
        _median(rates["app"]),
        _median(rates["bare"]),
        "req/s",
        0.5,
        higher_is_better=True,
        detail=(
            f"app {_spread(rates['app'])} req/s; bare {_spread(rates['bare'])} req/s; "
            f"gunicorn -w {args.workers} -k gthread --threads {args.threads}, "
            f"{args.clients} client threads, {args.seconds:g} s or {args.max_requests} "
            f"requests a run, {len(paths)} case ids of counsellor {counsellor_id}"
        ),
    )
    return result, f"peak RSS (VmHWM) of the gunicorn processes: {mem}"


# --- (c) conflict check ----------------------------------------------------------------------


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
    parsed = sa.engine.make_url(gen.normalise_url(url))
    if parsed.get_backend_name() == "sqlite":
        folder = Path(parsed.database or ".").resolve().parent
        return f"sqlite:///{folder / (name + '.sqlite3')}"
    return parsed.set(database=name).render_as_string(hide_password=False)


def ensure_conflict_db(url: str, sessions: int) -> Any:
    """Create, migrate and fill the database on first use; check its size after that."""
    parsed = sa.engine.make_url(gen.normalise_url(url))
    if parsed.get_backend_name() == "postgresql":
        admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            exists = conn.execute(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database}
            ).scalar()
            if not exists:
                conn.execute(sa.text(f'CREATE DATABASE "{parsed.database}"'))
        admin.dispose()
    app = gen.bench_app(url)
    with app.app_context():
        count = 0
        if sa.inspect(db.engine).has_table("therapy_sessions"):
            count = db.session.execute(sa.select(sa.func.count(TherapySession.id))).scalar()
        db.session.rollback()
    if count == 0:
        print(f"generating {sessions:,} sessions into {url} (first use) ...", flush=True)
        gen.main(["--db", url, "--sessions", str(sessions)])
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


def bench_conflicts(urls: list[str], sessions: list[int], repeat: int, calls: int) -> Result:
    """Calls alternate between the two databases one by one (both live on the same server,
    so a burst of load elsewhere hits both alike); a run's figure is its median call."""
    apps = [ensure_conflict_db(u, n) for u, n in zip(urls, sessions, strict=True)]
    probes = []
    for app in apps:
        with app.app_context():
            probes.append(Probe.find())
    times: list[list[float]] = [[], []]
    found: list[int] = [0, 0]
    for i in range(repeat + 1):  # the first round warms up and is not counted
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
                times[k].append(_median(per_call[k]))
    if found[0] != found[1]:
        raise SystemExit(f"(c) the probe found {found[0]} vs {found[1]} conflicts")
    small, large = (count_label(n) for n in sessions)
    return Result(
        f"(c) conflict check {large} vs {small} sessions",
        _median(times[1]) * 1000,
        _median(times[0]) * 1000,
        "ms",
        1.5,
        detail=(
            f"{small}: {_spread(times[0], 1000)} ms; {large}: {_spread(times[1], 1000)} ms; "
            f"median call of {calls} a run, calls alternating between the databases, "
            f"{found[0]} conflicts found each call (facilitator, room, clients)"
        ),
    )


# --- report ----------------------------------------------------------------------------------


def _machine() -> str:
    try:
        kib = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal:")
        )
        memory = f"{kib / 1024 / 1024:.0f} GiB"
    except (OSError, StopIteration):
        memory = "? GiB"
    return f"{os.cpu_count()} cores, {memory}, {platform.system()} {platform.machine()}"


def _describe(app: Any) -> str:
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "postgresql":
            version = db.session.execute(sa.text("SHOW server_version")).scalar()
            kind = f"PostgreSQL {version}".split(" (")[0]
        else:
            version = db.session.execute(sa.text("SELECT sqlite_version()")).scalar()
            kind = f"SQLite {version}"
        counts = {
            table: db.session.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar()
            for table in (
                "clients",
                "cases",
                "therapy_sessions",
                "session_participants",
                "follow_ups",
            )
        }
        db.session.rollback()
    sizes = ", ".join(f"{n:,} {t.replace('_', ' ')}" for t, n in counts.items())
    return f"{kind}: {sizes}"


def print_table(results: list[Result]) -> None:
    """A Markdown table, ready to paste."""
    rows = [("measurement", "median", "baseline (median)", "ratio", "target", "result")]
    for r in results:
        rows.append(
            (
                r.name,
                f"{r.measured:,.1f} {r.unit}",
                f"{r.baseline:,.1f} {r.unit}",
                f"{r.ratio:.2f}",
                f"{'>=' if r.higher_is_better else '<='} {r.target:g}",
                "PASS" if r.passed else "MISS",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    right = {1, 2, 3}
    for n, row in enumerate(rows):
        cells = [
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        print("| " + " | ".join(cells) + " |")
        if n == 0:
            print(
                "|"
                + "|".join(
                    ("-" * (w + 1) + ":") if i in right else "-" * (w + 2)
                    for i, w in enumerate(widths)
                )
                + "|"
            )


def profile(app: Any, as_of: date, folder: Path) -> None:
    """pyinstrument profiles of the application side of (a) and (b), in-process."""
    from pyinstrument import Profiler  # the bench extra; only needed with --profile

    folder.mkdir(parents=True, exist_ok=True)
    manager, _ = _token(app, sa.select(User).where(User.role == Role.MANAGER))
    client = app.test_client()
    with app.app_context():
        counsellor_id, case_ids = db.session.execute(
            sa.select(Case.primary_counsellor_id, sa.func.min(Case.id))
            .where(Case.status.in_(OPEN))
            .group_by(Case.primary_counsellor_id)
            .limit(1)
        ).one()
    counsellor, _ = _token(app, sa.select(User).where(User.id == counsellor_id))
    jobs = {
        "a_caseload_report": (
            f"/api/v1/reports/caseload?as_of={as_of.isoformat()}",
            manager,
            5,
        ),
        "b_get_case": (f"/api/v1/cases/{case_ids}", counsellor, 300),
    }
    for name, (path, token, times) in jobs.items():
        client.get(path, headers={"Authorization": f"Bearer {token}"})
        profiler = Profiler(interval=0.0005)
        profiler.start()
        for _ in range(times):
            client.get(path, headers={"Authorization": f"Bearer {token}"})
        profiler.stop()
        (folder / f"{name}.txt").write_text(profiler.output_text(show_all=False))
        (folder / f"{name}.html").write_text(profiler.output_html())
        print(f"profile of {times} x GET {path}: {folder / name}.txt / .html")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--db", required=True, help="a database made by bench.generate")
    parser.add_argument("--repeat", type=int, default=7, help="runs per measurement (median)")
    parser.add_argument("--only", default="abc", help="which measurements, e.g. 'ab'")
    parser.add_argument("--as-of", type=date.fromisoformat, help="default: the data's as_of")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (b)")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads a worker (b)")
    parser.add_argument("--clients", type=int, default=4, help="load generator threads (b)")
    parser.add_argument("--seconds", type=float, default=3.0, help="length of a load run (b)")
    parser.add_argument("--max-requests", type=int, default=20_000, help="cap of a run (b)")
    parser.add_argument(
        "--conflict-sessions",
        default="10000,1000000",
        help="session counts of the two conflict-check databases (c)",
    )
    parser.add_argument(
        "--conflict-db",
        nargs=2,
        metavar=("SMALL_URL", "LARGE_URL"),
        help="the two conflict-check databases (default: bench_conflict_<n> beside --db)",
    )
    parser.add_argument("--calls", type=int, default=50, help="conflict checks a run (c)")
    parser.add_argument("--profile", type=Path, metavar="DIR", help="write pyinstrument profiles")
    args = parser.parse_args(argv)

    app = gen.bench_app(args.db)
    as_of = args.as_of or default_as_of(app)
    started = datetime.now(UTC)
    python = platform.python_version()
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"bench.run {started:%Y-%m-%d %H:%M} UTC on {_machine()}, Python {python}, "
        f"load average {load}"
    )
    print(f"database {_describe(app)}; as_of {as_of}; median of {args.repeat} runs\n", flush=True)
    results: list[Result] = []
    notes: list[str] = []
    if "a" in args.only:
        results.append(bench_report(app, args.repeat, as_of))
        print(f"{results[-1].name}: {results[-1].detail}", flush=True)
    if "b" in args.only:
        result, memory = bench_http(app, args.db, args)
        results.append(result)
        notes.append(memory)
        print(f"{result.name}: {result.detail}\n{memory}", flush=True)
    if "c" in args.only:
        sessions = [int(n) for n in args.conflict_sessions.split(",")]
        urls = args.conflict_db or [default_conflict_url(args.db, n) for n in sessions]
        results.append(bench_conflicts(urls, sessions, args.repeat, args.calls))
        print(f"{results[-1].name}: {results[-1].detail}", flush=True)
    print()
    print_table(results)
    for note in notes:
        print(f"\n{note}")
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\ntook {(datetime.now(UTC) - started).total_seconds():.0f} s; load average {load}")
    if args.profile:
        profile(app, as_of, args.profile)
    return 0


if __name__ == "__main__":
    sys.exit(main())
