"""Measure the application against baselines measured in the same run.

    python -m bench.run --db URL [--repeat N] [--only abc] [--profile DIR]

(a) GET /api/v1/reports/caseload through the Flask test client, as a manager with a bearer
    token, vs the hand-written statement of bench/caseload_sql.py on the same engine; the
    numbers must be equal (checked) and the ratio of medians is the target (<= 1.5x).
(b) GET /api/v1/cases/{id} (authenticated as a counsellor, for their own open cases, with the
    audit write and commit each read makes) under gunicorn vs bench/bare_app.py under the same
    gunicorn settings, both driven by the same loopback load generator (threads, http.client
    keep-alive, bounded by count and time, 127.0.0.1 only); ratio of requests per second
    (target >= 0.3, goal 0.5), the CPU per request of the server, PostgreSQL and the load
    generator, and the peak RSS (VmHWM) of each server's processes. Beside it, the floor:
    bench/floor_app.py runs the same two statements through the app's engine and hooks with
    none of the app's Python around them (the most (b) could be in this stack here).
(c) scheduling.sessions.service.find_conflicts for one occurrence that clashes with a busy
    facilitator, room and four clients, on a database of 10k sessions vs one of 1M sessions
    (target <= 1.5x). The two databases are separate, generated with
    `bench.generate --sessions N` the first time they are needed (see --conflict-db).

Each figure is the median over --repeat runs; measured and baseline runs alternate so that
drift hits both alike.
"""

from __future__ import annotations

import argparse
import platform
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from auth.models import Role, User
from bench.harness import (
    OPEN,
    bench_app,
    default_as_of,
    describe_database,
    load_average,
    machine,
    token_for,
)
from bench.run_conflicts import bench_conflicts, default_conflict_url
from bench.run_http import bench_http
from bench.run_report import bench_report
from bench.run_results import Result, print_table
from cases.episodes.models import Case
from core.extensions import db

# The measurements live in bench/run_report.py (a), run_http.py (b) and run_conflicts.py (c);
# their figures and the table in run_results.py.


def profile(app: Any, as_of: date, folder: Path) -> None:
    """pyinstrument profiles of the application side of (a) and (b), in-process."""
    from pyinstrument import Profiler  # the bench extra; only needed with --profile

    folder.mkdir(parents=True, exist_ok=True)
    manager, _ = token_for(app, sa.select(User).where(User.role == Role.MANAGER))
    client = app.test_client()
    with app.app_context():
        counsellor_id, case_ids = db.session.execute(
            sa.select(Case.primary_counsellor_id, sa.func.min(Case.id))
            .where(Case.status.in_(OPEN))
            .group_by(Case.primary_counsellor_id)
            .limit(1)
        ).one()
    counsellor, _ = token_for(app, sa.select(User).where(User.id == counsellor_id))
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


def _parser() -> argparse.ArgumentParser:
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
    return parser


def _measure(app: Any, as_of: date, args: argparse.Namespace) -> tuple[list[Result], list[str]]:
    """The measurements `--only` asks for, each printed with its detail as it is done.
    Returns the results and the notes to print after the table."""
    results: list[Result] = []
    notes: list[str] = []
    if "a" in args.only:
        results.append(bench_report(app, args.repeat, as_of))
        print(f"{results[-1].name}: {results[-1].detail}", flush=True)
    if "b" in args.only:
        result, note = bench_http(app, args.db, args)
        results.append(result)
        notes.append(note)
        print(f"{result.name}: {result.detail}\n{note}", flush=True)
    if "c" in args.only:
        sessions = [int(n) for n in args.conflict_sessions.split(",")]
        urls = args.conflict_db or [default_conflict_url(args.db, n) for n in sessions]
        results.append(bench_conflicts(urls, sessions, args.repeat, args.calls))
        print(f"{results[-1].name}: {results[-1].detail}", flush=True)
    return results, notes


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    app = bench_app(args.db)
    as_of = args.as_of or default_as_of(app)
    started = datetime.now(UTC)
    python = platform.python_version()
    print(
        f"bench.run {started:%Y-%m-%d %H:%M} UTC on {machine()}, Python {python}, "
        f"load average {load_average()}"
    )
    database = describe_database(app)
    print(f"database {database}; as_of {as_of}; median of {args.repeat} runs\n", flush=True)
    results, notes = _measure(app, as_of, args)
    print()
    print_table(results)
    for note in notes:
        print(f"\n{note}")
    took = (datetime.now(UTC) - started).total_seconds()
    print(f"\ntook {took:.0f} s; load average {load_average()}")
    if args.profile:
        profile(app, as_of, args.profile)
    return 0


if __name__ == "__main__":
    sys.exit(main())
