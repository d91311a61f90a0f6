"""MFA enrolment, the enrolment-only session, the admin reset, configuration and the demo
accounts."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from auth import mfa
from auth.models import Credential, CredentialKind, RecoveryCode, TotpFactor, User
from core.audit import AuditEvent
from core.config import ConfigError, load_config
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
