"""Racing login attempts for one email, on committed data: the failed-login limit holds
however many requests arrive at once (API.md "Authentication": 5 failures, then 429).

Every attempt is counted before its password is checked, under a row lock on the email's
throttle row, so at most LOGIN_MAX_FAILURES wrong passwords are ever checked per window (a
success takes its count back)."""

from __future__ import annotations

from collections import Counter

import sqlalchemy as sa

from auth.models import LoginThrottle, User
from core.extensions import db
from tests.concurrency.conftest import race
from tests.factories import DEFAULT_PASSWORD, make_user

TOKENS = "/api/v1/auth/tokens"
WRONG = "wrong-password-123"
ATTEMPTS = 16


def committed_account(app) -> str:
    with app.app_context():
        email = db.session.get(User, make_user("counsellor")).email
        db.session.commit()
    return email


def attempt(app, email: str, password: str) -> int:
    response = app.test_client().post(TOKENS, json={"email": email, "password": password})
    return response.status_code


def throttle(app, email: str) -> LoginThrottle:
    with app.app_context():
        return db.session.execute(
            sa.select(LoginThrottle).where(LoginThrottle.email == email)
        ).scalar_one()


def test_parallel_wrong_passwords_count_exactly_the_limit(race_app):
    email = committed_account(race_app)
    limit = race_app.config["LOGIN_MAX_FAILURES"]

    codes = Counter(race(ATTEMPTS, lambda _i: attempt(race_app, email, WRONG)))

    assert codes == {401: limit, 429: ATTEMPTS - limit}, codes
    row = throttle(race_app, email)
    assert row.failures == limit
    assert row.locked_until is not None
    assert attempt(race_app, email, DEFAULT_PASSWORD) == 429  # locked, even with the password


def test_right_password_among_parallel_guesses_does_not_bypass_the_lockout(race_app):
    """The reported attack: 16 parallel requests, the 9th with the right password, gave one
    201 and 10 failures counted against a limit of 5."""
    email = committed_account(race_app)
    limit = race_app.config["LOGIN_MAX_FAILURES"]

    def guess(i: int) -> int:
        return attempt(race_app, email, DEFAULT_PASSWORD if i == 8 else WRONG)

    codes = Counter(race(ATTEMPTS, guess))

    assert codes[401] <= limit, codes  # never more wrong passwords checked than the limit
    assert codes[201] <= 1, codes
    assert codes[429] == ATTEMPTS - codes[401] - codes[201], codes
    row = throttle(race_app, email)
    assert row.failures == codes[401]  # the success took its count back
    if codes[401] == limit:
        assert attempt(race_app, email, DEFAULT_PASSWORD) == 429


def test_parallel_attempts_for_different_emails_do_not_share_a_count(race_app):
    emails = [committed_account(race_app) for _ in range(4)]

    codes = race(8, lambda i: attempt(race_app, emails[i % 4], WRONG))

    assert codes == [401] * 8
    for email in emails:
        assert throttle(race_app, email).failures == 2
