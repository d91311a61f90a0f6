"""Multi-factor authentication through the API (docs/mfa.md): enrolling an authenticator app
(pyotp plays the app), signing in with its codes and with recovery codes, what is refused
(wrong, reused, expired codes; a recovery code used twice; a bad code at enrolment), the
shared lockout, the enrolment-only session, the admin reset, the configuration and the demo
accounts. The `clock` fixture drives the codes' time (the service gives pyotp `for_time`)."""

from __future__ import annotations

import json
from datetime import timedelta

import pyotp
import sqlalchemy as sa

from auth.models import RecoveryCode
from core.audit import AuditEvent
from core.extensions import db
from tests.auth.mfa_helpers import (  # noqa: F401 (fixtures and helpers)
    CONFIRM,
    ENROL,
    ENROL_FIRST,
    LOGIN,
    LOGOUT,
    ME,
    TOKENS,
    account_fixture,
    code,
    default_mfa_roles_fixture,
    enrol_by_api,
    failures,
    login,
    login_events,
)

# --- the journey of the "Done when" ---------------------------------------------------------


def test_a_clinician_enrols_signs_in_with_a_code_then_with_a_recovery_code(app, account, clock):
    _, email = account("clinician")
    http = app.test_client()

    first = login(http, email)
    assert first.status_code == 200
    assert first.get_json()["mfa_enrolment_required"] is True
    csrf = {"X-CSRF-Token": first.get_json()["csrf_token"]}

    started = http.post(ENROL, headers=csrf)
    assert started.status_code == 201, started.get_json()
    body = started.get_json()
    secret = body["secret"]
    assert body["otpauth_uri"] == pyotp.TOTP(secret).provisioning_uri(
        name=email, issuer_name="Treatment centre"
    )
    assert (
        body["qr_svg"].startswith("<svg") and 'xmlns="http://www.w3.org/2000/svg"' in body["qr_svg"]
    )
    assert "<script" not in body["qr_svg"]

    confirmed = http.post(CONFIRM, json={"code": code(secret)}, headers=csrf)
    assert confirmed.status_code == 200, confirmed.get_json()
    recovery = confirmed.get_json()["recovery_codes"]
    assert len(recovery) == len(set(recovery)) == 10
    assert http.get(ME).status_code == 401  # the enrolment-only session ended: sign in again

    needs_code = login(app.test_client(), email)
    assert needs_code.status_code == 401
    assert needs_code.get_json()["mfa_required"] is True

    clock.after(timedelta(seconds=30))  # the next code of the app
    phone = app.test_client()
    signed = login(phone, email, code(secret))
    assert signed.status_code == 200, signed.get_json()
    assert signed.get_json()["mfa_enrolment_required"] is False
    assert phone.get(ME).get_json()["email"] == email

    _signs_in_with_recovery_codes(app, email, recovery)


def _signs_in_with_recovery_codes(app, email, recovery):
    """The phone is lost: a recovery code signs in, once each."""
    laptop = app.test_client()
    assert login(laptop, email, recovery[0]).status_code == 200
    assert laptop.get(ME).status_code == 200
    again = login(app.test_client(), email, recovery[0])
    assert again.status_code == 401 and again.get_json()["mfa_required"] is True
    token = login(app.test_client(), email, recovery[1], url=TOKENS)
    assert token.status_code == 201 and token.get_json()["mfa_enrolment_required"] is False
    with app.app_context():
        uses = db.session.execute(
            sa.select(AuditEvent).where(AuditEvent.action == "auth.mfa.recovery_code.use")
        ).scalars()
        assert [e.detail["unused_count"] for e in uses] == [9, 8]


def test_recovery_codes_are_typed_loosely_and_stored_as_argon2id_hashes(app, account, clock):
    uid, email = account("manager")
    _, recovery = enrol_by_api(app, email)
    with app.app_context():
        hashes = db.session.execute(
            sa.select(RecoveryCode.code_hash).where(RecoveryCode.user_id == uid)
        ).scalars()
        hashes = list(hashes)
    assert len(hashes) == 10 and all(h.startswith("$argon2id$") for h in hashes)
    assert not any(c.replace("-", "") in h for c in recovery for h in hashes)
    typed = f"  {recovery[3].upper().replace('-', ' ')} "
    assert login(app.test_client(), email, typed).status_code == 200


# --- codes refused ---------------------------------------------------------------------------


