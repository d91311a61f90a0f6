"""Shared by the MFA tests: the routes, the shipped default of MFA_REQUIRED_ROLES, committed
accounts, codes on the service's clock, and reading lockout and audit state."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
import sqlalchemy as sa

from auth.models import LoginThrottle, User
from core import clock as core_clock
from core.audit import AuditEvent
from core.config import DEFAULT_MFA_REQUIRED_ROLES
from core.extensions import db
from tests.factories import DEFAULT_PASSWORD, make_user

LOGIN = "/api/v1/auth/login"
TOKENS = "/api/v1/auth/tokens"
ME = "/api/v1/auth/me"
LOGOUT = "/api/v1/auth/logout"
ENROL = "/api/v1/auth/mfa/totp"
CONFIRM = "/api/v1/auth/mfa/totp/confirm"
ENROL_FIRST = "Enrol in multi-factor authentication first."


@pytest.fixture(name="default_mfa_roles", autouse=True)
def default_mfa_roles_fixture(app):
    """The shipped default (clinician, manager, admin), whatever the suite's config says."""
    saved = app.config["MFA_REQUIRED_ROLES"]
    app.config["MFA_REQUIRED_ROLES"] = tuple(DEFAULT_MFA_REQUIRED_ROLES.split(","))
    yield
    app.config["MFA_REQUIRED_ROLES"] = saved


@pytest.fixture(name="account")
def account_fixture(app):
    """A committed staff account of `role`: (id, email)."""

    def _make(role="clinician", **kw):
        with app.app_context():
            uid = make_user(role, **kw)
            email = db.session.get(User, uid).email
            db.session.commit()
        return uid, email

    return _make


def code(secret, seconds=0):
    """What the authenticator app shows now (or `seconds` from now) on the service's clock."""
    return pyotp.TOTP(secret).at(core_clock.now() + timedelta(seconds=seconds))


def login(http, email, otp=None, url=LOGIN):
    body = {"email": email, "password": DEFAULT_PASSWORD}
    if otp is not None:
        body["otp"] = otp
    return http.post(url, json=body)


def enrol_by_api(app, email):
    """Sign in (an enrolment-only session), enrol, confirm: (secret, recovery codes)."""
    http = app.test_client()
    signed = login(http, email)
    assert signed.status_code == 200, signed.get_json()
    csrf = {"X-CSRF-Token": signed.get_json()["csrf_token"]}
    secret = http.post(ENROL, headers=csrf).get_json()["secret"]
    confirmed = http.post(CONFIRM, json={"code": code(secret)}, headers=csrf)
    assert confirmed.status_code == 200, confirmed.get_json()
    return secret, confirmed.get_json()["recovery_codes"]


def failures(app, email):
    with app.app_context():
        stmt = sa.select(LoginThrottle.failures).where(LoginThrottle.email == email)
        return db.session.execute(stmt).scalar() or 0


def login_events(app, email):
    with app.app_context():
        stmt = (
            sa.select(AuditEvent)
            .where(AuditEvent.action == "auth.login", AuditEvent.actor_email == email)
            .order_by(AuditEvent.id)
        )
        return db.session.execute(stmt).scalars().all()
