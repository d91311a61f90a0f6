"""`bench.run` (b): GET /api/v1/cases/{id} as a counsellor (their own open cases) under
`gunicorn wsgi:app` vs bench/bare_app.py under the same gunicorn settings, both driven by the
same loopback load generator (`load`: threads, http.client keep-alive, bounded by count and
time, 127.0.0.1 only). The figure is requests per second; the floor (bench/floor_app.py: the
same statements without the app's Python around them, same settings) and the peak RSS of
each server's processes are reported beside it."""

from __future__ import annotations

import argparse
import http.client
import itertools
import threading
import time
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from auth.models import User
from bench.harness import OPEN, token_for
from bench.run_results import Result, median, spread
from bench.server import Server, cpu_seconds, memory_summary, postgres_pids
from cases.episodes.models import Case
from core.extensions import db


def _connect(port: int) -> http.client.HTTPConnection:
    return http.client.HTTPConnection("127.0.0.1", port, timeout=30)


def _get(
    conn: http.client.HTTPConnection, port: int, path: str, headers: dict[str, str]
) -> tuple[http.client.HTTPConnection, bool]:
    """One GET on a keep-alive connection. Returns the connection to use next (a new one if
    the server closed it or the request failed) and whether the answer was 200."""
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        if response.will_close:
            conn.close()
            conn = _connect(port)
        return conn, response.status == 200
    except (OSError, http.client.HTTPException):
        conn.close()
        return _connect(port), False


def _run_threads(target: Callable[[int], None], count: int) -> float:
    """Run `target(n)` in `count` threads; returns the seconds until all had finished."""
    threads = [threading.Thread(target=target, args=(n,)) for n in range(count)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - t0


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
        conn = _connect(port)
        path_cycle = itertools.cycle(paths[n:] + paths[:n])
        while time.perf_counter() < deadline and next(sent) < max_requests:
            conn, good = _get(conn, port, next(path_cycle), headers)
            if good:
                ok[n] += 1
            else:
                failed[n] += 1
        conn.close()

    elapsed = _run_threads(worker, clients)
    return sum(ok) / elapsed, sum(ok), sum(failed)


def _busiest_counsellor(app: Any) -> tuple[int, list[int]]:
    """The counsellor with the most open cases, and those cases' ids."""
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
    return counsellor_id, case_ids


def _measure(
    servers: dict[str, Server],
    paths: dict[str, list[str]],
    headers: dict[str, str],
    args: argparse.Namespace,
) -> tuple[dict[str, list[float]], dict[str, int], dict[str, dict[str, float]]]:
    """Warm every worker and connection, then `--repeat` runs of each server (each with its
    `paths`), the order turning each time so that drift hits all alike. Returns the rates,
    the failed requests and, for each server, the CPU milliseconds per request of the
    server, of PostgreSQL and of the load generator."""
    names = list(servers)
    rates: dict[str, list[float]] = {name: [] for name in names}
    failures = dict.fromkeys(names, 0)
    cpu = {name: {"server": 0.0, "database": 0.0, "client": 0.0} for name in names}
    served = dict.fromkeys(names, 0)
    for name, server in servers.items():
        server.wait_ready(paths[name][0], headers)
    for name, server in servers.items():  # warm every worker and connection
        load(server.port, paths[name], headers, clients=args.clients, seconds=1, max_requests=500)
    for i in range(args.repeat):
        for name in names[i % len(names) :] + names[: i % len(names)]:
            before = _cpu_now(servers[name])
            rate, ok, failed = load(
                servers[name].port,
                paths[name],
                headers,
                clients=args.clients,
                seconds=args.seconds,
                max_requests=args.max_requests,
            )
            for part, now in _cpu_now(servers[name]).items():
                cpu[name][part] += now - before[part]
            served[name] += ok
            rates[name].append(rate)
            failures[name] += failed
    per_request = {
        name: {part: 1000 * used / max(served[name], 1) for part, used in parts.items()}
        for name, parts in cpu.items()
    }
    return rates, failures, per_request


def _cpu_now(server: Server) -> dict[str, float]:
    """CPU seconds used so far by the server, by PostgreSQL and by this process (the load
    generator's threads)."""
    return {
        "server": server.cpu_seconds(),
        "database": cpu_seconds(postgres_pids()),
        "client": time.process_time(),
    }


def _cpu_summary(cpu: dict[str, dict[str, float]]) -> str:
    return "; ".join(
        f"{name} {parts['server']:.2f} ms server + {parts['database']:.2f} ms PostgreSQL + "
        f"{parts['client']:.2f} ms load generator"
        for name, parts in cpu.items()
    )


def bench_http(app: Any, url: str, args: argparse.Namespace) -> tuple[Result, str]:
    counsellor_id, case_ids = _busiest_counsellor(app)
    token, _ = token_for(app, sa.select(User).where(User.id == counsellor_id))
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    case_paths = [f"/api/v1/cases/{i}" for i in case_ids]
    paths = {
        "app": case_paths,
        "floor": [f"/bench/floor/cases/{i}" for i in case_ids],
        "bare": case_paths,
    }
    env = {"DATABASE_URL": url, "SECRET_KEY": "bench"}
    servers = {
        "app": Server("wsgi:app", env, args.workers, args.threads),
        "floor": Server("bench.floor_app:app", env, args.workers, args.threads),
        "bare": Server("bench.bare_app:app", env, args.workers, args.threads),
    }
    try:
        rates, failures, cpu_ms = _measure(servers, paths, headers, args)
        memory = {name: server.peak_rss_mib() for name, server in servers.items()}
    finally:
        for server in servers.values():
            server.stop()
    if any(failures.values()):
        raise SystemExit(f"(b) failed requests: {failures}")
    mem = "; ".join(f"{name}: {memory_summary(m)}" for name, m in memory.items())
    bare, floor = median(rates["bare"]), median(rates["floor"])
    run = (
        f"gunicorn -w {args.workers} -k gthread --threads {args.threads}, "
        f"{args.clients} client threads, {args.seconds:g} s or {args.max_requests} "
        f"requests a run, {len(case_ids)} case ids of counsellor {counsellor_id}"
    )
    notes = (
        f"floor of (b) (bench/floor_app.py: the same two statements through the app's "
        f"engine and hooks, none of its Python around them): {floor:,.1f} req/s = "
        f"{floor / bare:.2f} of bare Flask ({spread(rates['floor'])})\n"
        f"peak RSS (VmHWM) of the gunicorn processes: {mem}"
    )
    return _result(rates, cpu_ms, run), notes


def _result(rates: dict[str, list[float]], cpu_ms: dict[str, dict[str, float]], run: str) -> Result:
    return Result(
        "(b) GET /cases/{id} vs bare Flask",
        median(rates["app"]),
        median(rates["bare"]),
        "req/s",
        0.3,  # issue 18: at least 0.3 of bare Flask (goal 0.5)
        higher_is_better=True,
        detail=(
            f"app {spread(rates['app'])} req/s; bare {spread(rates['bare'])} req/s; "
            f"{run}; CPU per request: {_cpu_summary(cpu_ms)}"
        ),
    )
