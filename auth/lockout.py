"""Failed-login counting and lockout (API.md "Authentication"), shared by every worker.

Each attempt for an email is counted *before* its password is checked, in that email's
`LoginThrottle` row, locked while it is read and bumped (`SELECT ... FOR UPDATE` on
PostgreSQL; on SQLite every transaction is `BEGIN IMMEDIATE`, one writer at a time). A
successful attempt takes its count back. So at most `LOGIN_MAX_FAILURES` wrong passwords are
ever checked per window, however many requests race: the rest get 429. The window starts at
the first counted attempt and lasts `LOGIN_WINDOW_MINUTES`; the failure that reaches the
limit locks the email for `LOGIN_LOCKOUT_MINUTES`, after which counting starts again.
Attempts refused with 429 are not counted and do not extend a lockout.

A second factor's code (`auth.mfa`) is one more attempt for the same email, counted and
refunded the same way, so wrong codes and wrong passwords share one limit.

The count must be seen by concurrent attempts and survive the request's failure, so
`count_attempt` and `record_failure` commit on purpose (the one exception to "services
flush, views commit").
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, NoReturn

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from auth.models import LoginThrottle, User
from core import audit
from core.errors import TooManyRequests, Unauthorized
from core.extensions import db

INVALID_LOGIN = "Invalid email or password."


def _minutes(key: str) -> timedelta:
    return timedelta(minutes=current_app.config[key])


def _insert() -> Any:
    dialect = db.session.get_bind().dialect.name
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def _throttle(email: str, now: datetime) -> LoginThrottle:
    """The email's throttle row (created when missing), locked until the transaction ends;
    a window that is over (or a lockout that was served) starts again from zero."""
    db.session.execute(
        _insert()(LoginThrottle)
        .values(email=email, failures=0, window_started_at=now)
        .on_conflict_do_nothing(index_elements=["email"])
    )
    stmt = (
        sa.select(LoginThrottle)
        .where(LoginThrottle.email == email)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    row = db.session.execute(stmt).scalar_one()
    served = row.locked_until is not None and row.locked_until <= now
    if served or row.window_started_at + _minutes("LOGIN_WINDOW_MINUTES") <= now:
        row.failures, row.window_started_at, row.locked_until = 0, now, None
    return row


def count_attempt(email: str, now: datetime) -> datetime:
    """Count this attempt as a failure in advance (committed, so racing attempts see it);
    429 while the email is locked out, or while attempts in flight already fill the limit.
    Returns the window the attempt was counted in."""
    row = _throttle(email, now)
    if row.locked_until is not None:
        until = row.locked_until
    elif row.failures >= current_app.config["LOGIN_MAX_FAILURES"]:
        until = now + timedelta(seconds=1)  # the attempts in flight decide: retry shortly
    else:
        row.failures += 1
        db.session.commit()
        return row.window_started_at
    audit.record("auth.login", actor=None, outcome="429", detail={"email": email[:320]})
    db.session.commit()
    raise _too_many(until, now)


def refund_attempt(email: str, window: datetime) -> None:
    """A successful attempt takes back the count `count_attempt` made for it (in the
    request's own transaction; if the window was restarted meanwhile, nothing to take)."""
    db.session.execute(
        sa.update(LoginThrottle)
        .where(
            LoginThrottle.email == email,
            LoginThrottle.window_started_at == window,
            LoginThrottle.failures > 0,
        )
        .values(failures=LoginThrottle.failures - 1)
    )


def record_failure(
    email: str,
    now: datetime,
    window: datetime,
    user: User | None,
    *,
    message: str = INVALID_LOGIN,
    field: str | None = None,
    **extra: Any,
) -> NoReturn:
    """The attempt counted in `window` failed: it stays counted (or is counted in the new
    window, if that one ran out meanwhile), reaching the limit locks the email, and the
    failure is audited with the submitted email (and the name of the `field` that was wrong,
    for a second factor: `otp`; never its value). Raises the 401 (`extra`: keys of its
    body, `mfa_required`)."""
    db.session.rollback()
    row = _throttle(email, now)
    if row.window_started_at != window:
        row.failures += 1
    if row.locked_until is None and row.failures >= current_app.config["LOGIN_MAX_FAILURES"]:
        row.locked_until = now + _minutes("LOGIN_LOCKOUT_MINUTES")
    detail: dict[str, Any] = {"email": email[:320]}
    if field is not None:
        detail["fields"] = [field]
    audit.record("auth.login", actor=user, outcome="401", detail=detail)
    db.session.commit()
    raise Unauthorized(message, **extra)


def _too_many(until: datetime, now: datetime) -> TooManyRequests:
    seconds = max(1, int((until - now).total_seconds()))
    return TooManyRequests(
        "Too many failed logins for this email; try again later.",
        headers={"Retry-After": str(seconds)},
    )
