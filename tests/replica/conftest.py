"""Helpers for the replica and pgbouncer tests: a scratch database of their own (committed data
a standby can replay, never the suite's rolled-back one), a REAL streaming standby of the
local PostgreSQL server, and an app configured against them.

The standby: `pg_basebackup -R -X stream -c fast` of the primary into a temporary directory,
a postgresql.conf of its own (port, socket in that directory, the settings a standby must not
set lower than its primary), started with the server's `pg_ctl` as the `postgres` OS user when
the tests run as root (PostgreSQL refuses root). It is stopped and the directory removed at
the end, whatever happens. The primary must allow replication from 127.0.0.1 (`.ci/run` sees
to it). PostgreSQL only: skipped on SQLite.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from centre import create_app
from core import replica
from core.extensions import db
from tests.conftest import test_config

SCRATCH_SUFFIX = "_replica"
#: what a hot standby must set at least as high as its primary (or it refuses to recover).
COPIED_SETTINGS = (
    "max_connections",
    "max_worker_processes",
    "max_wal_senders",
    "max_prepared_transactions",
    "max_locks_per_transaction",
)


def postgres_url(db_url: str) -> str:
    """The suite's database URL, or skip: these tests need PostgreSQL."""
    if not db_url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL (TEST_DATABASE_URL)")
    return db_url


def scratch_url(db_url: str) -> str:
    """A new empty database beside the suite's (``helper_replica`` → ``helper_replica_replica``)."""
    url = sa.make_url(db_url)
    name = f"{url.database}{SCRATCH_SUFFIX}"
    admin = sa.create_engine(db_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def drop_database(db_url: str) -> None:
    url = sa.make_url(db_url)
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {url.database} WITH (FORCE)")
    admin.dispose()


def free_port(preferred: int) -> int:
    """`preferred` when nothing listens there, else any free loopback port."""
    for port in (preferred, 0):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return s.getsockname()[1]
    raise RuntimeError("no free port")


def _as_postgres(cmd: list[str]) -> list[str]:
    """Run as the postgres OS user when we are root (the server refuses root)."""
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def _bin_dir(conn: sa.Connection) -> Path:
    major = int(conn.exec_driver_sql("SHOW server_version_num").scalar_one()) // 10000
    return Path(f"/usr/lib/postgresql/{major}/bin")


class Standby:
    """A streaming standby of the primary at `primary_url`, in its own directory and port."""

    def __init__(self, primary_url: str) -> None:
        self.primary = sa.create_engine(primary_url, isolation_level="AUTOCOMMIT")
        with self.primary.connect() as conn:
            self.bin = _bin_dir(conn)
            settings = {name: conn.exec_driver_sql(f"SHOW {name}").scalar_one()
                        for name in COPIED_SETTINGS}  # fmt: skip
        self.port = free_port(5433)
        self.root = Path(tempfile.mkdtemp(prefix="tc-standby-"))
        self.data = self.root / "data"
        if os.geteuid() == 0:
            account = pwd.getpwnam("postgres")
            os.chown(self.root, account.pw_uid, account.pw_gid)
        url = sa.make_url(primary_url)
        host, port = url.host or "127.0.0.1", str(url.port or 5432)
        source = ["-h", host, "-p", port, "-U", url.username or "postgres"]
        self._run([str(self.bin / "pg_basebackup"), *source, "-D", str(self.data),
                   "-R", "-X", "stream", "-c", "fast"])  # fmt: skip
        self._configure(settings)
        self._run([str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "log"),
                   "-w", "-t", "60", "start"])  # fmt: skip
        self.engine = sa.create_engine(self.url("postgres"), isolation_level="AUTOCOMMIT")

    def _run(self, cmd: list[str]) -> None:
        subprocess.run(_as_postgres(cmd), check=True, capture_output=True, timeout=600)

    def _configure(self, settings: dict[str, str]) -> None:
        """The standby's own postgresql.conf, pg_hba.conf and pg_ident.conf (Debian keeps the
        primary's under /etc, so the base backup has none)."""
        lines = [f"port = {self.port}", "listen_addresses = '127.0.0.1'",
                 f"unix_socket_directories = '{self.root}'", "hot_standby = on",
                 "shared_buffers = 16MB", "fsync = off",
                 *(f"{name} = {value}" for name, value in settings.items())]  # fmt: skip
        files = {
            "postgresql.conf": "\n".join(lines) + "\n",
            "pg_hba.conf": "local all all trust\nhost all all 127.0.0.1/32 trust\n",
            "pg_ident.conf": "",
        }
        for name, text in files.items():
            # written by the owner of the directory: the postgres OS user when we are root
            subprocess.run(_as_postgres(["tee", str(self.data / name)]), input=text.encode(),
                           check=True, capture_output=True)  # fmt: skip

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def scalar(self, sql: str) -> Any:
        with self.engine.connect() as conn:
            return conn.exec_driver_sql(sql).scalar()

    def wait_for_replay(self, timeout: float = 30) -> None:
        """Until the standby has replayed everything the primary has written so far."""
        with self.primary.connect() as conn:
            target = conn.exec_driver_sql("SELECT pg_current_wal_lsn()").scalar_one()
        deadline = time.monotonic() + timeout
        while not self.scalar(f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn"):
            if time.monotonic() > deadline:
                raise AssertionError(f"the standby did not replay up to {target} in time")
            time.sleep(0.05)

    def pause(self) -> None:
        """Stop replaying WAL (it still arrives); returns once replay is paused."""
        self.scalar("SELECT pg_wal_replay_pause()")
        while self.scalar("SELECT pg_get_wal_replay_pause_state()") != "paused":
            time.sleep(0.05)

    def resume(self) -> None:
        self.scalar("SELECT pg_wal_replay_resume()")

    def stop(self) -> None:
        """Stop the server and remove its directory."""
        self.engine.dispose()
        self.primary.dispose()
        if (self.data / "postmaster.pid").exists():
            self._run([str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"])
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="module")
def scratch(db_url: str) -> Iterator[str]:
    """A migrated scratch database on the primary, dropped at the end."""
    url = scratch_url(postgres_url(db_url))
    migrating = create_app(test_config(url))
    with migrating.app_context():
        upgrade()
        db.session.remove()
        db.engine.dispose()
    yield url
    drop_database(url)


@pytest.fixture(scope="module")
def standby(scratch: str) -> Iterator[Standby]:
    """A real streaming standby of the local server (the scratch database included)."""
    if shutil.which("pg_basebackup") is None:
        pytest.skip("pg_basebackup is not installed")
    server = Standby(scratch)
    try:
        server.wait_for_replay()
        yield server
    finally:
        server.stop()


@pytest.fixture
def replica_app(scratch: str, standby: Standby) -> Iterator[Flask]:
    """The app on the scratch database, its reports read from the standby's copy of it."""
    database = sa.make_url(scratch).database or ""
    app = create_app({**test_config(scratch), "DATABASE_REPLICA_URL": standby.url(database)})
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    replica.dispose(app)
