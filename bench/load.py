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
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import platform
import random
import statistics
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from auth.models import Role, User
from bench import generate as gen
from bench.run import OPEN, Server, _describe, _machine, _token, default_as_of
from cases.episodes.models import Case
from core.extensions import db
from intake.clients.models import Client
from scheduling.sessions.models import (
    ParticipantStatus,
    SessionParticipant,
    SessionStatus,
    TherapySession,
)

API = "/api/v1"
CONFLICT_KINDS = frozenset({"facilitator", "client", "room", "capacity"})
BOOKABLE = ("admitted", "active")
HOST = "127.0.0.1"  #: loopback only


# --- who the simulated users are -------------------------------------------------------------


@dataclass
class Caseload:
    """What a simulated user works on."""

    case_ids: list[int]  #: cases they read and write notes on
    bookable_case_ids: list[int]  #: admitted or active: the ones they may book
    client_ids: list[int]
    mrns: list[str]
    room_id: int | None = None  #: where they hold sessions (counsellors)


@dataclass
class StaffUser:
    n: int
    role: str
    user_id: int
    token: str
    caseload: Caseload
    headers: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        self.headers = {
            "Authorization": f"Bearer {self.token}",
            "Accept": "application/json",
        }


def role_mix(users: int) -> list[str]:
    """One manager, a tenth intake, a fifth clinicians, the rest counsellors."""
    manager = 1 if users >= 4 else 0
    intake = max(1, round(users / 10)) if users >= 3 else 0
    clinicians = max(1, round(users / 5)) if users >= 2 else 0
    counsellors = users - manager - intake - clinicians
    return (
        ["counsellor"] * counsellors
        + ["clinician"] * clinicians
        + ["intake"] * intake
        + ["manager"] * manager
    )


def _ids(stmt: sa.Select) -> list[Any]:
    return list(db.session.execute(stmt).scalars())


def _counsellor_caseload(counsellor_id: int) -> Caseload:
    rows = db.session.execute(
        sa.select(Case.id, Case.client_id, Case.status, Client.mrn)
        .join(Client, Client.id == Case.client_id)
        .where(Case.primary_counsellor_id == counsellor_id, Case.status.in_(OPEN))
        .order_by(Case.id)
    ).all()
    room_id = db.session.execute(
        sa.select(TherapySession.room_id)
        .where(TherapySession.facilitator_id == counsellor_id, TherapySession.room_id.is_not(None))
        .group_by(TherapySession.room_id)
        .order_by(sa.func.count().desc(), TherapySession.room_id)
        .limit(1)
    ).scalar()
    return Caseload(
        case_ids=[r.id for r in rows],
        bookable_case_ids=[r.id for r in rows if _status(r.status) in BOOKABLE],
        client_ids=sorted({r.client_id for r in rows}),
        mrns=[r.mrn for r in rows if r.mrn],
        room_id=room_id,
    )


def _status(value: Any) -> str:
    return getattr(value, "value", value)


def _centre_caseload() -> Caseload:
    """The whole centre, for roles that are not caseload-scoped."""
    cases = db.session.execute(sa.select(Case.id, Case.status).order_by(Case.id)).all()
    clients = db.session.execute(sa.select(Client.id, Client.mrn).order_by(Client.id)).all()
    return Caseload(
        case_ids=[c.id for c in cases],
        bookable_case_ids=[c.id for c in cases if _status(c.status) in BOOKABLE],
        client_ids=[c.id for c in clients],
        mrns=[c.mrn for c in clients if c.mrn],
    )


