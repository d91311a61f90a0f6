"""Test fixtures: one migrated database per run (SQLite by default, PostgreSQL when
`TEST_DATABASE_URL` or `--postgres` says so), a rolled-back transaction per test, and
`login_as(role)` clients, and `clock`, the one way a test moves the service's time."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade

from centre import create_app
from core import clock as core_clock
from core.extensions import Session, db
from tests.factories import ApiClient, make_user, token_for

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--postgres", action="store_true", help="run against PostgreSQL")


def database_url(config: pytest.Config) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url.replace("postgresql://", "postgresql+psycopg://", 1)
    if config.getoption("--postgres"):
        return PG_DEFAULT
    return "sqlite:///" + str(Path(tempfile.mkdtemp(prefix="tc-test-")) / "test.sqlite3")


def test_config(url: str) -> dict[str, Any]:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "test-secret",
        # argon2id still, with cheap parameters so the suite stays fast.
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST": 1024,
        # the suite signs in staff of every role through the forms; MFA has its own tests
        # (tests/auth/test_mfa*.py, tests/web/test_mfa_pages.py), which set the shipped default
        "MFA_REQUIRED_ROLES": (),
        # one app serves the whole session while each test rolls its data back: a kept copy
        # of the dashboard's figures would outlive its test (tests/web/test_dashboard_pages.py
        # keeps them, in a test of its own, for the shipped default)
        "DASHBOARD_MAX_AGE_SECONDS": 0,
    }


def reset_database(url: str) -> None:
    """Start from an empty database (PostgreSQL keeps state between runs)."""
    if not url.startswith("postgresql"):
        return
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()


@pytest.fixture(scope="session")
def db_url(request: pytest.FixtureRequest) -> str:
    return database_url(request.config)


@pytest.fixture(scope="session")
def app(db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    os.environ.setdefault("INSTANCE_PATH", str(tmp_path_factory.mktemp("instance")))
    reset_database(db_url)
    application = create_app(test_config(db_url))
    with application.app_context():
        upgrade()
        db.engine.dispose()
    yield application


@pytest.fixture(autouse=True)
def _transaction(request: pytest.FixtureRequest) -> Iterator[None]:
    """Each test runs inside one outer transaction that is rolled back afterwards; the
    app's own commits become savepoints. Tests marked `committed` opt out (threads)."""
    if "committed" in request.keywords or "app" not in request.fixturenames:
        yield
        return
    application: Flask = request.getfixturevalue("app")
    with application.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
    original = db.session
    db.session = db._make_scoped_session(
        {
            "bind": connection,
            "join_transaction_mode": "create_savepoint",
            "class_": Session,
            "expire_on_commit": False,
        }
    )
    try:
        yield
    finally:
        with application.app_context():
            db.session.remove()
        db.session = original
        outer.rollback()
        connection.close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def login_as(app: Flask) -> Any:
    """`login_as("counsellor")` → an ApiClient sending a fresh bearer token of a new user
    with that role (pass `user_id=` to act as an existing user)."""

    def _login(role: str, *, user_id: int | None = None, **user_kw: Any) -> ApiClient:
        with app.app_context():
            uid = user_id if user_id is not None else make_user(role, **user_kw)
            token = token_for(uid)
            db.session.commit()
        return ApiClient(app.test_client(), token, uid)

    return _login


# --- one signed-in client per role (a new user each) ------------------------------------------


@pytest.fixture
def intake(login_as: Any) -> ApiClient:
    return login_as("intake")


@pytest.fixture
def counsellor(login_as: Any) -> ApiClient:
    return login_as("counsellor")


@pytest.fixture
def clinician(login_as: Any) -> ApiClient:
    return login_as("clinician")


@pytest.fixture
def manager(login_as: Any) -> ApiClient:
    return login_as("manager")


@pytest.fixture
def admin(login_as: Any) -> ApiClient:
    return login_as("admin")


# --- the clock ---------------------------------------------------------------------------------


class FrozenClock:
    """The service's clock (`core.clock`), stopped at the real time the test started: `set`
    a moment, go to a time `after` the start, or `set_today` (noon of a centre-local day)."""

    def __init__(self, zone: ZoneInfo, start: datetime) -> None:
        self.zone, self.start = zone, start

    def set(self, moment: datetime) -> datetime:
        core_clock.freeze(moment)
        return moment

    def after(self, delta: timedelta) -> datetime:
        return self.set(self.start + delta)

    def set_today(self, day: date | str) -> datetime:
        day = date.fromisoformat(day) if isinstance(day, str) else day
        return self.set(datetime.combine(day, time(12), tzinfo=self.zone))


@pytest.fixture
def clock(app: Flask) -> Iterator[FrozenClock]:
    """Freeze the service's time for one test (it starts at the real now)."""
    frozen = FrozenClock(ZoneInfo(app.config["CENTRE_TIMEZONE"]), core_clock.now())
    frozen.set(frozen.start)
    yield frozen
    core_clock.freeze(None)
