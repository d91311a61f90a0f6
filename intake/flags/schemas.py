"""Marshmallow schemas for flags."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from core.http import PageArgsSchema, StrictSchema
from intake.flags.models import FlagSeverity, FlagStatus
from intake.flags.rules import FLAG_TYPES


class FlagSourceSchema(ma.Schema):
    kind = fields.String(attribute="source_kind")
    instrument = fields.String(attribute="source_instrument", allow_none=True)
    score = fields.Float(attribute="source_score", allow_none=True)
    assessment_id = fields.Integer(attribute="source_assessment_id", allow_none=True)


_SOURCE = FlagSourceSchema()  # one instance serves every dump (made per row, it cost a list ~7 ms)


class FlagFindingSchema(ma.Schema):
    """One finding in a flag's history (rule version 2)."""

    at = fields.String(metadata={"format": "date-time"})
    source = fields.String()
    severity = fields.String()
    note = fields.String(allow_none=True)


class FlagSchema(ma.Schema):
    id = fields.Integer()
    client_id = fields.Integer()
    type = fields.String()
    category = fields.String()
    severity = fields.Enum(FlagSeverity, by_value=True)
    status = fields.Enum(FlagStatus, by_value=True)
    source = fields.Function(lambda flag: _SOURCE.dump(flag))
    note = fields.String(allow_none=True)
    #: every finding, oldest first; each urgent one cleared the acknowledgement (re-alert).
    history = fields.List(fields.Nested(FlagFindingSchema))
    raised_at = fields.DateTime()
    raised_by = fields.Integer(attribute="raised_by_id", allow_none=True)
    acknowledged_at = fields.DateTime(allow_none=True)
    acknowledged_by = fields.Integer(attribute="acknowledged_by_id", allow_none=True)
    resolved_at = fields.DateTime(allow_none=True)
    resolved_by = fields.Integer(attribute="resolved_by_id", allow_none=True)
    resolution_reason = fields.String(allow_none=True)
    version = fields.Integer()


class ManualFlagSchema(StrictSchema):
    type = fields.String(
        required=True,
        validate=validate.OneOf(list(FLAG_TYPES), error="Must be one of: {choices}."),
    )
    severity = fields.Enum(FlagSeverity, by_value=True, required=True)
    note = fields.String(required=True, validate=validate.Length(min=1, max=4000))


class ResolveSchema(StrictSchema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=4000))


class ClientFlagQuerySchema(PageArgsSchema):
    status = fields.Enum(FlagStatus, by_value=True)


class FlagQuerySchema(PageArgsSchema):
    status = fields.Enum(FlagStatus, by_value=True)
    severity = fields.Enum(FlagSeverity, by_value=True)
    acknowledged = fields.Boolean()