def make_users(app: Any, users: int) -> tuple[list[StaffUser], dict[str, int]]:
    """Tokens and caseloads for the simulated users; also how many accounts each role used."""
    with app.app_context():
        accounts: dict[str, list[int]] = {}
        for role in Role:
            accounts[role.value] = _ids(
                sa.select(User.id).where(User.role == role, User.active.is_(True)).order_by(User.id)
            )
        # Counsellors with an open case of their own (the inactive one has none).
        with_cases = set(
            _ids(sa.select(Case.primary_counsellor_id).where(Case.status.in_(OPEN)).distinct())
        )
        accounts["counsellor"] = [i for i in accounts["counsellor"] if i in with_cases]
        caseloads = {i: _counsellor_caseload(i) for i in accounts["counsellor"]}
        centre = _centre_caseload()
        db.session.rollback()
    if not centre.case_ids:
        raise SystemExit("no cases: prepare the database with `python -m bench.generate`")
    simulated: list[StaffUser] = []
    turns = {role: itertools.cycle(ids) for role, ids in accounts.items() if ids}
    used: dict[str, set[int]] = defaultdict(set)
    for n, role in enumerate(role_mix(users)):
        if role not in turns:
            raise SystemExit(f"the database has no active {role} account")
        user_id = next(turns[role])
        used[role].add(user_id)
        token, _ = _token(app, sa.select(User).where(User.id == user_id))
        caseload = caseloads[user_id] if role == "counsellor" else centre
        simulated.append(StaffUser(n, role, user_id, token, caseload))
    return simulated, {role: len(ids) for role, ids in used.items()}


# --- the workload ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    label: str  #: the endpoint, as it appears in the table
    method: str
    path: str
    body: dict[str, Any] | None = None
    expect: frozenset[int] = frozenset({200})
    #: a 409 must list its conflicts (booking)
    conflicts: bool = False


Op = Callable[[random.Random, StaffUser, date], Request]


def _query(path: str, **params: Any) -> str:
    params = {k: v for k, v in params.items() if v is not None}
    return f"{API}{path}?{urlencode(params)}" if params else f"{API}{path}"


def _week(rng: random.Random, as_of: date) -> tuple[str, str]:
    """A week (Monday to Monday, UTC) from four weeks before `as_of` to two weeks after."""
    monday = as_of - timedelta(days=as_of.weekday()) + timedelta(weeks=rng.randint(-4, 2))
    start = datetime(monday.year, monday.month, monday.day, tzinfo=UTC)
    return start.isoformat(), (start + timedelta(days=7)).isoformat()


def _facilitates(user: StaffUser) -> int | None:
    return user.user_id if user.role in ("counsellor", "clinician") else None


def clients_list(rng: random.Random, user: StaffUser, as_of: date) -> Request:
    return Request("GET /clients", "GET", _query("/clients", page=rng.randint(1, 3), per_page=20))


def clients_search(rng: random.Random, user: StaffUser, as_of: date) -> Request:
    # an MRN prefix, or a surname
    q = rng.choice(user.caseload.mrns)[:6] if rng.random() < 0.3 else rng.choice(gen.LAST)
    return Request("GET /clients?q=", "GET", _query("/clients", q=q, per_page=20))


def client_get(rng: random.Random, user: StaffUser, as_of: date) -> Request:
    client_id = rng.choice(user.caseload.client_ids)
    return Request("GET /clients/{id}", "GET", f"{API}/clients/{client_id}")


def case_get(rng: random.Random, user: StaffUser, as_of: date) -> Request:
    case_id = rng.choice(user.caseload.case_ids)
    return Request("GET /cases/{id}", "GET", f"{API}/cases/{case_id}")


def cases_list(rng: random.Random, user: StaffUser, as_of: date) -> Request:
    status = rng.choice(["active", "admitted", None])
    counsellor = user.user_id if user.role == "counsellor" else None
    path = _query("/cases", status=status, counsellor_id=counsellor, per_page=50)
    return Request("GET /cases", "GET", path)


def waitlist(rng: random.Random, user: StaffUser, as_of: date) -> Request:
    return Request("GET /waitlist", "GET", f"{API}/waitlist")


def beds(rng: random.Random, user: StaffUser, as_of: date) -> Request:
    return Request("GET /beds", "GET", f"{API}/beds")


def sessions_week(rng: random.Random, user: StaffUser, as_of: date) -> Request:
    start, end = _week(rng, as_of)
    path = _query(
        "/sessions", **{"from": start, "to": end}, facilitator_id=_facilitates(user), per_page=200
    )
    return Request("GET /sessions?from=&to=", "GET", path)


def book(rng: random.Random, user: StaffUser, as_of: date) -> Request:
    day = as_of + timedelta(days=rng.randint(15, 180))
    while day.weekday() >= 5:
        day += timedelta(days=1)
    minutes = rng.randrange(8 * 60, 18 * 60, 30)
    starts = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(minutes=minutes)
    body = {
        "type": "individual",
        "facilitator_id": user.user_id,
        "room_id": user.caseload.room_id,
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(minutes=50)).isoformat(),
        "case_ids": [rng.choice(user.caseload.bookable_case_ids)],
    }
    return Request("POST /sessions", "POST", f"{API}/sessions", body, frozenset({201, 409}), True)


