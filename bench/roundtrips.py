"""Statements and round trips of one request: what `tests/concurrency/test_round_trips.py`
pins and `bench.all` prints. A round trip is one wait for the server's ReadyForQuery, read off
libpq's own protocol trace of the connection (PostgreSQL; SQLite has no network, so there only
the statements are counted)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from psycopg import pq

from core.extensions import db


class Counter:
    """Statements the engine runs and, on PostgreSQL, round trips in libpq's trace."""

    def __init__(self, app: Flask) -> None:
        with app.app_context():
            self.engine = db.engine
        self.statements = 0
        self.seen: list[str] = []
        self.traced: list[Any] = []
        self.trace = Path(tempfile.mkdtemp()) / "libpq.trace"

    def _count(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.startswith("BEGIN"):
            return  # SQLite's own BEGIN IMMEDIATE (PostgreSQL's is in the round trips)
        self.statements += 1
        self.seen.append(" ".join(statement.split())[:150])

    def __enter__(self) -> Counter:
        self.engine.dispose()  # a new connection, traced from its first message
        self.file = self.trace.open("w")
        sa.event.listen(self.engine, "before_cursor_execute", self._count)
        sa.event.listen(self.engine, "connect", self._traced)
        return self

    def _traced(self, dbapi_connection: Any, _record: Any) -> None:
        if self.engine.dialect.name == "postgresql":
            dbapi_connection.pgconn.trace(self.file.fileno())
            dbapi_connection.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS)
            self.traced.append(dbapi_connection.pgconn)

    def __exit__(self, *_: Any) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._count)
        sa.event.remove(self.engine, "connect", self._traced)
        for pgconn in self.traced:
            pgconn.untrace()  # flushes libpq's buffer
        self.engine.dispose()
        self.file.close()

    def round_trips(self) -> int:
        lines = self.trace.read_text().splitlines()
        return sum(1 for line in lines if line.split("\t")[:3:2] == ["B", "ReadyForQuery"])
