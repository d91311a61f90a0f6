"""Multi-factor authentication through the API (docs/mfa.md): enrolling an authenticator app
(pyotp plays the app), signing in with its codes and with recovery codes, what is refused
(wrong, reused, expired codes; a recovery code used twice; a bad code at enrolment), the
shared lockout, the enrolment-only session, the admin reset, the configuration and the demo
accounts. The `clock` fixture drives the codes' time (the service gives pyotp `for_time`)."""

from __future__ import annotations

import json
from datetime import timedelta

import pyotp
import pytest
import sqlalchemy as sa

from auth import mfa
from auth.models import Credential, CredentialKind, LoginThrottle, RecoveryCode, TotpFactor, User
from core import clock as core_clock
from core.audit import AuditEvent
from core.config import DEFAULT_MFA_REQUIRED_ROLES, ConfigError, load_config
from core.extensions import db
from tests.factories import DEFAULT_PASSWORD, make_user

LOGIN = "/api/v1/auth/login"
TOKENS = "/api/v1/auth/tokens"
ME = "/api/v1/auth/me"
LOGOUT = "/api/v1/auth/logout"
ENROL = "/api/v1/auth/mfa/totp"
CONFIRM = "/api/v1/auth/mfa/totp/confirm"
ENROL_FIRST = "Enrol in multi-factor authentication first."


@pytest.fixture(autouse=True)
def default_mfa_roles(app):
    """The shipped default (clinician, manager, admin), whatever the suite's config says."""
    saved = app.config["MFA_REQUIRED_ROLES"]
    app.config["MFA_REQUIRED_ROLES"] = tuple(DEFAULT_MFA_REQUIRED_ROLES.split(","))
    yield
    app.config["MFA_REQUIRED_ROLES"] = saved


@pytest.fixture
def account(app):
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

    # The phone is lost: a recovery code signs in, once.
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


# --- enrolment -------------------------------------------------------------------------------


def test_enrolment_confirmed_with_a_bad_code_is_refused(app, account, clock):
    _, email = account("clinician")
    http = app.test_client()
    csrf = {"X-CSRF-Token": login(http, email).get_json()["csrf_token"]}
    secret = http.post(ENROL, headers=csrf).get_json()["secret"]
    for bad in ("123", f"{(int(code(secret)) + 1) % 1_000_000:06d}", code(secret, -90)):
        r = http.post(CONFIRM, json={"code": bad}, headers=csrf)
        assert r.status_code == 422, bad
        assert "code" in r.get_json()["errors"]["json"]
    assert http.get(ME).status_code == 200  # still enrolling
    assert login(app.test_client(), email).get_json()["mfa_enrolment_required"] is True
    assert http.post(CONFIRM, json={"code": code(secret)}, headers=csrf).status_code == 200


def test_asking_again_replaces_an_unconfirmed_secret(app, account, clock):
    _, email = account("clinician")
    http = app.test_client()
    csrf = {"X-CSRF-Token": login(http, email).get_json()["csrf_token"]}
    old = http.post(ENROL, headers=csrf).get_json()["secret"]
    new = http.post(ENROL, headers=csrf).get_json()["secret"]
    assert old != new
    assert http.post(CONFIRM, json={"code": code(old)}, headers=csrf).status_code == 422
    assert http.post(CONFIRM, json={"code": code(new)}, headers=csrf).status_code == 200


def test_confirm_without_a_secret_and_enrolling_twice_are_conflicts(app, account, login_as, clock):
    uid, _ = account("counsellor")
    api = login_as("counsellor", user_id=uid)
    assert api.post(CONFIRM, json={"code": "123456"}).status_code == 409
    secret = api.post(ENROL).get_json()["secret"]
    assert api.post(CONFIRM, json={"code": code(secret)}).status_code == 200
    assert api.post(ENROL).status_code == 409
    assert api.post(CONFIRM, json={"code": code(secret, 30)}).status_code == 409


def test_a_counsellor_may_enrol_from_a_full_session_which_stays(app, account, clock):
    """A role that does not require MFA signs in without it and may still enrol; confirming
    keeps the session used and ends the others; from then on a code is needed."""
    _, email = account("counsellor")
    http, other = app.test_client(), app.test_client()
    signed = login(http, email)
    assert signed.get_json()["mfa_enrolment_required"] is False
    assert login(other, email).status_code == 200
    csrf = {"X-CSRF-Token": signed.get_json()["csrf_token"]}
    assert http.get("/api/v1/clients").status_code == 200
    secret = http.post(ENROL, headers=csrf).get_json()["secret"]
    assert http.post(CONFIRM, json={"code": code(secret)}, headers=csrf).status_code == 200
    assert http.get(ME).status_code == 200
    assert other.get(ME).status_code == 401
    assert login(app.test_client(), email).get_json()["mfa_required"] is True


