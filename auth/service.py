"""Staff authentication and accounts: login, tokens, logout, password change, staff
management, and the caseload membership rows other domains write.

Services flush; views commit. The one exception is a failed login: its failure count must
survive the request's failure, so `_fail_login` commits it on purpose before raising.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from auth.models import (
    CaseloadMembership,
    Credential,
    CredentialKind,
    LoginFailure,
    LoginLockout,
    MembershipKind,
    Role,
    User,
)
from auth.passwords import burn_verification, hash_password, policy_problems, verify_password
from core import audit
from core.db import utcnow
from core.errors import Conflict, NotFound, TooManyRequests, Unauthorized, ValidationFailed
from core.extensions import db

INVALID_LOGIN = "Invalid email or password."


@dataclass(frozen=True)
class IssuedCredential:
    user: User
    credential: Credential
    #: the raw secret, shown to the caller once and never stored.
    secret: str


def normalise_email(email: str) -> str:
    return email.strip().lower()


def secret_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


# --- login and lockout -------------------------------------------------------------------


def _minutes(key: str) -> timedelta:
    return timedelta(minutes=current_app.config[key])


def _locked_until(email: str, now: datetime) -> datetime | None:
    lockout = db.session.get(LoginLockout, email)
    if lockout and lockout.locked_until > now:
        return lockout.locked_until
    return None


def _recent_failures(email: str, now: datetime) -> int:
    since = now - _minutes("LOGIN_WINDOW_MINUTES")
    lockout = db.session.get(LoginLockout, email)
    if lockout and lockout.locked_until > since:
        since = lockout.locked_until  # failures before a served lockout are spent
    stmt = sa.select(sa.func.count()).where(
        LoginFailure.email == email, LoginFailure.failed_at > since
    )
    return db.session.execute(stmt).scalar_one()


def _upsert_lockout(email: str, until: datetime) -> None:
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(LoginLockout).values(email=email, locked_until=until)
    stmt = stmt.on_conflict_do_update(index_elements=["email"], set_={"locked_until": until})
    db.session.execute(stmt)


def _fail_login(email: str, now: datetime, user: User | None) -> None:
    db.session.rollback()
    db.session.add(LoginFailure(email=email, failed_at=now))
    db.session.flush()
    if _recent_failures(email, now) >= current_app.config["LOGIN_MAX_FAILURES"]:
        _upsert_lockout(email, now + _minutes("LOGIN_LOCKOUT_MINUTES"))
    audit.record("auth.login", actor=user, outcome="401", detail={"email": email[:320]})
    db.session.commit()
    raise Unauthorized(INVALID_LOGIN)


def _too_many(until: datetime, now: datetime) -> TooManyRequests:
    seconds = max(1, int((until - now).total_seconds()))
    return TooManyRequests(
        "Too many failed logins for this email; try again later.",
        headers={"Retry-After": str(seconds)},
    )


def authenticate(email: str, password: str) -> User:
    """Check a login. 429 while the email is locked out; the same 401 for an unknown email,
    a wrong password or a deactivated account."""
    email = normalise_email(email)
    now = utcnow()
    until = _locked_until(email, now)
    if until:
        audit.record("auth.login", actor=None, outcome="429", detail={"email": email[:320]})
        db.session.commit()
        raise _too_many(until, now)
    user = db.session.execute(sa.select(User).where(User.email == email)).scalar_one_or_none()
    if user is None:
        burn_verification(password)
        _fail_login(email, now, None)
    if not verify_password(user.password_hash, password) or not user.active:
        _fail_login(email, now, user)
    return user


def issue_credential(
    user: User, kind: CredentialKind, label: str | None = None
) -> IssuedCredential:
    """A new server-side session or token for `user`."""
    cfg = current_app.config
    secret = secrets.token_urlsafe(32)
    now = utcnow()
    ttl = {
        CredentialKind.COOKIE: timedelta(hours=cfg["SESSION_MAX_HOURS"]),
        CredentialKind.BEARER: timedelta(hours=cfg["TOKEN_TTL_HOURS"]),
        CredentialKind.CALENDAR: None,
    }[kind]
    credential = Credential(
        user_id=user.id,
        kind=kind,
        secret_hash=secret_digest(secret),
        csrf_token=secrets.token_urlsafe(32) if kind is CredentialKind.COOKIE else None,
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


def login(email: str, password: str, kind: CredentialKind, label: str | None = None):
    user = authenticate(email, password)
    issued = issue_credential(user, kind, label)
    audit.record("auth.login", actor=user, detail={"kind": kind.value})
    return issued


# --- resolving a request's credential ------------------------------------------------------


def resolve_credential(secret: str, kinds: set[CredentialKind]) -> Credential | None:
    """The live credential for a presented secret, or None (revoked, expired, idle, unknown,
    or its user deactivated). Touches `last_seen_at` at most once a minute."""
    stmt = sa.select(Credential).where(Credential.secret_hash == secret_digest(secret))
    credential = db.session.execute(stmt).scalar_one_or_none()
    if credential is None:
        return None
    user = credential.user
    now = utcnow()
    if credential.kind not in kinds or credential.revoked_at is not None or not user.active:
        return None
    if credential.expires_at is not None and credential.expires_at <= now:
        return None
    idle = _minutes("SESSION_IDLE_MINUTES")
    if credential.kind is CredentialKind.COOKIE and credential.last_seen_at + idle <= now:
        return None
    if now - credential.last_seen_at > timedelta(minutes=1):
        credential.last_seen_at = now
    return credential


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


# --- passwords and staff --------------------------------------------------------------------


def _check_policy(password: str, email: str, name: str, field: str) -> None:
    problems = policy_problems(password, email=email, name=name)
    if problems:
        raise ValidationFailed(
            "The password does not meet the policy.", errors={"json": {field: problems}}
        )


def change_password(user: User, current: str, new: str, *, credential_id: int | None) -> None:
    """Set a new password; every other session and token of the user ends."""
    if not verify_password(user.password_hash, current):
        raise ValidationFailed("The current password is wrong.", field="current_password")
    if current == new:
        raise ValidationFailed("Choose a password you have not just used.", field="new_password")
    _check_policy(new, user.email, user.name, "new_password")
    user.password_hash = hash_password(new)
    user.password_changed_at = utcnow()
    user.must_change_password = False
    revoke_all(user.id, except_id=credential_id)
    audit.record("auth.password.change", actor=user, record_type="user", record_id=user.id)


def create_user(
    *,
    email: str,
    name: str,
    role: Role,
    password: str,
    actor: User | None,
    must_change_password: bool = False,
) -> User:
    email = normalise_email(email)
    if db.session.execute(sa.select(User.id).where(User.email == email)).first():
        raise Conflict("A staff account with this email already exists.")
    _check_policy(password, email, name, "password")
    user = User(
        email=email,
        name=name.strip(),
        role=role,
        password_hash=hash_password(password),
        must_change_password=must_change_password,
    )
    db.session.add(user)
    db.session.flush()
    audit.record("staff.create", actor=actor, record_type="user", record_id=user.id)
    return user


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("No such staff member.")
    return user


def list_staff(role: Role | None = None, active: bool | None = None) -> sa.Select:
    stmt = sa.select(User).order_by(User.name, User.id)
    if role is not None:
        stmt = stmt.where(User.role == role)
    if active is not None:
        stmt = stmt.where(User.active.is_(active))
    return stmt


def open_primary_case_ids(staff_id: int) -> list[int]:
    stmt = (
        sa.select(CaseloadMembership.case_id)
        .where(
            CaseloadMembership.staff_id == staff_id,
            CaseloadMembership.kind == MembershipKind.PRIMARY,
            CaseloadMembership.ended_at.is_(None),
        )
        .order_by(CaseloadMembership.case_id)
    )
    return [cid for cid in db.session.execute(stmt).scalars() if cid is not None]


def update_user(user: User, changes: dict[str, Any], *, actor: User) -> User:
    """Admin edits: name, role, active, a temporary password. Deactivating, or moving a
    counsellor out of the role, is refused while they are primary counsellor on open cases."""
    leaving = changes.get("active") is False or (
        "role" in changes and changes["role"] is not Role.COUNSELLOR
    )
    if leaving and user.role is Role.COUNSELLOR:
        case_ids = open_primary_case_ids(user.id)
        if case_ids:
            raise Conflict(
                "This counsellor is primary counsellor on open cases; reassign them first.",
                open_case_ids=case_ids,
            )
    if "temporary_password" in changes:
        _check_policy(changes["temporary_password"], user.email, user.name, "temporary_password")
        user.password_hash = hash_password(changes["temporary_password"])
        user.must_change_password = True
        revoke_all(user.id)
    for key in ("name", "role", "active"):
        if key in changes:
            setattr(user, key, changes[key])
    if changes.get("active") is False:
        revoke_all(user.id)
    db.session.flush()
    audit.record(
        "staff.update",
        actor=actor,
        record_type="user",
        record_id=user.id,
        detail={"fields": sorted(changes)},
    )
    return user


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
