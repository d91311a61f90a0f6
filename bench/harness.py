"""What the three commands share: the application bound to a benchmark database, bearer
tokens made directly, the data set's `as_of`, and the header lines that say where a run ran.

`bench.generate`, `bench.run` and `bench.load` reach the database only through `bench_app`
(the real application, migrated by `bench.generate`)."""

from __future__ import annotations

import os
import platform
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from auth.models import CredentialKind
from auth.service import issue_credential
from cases.episodes.models import Case
from centre import create_app
from core.audit import AuditEvent
from core.extensions import db

GENERATE_ACTION = "bench.generate"  #: the audit event that records a generated data set
OPEN = ("waitlisted", "admitted", "active")  #: case statuses that count as open


def normalise_url(url: str) -> str:
    """Accept postgres://, postgresql:// (use psycopg 3) and sqlite:/// URLs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def bench_app(url: str) -> Any:
    """The real application bound to `url` (the one way the harness reaches the database)."""
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": normalise_url(url),
            "SECRET_KEY": "bench",
            "ARGON2_TIME_COST": 1,
            "ARGON2_MEMORY_COST": 8192,
        }
    )


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


def token_for(app: Any, stmt: sa.Select) -> tuple[str, int]:
    """A fresh bearer token for the first user `stmt` selects: (secret, user id)."""
    with app.app_context():
        user = db.session.execute(stmt.limit(1)).scalar_one()
        secret = issue_credential(user, CredentialKind.BEARER, label="bench").secret
        db.session.commit()
        return secret, user.id


def machine() -> str:
    """Cores, memory and platform, for the header of a run."""
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


def load_average() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def describe_database(app: Any) -> str:
    """The database's kind and version, and the sizes of the tables that grow."""
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