def test_enrolment_routes_need_the_csrf_token_of_a_cookie_session(app, account):
    _, email = account("clinician")
    http = app.test_client()
    login(http, email)
    assert http.post(ENROL).status_code == 403
    assert http.post(CONFIRM, json={"code": "123456"}).status_code == 403


# --- the enrolment-only session --------------------------------------------------------------


@pytest.mark.parametrize("role", ["clinician", "manager", "admin"])
def test_an_enrolment_only_session_may_only_enrol_read_me_and_log_out(app, account, role):
    _, email = account(role)
    http = app.test_client()
    signed = login(http, email)
    assert signed.status_code == 200 and signed.get_json()["mfa_enrolment_required"] is True
    csrf = {"X-CSRF-Token": signed.get_json()["csrf_token"]}
    assert http.get(ME).get_json()["email"] == email
    for method, url in [
        ("GET", "/api/v1/staff"),
        ("GET", "/api/v1/clients"),
        ("GET", "/api/v1/audit-events"),
        ("GET", "/api/v1/cases"),
        ("POST", "/api/v1/auth/password"),
    ]:
        r = http.open(url, method=method, headers=csrf, json={} if method == "POST" else None)
        assert r.status_code == 403, (url, r.status_code)
        assert r.get_json()["message"] == ENROL_FIRST
    assert http.post(LOGOUT, headers=csrf).status_code == 204
    assert http.get(ME).status_code == 401


def test_an_enrolment_only_token_is_limited_alike_and_needs_no_csrf(app, account, clock):
    _, email = account("manager")
    r = login(app.test_client(), email, url=TOKENS)
    assert r.status_code == 201 and r.get_json()["mfa_enrolment_required"] is True
    assert r.get_json()["expires_at"] == (clock.start + timedelta(minutes=15)).isoformat()
    bearer = {"Authorization": f"Bearer {r.get_json()['token']}"}
    http = app.test_client()
    assert http.get("/api/v1/reports/caseload", headers=bearer).status_code == 403
    secret = http.post(ENROL, headers=bearer).get_json()["secret"]
    assert http.post(CONFIRM, json={"code": code(secret)}, headers=bearer).status_code == 200
    assert http.get(ME, headers=bearer).status_code == 401  # ended: sign in with a code


def test_an_enrolment_only_session_ends_after_15_minutes(app, account, clock):
    _, email = account("clinician")
    http = app.test_client()
    login(http, email)
    clock.after(timedelta(minutes=14))
    assert http.get(ME).status_code == 200
    clock.after(timedelta(minutes=15, seconds=1))
    assert http.get(ME).status_code == 401


def test_an_enrolment_only_session_is_kept_to_its_transport(app, account):
    _, email = account("clinician")
    http = app.test_client()
    login(http, email)
    cookie = http.get_cookie("tc_auth").value
    assert (
        app.test_client().get(ME, headers={"Authorization": f"Bearer {cookie}"}).status_code == 401
    )
    token = login(app.test_client(), email, url=TOKENS).get_json()["token"]
    other = app.test_client()
    other.set_cookie("tc_auth", token)
    assert other.get(ME).status_code == 401


def test_a_temporary_password_is_changed_after_enrolment(app, account, clock):
    _, email = account("clinician", must_change_password=True)
    secret, _ = enrol_by_api(app, email)
    clock.after(timedelta(seconds=30))
    http = app.test_client()
    assert login(http, email, code(secret)).status_code == 200
    r = http.get("/api/v1/clients")
    assert r.status_code == 403 and "temporary password" in r.get_json()["message"]


def test_roles_outside_mfa_required_roles_sign_in_without_it(app, account):
    for role in ("intake", "counsellor"):
        _, email = account(role)
        r = login(app.test_client(), email)
        assert r.status_code == 200 and r.get_json()["mfa_enrolment_required"] is False


def test_an_empty_mfa_required_roles_gives_full_sessions(app, account):
    _, email = account("admin")
    app.config["MFA_REQUIRED_ROLES"] = ()
    http = app.test_client()
    assert login(http, email).get_json()["mfa_enrolment_required"] is False
    assert http.get("/api/v1/staff").status_code == 200


# --- the admin reset -------------------------------------------------------------------------


