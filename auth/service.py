"""Staff authentication and accounts: login, tokens, logout, password change, staff
management, and the caseload membership rows other domains write.

Services flush; views commit (except the failed-login count, see `auth.lockout`).

Demo accounts (`seed-demo`, published password) cannot sign in when ENV=production.

Multi-factor authentication (`auth.mfa`, docs/mfa.md): once a user is enrolled, a sign-in
needs a code besides the password, counted and audited like a password; a user whose role
requires it (MFA_REQUIRED_ROLES) and who has not enrolled gets an enrolment-only session.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from auth import mfa
from auth.credentials import (
    demo_refused,
    normalise_email,
    resolve_credential,
    secret_digest,
)
from auth.lockout import count_attempt, record_failure, refund_attempt
from auth.models import CaseloadMembership, Credential, CredentialKind, MembershipKind, User
from auth.passwords import burn_verification, verify_password
from core import audit
from core.db import utcnow
from core.errors import Unauthorized
from core.extensions import db

MFA_REQUIRED = "Enter the code from your authenticator app, or one of your recovery codes."
WRONG_CODE = "That code is wrong, was used already or has expired."
PENDING_EXPIRED = "The sign-in waited too long for the code; sign in again."
#: the credentials that sign someone in (not calendar feed tokens, which only read a feed).
SIGN_IN_KINDS = (
    CredentialKind.COOKIE,
    CredentialKind.BEARER,
    CredentialKind.ENROLMENT,
    CredentialKind.MFA_PENDING,
)


@dataclass(frozen=True)
class IssuedCredential:
    user: User
    credential: Credential
    #: the raw secret, shown to the caller once and never stored.
    secret: str


# --- login (counting and lockout: auth.lockout) ----------------------------------------


def authenticate(email: str, password: str) -> User:
    """Check a login. 429 while the email is locked out; the same 401 for an unknown email,
    a wrong password, a deactivated account or (in production) a demo account."""
    email = normalise_email(email)
    now = utcnow()
    window = count_attempt(email, now)
    user = db.session.execute(sa.select(User).where(User.email == email)).scalar_one_or_none()
    if user is None:
        burn_verification(password)
        record_failure(email, now, window, None)
    if not verify_password(user.password_hash, password) or not user.active:
        record_failure(email, now, window, user)
    if demo_refused(email, password):
        record_failure(email, now, window, user)
    refund_attempt(email, window)
    return user


def issue_credential(
    user: User, kind: CredentialKind, label: str | None = None, *, for_cookie: bool = False
) -> IssuedCredential:
    """A new server-side session or token for `user`. Cookie sessions carry a CSRF token, and
    so does an enrolment-only session `for_cookie` (one for a bearer header has none)."""
    cfg = current_app.config
    secret = secrets.token_urlsafe(32)
    now = utcnow()
    ttl = {
        CredentialKind.COOKIE: timedelta(hours=cfg["SESSION_MAX_HOURS"]),
        CredentialKind.BEARER: timedelta(hours=cfg["TOKEN_TTL_HOURS"]),
        CredentialKind.CALENDAR: timedelta(days=cfg["CALENDAR_TOKEN_DAYS"]),
        CredentialKind.ENROLMENT: timedelta(minutes=cfg["MFA_ENROLMENT_MINUTES"]),
        CredentialKind.MFA_PENDING: timedelta(minutes=cfg["MFA_PENDING_MINUTES"]),
    }[kind]
    cookie = kind is CredentialKind.COOKIE or (kind is CredentialKind.ENROLMENT and for_cookie)
    credential = Credential(
        user_id=user.id,
        kind=kind,
        secret_hash=secret_digest(secret),
        csrf_token=secrets.token_urlsafe(32) if cookie else None,
        label=label,
        created_at=now,
        last_seen_at=now,
        expires_at=now + ttl if ttl else None,
    )
    db.session.add(credential)
    db.session.flush()
    audit.record(
        f"auth.{kind.value}.issue", actor=user, record_type="credential", record_id=credential.id
    )
    return IssuedCredential(user, credential, secret)


def login(
    email: str,
    password: str,
    kind: CredentialKind,
    label: str | None = None,
    *,
    otp: str | None = None,
    defer_code: bool = False,
) -> IssuedCredential:
    """Sign in with a password (and, once enrolled, a code: `otp`). What is issued:

    - a credential of `kind` (cookie session or bearer token), when the password (and code)
      are right;
    - an enrolment-only session of the same transport (kind ENROLMENT, MFA_ENROLMENT_MINUTES)
      for a user whose role requires MFA and who has not enrolled;
    - for an enrolled user without `otp`: with `defer_code` (the web sign-in), a pending
      credential (MFA_PENDING) that `complete_login` exchanges for the session with the code;
      otherwise the 401 `{mfa_required: true}`, which takes back the attempt's count (a right
      password is no failure). A wrong code is a failed attempt (`verify_second_factor`)."""
    user = authenticate(email, password)
    if mfa.is_enrolled(user):
        if otp is None:
            if defer_code:
                return issue_credential(user, CredentialKind.MFA_PENDING)
            db.session.commit()  # keep the refund of the password's count (auth.lockout)
            raise Unauthorized(MFA_REQUIRED, mfa_required=True)
        verify_second_factor(user, otp)
    elif mfa.must_enrol(user):
        for_cookie = kind is CredentialKind.COOKIE
        issued = issue_credential(user, CredentialKind.ENROLMENT, label, for_cookie=for_cookie)
        audit.record("auth.login", actor=user, detail={"kind": CredentialKind.ENROLMENT.value})
        return issued
    return _signed_in(user, kind, label)


def _signed_in(user: User, kind: CredentialKind, label: str | None = None) -> IssuedCredential:
    issued = issue_credential(user, kind, label)
    audit.record("auth.login", actor=user, detail={"kind": kind.value})
    return issued


def verify_second_factor(user: User, otp: str) -> None:
    """Check a code of an enrolled user (`auth.mfa.use_code`) as one more login attempt for
    their email: counted before it is checked (429 while locked out), a wrong, reused or
    expired code stays counted and is audited (`auth.login`, 401, field `otp`: never the
    code) and answers 401 `{mfa_required: true}`; a right one takes its count back."""
    now = utcnow()
    window = count_attempt(user.email, now)
    used = mfa.use_code(user, otp)
    if used is None:
        record_failure(
            user.email, now, window, user, message=WRONG_CODE, field="otp", mfa_required=True
        )
    refund_attempt(user.email, window)
    if used == "recovery_code":
        audit.record(
            "auth.mfa.recovery_code.use",
            actor=user,
            record_type="user",
            record_id=user.id,
            detail={"unused_count": mfa.unused_recovery_codes(user)},
        )


def complete_login(pending_secret: str, otp: str) -> IssuedCredential:
    """The web sign-in's second step: the pending credential `login(defer_code=True)` gave
    (live, unexpired, used once) and a right code give a cookie session."""
    pending = resolve_credential(pending_secret, {CredentialKind.MFA_PENDING})
    if pending is None:
        raise Unauthorized(PENDING_EXPIRED)
    user = pending.user
    verify_second_factor(user, otp)
    revoke(pending, actor=user)
    return _signed_in(user, CredentialKind.COOKIE)


# --- enrolment and reset -----------------------------------------------------------------


def start_mfa_enrolment(
    user: User, *, keep_pending: bool = False, inline: bool = False
) -> mfa.Enrolment:
    """A secret for the user's authenticator app, not yet in force (`auth.mfa`); the QR
    code `inline` for a page."""
    factor = mfa.start_enrolment(user, keep_pending=keep_pending)
    audit.record("auth.mfa.start", actor=user, record_type="user", record_id=user.id)
    return mfa.provisioning(user, factor, inline=inline)


def confirm_mfa_enrolment(user: User, code: str, credential: Credential | None) -> list[str]:
    """Confirm enrolment with a first code; returns the recovery codes (shown once). Every
    other session and token of the user ends, and so does an enrolment-only session used
    here: the next sign-in is with a code."""
    codes = mfa.confirm_enrolment(user, code)
    keep = credential.id if credential and credential.kind is not CredentialKind.ENROLMENT else None
    revoke_all(user.id, except_id=keep, kinds=SIGN_IN_KINDS)
    audit.record(
        "auth.mfa.enrol",
        actor=user,
        record_type="user",
        record_id=user.id,
        detail={"recovery_code_count": len(codes)},
    )
    return codes


def reset_mfa(user: User, *, actor: User) -> None:
    """An admin's reset: the user's factor and recovery codes are gone, and their sessions
    and tokens end (not calendar feeds); they enrol again at their next sign-in (or may, if
    their role does not require it)."""
    had = mfa.remove(user)
    revoke_all(user.id, kinds=SIGN_IN_KINDS)
    audit.record(
        "auth.mfa.reset",
        actor=actor,
        record_type="user",
        record_id=user.id,
        detail={"factor_count": int(had)},
    )


def revoke(credential: Credential, actor: User) -> None:
    credential.revoked_at = utcnow()
    audit.record(
        f"auth.{credential.kind.value}.revoke",
        actor=actor,
        record_type="credential",
        record_id=credential.id,
    )


def revoke_all(user_id: int, *, except_id: int | None = None, kinds: Any = None) -> None:
    """End every live session and token of a user (deactivation, password change)."""
    stmt = (
        sa.update(Credential)
        .where(Credential.user_id == user_id, Credential.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    if except_id is not None:
        stmt = stmt.where(Credential.id != except_id)
    if kinds is not None:
        stmt = stmt.where(Credential.kind.in_(list(kinds)))
    db.session.execute(stmt)


# --- caseload membership (written by the cases domain) -------------------------------------


def grant_caseload(staff_id: int, client_id: int, case_id: int, kind: MembershipKind) -> None:
    """Give a staff member access to a client through a case (idempotent)."""
    exists = db.session.execute(
        sa.select(CaseloadMembership.id).where(
            CaseloadMembership.staff_id == staff_id,
            CaseloadMembership.case_id == case_id,
            CaseloadMembership.kind == kind,
            CaseloadMembership.ended_at.is_(None),
        )
    ).first()
    if not exists:
        db.session.add(
            CaseloadMembership(staff_id=staff_id, client_id=client_id, case_id=case_id, kind=kind)
        )


def end_caseload(
    case_id: int, *, staff_id: int | None = None, kind: MembershipKind | None = None
) -> None:
    """End access granted through a case (all of it, or one staff member's / one kind)."""
    stmt = (
        sa.update(CaseloadMembership)
        .where(CaseloadMembership.case_id == case_id, CaseloadMembership.ended_at.is_(None))
        .values(ended_at=utcnow())
    )
    if staff_id is not None:
        stmt = stmt.where(CaseloadMembership.staff_id == staff_id)
    if kind is not None:
        stmt = stmt.where(CaseloadMembership.kind == kind)
    db.session.execute(stmt)
