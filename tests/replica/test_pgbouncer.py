"""The app runs unchanged behind pgbouncer in transaction mode (Debian's /usr/sbin/pgbouncer,
started on a free port with a temporary ini: bench/load_pgbouncer.py), with
DATABASE_PGBOUNCER=1 telling psycopg never to prepare statements. Without that switch two
clients sharing a server connection collide on psycopg's prepared statement names, which the
first test shows. PostgreSQL only (skipped on SQLite)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from flask import Flask

from auth.models import User
from bench.load_pgbouncer import PGBOUNCER, PgBouncer
from centre import create_app
from core.config import ConfigError, load_config
from core.extensions import db
from tests.conftest import test_config as suite_config
from tests.factories import DEFAULT_PASSWORD, ApiClient, make_user

API = "/api/v1"
FLAG = {"type": "falls_risk", "severity": "info", "note": "Unsteady on stairs."}


@pytest.fixture(scope="module")
def bouncer(scratch: str) -> Iterator[PgBouncer]:
    if not Path(PGBOUNCER).exists():
        pytest.skip("pgbouncer is not installed")
    server = PgBouncer(scratch, pool_size=2)  # fewer server connections than app threads
    yield server
    server.stop()


@pytest.fixture
def bounced_app(bouncer: PgBouncer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """The app configured from the environment as a deployment would be: DATABASE_URL at
    pgbouncer, DATABASE_PGBOUNCER=1."""
    url = bouncer.url()
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DATABASE_PGBOUNCER", "1")
    app = create_app({**suite_config(url.replace("postgresql://", "postgresql+psycopg://", 1))})
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_without_the_switch_psycopg_prepared_statements_collide(bouncer: PgBouncer) -> None:
    """The failure DATABASE_PGBOUNCER prevents: two clients, one server connection."""
    dsn = bouncer.url()
    first = psycopg.connect(dsn, autocommit=True)  # default prepare_threshold: 5
    second = psycopg.connect(dsn, autocommit=True)
    try:
        with pytest.raises(psycopg.errors.DuplicatePreparedStatement):
            for i in range(8):
                for conn in (first, second):
                    conn.execute("SELECT %s::int", (i,)).fetchone()
    finally:
        first.close()
        second.close()


def _sign_in(app: Flask, role: str) -> ApiClient:
    """A new user of `role`, signed in through the API (POST /auth/tokens)."""
    with app.app_context():
        user_id = make_user(role)
        email = db.session.get(User, user_id).email
        db.session.commit()
    http = app.test_client()
    issued = http.post(f"{API}/auth/tokens", json={"email": email, "password": DEFAULT_PASSWORD})
    assert issued.status_code == 201, issued.get_json()
    return ApiClient(http, issued.get_json()["token"], user_id)


def _workday(app: Flask, n: int) -> list[tuple[str, int]]:
    """One thread's series: sign in, register clients, read them back, raise a flag, list,
    and (as a manager) read the caseload report. Every status as (request, status)."""
    intake, clinician, manager = (
        _sign_in(app, role) for role in ("intake", "clinician", "manager")
    )
    seen: list[tuple[str, int]] = []
    for i in range(6):
        made = intake.post(
            f"{API}/clients",
            json={
                "first_name": f"Bouncer{n}x{i}",
                "last_name": "Pool",
                "date_of_birth": f"1990-01-{i + 1:02d}",
            },
        )
        seen.append(("POST /clients", made.status_code))
        client_id = made.get_json().get("id")
        for request, response in (
            ("GET /clients/id", clinician.get(f"{API}/clients/{client_id}")),
            ("GET /clients", clinician.get(f"{API}/clients?q=Bouncer")),
            ("POST /flags", clinician.post(f"{API}/clients/{client_id}/flags", json=FLAG)),
            ("GET /reports/caseload", manager.get(f"{API}/reports/caseload")),
        ):  # fmt: skip
            seen.append((request, response.status_code))
    return seen


def test_a_series_of_api_requests_through_pgbouncer_has_no_errors(
    bounced_app: Flask, bouncer: PgBouncer
) -> None:
    assert bounced_app.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"] == {
        "prepare_threshold": None
    }
    before = bouncer.transactions()
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = [
            r for series in pool.map(lambda n: _workday(bounced_app, n), range(4)) for r in series
        ]
    errors = [(request, status) for request, status in results if status >= 300]
    assert errors == [], errors
    assert len(results) == 4 * 6 * 5
    with bounced_app.app_context():
        registered = db.session.execute(
            sa.text("SELECT count(*) FROM clients WHERE first_name LIKE 'Bouncer%'")
        ).scalar_one()
        db.session.rollback()
    assert registered == 24
    assert _eventually(lambda: bouncer.transactions() - before >= len(results))


def _eventually(check: Any, seconds: float = 5) -> bool:
    """pgbouncer's SHOW STATS totals are refreshed every stats_period (1 s here)."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.25)
    return True


def test_the_pgbouncer_switch_needs_postgresql(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DATABASE_PGBOUNCER", "1")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.sqlite3'}")
    with pytest.raises(ConfigError, match="DATABASE_PGBOUNCER"):
        load_config(tmp_path)
    monkeypatch.setenv("DATABASE_URL", "postgres://app@bouncer:6432/centre")
    options = load_config(tmp_path)["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options == {"connect_args": {"prepare_threshold": None}}
    monkeypatch.setenv("DATABASE_PGBOUNCER", "0")
    assert "SQLALCHEMY_ENGINE_OPTIONS" not in load_config(tmp_path)