def test_an_admin_resets_a_users_mfa_and_they_enrol_again(app, account, login_as, clock):
    uid, email = account("clinician")
    secret, recovery = enrol_by_api(app, email)
    clock.after(timedelta(seconds=30))
    phone = app.test_client()
    assert login(phone, email, code(secret)).status_code == 200
    admin = login_as("admin")

    r = admin.post(f"/api/v1/staff/{uid}/mfa/reset")
    assert r.status_code == 204
    assert phone.get(ME).status_code == 401  # their sessions ended
    with app.app_context():
        assert db.session.get(TotpFactor, uid) is None
        assert not db.session.execute(
            sa.select(RecoveryCode.id).where(RecoveryCode.user_id == uid)
        ).first()
        event = db.session.execute(
            sa.select(AuditEvent).where(AuditEvent.action == "auth.mfa.reset")
        ).scalar_one()
        assert (event.actor_id, event.record_id) == (admin.user_id, uid)
        assert event.detail == {"factor_count": 1}
    again = login(app.test_client(), email, recovery[0])
    assert again.status_code == 200 and again.get_json()["mfa_enrolment_required"] is True
    enrol_by_api(app, email)


def test_only_admins_reset_mfa_and_an_unknown_id_is_404(app, account, login_as):
    uid, _ = account("clinician")
    for role in ("intake", "counsellor", "clinician", "manager"):
        assert login_as(role).post(f"/api/v1/staff/{uid}/mfa/reset").status_code == 403, role
    assert login_as("admin").post("/api/v1/staff/999999/mfa/reset").status_code == 404


# --- configuration, demo accounts ------------------------------------------------------------


def test_mfa_required_roles_is_read_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("MFA_REQUIRED_ROLES", raising=False)
    assert load_config(tmp_path)["MFA_REQUIRED_ROLES"] == ("clinician", "manager", "admin")
    monkeypatch.setenv("MFA_REQUIRED_ROLES", " Counsellor , admin")
    assert load_config(tmp_path)["MFA_REQUIRED_ROLES"] == ("counsellor", "admin")
    monkeypatch.setenv("MFA_REQUIRED_ROLES", "none")
    assert load_config(tmp_path)["MFA_REQUIRED_ROLES"] == ()
    monkeypatch.setenv("MFA_REQUIRED_ROLES", "admin;manager")
    with pytest.raises(ConfigError, match="MFA_REQUIRED_ROLES"):
        load_config(tmp_path)


def test_an_unknown_role_in_mfa_required_roles_refuses_to_start(db_url):
    from centre import create_app
    from tests.conftest import test_config

    with pytest.raises(ConfigError, match="nurse"):
        create_app({**test_config(db_url), "MFA_REQUIRED_ROLES": ("admin", "nurse")})


def test_seed_demo_enrols_the_demo_accounts_of_mfa_roles(app, clock):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert mfa.DEMO_TOTP_SECRET in result.output
    with app.app_context():
        enrolled = {
            u.email: mfa.is_enrolled(u) for u in db.session.execute(sa.select(User)).scalars()
        }
    assert enrolled["clinician@demo.centre"] and enrolled["admin@demo.centre"]
    assert enrolled["manager@demo.centre"]
    assert not enrolled["intake@demo.centre"] and not enrolled["counsellor@demo.centre"]
    demo = {"email": "clinician@demo.centre", "password": "lantern-harbour-2026"}
    r = app.test_client().post(LOGIN, json={**demo, "otp": code(mfa.DEMO_TOTP_SECRET)})
    assert r.status_code == 200, r.get_json()
    second = app.test_cli_runner().invoke(args=["seed-demo"])
    assert mfa.DEMO_TOTP_SECRET not in second.output


def test_the_demo_secret_signs_nobody_in_in_production(app, account, clock):
    uid, email = account("counsellor")
    with app.app_context():
        mfa.enrol_with_secret(db.session.get(User, uid), mfa.DEMO_TOTP_SECRET)
        db.session.commit()
    app.config["ENV_NAME"] = "production"
    try:
        r = login(app.test_client(), email, code(mfa.DEMO_TOTP_SECRET))
    finally:
        app.config["ENV_NAME"] = "development"
    assert r.status_code == 401


def test_pending_and_enrolment_credentials_never_open_the_api_as_sessions(app, account):
    """The web sign-in's pending credential is no session: neither as a cookie nor a token."""
    uid, _ = account("counsellor")
    from auth.service import issue_credential

    with app.app_context():
        pending = issue_credential(db.session.get(User, uid), CredentialKind.MFA_PENDING).secret
        db.session.commit()
    http = app.test_client()
    assert http.get(ME, headers={"Authorization": f"Bearer {pending}"}).status_code == 401
    http.set_cookie("tc_auth", pending)
    assert http.get(ME).status_code == 401
    with app.app_context():
        kinds = db.session.execute(
            sa.select(Credential.kind).where(Credential.user_id == uid)
        ).scalars()
        assert list(kinds) == [CredentialKind.MFA_PENDING]
