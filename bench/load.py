"""Loopback load test: simulated staff users on gunicorn, a mixed workload, per-endpoint latency.

    python -m bench.load --db URL [--users 20] [--seconds 60] [--max-requests 200000]

The database is one made by `python -m bench.generate --db URL --scale small` (or larger).
The test starts `gunicorn wsgi:app` on 127.0.0.1 with the settings of `bench.run` (b)
(`-w 2 -k gthread --threads 4`, keep-alive 30 s), gives every simulated user a bearer token of
its own made directly with `auth.service.issue_credential`, and runs `--users` threads, each a
staff member with a keep-alive `http.client` connection, looping over a weighted mix of their
role's everyday requests with no think time (a closed loop: each user sends its next request
as soon as the last one answered), until `--seconds` pass or `--max-requests` were sent.

Staff mix for N users: one manager, N/10 intake workers, N/5 clinicians and the rest
counsellors (20 users: 1, 2, 4, 13), spread over the generated accounts (several simulated
users may share an account, each with its own token, like one person on two devices).
Counsellors work on their own caseload: the open cases whose primary counsellor they are, and
those cases' clients. Clinicians, intake workers and the manager pick from the whole centre.

A booking is an individual session for one of the user's bookable (admitted or active) cases,
facilitated by the user (counsellors in their own room), at a random half-hour between 8:00 and
17:30 on a weekday 15 to 180 days after the data set's `as_of` — beyond the two weeks the
generator books ahead, so free unless another simulated user took it first, in which case the
server must answer 409 with the conflicts: a correct outcome, counted apart, not an error.

Errors: 5xx, connection failures and timeouts, and any other status an endpoint does not
expect (every unexpected 4xx; only booking expects 409, and its body must list the conflicts).
After the run, the database is checked for double bookings (overlapping scheduled sessions of
one facilitator or room, or of one client) involving a session this run made; each counts as
an error. The table gives count, errors, 409s, and p50/p95/max latency per endpoint (from
sending the request to reading the whole response), then totals and requests per second. The
exit status is 1 when anything failed.

Writes: tokens and audit events, notes, and sessions — never point it at a database you care
about. The server is stopped at the end, whatever happens.

`--pgbouncer` puts Debian's pgbouncer (transaction mode, a temporary ini, a free loopback port,
`--pgbouncer-pool` server connections; bench/load_pgbouncer.py) between gunicorn and the
database: gunicorn gets `DATABASE_URL` at pgbouncer and `DATABASE_PGBOUNCER=1`. The setup
(users, tokens) and the double-booking check still talk to the database directly. The summary
adds pgbouncer's peak resident set and the transactions it passed on.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from collections import defaultdict
from datetime import UTC, date, datetime

from bench.harness import bench_app, default_as_of, describe_database, load_average, machine
from bench.load_pgbouncer import PgBouncer
from bench.load_report import double_bookings, table
from bench.load_runner import HOST, Outcome, run_load
from bench.load_users import StaffUser, make_users
from bench.load_workload import API, WORKLOAD
from bench.server import Server, memory_summary

# The pieces: bench/load_users.py (who the users are), load_workload.py (what they request),
# load_runner.py (the threads and the samples), load_report.py (the table, double bookings).


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.load",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--db", required=True, help="a database made by bench.generate")
    parser.add_argument("--users", type=int, default=20, help="simulated staff users")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the run")
    parser.add_argument("--max-requests", type=int, default=200_000, help="cap on requests")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of uncounted load")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads a worker")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds a request may take")
    parser.add_argument("--seed", type=int, default=1, help="seed of the users' choices")
    parser.add_argument("--as-of", type=date.fromisoformat, help="default: the data's as_of")
    parser.add_argument(
        "--pgbouncer", action="store_true", help="run gunicorn through pgbouncer (transaction mode)"
    )
    parser.add_argument(
        "--pgbouncer-pool", type=int, default=10, help="pgbouncer's server connections"
    )
    return parser


def _print_plan(users: list[StaffUser], accounts: dict[str, int], args: argparse.Namespace) -> None:
    mix = ", ".join(
        f"{sum(u.role == role for u in users)} {role} ({accounts[role]} accounts)"
        for role in WORKLOAD
        if role in accounts
    )
    print(
        f"{len(users)} users: {mix}; gunicorn wsgi:app -w {args.workers} -k gthread "
        f"--threads {args.threads} on {HOST}; {args.seconds:g} s or {args.max_requests:,} "
        f"requests, after {args.warmup:g} s of warm-up; no think time",
        flush=True,
    )


def _load(
    server: Server,
    users: list[StaffUser],
    as_of: date,
    args: argparse.Namespace,
    *,
    seconds: float,
    seed: int,
) -> Outcome:
    """`run_load` with the command line's request cap and timeout."""
    return run_load(
        server.port,
        users,
        as_of,
        seconds=seconds,
        max_requests=args.max_requests,
        seed=seed,
        timeout=args.timeout,
    )


