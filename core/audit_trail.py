"""Reading the audit trail (managers and admins, `GET /api/v1/audit-events`): the query
arguments, the event's shape and the filtered, newest-first statement."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import marshmallow as ma
import sqlalchemy as sa

from core.audit import Actor, AuditEvent, record
from core.http import PageArgsSchema, paginate

_ACTION = re.compile(r"^[A-Za-z0-9_.\-]+$")


class AuditQuerySchema(PageArgsSchema):
    client_id = ma.fields.Integer(validate=ma.validate.Range(min=1))
    actor_id = ma.fields.Integer(validate=ma.validate.Range(min=1))
    #: inclusive lower and exclusive upper bound on `occurred_at`.
    from_ = ma.fields.AwareDateTime(data_key="from", format="iso")
    to = ma.fields.AwareDateTime(format="iso")
    #: one action name (`client.read`, `auth.login`, ...).
    action = ma.fields.String(
        validate=[
            ma.validate.Length(min=1, max=100),
            ma.validate.Regexp(_ACTION, error="An action name: letters, digits, '.', '_', '-'."),
        ]
    )


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
    client_request_id = ma.fields.String(allow_none=True)
    method = ma.fields.String(allow_none=True)
    path = ma.fields.String(allow_none=True)
    detail = ma.fields.Dict(allow_none=True)


def query_events(
    *,
    client_id: int | None = None,
    actor_id: int | None = None,
    from_: datetime | None = None,
    to: datetime | None = None,
    action: str | None = None,
) -> sa.Select[tuple[AuditEvent]]:
    stmt = sa.select(AuditEvent).order_by(AuditEvent.id.desc())
    if action is not None:
        stmt = stmt.where(AuditEvent.action == action)
    if client_id is not None:
        stmt = stmt.where(AuditEvent.client_id == client_id)
    if actor_id is not None:
        stmt = stmt.where(AuditEvent.actor_id == actor_id)
    if from_ is not None:
        stmt = stmt.where(AuditEvent.occurred_at >= from_)
    if to is not None:
        stmt = stmt.where(AuditEvent.occurred_at < to)
    return stmt


def read_events(args: dict[str, Any], *, actor: Actor) -> dict[str, Any]:
    """One page of the filtered trail (`AuditQuerySchema`'s loaded arguments), the reading
    itself audited with its filters (ids, an action name and times: no clinical content)."""
    filters = {k: v for k, v in args.items() if k not in ("page", "per_page")}
    page = paginate(query_events(**filters), args["page"], args["per_page"])
    shown = {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in args.items()}
    record("audit.read", actor=actor, detail={"filters": shown})
    return page
