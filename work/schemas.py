"""Work queue and notification response shapes, and the notifications' query string."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields

from core.http import PageArgsSchema
from work.models import NotificationKind
from work.rules import KINDS


class WorkItemSchema(ma.Schema):
    #: one of `work.rules.KINDS`.
    kind = fields.String(metadata={"enum": list(KINDS)})
    due_at = fields.DateTime()
    overdue = fields.Boolean()
    case_id = fields.Integer(allow_none=True)
    client_id = fields.Integer(allow_none=True)
    #: the web page that opens it, e.g. `/cases/12#follow-ups`.
    link = fields.String()


class WorkQueueSchema(ma.Schema):
    as_of = fields.DateTime()
    items = fields.List(fields.Nested(WorkItemSchema))


class NotificationQuerySchema(PageArgsSchema):
    #: true: only unread; false: only read.
    unread = fields.Boolean()


class NotificationSchema(ma.Schema):
    id = fields.Integer()
    kind = fields.Enum(NotificationKind, by_value=True)
    case_id = fields.Integer(allow_none=True)
    client_id = fields.Integer(allow_none=True)
    record_id = fields.Integer()
    due_at = fields.DateTime(allow_none=True)
    link = fields.String()
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)
