"""Reading the audit trail (managers and admins, `GET /api/v1/audit-events`): the query
arguments, the event's shape and the filtered, newest-first statement."""

from __future__ import annotations

from datetime import datetime

import marshmallow as ma
import sqlalchemy as sa

from core.audit import AuditEvent
from core.http import PageArgsSchema


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
