"""Ending sessions: logout, password change, idle timeout, token expiry and temporary
passwords set by an admin (API.md "Authentication")."""

from __future__ import annotations

from datetime import timedelta

import pytest

from auth.login import AUTH_COOKIE
from auth.models import User
from core.extensions import db
from tests.factories import DEFAULT_PASSWORD, make_user

LOGIN = "/api/v1/auth/login"
TOKENS = "/api/v1/auth/tokens"
ME = "/api/v1/auth/me"
LOGOUT = "/api/v1/auth/logout"
PASSWORD = "/api/v1/auth/password"
NEW_PASSWORD = "violet-meadow-quarry-42"


@pytest.fixture
def account(app):
    """A committed counsellor: (id, email)."""

    def _make(**kw):
        with app.app_context():
            uid = make_user("counsellor", **kw)
            email = db.session.get(User, uid).email
            db.session.commit()
        return uid, email

    return _make


def cookie_login(app, email, password=DEFAULT_PASSWORD):
    """A fresh test client holding a session cookie; returns (client, csrf_token)."""
    http = app.test_client()
    r = http.post(LOGIN, json={"email": email, "password": password})
    assert r.status_code == 200, r.get_json()
    return http, r.get_json()["csrf_token"]


def bearer(app, email, password=DEFAULT_PASSWORD):
    r = app.test_client().post(TOKENS, json={"email": email, "password": password})
    assert r.status_code == 201, r.get_json()
    return {"Authorization": f"Bearer {r.get_json()['token']}"}


# --- logout ----------------------------------------------------------------------------------


