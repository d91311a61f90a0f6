"""The audit trail: who did what to which record, when, with what outcome.

Events are added to the session of the change they describe, so they commit (or roll back)
with it. A failed request is rolled back whole and then gets one event of its own, written
in a fresh transaction (`record_failed_request`). The table is append-only: triggers on
SQLite and PostgreSQL refuse UPDATE and DELETE (see the initial migration).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

import marshmallow as ma
import sqlalchemy as sa
from flask import g, has_request_context, request
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, NeverDeleted, UTCDateTime, utcnow
from core.extensions import db
from core.http import PageArgsSchema


class Actor(Protocol):
    id: int
    email: str


class AuditEvent(NeverDeleted, Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    #: null for an anonymous request (a failed login, a missing token).
    actor_id: Mapped[int | None] = mapped_column(index=True)
    actor_email: Mapped[str | None] = mapped_column(sa.String(320))
    #: e.g. `client.read`, `client.update`, `auth.login`; for failures the endpoint name.
    action: Mapped[str] = mapped_column(sa.String(100))
    record_type: Mapped[str | None] = mapped_column(sa.String(50))
    record_id: Mapped[int | None]
    #: the client whose data was touched, so every access to one client can be listed.
    client_id: Mapped[int | None] = mapped_column(index=True)
    #: `success`, or the HTTP status of a refused/failed request (e.g. `404`).
    outcome: Mapped[str] = mapped_column(sa.String(20))
    request_id: Mapped[str | None] = mapped_column(sa.String(64))
    method: Mapped[str | None] = mapped_column(sa.String(10))
    path: Mapped[str | None] = mapped_column(sa.String(500))
    ip: Mapped[str | None] = mapped_column(sa.String(64))
    detail: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)


def request_id() -> str | None:
    if not has_request_context():
        return None
    if "request_id" not in g:
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming[:64] if incoming else uuid.uuid4().hex
    return g.request_id


def _request_fields() -> dict[str, Any]:
    if not has_request_context():
        return {}
    return {
        "request_id": request_id(),
        "method": request.method,
        "path": request.path[:500],
        "ip": (request.remote_addr or "")[:64] or None,
    }


def record(
    action: str,
    *,
    actor: Actor | None,
    record_type: str | None = None,
    record_id: int | None = None,
    client_id: int | None = None,
    outcome: str = "success",
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add one audit event to the current transaction."""
    event = AuditEvent(
        actor_id=getattr(actor, "id", None),
        actor_email=getattr(actor, "email", None),
        action=action,
        record_type=record_type,
        record_id=record_id,
        client_id=client_id,
        outcome=outcome,
        detail=detail,
        **_request_fields(),
    )
    db.session.add(event)
    return event


def record_many(
    action: str, *, actor: Actor, record_type: str, rows: list[tuple[int, int | None]]
) -> None:
    """One event per (record_id, client_id) pair, for list reads of client data, written
    with a single multi-row INSERT."""
    if not rows:
        return
    common = {
        "occurred_at": utcnow(),
        "actor_id": actor.id,
        "actor_email": actor.email,
        "action": action,
        "record_type": record_type,
        "outcome": "success",
        "detail": None,
        **_request_fields(),
    }
    db.session.execute(
        sa.insert(AuditEvent),
        [{**common, "record_id": rec_id, "client_id": client_id} for rec_id, client_id in rows],
    )


#: URL parameter name -> a query for the client a record belongs to. Domains register their
#: records (`register_client_of`), so a refused request on, say, a case is still listed among
#: the accesses to that client's data (the accounting of disclosures needs every attempt).
CLIENT_OF: dict[str, Callable[[int], sa.Select[Any]]] = {}


def register_client_of(param: str, query: Callable[[int], sa.Select[Any]]) -> None:
    CLIENT_OF[param] = query


def _client_of(view_args: dict[str, Any]) -> int | None:
    if "client_id" in view_args:
        return view_args["client_id"]
    for param, value in view_args.items():
        if param in CLIENT_OF:
            return db.session.execute(CLIENT_OF[param](value)).scalar()
    return None


def record_failed_request(actor: Actor | None, status: int) -> None:
    """After a failed request was rolled back, keep one event saying it was refused, naming
    the client whose record it aimed at when the record exists."""
    view_args = request.view_args or {}
    record(
        request.endpoint or "unknown",
        actor=actor,
        record_type=None,
        record_id=next((v for k, v in view_args.items() if k.endswith("id")), None),
        client_id=_client_of(view_args),
        outcome=str(status),
        detail={"view_args": view_args} if view_args else None,
    )
    db.session.commit()


class AuditQuerySchema(PageArgsSchema):
    client_id = ma.fields.Integer(validate=ma.validate.Range(min=1))
    actor_id = ma.fields.Integer(validate=ma.validate.Range(min=1))
    #: inclusive lower and exclusive upper bound on `occurred_at`.
    from_ = ma.fields.AwareDateTime(data_key="from", format="iso")
    to = ma.fields.AwareDateTime(format="iso")


class AuditEventSchema(ma.Schema):
    id = ma.fields.Integer()
    occurred_at = ma.fields.DateTime()
    actor_id = ma.fields.Integer(allow_none=True)
    actor_email = ma.fields.String(allow_none=True)
    action = ma.fields.String()
    record_type = ma.fields.String(allow_none=True)
    record_id = ma.fields.Integer(allow_none=True)
    client_id = ma.fields.Integer(allow_none=True)
    outcome = ma.fields.String()
    request_id = ma.fields.String(allow_none=True)
    method = ma.fields.String(allow_none=True)
    path = ma.fields.String(allow_none=True)
    detail = ma.fields.Dict(allow_none=True)


def query_events(
    *,
    client_id: int | None = None,
    actor_id: int | None = None,
    from_: datetime | None = None,
    to: datetime | None = None,
) -> sa.Select[tuple[AuditEvent]]:
    stmt = sa.select(AuditEvent).order_by(AuditEvent.id.desc())
    if client_id is not None:
        stmt = stmt.where(AuditEvent.client_id == client_id)
    if actor_id is not None:
        stmt = stmt.where(AuditEvent.actor_id == actor_id)
    if from_ is not None:
        stmt = stmt.where(AuditEvent.occurred_at >= from_)
    if to is not None:
        stmt = stmt.where(AuditEvent.occurred_at < to)
    return stmt
