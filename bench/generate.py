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
import time
from datetime import UTC, date, datetime
from typing import Any

import flask_migrate
import sqlalchemy as sa

from auth.passwords import hash_password
from bench.generate_centre import CentreGenerator
from bench.generate_model import PASSWORD, SCALES
from bench.harness import GENERATE_ACTION, bench_app
from bench.writer import RowWriter
from core import audit
from core.extensions import db

# The pieces: bench/generate_model.py (constants, the plan of a case), generate_cases.py
# (clients, cases, follow-ups, flags), generate_sessions.py (the session grid) and
# generate_centre.py (staff, beds, rooms, blocks; the conflict-check data set).


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


def _parser() -> argparse.ArgumentParser:
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
    return parser


def _generate(app: Any, args: argparse.Namespace, as_of: date, password_hash: str) -> RowWriter:
    """Write the data set, then the audit event that says what made it (and its `as_of`,
    which bench.run reads back)."""
    with app.app_context():
        writer = RowWriter(db.engine, batch=args.batch)
        writer.on_flush = _progress
        gen = CentreGenerator(writer, seed=args.seed, as_of=as_of, password_hash=password_hash)
        if args.scale:
            gen.centre(SCALES[args.scale])
        else:
            gen.scheduling(args.sessions)
        writer.finish()
        detail = {"as_of": as_of.isoformat(), "seed": args.seed}
        detail.update({"scale": args.scale} if args.scale else {"sessions": args.sessions})
        audit.record(GENERATE_ACTION, actor=None, detail=detail)
        db.session.commit()
    return writer


def _print_summary(writer: RowWriter, args: argparse.Namespace, as_of: date) -> None:
    elapsed = time.perf_counter() - writer.started
    total = sum(writer.counts.values())
    print(f"\n{'table':<24}{'rows':>12}")
    for table, count in writer.counts.items():
        print(f"{table:<24}{count:>12,}")
    print(f"{'total':<24}{total:>12,}")
    print(f"\nwrote {total:,} rows in {elapsed:.1f} s = {total / elapsed:,.0f} rows/s "
          f"(as_of {as_of}, seed {args.seed}, {db_kind(args.db)})")  # fmt: skip
    print(f"staff password for every generated account: {PASSWORD}")


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    as_of = args.as_of or datetime.now(UTC).date()
    t0 = time.perf_counter()
    app, password_hash = _migrate(args.db)
    print(f"migrated in {time.perf_counter() - t0:.1f} s", flush=True)
    writer = _generate(app, args, as_of, password_hash)
    _print_summary(writer, args, as_of)


def db_kind(url: str) -> str:
    return "SQLite" if url.startswith("sqlite") else "PostgreSQL"


if __name__ == "__main__":
    main()