def test_logout_with_cookie_ends_the_session(app, account):
    _, email = account()
    http, csrf = cookie_login(app, email)
    secret = http.get_cookie(AUTH_COOKIE).value
    r = http.post(LOGOUT, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 204
    assert r.data == b""
    replay = app.test_client()
    replay.set_cookie(AUTH_COOKIE, secret)
    assert replay.get(ME).status_code == 401


def test_logout_clears_the_cookie(app, account):
    _, email = account()
    http, csrf = cookie_login(app, email)
    http.post(LOGOUT, headers={"X-CSRF-Token": csrf})
    assert http.get_cookie(AUTH_COOKIE) is None
    assert http.get(ME).status_code == 401


def test_logout_with_bearer_token_revokes_it(app, account):
    _, email = account()
    auth = bearer(app, email)
    http = app.test_client()
    assert http.post(LOGOUT, headers=auth).status_code == 204
    r = http.get(ME, headers=auth)
    assert r.status_code == 401
    assert r.get_json()["code"] == 401


def test_logout_ends_only_the_credential_used(app, account):
    _, email = account()
    first, second = bearer(app, email), bearer(app, email)
    http = app.test_client()
    http.post(LOGOUT, headers=first)
    assert http.get(ME, headers=second).status_code == 200


def test_logout_without_login_is_401(client):
    assert client.post(LOGOUT).status_code == 401


# --- password change -------------------------------------------------------------------------


def test_password_change_ends_other_sessions_but_keeps_the_current_one(app, account):
    _, email = account()
    current = bearer(app, email)
    other_token = bearer(app, email)
    other_browser, _ = cookie_login(app, email)
    http = app.test_client()
    r = http.post(
        PASSWORD,
        json={"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD},
        headers=current,
    )
    assert r.status_code == 204
    assert http.get(ME, headers=current).status_code == 200
    assert http.get(ME, headers=other_token).status_code == 401
    assert other_browser.get(ME).status_code == 401


def test_password_change_from_cookie_session_keeps_it(app, account):
    _, email = account()
    http, csrf = cookie_login(app, email)
    other = bearer(app, email)
    r = http.post(
        PASSWORD,
        json={"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD},
        headers={"X-CSRF-Token": csrf},
    )
    assert r.status_code == 204
    assert http.get(ME).status_code == 200
    assert app.test_client().get(ME, headers=other).status_code == 401


def test_password_change_makes_the_new_password_the_login(app, account):
    _, email = account()
    http = app.test_client()
    http.post(
        PASSWORD,
        json={"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD},
        headers=bearer(app, email),
    )
    old = http.post(LOGIN, json={"email": email, "password": DEFAULT_PASSWORD})
    new = http.post(LOGIN, json={"email": email, "password": NEW_PASSWORD})
    assert old.status_code == 401
    assert new.status_code == 200


def test_password_change_with_wrong_current_password_is_422(app, account):
    _, email = account()
    auth = bearer(app, email)
    other = bearer(app, email)
    http = app.test_client()
    r = http.post(
        PASSWORD,
        json={"current_password": "not-my-password-9", "new_password": NEW_PASSWORD},
        headers=auth,
    )
    assert r.status_code == 422
    assert "current_password" in r.get_json()["errors"]["json"]
    assert http.get(ME, headers=other).status_code == 200  # nothing was revoked
    assert http.post(LOGIN, json={"email": email, "password": DEFAULT_PASSWORD}).status_code == 200


@pytest.mark.parametrize(
    "weak",
    [
        pytest.param("short-pw-1", id="short"),
        pytest.param("password1234", id="common"),
        pytest.param("Password!!2026", id="common-with-digits"),
        pytest.param("maria.lopez-is-here", id="email-name"),
        pytest.param("Lopez-violet-harbour", id="own-name"),
    ],
)
def test_password_change_to_weak_password_is_422(app, account, weak):
    _, email = account(email="maria.lopez@test.centre", name="Maria Lopez")
    auth = bearer(app, email)
    r = app.test_client().post(
        PASSWORD, json={"current_password": DEFAULT_PASSWORD, "new_password": weak}, headers=auth
    )
    assert r.status_code == 422
    body = r.get_json()
    assert body["code"] == 422
    assert body["errors"]["json"]["new_password"]
    login = app.test_client().post(LOGIN, json={"email": email, "password": weak})
    assert login.status_code == 401


def test_password_change_with_unknown_field_is_422(app, account):
    _, email = account()
    r = app.test_client().post(
        PASSWORD,
        json={"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD, "role": "x"},
        headers=bearer(app, email),
    )
    assert r.status_code == 422
    assert "role" in r.get_json()["errors"]["json"]


# --- idle timeout and expiry -------------------------------------------------------------


def test_cookie_session_used_within_idle_limit_still_works(app, clock, account):
    _, email = account()
    http, _ = cookie_login(app, email)
    idle = app.config["SESSION_IDLE_MINUTES"]
    clock.after(timedelta(minutes=idle - 1))
    assert http.get(ME).status_code == 200


def test_cookie_session_idle_too_long_is_401(app, clock, account):
    _, email = account()
    http, _ = cookie_login(app, email)
    idle = app.config["SESSION_IDLE_MINUTES"]
    clock.after(timedelta(minutes=idle + 1))
    r = http.get(ME)
    assert r.status_code == 401
    assert r.get_json()["code"] == 401


def test_cookie_session_in_use_does_not_idle_out(app, clock, account):
    """Activity on a read-only route counts: the idle clock restarts at every request."""
    _, email = account()
    http, _ = cookie_login(app, email)
    idle = app.config["SESSION_IDLE_MINUTES"]
    clock.after(timedelta(minutes=idle - 5))
    assert http.get(ME).status_code == 200
    clock.after(timedelta(minutes=2 * idle - 10))
    assert http.get(ME).status_code == 200


def test_cookie_session_ends_after_its_maximum_age(app, clock, account):
    _, email = account()
    http, _ = cookie_login(app, email)
    max_hours = app.config["SESSION_MAX_HOURS"]
    clock.after(timedelta(hours=max_hours, minutes=1))
    assert http.get(ME).status_code == 401


def test_bearer_token_is_not_subject_to_idle_timeout(app, clock, account):
    _, email = account()
    auth = bearer(app, email)
    clock.after(timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] + 60))
    assert app.test_client().get(ME, headers=auth).status_code == 200


def test_expired_bearer_token_is_401(app, clock, account):
    _, email = account()
    auth = bearer(app, email)
    clock.after(timedelta(hours=app.config["TOKEN_TTL_HOURS"], minutes=1))
    assert app.test_client().get(ME, headers=auth).status_code == 401


# --- temporary password set by an admin --------------------------------------------------


TEMPORARY = "amber-meadow-compass-17"


def set_temporary_password(login_as, user_id):
    admin = login_as("admin")
    etag = admin.get(f"/api/v1/staff/{user_id}").headers["ETag"]
    r = admin.patch(
        f"/api/v1/staff/{user_id}",
        json={"temporary_password": TEMPORARY},
        headers={"If-Match": etag},
    )
    assert r.status_code == 200, r.get_json()
    return r


def test_temporary_password_revokes_existing_tokens(app, login_as, account):
    uid, email = account()
    old = bearer(app, email)
    old_browser, _ = cookie_login(app, email)
    r = set_temporary_password(login_as, uid)
    assert r.get_json()["must_change_password"] is True
    assert app.test_client().get(ME, headers=old).status_code == 401
    assert old_browser.get(ME).status_code == 401


def test_temporary_password_replaces_the_old_one(app, login_as, account):
    uid, email = account()
    set_temporary_password(login_as, uid)
    http = app.test_client()
    assert http.post(LOGIN, json={"email": email, "password": DEFAULT_PASSWORD}).status_code == 401
    assert http.post(LOGIN, json={"email": email, "password": TEMPORARY}).status_code == 200


@pytest.mark.parametrize("url", ["/api/v1/staff", "/api/v1/staff/{uid}", "/api/v1/clients"])
def test_temporary_password_allows_only_me_logout_and_password(app, login_as, account, url):
    """Routes a counsellor may normally use answer 403 until the password is changed."""
    uid, email = account()
    set_temporary_password(login_as, uid)
    auth = bearer(app, email, TEMPORARY)
    http = app.test_client()
    me = http.get(ME, headers=auth)
    assert me.status_code == 200
    assert me.get_json()["must_change_password"] is True
    r = http.get(url.format(uid=uid), headers=auth)
    assert r.status_code == 403
    assert r.get_json()["code"] == 403


def test_temporary_password_user_may_log_out(app, login_as, account):
    uid, email = account()
    set_temporary_password(login_as, uid)
    auth = bearer(app, email, TEMPORARY)
    http = app.test_client()
    assert http.post(LOGOUT, headers=auth).status_code == 204
    assert http.get(ME, headers=auth).status_code == 401


def test_changing_temporary_password_lifts_the_restriction(app, login_as, account):
    uid, email = account()
    set_temporary_password(login_as, uid)
    auth = bearer(app, email, TEMPORARY)
    http = app.test_client()
    assert http.get("/api/v1/staff", headers=auth).status_code == 403
    r = http.post(
        PASSWORD,
        json={"current_password": TEMPORARY, "new_password": NEW_PASSWORD},
        headers=auth,
    )
    assert r.status_code == 204
    assert http.get("/api/v1/staff", headers=auth).status_code == 200
    assert http.get(ME, headers=auth).get_json()["must_change_password"] is False


def test_temporary_password_must_meet_the_policy(login_as, account):
    uid, _ = account()
    admin = login_as("admin")
    etag = admin.get(f"/api/v1/staff/{uid}").headers["ETag"]
    r = admin.patch(
        f"/api/v1/staff/{uid}", json={"temporary_password": "password1"}, headers={"If-Match": etag}
    )
    assert r.status_code == 422
    assert r.get_json()["errors"]["json"]["temporary_password"]