def note(rng: random.Random, user: StaffUser, as_of: date) -> Request:
    case_id = rng.choice(user.caseload.case_ids)
    text = rng.choice(
        [
            "Client engaged well; reviewed triggers and coping plan.",
            "Reports two days of cravings; practised urge surfing.",
            "Discussed relapse-prevention plan and support contacts.",
        ]
    )
    body = {"kind": "progress", "body": {"text": text}}
    return Request(
        "POST /cases/{id}/notes", "POST", f"{API}/cases/{case_id}/notes", body, frozenset({201})
    )


def follow_ups(rng: random.Random, user: StaffUser, as_of: date) -> Request:
    status = rng.choice(["due", "overdue"])
    counsellor = user.user_id if user.role == "counsellor" else None
    path = _query("/follow-ups", status=status, counsellor_id=counsellor, per_page=50)
    return Request("GET /follow-ups", "GET", path)


def caseload_report(rng: random.Random, user: StaffUser, as_of: date) -> Request:
    path = _query("/reports/caseload", as_of=as_of.isoformat())
    return Request("GET /reports/caseload", "GET", path)


def urgent_flags(rng: random.Random, user: StaffUser, as_of: date) -> Request:
    path = _query("/flags", status="active", severity="urgent", acknowledged="false")
    return Request("GET /flags?urgent", "GET", path)


#: Each role's mix of requests, weighted. Counsellors and clinicians write notes and book;
#: intake workers find people and check capacity; the manager watches the centre.
WORKLOAD: dict[str, list[tuple[Op, int]]] = {
    "counsellor": [
        (clients_list, 4), (clients_search, 8), (client_get, 14), (case_get, 14),
        (cases_list, 8), (waitlist, 3), (beds, 3), (sessions_week, 12), (book, 5),
        (note, 8), (follow_ups, 8), (urgent_flags, 7),
    ],
    "clinician": [
        (clients_list, 3), (clients_search, 8), (client_get, 12), (case_get, 14),
        (cases_list, 10), (waitlist, 8), (beds, 8), (sessions_week, 8), (book, 4),
        (note, 8), (follow_ups, 5), (urgent_flags, 10),
    ],
    "intake": [
        (clients_list, 10), (clients_search, 25), (client_get, 20), (case_get, 8),
        (cases_list, 8), (waitlist, 12), (beds, 12), (urgent_flags, 5),
    ],
    "manager": [
        (caseload_report, 15), (cases_list, 12), (case_get, 10), (client_get, 8),
        (clients_search, 8), (waitlist, 10), (beds, 10), (sessions_week, 10),
        (follow_ups, 10), (urgent_flags, 7),
    ],
}  # fmt: skip

#: Table order.
LABELS = [
    "GET /clients",
    "GET /clients?q=",
    "GET /clients/{id}",
    "GET /cases",
    "GET /cases/{id}",
    "GET /waitlist",
    "GET /beds",
    "GET /sessions?from=&to=",
    "POST /sessions",
    "POST /cases/{id}/notes",
    "GET /follow-ups",
    "GET /reports/caseload",
    "GET /flags?urgent",
]


# --- running it ------------------------------------------------------------------------------


@dataclass
class Sample:
    label: str
    status: int  #: 0 for a connection failure or timeout
    seconds: float
    error: bool
    conflict_kinds: tuple[str, ...] = ()


def conflict_kinds(text: bytes) -> tuple[str, ...] | None:
    """The kinds a 409 lists (facilitator, client, room, capacity), or None when the body
    is not the documented conflict error."""
    try:
        kinds = tuple(sorted({c["kind"] for c in json.loads(text)["conflicts"]}))
    except (ValueError, KeyError, TypeError):
        return None
    return kinds if kinds and set(kinds) <= CONFLICT_KINDS else None


@dataclass
class Outcome:
    samples: list[Sample]
    elapsed: float
    failures: list[str]  #: the first few failed requests, described
    stuck: int  #: users still running when the join timed out


