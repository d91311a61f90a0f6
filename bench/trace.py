"""Each SQL statement one request runs, with its time: a reading aid for the benchmarks.

python -m bench.trace --db URL --role manager /api/v1/clients?page=500
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import sqlalchemy as sa

from auth.models import Role
from bench.harness import bench_app
from bench.pages import _browser, _subject, _users
from core.extensions import db


def trace(app: Any, role: Role, path: str) -> list[tuple[float, str]]:
    """(milliseconds, statement) of each statement `path` runs, for the role's browser."""
    users = _users(app, _subject(app))
    http, _ = _browser(app, users[role])
    http.get(path)
    seen: list[tuple[float, str]] = []
    started: list[float] = []

    def before(*_: Any) -> None:
        started.append(time.perf_counter())

    def after(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(((time.perf_counter() - started.pop()) * 1000, statement))

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", before)
    sa.event.listen(engine, "after_cursor_execute", after)
    try:
        http.get(path)
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)
        sa.event.remove(engine, "after_cursor_execute", after)
    return seen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--role", default="manager", choices=[r.value for r in Role])
    parser.add_argument("path")
    args = parser.parse_args()
    for ms, statement in trace(bench_app(args.db), Role(args.role), args.path):
        print(f"{ms:8.2f} ms  {' '.join(statement.split())[:400]}")


if __name__ == "__main__":
    main()
