"""Bulk row writing for the generator: COPY on PostgreSQL, executemany on SQLite.

Rows are plain tuples in the column order of `COLUMNS`, with explicit ids. They are buffered
per table and flushed in foreign-key order whenever the buffers hold `batch` rows, so memory
stays bounded whatever the scale. On SQLite, values are stored exactly as SQLAlchemy stores
them (timestamps as `YYYY-MM-DD HH:MM:SS.ffffff` in UTC, booleans as 0/1, JSON as text), so
the application's string comparisons on timestamps keep working.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from typing import Any

import psycopg
import sqlalchemy as sa

from core.db import Base, UTCDateTime

#: Tables in foreign-key order, with the columns the generator fills.
COLUMNS: dict[str, tuple[str, ...]] = {
    "users": (
        "id", "email", "name", "role", "password_hash", "active", "must_change_password",
        "password_changed_at", "created_at", "updated_at", "version",
    ),
    "beds": ("id", "unit", "room", "label", "active", "created_at", "updated_at", "version"),
    "rooms": ("id", "name", "capacity", "active", "created_at", "updated_at", "version"),
    "clients": (
        "id", "mrn", "first_name", "last_name", "date_of_birth", "sex", "phone",
        "referral_source", "status", "created_by_id", "created_at", "updated_at", "version",
    ),
    "assessments": (
        "id", "client_id", "status", "assessed_on", "results", "rule_version", "use_disorder",
        "physical_dependence", "recommended_level", "requires_urgent_review", "submitted_at",
        "submitted_by_id", "created_by_id", "created_at", "updated_at", "version",
    ),
    "cases": (
        "id", "client_id", "assessment_id", "level", "setting", "status", "recommended_level",
        "override_reason", "requires_urgent_review", "primary_counsellor_id", "bed_id",
        "previous_case_id", "opened_at", "opened_by_id", "admitted_at", "waitlisted_at",
        "discharged_at", "discharge_date", "discharge_reason", "discharge_summary",
        "discharged_by_id", "re_engagement_recommended", "created_at", "updated_at", "version",
    ),
    "level_changes": ("id", "case_id", "from_level", "to_level", "reason", "changed_at",
                      "changed_by_id"),
    "care_team_members": ("id", "case_id", "staff_id", "added_at", "removed_at"),
    "caseload_memberships": ("id", "staff_id", "client_id", "case_id", "kind", "started_at",
                             "ended_at"),
    "flags": (
        "id", "client_id", "type", "category", "severity", "status", "source_kind",
        "source_assessment_id", "note", "raised_at", "raised_by_id", "resolved_at",
        "resolved_by_id", "resolution_reason", "version",
    ),
    "therapy_sessions": (
        "id", "type", "title", "facilitator_id", "room_id", "starts_at", "ends_at", "capacity",
        "family_members", "status", "cancel_reason", "cancelled_at", "cancelled_by_id",
        "created_by_id", "created_at", "updated_at", "version",
    ),
    "session_participants": (
        "id", "session_id", "case_id", "client_id", "starts_at", "ends_at", "status",
        "attendance", "attendance_recorded_at", "attendance_recorded_by_id", "added_at",
        "withdrawn_at",
    ),
    "follow_ups": (
        "id", "case_id", "client_id", "offset_days", "due_on", "assigned_to_id", "contacted_at",
        "outcome", "notes", "completed_at", "completed_by_id", "created_at", "version",
    ),
}  # fmt: skip


def _sqlite_converter(table: str, columns: Sequence[str]) -> Callable[[tuple], tuple]:
    """How SQLAlchemy would store a row of `table` in SQLite (the generator's timestamps are
    all in UTC already)."""
    types = Base.metadata.tables[table].c
    stamps = [i for i, c in enumerate(columns) if isinstance(types[c].type, UTCDateTime)]
    days = [i for i, c in enumerate(columns) if isinstance(types[c].type, sa.Date)]
    flags = [i for i, c in enumerate(columns) if isinstance(types[c].type, sa.Boolean)]

    def convert(row: tuple) -> tuple:
        out = list(row)
        for i in stamps:
            if out[i] is not None:
                out[i] = out[i].isoformat(" ", "microseconds")[:26]
        for i in days:
            if out[i] is not None:
                out[i] = out[i].isoformat()
        for i in flags:
            if out[i] is not None:
                out[i] = int(out[i])
        return tuple(out)

    return convert


def as_json(value: Any) -> str | None:
    """JSON columns are written as their text (both databases parse it)."""
    return None if value is None else json.dumps(value, separators=(",", ":"))


class RowWriter:
    """Buffers rows per table and writes them in foreign-key order."""

    def __init__(self, engine: sa.Engine, batch: int = 50_000) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self.batch = batch
        self.buffers: dict[str, list[tuple]] = {t: [] for t in COLUMNS}
        self.counts: dict[str, int] = dict.fromkeys(COLUMNS, 0)
        self.pending = 0
        self.started = time.perf_counter()
        self._raw = engine.raw_connection()
        self.conn = self._raw.driver_connection
        if self.dialect == "sqlite":
            self.conn.isolation_level = None
            self.conn.execute("PRAGMA synchronous=OFF")
            self.conn.execute("PRAGMA foreign_keys=OFF")
            self.conn.execute("PRAGMA cache_size=-200000")
        elif self.dialect == "postgresql":
            self.conn.autocommit = False
            self.conn.execute("SET synchronous_commit = off")
            # Skip per-row foreign-key triggers while loading (the generator writes consistent
            # rows); needs a superuser, so it is only attempted.
            try:
                self.conn.execute("SET session_replication_role = replica")
            except psycopg.errors.InsufficientPrivilege:
                self.conn.rollback()
                print("  (not a superuser: foreign-key checks stay on while loading)")
            self.conn.commit()
        else:
            raise SystemExit(f"unsupported database: {self.dialect}")
        self.on_flush: Callable[[RowWriter], None] | None = None
        self._converters: dict[str, Callable[[tuple], tuple]] = {}

    def add(self, table: str, row: tuple) -> None:
        self.buffers[table].append(row)
        self.pending += 1
        if self.pending >= self.batch:
            self.flush()

    def flush(self) -> None:
        for table, rows in self.buffers.items():
            if rows:
                self._write(table, COLUMNS[table], rows)
                self.counts[table] += len(rows)
                rows.clear()
        self.conn.commit()
        self.pending = 0
        if self.on_flush:
            self.on_flush(self)

    def _write(self, table: str, columns: Sequence[str], rows: list[tuple]) -> None:
        names = ", ".join(columns)
        if self.dialect == "postgresql":
            with self.conn.cursor() as cur, cur.copy(f"COPY {table} ({names}) FROM STDIN") as cp:
                for row in rows:
                    cp.write_row(row)
        else:
            marks = ", ".join("?" * len(columns))
            if self.conn.in_transaction is False:
                self.conn.execute("BEGIN")
            if table not in self._converters:
                self._converters[table] = _sqlite_converter(table, columns)
            convert = self._converters[table]
            self.conn.executemany(
                f"INSERT INTO {table} ({names}) VALUES ({marks})", map(convert, rows)
            )

    @property
    def total(self) -> int:
        return sum(self.counts.values()) + self.pending

    def finish(self) -> None:
        """Write what is left, move the id sequences past the written ids, VACUUM ANALYZE on
        PostgreSQL (what autovacuum would soon do to freshly loaded tables: the visibility
        map lets index-only scans skip the heap), ANALYZE on SQLite."""
        self.flush()
        if self.dialect == "postgresql":
            with self.conn.cursor() as cur:
                for table in COLUMNS:
                    cur.execute(
                        "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                        f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)",
                        (table,),
                    )
            self.conn.commit()
            self.conn.autocommit = True
            self.conn.execute("VACUUM ANALYZE")
            self.conn.autocommit = False
        else:
            self.conn.execute("ANALYZE")
        self._raw.close()