def run_load(
    port: int,
    users: list[StaffUser],
    as_of: date,
    *,
    seconds: float,
    max_requests: int,
    seed: int,
    timeout: float = 30.0,
) -> Outcome:
    """Every user in its own thread with its own keep-alive connection, until `seconds` pass
    or `max_requests` were sent in all."""
    sent = itertools.count()
    per_user: list[list[Sample]] = [[] for _ in users]
    failures: list[str] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def worker(user: StaffUser) -> None:
        try:
            user_loop(user)
        except Exception as exc:  # a bug of the load generator: say so, count it
            per_user[user.n].append(Sample("load generator", 0, 0.0, True))
            with lock:
                failures.append(f"{user.role} #{user.n}: {type(exc).__name__}: {exc}")

    def user_loop(user: StaffUser) -> None:
        rng = random.Random(seed * 1000 + user.n)
        ops, weights = zip(*WORKLOAD[user.role], strict=True)
        samples = per_user[user.n]
        conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
        while time.perf_counter() < deadline and next(sent) < max_requests:
            req = rng.choices(ops, weights=weights)[0](rng, user, as_of)
            headers = dict(user.headers)
            payload = None
            if req.body is not None:
                payload = json.dumps(req.body).encode()
                headers["Content-Type"] = "application/json"
            t0 = time.perf_counter()
            try:
                conn.request(req.method, req.path, body=payload, headers=headers)
                response = conn.getresponse()
                text = response.read()
                status = response.status
                if response.will_close:
                    conn.close()
                    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
            except (OSError, http.client.HTTPException) as exc:
                status, text = 0, f"{type(exc).__name__}: {exc}".encode()
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
            elapsed = time.perf_counter() - t0
            error = status not in req.expect
            kinds: tuple[str, ...] = ()
            if req.conflicts and status == 409:
                kinds = conflict_kinds(text) or ()
                error = not kinds
            samples.append(Sample(req.label, status, elapsed, error, kinds))
            if error:
                with lock:
                    if len(failures) < 10:
                        failures.append(
                            f"{user.role} #{user.n}: {req.method} {req.path} -> {status} "
                            f"{text[:300].decode(errors='replace')}"
                        )
        conn.close()

    threads = [
        threading.Thread(target=worker, args=(u,), name=f"user-{u.n}", daemon=True) for u in users
    ]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    join_by = deadline + timeout + 5  # a request in flight at the deadline may take `timeout`
    for t in threads:
        t.join(max(0.0, join_by - time.perf_counter()))
    elapsed = time.perf_counter() - t0
    stuck = sum(t.is_alive() for t in threads)
    return Outcome([s for samples in per_user for s in samples], elapsed, failures, stuck)


# --- after the run: nothing double-booked ----------------------------------------------------


def double_bookings(app: Any, since: datetime) -> dict[str, int]:
    """Overlapping scheduled sessions of one facilitator or room, or booked participations
    of one client, involving a session created since `since` (the bookings of this run)."""
    a, b = aliased(TherapySession), aliased(TherapySession)
    pa, pb = aliased(SessionParticipant), aliased(SessionParticipant)
    scheduled = SessionStatus.SCHEDULED
    overlap = sa.and_(b.id != a.id, b.starts_at < a.ends_at, a.starts_at < b.ends_at)
    new = sa.and_(a.created_at >= since, a.status == scheduled, b.status == scheduled)
    pair = sa.select(sa.func.count()).select_from(a)
    found = {}
    with app.app_context():
        for kind, column in (("facilitator", "facilitator_id"), ("room", "room_id")):
            same = getattr(b, column) == getattr(a, column)
            stmt = pair.join(b, sa.and_(same, overlap)).where(new)
            found[kind] = db.session.execute(stmt).scalar_one()
        booked = ParticipantStatus.BOOKED
        stmt = (
            pair.join(pa, pa.session_id == a.id)
            .join(pb, sa.and_(pb.client_id == pa.client_id, pb.status == booked))
            .join(b, sa.and_(b.id == pb.session_id, overlap))
            .where(new, pa.status == booked)
        )
        found["client"] = db.session.execute(stmt).scalar_one()
        db.session.rollback()
    return found


# --- report ----------------------------------------------------------------------------------


