"""`bench.run` (a): GET /api/v1/reports/caseload through the Flask test client, as a manager
with a bearer token, vs the hand-written statement of bench/caseload_sql.py on the same
engine. The numbers must be equal (checked before timing)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date
from typing import Any

import sqlalchemy as sa

from auth.models import Role, User
from bench import caseload_sql
from bench.harness import token_for
from bench.run_results import Result, median, spread
from core.extensions import db


def check_equal(report: dict[str, Any], expected: dict[str, Any]) -> None:
    """Stop the run unless the endpoint's report holds the hand-written SQL's numbers."""
    for key, value in expected.items():
        if report[key] != value:
            raise SystemExit(
                f"(a) the endpoint and the hand-written SQL disagree on {key}:\n"
                f"  endpoint: {report[key]}\n  SQL:      {value}"
            )


def time_alternately(
    repeat: int, first: Callable[[], Any], second: Callable[[], Any]
) -> tuple[list[float], list[float]]:
    """`repeat` timings of each, alternating which goes first. Returns seconds per call."""
    first_times: list[float] = []
    second_times: list[float] = []
    for i in range(repeat):
        order = [(first, first_times), (second, second_times)]
        for fn, times in order if i % 2 == 0 else reversed(order):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
    return first_times, second_times


def bench_report(app: Any, repeat: int, as_of: date) -> Result:
    token, _ = token_for(
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

    with app.app_context():
        engine = db.engine

    def baseline() -> list[Any]:
        with engine.connect() as conn:
            return caseload_sql.run(conn, as_of, zone)

    # Outside any app context: each request pushes its own, so the credential is looked up
    # every time (inside one, Flask-Login's cached user would skip that query).
    report, rows = endpoint(), baseline()  # warm-up, and the equality check
    check_equal(report, caseload_sql.shape(rows, as_of))
    app_times, sql_times = time_alternately(repeat, endpoint, baseline)
    return _result(report, app_times, sql_times)


def _result(report: dict[str, Any], app_times: list[float], sql_times: list[float]) -> Result:
    totals = report["totals"]
    # issue 18's targets: within 2.5x of the hand SQL on a small centre (where the request's
    # fixed cost dominates a few ms of SQL), within 1.2x on a large one.
    target = 2.5 if totals["open_cases"] < 10_000 else 1.2
    return Result(
        "(a) caseload report vs hand SQL",
        median(app_times) * 1000,
        median(sql_times) * 1000,
        "ms",
        target,
        detail=(
            f"endpoint {spread(app_times, 1000)} ms; SQL {spread(sql_times, 1000)} ms; "
            f"numbers equal (open {totals['open_cases']}, dual {totals['dual_diagnosis']}, "
            f"overdue {totals['overdue_follow_ups']}, {len(report['by_counsellor'])} counsellors)"
        ),
    )
