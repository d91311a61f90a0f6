"""Race tests need committed data that other connections can see, so they run against an
app of their own on a scratch database (SQLite file or PostgreSQL database), rebuilt for
each module, and never touch the rolled-back per-test database of the rest of the suite."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from threading import Barrier
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from centre import create_app
from core.extensions import db
from tests.conftest import test_config

SCRATCH_SUFFIX = "_concurrency"


def scratch_name(db_url: str) -> str:
    """The scratch database beside the suite's own (``test`` → ``test_concurrency``), so runs
    against different databases never share one."""
    return f"{sa.make_url(db_url).database}{SCRATCH_SUFFIX}"


def scratch_url(db_url: str) -> str:
    if db_url.startswith("postgresql"):
        name = scratch_name(db_url)
        admin = sa.create_engine(db_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            conn.exec_driver_sql(f"CREATE DATABASE {name}")
        admin.dispose()
        return sa.make_url(db_url).set(database=name).render_as_string(hide_password=False)
    return "sqlite:///" + str(Path(tempfile.mkdtemp()) / "concurrency.sqlite3")


@pytest.fixture
def race_app(db_url: str) -> Iterator[Flask]:
    """A fresh, migrated database and an app bound to it; committed data is real."""
    app = create_app(
        {
            **test_config(scratch_url(db_url)),
            "SQLALCHEMY_ENGINE_OPTIONS": {
                "pool_size": 20,
                "max_overflow": 40,
                "pool_pre_ping": True,
            },
        }
    )
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def race(n: int, action: Callable[[int], Any]) -> list[Any]:
    """Run `action(i)` in n threads released at the same moment; return their results."""
    barrier = Barrier(n)

    def run(i: int) -> Any:
        barrier.wait()
        return action(i)

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))