def _percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of sorted values."""
    if not sorted_values:
        return float("nan")
    rank = max(1, -(-len(sorted_values) * q // 100))
    return sorted_values[int(rank) - 1]


def table(outcome: Outcome) -> list[str]:
    """A Markdown table, ready to paste: one row per endpoint, then the totals."""
    by_label: dict[str, list[Sample]] = defaultdict(list)
    for s in outcome.samples:
        by_label[s.label].append(s)
    labels = [x for x in LABELS if x in by_label] + sorted(set(by_label) - set(LABELS))
    head = ("endpoint", "requests", "errors", "409", "p50 ms", "p95 ms", "max ms")
    rows = [head]

    def row(name: str, samples: list[Sample]) -> tuple[str, ...]:
        times = sorted(s.seconds * 1000 for s in samples)
        return (
            name,
            f"{len(samples):,}",
            f"{sum(s.error for s in samples):,}",
            f"{sum(s.status == 409 for s in samples):,}",
            f"{statistics.median(times):.1f}" if times else "-",
            f"{_percentile(times, 95):.1f}" if times else "-",
            f"{times[-1]:.1f}" if times else "-",
        )

    for label in labels:
        rows.append(row(label, by_label[label]))
    rows.append(row("**all**", outcome.samples))
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = []
    for n, r in enumerate(rows):
        pairs = enumerate(zip(r, widths, strict=True))
        cells = [c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in pairs]
        lines.append("| " + " | ".join(cells) + " |")
        if n == 0:
            lines.append(
                "|"
                + "|".join("-" * (w + 2) if i == 0 else "-" * (w + 1) + ":" for i, w in
                           enumerate(widths))
                + "|"
            )  # fmt: skip
    return lines


def _load_average() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
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
    args = parser.parse_args(argv)
    if args.users < 1 or args.seconds <= 0 or args.max_requests < 1:
        parser.error("--users, --seconds and --max-requests must be positive")

    app = gen.bench_app(args.db)
    as_of = args.as_of or default_as_of(app)
    started = datetime.now(UTC)
    print(
        f"bench.load {started:%Y-%m-%d %H:%M} UTC on {_machine()}, "
        f"Python {platform.python_version()}, load average {_load_average()}"
    )
    print(f"database {_describe(app)}; as_of {as_of}", flush=True)
    users, accounts = make_users(app, args.users)
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
    env = {"DATABASE_URL": args.db, "SECRET_KEY": "bench"}
    since = datetime.now(UTC)
    server = Server("wsgi:app", env, args.workers, args.threads)
    try:
        server.wait_ready(f"{API}/auth/me", users[0].headers)
        if args.warmup > 0:
            warm = run_load(
                server.port,
                users,
                as_of,
                seconds=args.warmup,
                max_requests=args.max_requests,
                seed=args.seed + 1,
                timeout=args.timeout,
            )
            warm_errors = sum(s.error for s in warm.samples)
            print(f"warm-up: {len(warm.samples):,} requests, {warm_errors} errors", flush=True)
        outcome = run_load(
            server.port,
            users,
            as_of,
            seconds=args.seconds,
            max_requests=args.max_requests,
            seed=args.seed,
            timeout=args.timeout,
        )
        memory = server.peak_rss_mib()
    finally:
        server.stop()

    total = len(outcome.samples)
    overlaps = double_bookings(app, since)
    errors = sum(s.error for s in outcome.samples) + outcome.stuck + sum(overlaps.values())
    booked = sum(s.label == "POST /sessions" and s.status == 201 for s in outcome.samples)
    kinds: dict[str, int] = defaultdict(int)
    for s in outcome.samples:
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
        f"{sum(s.status == 409 for s in outcome.samples)} refused with 409 "
        f"(conflicts listed by kind: {listed}); double bookings afterwards (this run and "
        f"its warm-up): {', '.join(f'{k} {n}' for k, n in overlaps.items())}"
    )
    print(
        f"peak RSS (VmHWM) of gunicorn: total {memory['total']:.0f} MiB (master "
        f"{memory['master']:.0f}, {memory['workers']} workers, largest "
        f"{memory['worker_max']:.0f}); load average {_load_average()}"
    )
    if outcome.stuck:
        print(f"{outcome.stuck} users did not finish in time", file=sys.stderr)
    for failure in outcome.failures:
        print(f"FAILED {failure}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