def _run(
    users: list[StaffUser], as_of: date, args: argparse.Namespace
) -> tuple[Outcome, dict[str, float]]:
    """Start gunicorn (behind pgbouncer with `--pgbouncer`), warm it up, run the load, read
    its peak RSS; stop both whatever happens."""
    bouncer = PgBouncer(args.db, pool_size=args.pgbouncer_pool) if args.pgbouncer else None
    try:
        return _run_server(users, as_of, args, bouncer)
    finally:
        if bouncer is not None:
            bouncer.stop()


def _run_server(
    users: list[StaffUser], as_of: date, args: argparse.Namespace, bouncer: PgBouncer | None
) -> tuple[Outcome, dict[str, float]]:
    env = {"DATABASE_URL": args.db, "SECRET_KEY": "bench"}
    if bouncer is not None:
        env |= {"DATABASE_URL": bouncer.url(), "DATABASE_PGBOUNCER": "1"}
        xacts = bouncer.transactions()
    server = Server("wsgi:app", env, args.workers, args.threads)
    try:
        server.wait_ready(f"{API}/auth/me", users[0].headers)
        if args.warmup > 0:
            warm = _load(server, users, as_of, args, seconds=args.warmup, seed=args.seed + 1)
            warm_errors = sum(s.error for s in warm.samples)
            print(f"warm-up: {len(warm.samples):,} requests, {warm_errors} errors", flush=True)
        outcome = _load(server, users, as_of, args, seconds=args.seconds, seed=args.seed)
        memory = server.peak_rss_mib()
        if bouncer is not None:
            _print_pgbouncer(bouncer, args.pgbouncer_pool, since=xacts)
    finally:
        server.stop()
    return outcome, memory


def _print_pgbouncer(bouncer: PgBouncer, pool: int, *, since: int) -> None:
    """What pgbouncer passed on during the run, and its resident set."""
    time.sleep(1.5)  # SHOW STATS totals lag by up to stats_period (1 s)
    print(
        f"pgbouncer: pool {pool} server connections, {bouncer.transactions() - since:,} "
        f"transactions passed on (warm-up included), RSS {bouncer.rss_kib() / 1024:.1f} MiB",
        flush=True,
    )


def _print_summary(outcome: Outcome, overlaps: dict[str, int], memory: dict[str, float]) -> int:
    """The table and the totals; failures on stderr. Returns the number of errors."""
    samples = outcome.samples
    total = len(samples)
    errors = sum(s.error for s in samples) + outcome.stuck + sum(overlaps.values())
    booked = sum(s.label == "POST /sessions" and s.status == 201 for s in samples)
    kinds: dict[str, int] = defaultdict(int)
    for s in samples:
        for kind in s.conflict_kinds:
            kinds[kind] += 1
    print()
    print("\n".join(table(outcome)))
    print(
        f"\n{total:,} requests in {outcome.elapsed:.1f} s = {total / outcome.elapsed:,.1f} "
        f"requests/s; {errors} errors"
    )
    listed = ", ".join(f"{kind} {n}" for kind, n in sorted(kinds.items())) or "none"
    print(
        f"bookings: {booked} booked (201), "
        f"{sum(s.status == 409 for s in samples)} refused with 409 "
        f"(conflicts listed by kind: {listed}); double bookings afterwards (this run and "
        f"its warm-up): {', '.join(f'{k} {n}' for k, n in overlaps.items())}"
    )
    print(f"peak RSS (VmHWM) of gunicorn: {memory_summary(memory)}; load average {load_average()}")
    if outcome.stuck:
        print(f"{outcome.stuck} users did not finish in time", file=sys.stderr)
    for failure in outcome.failures:
        print(f"FAILED {failure}", file=sys.stderr)
    return errors


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.users < 1 or args.seconds <= 0 or args.max_requests < 1:
        parser.error("--users, --seconds and --max-requests must be positive")
    app = bench_app(args.db)
    as_of = args.as_of or default_as_of(app)
    started = datetime.now(UTC)
    print(
        f"bench.load {started:%Y-%m-%d %H:%M} UTC on {machine()}, "
        f"Python {platform.python_version()}, load average {load_average()}"
    )
    print(f"database {describe_database(app)}; as_of {as_of}", flush=True)
    users, accounts = make_users(app, args.users)
    _print_plan(users, accounts, args)
    since = datetime.now(UTC)
    outcome, memory = _run(users, as_of, args)
    errors = _print_summary(outcome, double_bookings(app, since), memory)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
