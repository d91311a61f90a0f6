"""Racing sign-ins with one code, on committed data (a scratch database of its own): a TOTP
step, and a recovery code, sign in once however many requests carry it at the same moment
(`auth.mfa` takes them with one conditional UPDATE each)."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator

import pyotp
import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from auth import mfa
from auth.models import User
from centre import create_app
from core.extensions import db
from tests.concurrency.conftest import race
from tests.conftest import test_config as suite_config
from tests.factories import DEFAULT_PASSWORD, make_user

TOKENS = "/api/v1/auth/tokens"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
RACERS = 8


def _scratch_url(db_url: str) -> str:
    if not db_url.startswith("postgresql"):
        import tempfile
        from pathlib import Path

        return "sqlite:///" + str(Path(tempfile.mkdtemp()) / "mfa-races.sqlite3")
    name = f"{sa.make_url(db_url).database}_mfa_races"
    admin = sa.create_engine(db_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    admin.dispose()
    return sa.make_url(db_url).set(database=name).render_as_string(hide_password=False)


@pytest.fixture
def race_app(db_url: str) -> Iterator[Flask]:
    options = {"pool_size": 20, "max_overflow": 20, "pool_pre_ping": True}
    app = create_app({**suite_config(_scratch_url(db_url)), "SQLALCHEMY_ENGINE_OPTIONS": options})
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def enrolled_account(app: Flask) -> tuple[str, list[str]]:
    with app.app_context():
        user = db.session.get(User, make_user("counsellor"))
        mfa.start_enrolment(user)
        factor = mfa.factor_of(user)
        factor.secret = SECRET
        codes = mfa.confirm_enrolment(user, pyotp.TOTP(SECRET).now())
        db.session.commit()
        return user.email, codes


def attempt(app: Flask, email: str, otp: str) -> int:
    body = {"email": email, "password": DEFAULT_PASSWORD, "otp": otp}
    return app.test_client().post(TOKENS, json=body).status_code


def test_one_totp_code_signs_in_once_however_many_race(race_app):
    email, _ = enrolled_account(race_app)
    otp = pyotp.TOTP(SECRET).at(time.time() + 30)  # the next step's: not used yet
    codes = Counter(race(RACERS, lambda _i: attempt(race_app, email, otp)))
    assert codes[201] == 1, codes
    assert set(codes) <= {201, 401, 429}, codes


def test_one_recovery_code_signs_in_once_however_many_race(race_app):
    email, recovery = enrolled_account(race_app)
    codes = Counter(race(RACERS, lambda _i: attempt(race_app, email, recovery[0])))
    assert codes[201] == 1, codes
    assert set(codes) <= {201, 401, 429}, codes