def test_a_wrong_code_is_refused_counted_and_audited_without_the_code(app, account, clock):
    _, email = account("clinician")
    secret, _ = enrol_by_api(app, email)
    clock.after(timedelta(seconds=30))
    right = code(secret)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    r = login(app.test_client(), email, wrong)
    assert r.status_code == 401
    assert r.get_json()["mfa_required"] is True
    assert "code" in r.get_json()["message"]
    assert failures(app, email) == 1
    event = login_events(app, email)[-1]
    assert event.outcome == "401"
    assert event.detail == {"email": email, "fields": ["otp"]}
    with app.app_context():
        details = db.session.execute(sa.select(AuditEvent.detail)).scalars().all()
    assert wrong not in json.dumps(details) and right not in json.dumps(details)
    assert login(app.test_client(), email, right).status_code == 200


def test_a_code_of_a_step_used_before_is_refused(app, account, clock):
    _, email = account("clinician")
    secret, _ = enrol_by_api(app, email)
    clock.after(timedelta(seconds=30))
    used = code(secret)
    assert login(app.test_client(), email, used).status_code == 200
    replay = login(app.test_client(), email, used)
    assert replay.status_code == 401 and replay.get_json()["mfa_required"] is True
    # nor an earlier step's code, still inside the drift window
    clock.after(timedelta(seconds=60))  # the next step: the used code is the previous one
    assert login(app.test_client(), email, code(secret, -30)).status_code == 401
    assert login(app.test_client(), email, code(secret)).status_code == 200


def test_the_code_used_to_confirm_enrolment_does_not_sign_in_again(app, account, clock):
    _, email = account("clinician")
    secret, _ = enrol_by_api(app, email)
    assert login(app.test_client(), email, code(secret)).status_code == 401


def test_an_expired_code_is_refused_and_a_little_drift_is_not(app, account, clock):
    _, email = account("clinician")
    secret, _ = enrol_by_api(app, email)
    clock.after(timedelta(seconds=60))
    late = code(secret)
    clock.after(timedelta(seconds=90))  # the code is a step behind: a slow phone, allowed
    assert login(app.test_client(), email, late).status_code == 200
    clock.after(timedelta(seconds=150))
    stale = code(secret)
    clock.after(timedelta(seconds=210))  # two steps behind: expired
    r = login(app.test_client(), email, stale)
    assert r.status_code == 401 and r.get_json()["mfa_required"] is True
    assert login(app.test_client(), email, code(secret, 30)).status_code == 200  # a fast one


def test_a_code_needs_the_right_password_first(app, account, clock):
    _, email = account("clinician")
    secret, _ = enrol_by_api(app, email)
    clock.after(timedelta(seconds=30))
    r = app.test_client().post(
        LOGIN, json={"email": email, "password": "not-the-password-9", "otp": code(secret)}
    )
    assert r.status_code == 401 and "mfa_required" not in r.get_json()
    assert r.get_json()["message"] == "Invalid email or password."


def test_login_without_a_code_says_so_and_counts_nothing(app, account, clock):
    _, email = account("admin")
    enrol_by_api(app, email)
    for url in (LOGIN, TOKENS):
        r = login(app.test_client(), email, url=url)
        assert r.status_code == 401, url
        assert r.get_json()["mfa_required"] is True
        assert "Set-Cookie" not in r.headers
    assert failures(app, email) == 0


def test_wrong_codes_and_wrong_passwords_share_one_lockout(app, account, clock):
    _, email = account("clinician")
    secret, _ = enrol_by_api(app, email)
    clock.after(timedelta(seconds=30))
    http = app.test_client()
    for _ in range(2):
        r = http.post(LOGIN, json={"email": email, "password": "wrong-password-123"})
        assert r.status_code == 401
    wrong = "000000" if code(secret) != "000000" else "111111"
    for _ in range(3):
        assert login(http, email, wrong).status_code == 401
    assert failures(app, email) == 5
    locked = login(http, email, code(secret))
    assert locked.status_code == 429 and "Retry-After" in locked.headers
    assert login(http, email, url=TOKENS).status_code == 429
    clock.after(timedelta(minutes=16))
    assert login(http, email, code(secret)).status_code == 200


def test_a_lockout_stops_recovery_codes_too(app, account, clock):
    _, email = account("clinician")
    _, recovery = enrol_by_api(app, email)
    http = app.test_client()
    for _ in range(5):
        assert login(http, email, "aaaaa-aaaaa").status_code == 401
    assert login(http, email, recovery[0]).status_code == 429
    clock.after(timedelta(minutes=16))
    assert login(http, email, recovery[0]).status_code == 200
