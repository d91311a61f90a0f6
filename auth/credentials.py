"""Resolving a request's credential: the cookie, bearer token or calendar feed token it
presents, looked up by its hash with its user in one statement built once.

A GET route that shows one client record may declare how that record is read
(`reads_record`): the credential's statement then reads the record too, with the caseload
check of the credential's own user in SQL (`auth.caseload.visible_to`), and keeps what it
found for the route's service (`core.prefetch`). An audited read so costs two round trips:
this statement and the audit INSERT, which commits as it runs (docs/scale.md). The record
read ahead is never shown unless the credential proves live and the route's permission and
service admit it: the service takes it only for the same record and the same user."""

from __future__ import annotations

import functools
import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import contains_eager

from auth.caseload import client_visibility, visible_to
from auth.models import CaseloadMembership, Credential, CredentialKind, MembershipKind, User
from core import prefetch
from core.db import UTCDateTime, utcnow
from core.extensions import db
from core.http import row_or_404

#: Demo accounts live under this domain; the demo password is printed by `seed-demo`.
DEMO_EMAIL_DOMAIN = "demo.centre"
DEMO_PASSWORD = "lantern-harbour-2026"
_NOW = "now"


def normalise_email(email: str) -> str:
    return email.strip().lower()


def secret_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def is_demo_account(email: str) -> bool:
    return normalise_email(email).endswith("@" + DEMO_EMAIL_DOMAIN)


def demo_refused(email: str, password: str | None = None) -> bool:
    """In production nobody signs in as a demo account or with the published demo
    password (e.g. a database seeded before it went live)."""
    if current_app.config["ENV_NAME"] != "production":
        return False
    published = password is not None and hmac.compare_digest(
        password.encode(), DEMO_PASSWORD.encode()
    )
    return is_demo_account(email) or published


def _now() -> sa.BindParameter[Any]:
    """The moment the statement runs at, passed with each execution."""
    return sa.bindparam(_NOW, type_=UTCDateTime())


def live_emergency_access(user_id: Any) -> sa.Label[bool]:
    """Whether the user `user_id` (a column) holds an emergency access membership not yet
    run out `now`: selected beside the credential, so an audited read need not ask again
    (`privacy.emergency`, through `auth.login.may_hold_emergency_access`)."""
    return (
        sa.exists()
        .where(
            CaseloadMembership.staff_id == user_id,
            CaseloadMembership.kind == MembershipKind.EMERGENCY,
            CaseloadMembership.ended_at > _now(),
        )
        .label("emergency_access_live")
    )


@functools.cache
def credential_statement() -> sa.Select[tuple[Credential, bool]]:
    """The credential with the hash `secret_hash` (a bound parameter), its user joined and
    whether that user's emergency access is live. Built once: SQLAlchemy's compiled cache
    then has nothing left to do per request."""
    return (
        sa.select(Credential, live_emergency_access(Credential.user_id))
        .join(Credential.user)
        .where(Credential.secret_hash == sa.bindparam("secret_hash"))
        .options(contains_eager(Credential.user))
    )


def live_credential(credential: Credential | None, kinds: set[CredentialKind]) -> Credential | None:
    """`credential` if it is live for one of `kinds`, else None (revoked, expired, idle,
    unknown, its user deactivated, or a demo account in production). Touches
    `last_seen_at` at most once a minute. Calendar feed tokens expire after
    CALENDAR_TOKEN_DAYS (their `expires_at`)."""
    if credential is None:
        return None
    user = credential.user
    now = utcnow()
    if credential.kind not in kinds or credential.revoked_at is not None or not user.active:
        return None
    if demo_refused(user.email):
        return None
    if credential.expires_at is not None and credential.expires_at <= now:
        return None
    idle = timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])
    if credential.kind is CredentialKind.COOKIE and credential.last_seen_at + idle <= now:
        return None
    if now - credential.last_seen_at > timedelta(minutes=1):
        credential.last_seen_at = now
    return credential


