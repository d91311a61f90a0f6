"""Login, cookie sessions with CSRF, bearer tokens and the failed-login lockout
(API.md "Authentication")."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

import auth.credentials
from auth.credentials import secret_digest
from auth.login import AUTH_COOKIE
from auth.models import Credential, LoginThrottle, User
from core.extensions import db
from tests.factories import DEFAULT_PASSWORD, make_user

LOGIN = "/api/v1/auth/login"
TOKENS = "/api/v1/auth/tokens"
ME = "/api/v1/auth/me"
LOGOUT = "/api/v1/auth/logout"


@pytest.fixture
def account(app):
    """A committed counsellor account; returns its email."""

    def _make(**kw):
        with app.app_context():
            uid = make_user("counsellor", **kw)
            email = db.session.get(User, uid).email
            db.session.commit()
        return email

    return _make


def fail_login(client, email, times):
    for _ in range(times):
        r = client.post(LOGIN, json={"email": email, "password": "wrong-password-123"})
        assert r.status_code == 401, r.get_json()


def failures_in_db(app, email):
    with app.app_context():
        stmt = sa.select(LoginThrottle.failures).where(LoginThrottle.email == email)
        return db.session.execute(stmt).scalar_one()


# --- login and cookie sessions ---------------------------------------------------------------


def test_login_returns_user_csrf_token_and_httponly_cookie(client, account):
    email = account()
    r = client.post(LOGIN, json={"email": email, "password": DEFAULT_PASSWORD})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["user"]["email"] == email
    assert body["user"]["role"] == "counsellor"
    assert "password_hash" not in body["user"]
    assert body["csrf_token"]
    set_cookie = r.headers["Set-Cookie"]
    assert set_cookie.startswith(f"{AUTH_COOKIE}=")
    assert "HttpOnly" in set_cookie
    assert "SameSite=Lax" in set_cookie


def test_login_email_is_case_insensitive(client, account):
    email = account()
    r = client.post(LOGIN, json={"email": f"  {email.upper()} ", "password": DEFAULT_PASSWORD})
    assert r.status_code == 200


def test_me_with_cookie_returns_current_user(client, account):
    email = account()
    client.post(LOGIN, json={"email": email, "password": DEFAULT_PASSWORD})
    r = client.get(ME)
    assert r.status_code == 200
    assert r.get_json()["email"] == email


def test_cookie_unsafe_request_without_csrf_token_is_forbidden(client, account):
    client.post(LOGIN, json={"email": account(), "password": DEFAULT_PASSWORD})
    r = client.post(LOGOUT)
    assert r.status_code == 403
    assert r.get_json()["code"] == 403
    assert client.get(ME).status_code == 200  # the session was not ended


def test_cookie_unsafe_request_with_wrong_csrf_token_is_forbidden(client, account):
    login = client.post(LOGIN, json={"email": account(), "password": DEFAULT_PASSWORD})
    wrong = login.get_json()["csrf_token"][:-2] + "xx"
    r = client.post(LOGOUT, headers={"X-CSRF-Token": wrong})
    assert r.status_code == 403
    assert client.get(ME).status_code == 200


def test_cookie_unsafe_request_with_right_csrf_token_succeeds(client, account):
    login = client.post(LOGIN, json={"email": account(), "password": DEFAULT_PASSWORD})
    r = client.post(LOGOUT, headers={"X-CSRF-Token": login.get_json()["csrf_token"]})
    assert r.status_code == 204


def test_csrf_token_of_another_session_is_refused(app, client, account):
    email = account()
    other = app.test_client()
    other_csrf = other.post(LOGIN, json={"email": email, "password": DEFAULT_PASSWORD}).get_json()[
        "csrf_token"
    ]
    client.post(LOGIN, json={"email": email, "password": DEFAULT_PASSWORD})
    assert client.post(LOGOUT, headers={"X-CSRF-Token": other_csrf}).status_code == 403


# --- bearer tokens ---------------------------------------------------------------------------


def test_token_issue_returns_token_and_expiry(client, account):
    r = client.post(
        TOKENS, json={"email": account(), "password": DEFAULT_PASSWORD, "label": "script"}
    )
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["token"]
    assert body["label"] == "script"
    assert body["expires_at"].endswith("+00:00")
    assert "Set-Cookie" not in r.headers


def test_bearer_token_needs_no_csrf_header(app, client, account):
    email = account()
    token = client.post(TOKENS, json={"email": email, "password": DEFAULT_PASSWORD})
    auth = {"Authorization": f"Bearer {token.get_json()['token']}"}
    fresh = app.test_client()  # no cookie at all
    assert fresh.get(ME, headers=auth).get_json()["email"] == email
    assert fresh.post(LOGOUT, headers=auth).status_code == 204


def test_token_is_stored_only_as_a_hash(app, client, account):
    email = account()
    token = client.post(TOKENS, json={"email": email, "password": DEFAULT_PASSWORD}).get_json()[
        "token"
    ]
    with app.app_context():
        user_id = db.session.execute(sa.select(User.id).where(User.email == email)).scalar_one()
        rows = db.session.execute(
            sa.select(Credential.secret_hash, Credential.csrf_token, Credential.label).where(
                Credential.user_id == user_id
            )
        ).all()
    assert len(rows) == 1
    stored = [value for row in rows for value in row if value]
    assert token not in stored
    assert rows[0].secret_hash == secret_digest(token)


def test_cookie_secret_is_stored_only_as_a_hash(app, client, account):
    email = account()
    client.post(LOGIN, json={"email": email, "password": DEFAULT_PASSWORD})
    secret = client.get_cookie(AUTH_COOKIE).value
    with app.app_context():
        hashes = db.session.execute(
            sa.select(Credential.secret_hash)
            .join(User, User.id == Credential.user_id)
            .where(User.email == email)
        ).scalars()
        assert list(hashes) == [secret_digest(secret)]


def test_unknown_bearer_token_is_unauthorized(client):
    r = client.get(ME, headers={"Authorization": "Bearer not-a-real-token"})
    assert r.status_code == 401


# --- failed logins ---------------------------------------------------------------------------


def test_unknown_email_and_wrong_password_give_identical_401(client, account):
    email = account()
    wrong = client.post(LOGIN, json={"email": email, "password": "not-the-password-1"})
    unknown = client.post(
        LOGIN, json={"email": "nobody@test.centre", "password": "not-the-password-1"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_json() == unknown.get_json()
    assert wrong.get_json()["code"] == 401
    assert "Set-Cookie" not in wrong.headers


def test_deactivated_account_with_right_password_gets_the_same_401(client, account):
    active_email = account()
    inactive_email = account(active=False)
    wrong = client.post(LOGIN, json={"email": active_email, "password": "not-the-password-1"})
    inactive = client.post(LOGIN, json={"email": inactive_email, "password": DEFAULT_PASSWORD})
    assert inactive.status_code == 401
    assert inactive.get_json() == wrong.get_json()
    token = client.post(TOKENS, json={"email": inactive_email, "password": DEFAULT_PASSWORD})
    assert token.status_code == 401


def test_token_issue_with_wrong_password_is_401(client, account):
    r = client.post(TOKENS, json={"email": account(), "password": "not-the-password-1"})
    assert r.status_code == 401
    assert "token" not in r.get_json()


# --- lockout: 5 failures for one email within 15 minutes -> 429 for 15 minutes ------------


def test_four_failures_do_not_lock_the_account(client, account):
    email = account()
    fail_login(client, email, 4)
    r = client.post(LOGIN, json={"email": email, "password": DEFAULT_PASSWORD})
    assert r.status_code == 200


def test_fifth_failure_is_still_401(client, account):
    email = account()
    fail_login(client, email, 4)
    r = client.post(LOGIN, json={"email": email, "password": "wrong-password-123"})
    assert r.status_code == 401


def test_sixth_attempt_after_five_failures_is_429_even_with_right_password(client, account):
    email = account()
    fail_login(client, email, 5)
    r = client.post(LOGIN, json={"email": email, "password": DEFAULT_PASSWORD})
    assert r.status_code == 429
    body = r.get_json()
    assert body["code"] == 429
    assert body["status"] == "Too Many Requests"
    assert body["message"]
    assert 0 < int(r.headers["Retry-After"]) <= 15 * 60
    assert "Set-Cookie" not in r.headers


def test_lockout_also_refuses_token_issue(client, account):
    email = account()
    fail_login(client, email, 5)
    r = client.post(TOKENS, json={"email": email, "password": DEFAULT_PASSWORD})
    assert r.status_code == 429


def test_lockout_applies_to_the_email_whatever_its_case(client, account):
    email = account()
    fail_login(client, email, 5)
    r = client.post(LOGIN, json={"email": email.upper(), "password": DEFAULT_PASSWORD})
    assert r.status_code == 429


def test_lockout_applies_to_an_email_without_account(client):
    email = "ghost@test.centre"
    fail_login(client, email, 5)
    r = client.post(LOGIN, json={"email": email, "password": "wrong-password-123"})
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) > 0


def test_lockout_of_one_email_leaves_another_unaffected(client, account):
    locked, other = account(), account()
    fail_login(client, locked, 5)
    locked_out = client.post(LOGIN, json={"email": locked, "password": DEFAULT_PASSWORD})
    assert locked_out.status_code == 429
    r = client.post(LOGIN, json={"email": other, "password": DEFAULT_PASSWORD})
    assert r.status_code == 200


def test_failed_logins_are_counted_in_the_database(app, client, account):
    email = account()
    fail_login(client, email, 3)
    assert failures_in_db(app, email) == 3
    fail_login(client, "ghost2@test.centre", 2)
    assert failures_in_db(app, "ghost2@test.centre") == 2


def test_lockout_holds_for_a_client_that_never_failed(app, client, account):
    """The count lives in the database, so another worker or client sees the lockout."""
    email = account()
    fail_login(client, email, 5)
    fresh = app.test_client()
    r = fresh.post(LOGIN, json={"email": email, "password": DEFAULT_PASSWORD})
    assert r.status_code == 429


def test_login_works_again_after_lockout_expires(clock, client, account):
    email = account()
    fail_login(client, email, 5)
    clock.after(timedelta(minutes=14))
    assert (
        client.post(LOGIN, json={"email": email, "password": DEFAULT_PASSWORD}).status_code == 429
    )
    clock.after(timedelta(minutes=15, seconds=5))
    r = client.post(LOGIN, json={"email": email, "password": DEFAULT_PASSWORD})
    assert r.status_code == 200


def test_failures_before_a_served_lockout_do_not_count_again(clock, client, account):
    email = account()
    fail_login(client, email, 5)
    clock.after(timedelta(minutes=16))
    fail_login(client, email, 1)
    r = client.post(LOGIN, json={"email": email, "password": DEFAULT_PASSWORD})
    assert r.status_code == 200


def test_failures_older_than_the_window_do_not_count(clock, client, account):
    email = account()
    fail_login(client, email, 4)
    clock.after(timedelta(minutes=16))
    fail_login(client, email, 1)  # only one failure inside the window now
    r = client.post(LOGIN, json={"email": email, "password": DEFAULT_PASSWORD})
    assert r.status_code == 200


def test_a_successful_login_does_not_count_as_a_failure(app, client, account):
    email = account()
    fail_login(client, email, 2)
    assert (
        client.post(LOGIN, json={"email": email, "password": DEFAULT_PASSWORD}).status_code == 200
    )
    assert failures_in_db(app, email) == 2
    fail_login(client, email, 2)
    assert (
        client.post(LOGIN, json={"email": email, "password": DEFAULT_PASSWORD}).status_code == 200
    )


def test_attempts_during_a_lockout_are_not_counted_and_do_not_extend_it(
    clock, app, client, account
):
    email = account()
    fail_login(client, email, 5)
    clock.after(timedelta(minutes=10))
    wrong = client.post(LOGIN, json={"email": email, "password": "wrong-password-123"})
    assert wrong.status_code == 429
    assert failures_in_db(app, email) == 5
    clock.after(timedelta(minutes=15, seconds=5))
    assert (
        client.post(LOGIN, json={"email": email, "password": DEFAULT_PASSWORD}).status_code == 200
    )


# --- demo accounts in production -------------------------------------------------------------


@pytest.fixture
def production(app):
    app.config["ENV_NAME"] = "production"
    yield
    app.config["ENV_NAME"] = "development"


def test_demo_account_cannot_sign_in_in_production(app, client, account, production):
    email = account(email="clinician@demo.centre")
    r = client.post(LOGIN, json={"email": email, "password": DEFAULT_PASSWORD})
    wrong = client.post(LOGIN, json={"email": email, "password": "not-the-password-1"})
    assert r.status_code == wrong.status_code == 401
    assert r.get_json() == wrong.get_json()  # nothing says why
    assert (
        client.post(TOKENS, json={"email": email, "password": DEFAULT_PASSWORD}).status_code == 401
    )


def test_published_demo_password_cannot_sign_in_in_production(app, client, account, production):
    email = account(password=auth.credentials.DEMO_PASSWORD)
    r = client.post(LOGIN, json={"email": email, "password": auth.credentials.DEMO_PASSWORD})
    assert r.status_code == 401


def test_demo_account_token_issued_before_production_stops_working(app, client, account):
    email = account(email="manager@demo.centre")
    token = client.post(TOKENS, json={"email": email, "password": DEFAULT_PASSWORD})
    auth_header = {"Authorization": f"Bearer {token.get_json()['token']}"}
    assert client.get(ME, headers=auth_header).status_code == 200
    app.config["ENV_NAME"] = "production"
    try:
        assert client.get(ME, headers=auth_header).status_code == 401
    finally:
        app.config["ENV_NAME"] = "development"


def test_demo_accounts_sign_in_outside_production(client, account):
    email = account(email="intake@demo.centre")
    assert (
        client.post(LOGIN, json={"email": email, "password": DEFAULT_PASSWORD}).status_code == 200
    )
