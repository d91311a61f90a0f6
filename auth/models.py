"""Staff accounts, their server-side sessions and tokens, login throttling, and caseload
membership (which staff member may see which client)."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, TimestampMixin, UTCDateTime, VersionedMixin, enum_column, utcnow


class Role(enum.StrEnum):
    INTAKE = "intake"
    COUNSELLOR = "counsellor"
    CLINICIAN = "clinician"
    MANAGER = "manager"
    ADMIN = "admin"


class CredentialKind(enum.StrEnum):
    COOKIE = "cookie"  #: a browser session (cookie + CSRF token)
    BEARER = "bearer"  #: an API token sent as `Authorization: Bearer`
    CALENDAR = "calendar"  #: a read-only feed token for calendar programs
    #: an enrolment-only session (cookie- or bearer-borne: a cookie one carries a CSRF token):
    #: a user who must enrol in multi-factor authentication first may only enrol, read
    #: `auth/me` and log out (`auth.mfa`).
    ENROLMENT = "enrolment"
    #: the web sign-in's second step: the password was right, the code is still to come; held
    #: in a short-lived cookie of the sign-in page, used once (`web.signin`).
    MFA_PENDING = "mfa_pending"


class MembershipKind(enum.StrEnum):
    PRIMARY = "primary"
    CARE_TEAM = "care_team"
    #: after discharge, the primary counsellor keeps access for the follow-ups.
    AFTERCARE = "aftercare"
    #: break the glass (privacy.emergency): a staff member's own emergency access to one
    #: client, no case; written with `ended_at` already set to when it runs out.
    EMERGENCY = "emergency"


class User(UserMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: stored lower-case; the login name.
    email: Mapped[str] = mapped_column(sa.String(320), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    active: Mapped[bool] = mapped_column(default=True)
    #: set when an admin gives a temporary password; every route but password change is 403.
    must_change_password: Mapped[bool] = mapped_column(default=False)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def is_active(self) -> bool:  # flask-login
        return self.active


class Credential(Base):
    """A server-side session or token. Only a SHA-256 of the secret is stored, so a leaked
    table cannot be replayed; revoking sets `revoked_at` and the next request gets 401."""

    __tablename__ = "credentials"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    kind: Mapped[CredentialKind] = mapped_column(enum_column(CredentialKind))
    secret_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: cookie sessions only: the token unsafe requests must echo in `X-CSRF-Token`.
    csrf_token: Mapped[str | None] = mapped_column(sa.String(64))
    label: Mapped[str | None] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    #: loaded with the credential in one query; the request's user comes from here.
    user: Mapped[User] = relationship(lazy="joined", innerjoin=True)


class TotpFactor(Base):
    """A user's TOTP authenticator (RFC 6238: SHA-1, 6 digits, 30-second steps), one per user.
    Written unconfirmed when enrolment starts and confirmed by a first right code; from then on
    every sign-in needs a code. The secret is kept as it is (the server must compute the codes
    too); `last_used_step` refuses a code of a step already used, or of an earlier one."""

    __tablename__ = "mfa_totp"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), primary_key=True)
    #: base32, as the authenticator app was given it.
    secret: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: none while enrolment is not confirmed: such a factor is not asked for at sign-in.
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: the 30-second step (Unix time // 30) of the last code accepted.
    last_used_step: Mapped[int | None]


class RecoveryCode(Base):
    """One of the ten single-use recovery codes given when enrolment is confirmed, stored
    as an argon2id hash (`auth.passwords`); `used_at` is set when it signs someone in."""

    __tablename__ = "mfa_recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class LoginThrottle(Base):
    """The failed-login count and lockout of one submitted email (whether or not an account
    has it), in the database so every worker shares it. One row per email, locked while an
    attempt is counted (`auth.lockout`), so concurrent attempts cannot all slip under the
    limit."""

    __tablename__ = "login_throttles"

    #: normalised (trimmed, lower-case) as submitted.
    email: Mapped[str] = mapped_column(sa.String(320), primary_key=True)
    #: failures in the current window, plus attempts still being checked (each attempt is
    #: counted before its password is verified and refunded if it succeeds).
    failures: Mapped[int] = mapped_column(default=0)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: set when the count reaches the limit; attempts until then get 429.
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())


class CaseloadMembership(Base):
    """Staff member ↔ client access, written by the cases domain when it opens, reassigns
    or discharges a case, and by emergency access (break the glass) for a few hours. Rows
    are ended (`ended_at`), never deleted, so past access stays on record. A row is active
    until its `ended_at` (none: until it is ended); caseload filters use the active rows
    (`auth.caseload.caseload_client_ids`). Only an `emergency` row is written with its
    end in the future."""

    __tablename__ = "caseload_memberships"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("clients.id"))
    #: the case that grants access (no FK: auth must not depend on the cases domain); none
    #: for emergency access.
    case_id: Mapped[int | None]
    kind: Mapped[MembershipKind] = mapped_column(enum_column(MembershipKind))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        sa.Index("ix_caseload_memberships_staff_client", "staff_id", "client_id"),
        sa.Index("ix_caseload_memberships_client_id", "client_id"),
    )