def statement_params(secret: str, record_id: int = 0) -> dict[str, Any]:
    """The bound values of `credential_statement` and `record_statement`: the presented
    secret's hash, this moment, and the record id (unused by the credential's own)."""
    return {"secret_hash": secret_digest(secret), _NOW: utcnow(), "record_id": record_id}


def resolve_credential(secret: str, kinds: set[CredentialKind]) -> Credential | None:
    """The live credential for a presented secret, or None (see `live_credential`)."""
    return resolve_for_request(secret, kinds)[0]


def resolve_for_request(
    secret: str, kinds: set[CredentialKind], read: RecordRead | None = None, record_id: int = 0
) -> tuple[Credential | None, bool | None]:
    """The live credential for a presented secret, or None (see `live_credential`), and
    whether its user's emergency access is live. With `read`, the route's record
    `record_id` is read in the same statement and kept (or that none is visible) for the
    credential's user (`core.prefetch`)."""
    params = statement_params(secret, record_id)
    if read is None:
        row = db.session.execute(credential_statement(), params).one_or_none()
    else:
        row = db.session.execute(record_statement(read), params).unique().one_or_none()
    if row is None:
        return None, None
    credential, emergency = live_credential(row[0], kinds), row[1]
    if read is not None and credential is not None:
        found = None if row[2] is None else tuple(row[2:])
        prefetch.keep(read.entity, record_id, credential.user_id, found)
    return credential, emergency


# --- a record read with the credential ------------------------------------------------------


@dataclass(frozen=True, eq=False)
class RecordRead:
    """How one client record is read, by its id, as its routes show it: the record of
    `entity` seen through `client_column` (the client it belongs to; a column of `entity`,
    or of what `joins` brings in), with `columns` read beside it and `options` (the loader
    options of what it shows). The same description serves the read in a GET's credential
    statement (`reads_record`, whose route names the id `param`) and the service's own
    select (`row`, `one`)."""

    param: str
    entity: Any
    client_column: Any
    joins: tuple[tuple[Any, Any], ...] = ()
    columns: tuple[Any, ...] = ()
    options: tuple[Any, ...] = field(default=())

    def row(
        self, record_id: int, actor: User, kind: str, *, for_update: bool = False
    ) -> tuple[Any, ...]:
        """The record and its `columns`, if `actor` may see it; 404 "No such {kind}."
        otherwise, alike for an unknown id and one on another caseload. Taken from the
        request's credential statement when it read it; `for_update` selects it again,
        locking its row (PostgreSQL), without `options`."""
        if not for_update:
            kept = prefetch.take_row(self.entity, record_id, actor.id, kind)
            if kept is not None:
                return kept
        stmt = sa.select(self.entity, *self.columns).select_from(self.target())
        stmt = stmt.where(self.entity.id == record_id, client_visibility(actor, self.client_column))
        if not for_update:
            stmt = stmt.options(*self.options)
        return tuple(row_or_404(stmt, kind, for_update=self.entity if for_update else None))

    def one(self, record_id: int, actor: User, kind: str, *, for_update: bool = False) -> Any:
        """As `row`, the record alone."""
        return self.row(record_id, actor, kind, for_update=for_update)[0]

    def target(self) -> Any:
        """What the record is selected from: its entity, joined with `joins`."""
        target: Any = self.entity
        for joined, onclause in self.joins:
            target = sa.join(target, joined, onclause)
        return target


def reads_record(read: RecordRead) -> Any:
    """Marks a GET route whose record is read with its credential (see the module doc)."""

    def mark(view: Any) -> Any:
        view.record_read = read
        return view

    return mark


@functools.cache
def record_statement(read: RecordRead) -> sa.Select[Any]:
    """`credential_statement` with the record of `read` whose id is the bound `record_id`,
    joined when its client is visible to the credential's user (else its columns are null)."""
    found = sa.and_(
        read.entity.id == sa.bindparam("record_id"), visible_to(read.client_column, _now())
    )
    return (
        credential_statement()
        .add_columns(read.entity, *read.columns)
        .outerjoin(read.target(), found)
        .options(*read.options)
    )
