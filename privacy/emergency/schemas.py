"""Emergency access request and response schemas."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from core.http import PageArgsSchema, StrictSchema, required_text
from privacy.consents.schemas import optional_text
from privacy.emergency.models import ReviewOutcome


class EmergencyAccessRequestSchema(StrictSchema):
    #: why the record is needed now (required, not blank): the manager reviews it.
    reason = required_text(2000)


class ReviewSchema(StrictSchema):
    outcome = fields.Enum(ReviewOutcome, by_value=True, required=True)
    note = optional_text(4000, allow_none=True)


class GrantQuerySchema(PageArgsSchema):
    #: false: still to review; true: reviewed.
    reviewed = fields.Boolean()
    client_id = fields.Integer(validate=validate.Range(min=1))
    user_id = fields.Integer(validate=validate.Range(min=1))


class GrantSchema(ma.Schema):
    id = fields.Integer()
    user_id = fields.Integer()
    client_id = fields.Integer()
    reason = fields.String()
    granted_at = fields.DateTime()
    #: when the access ends (at once when a review found it inappropriate).
    expires_at = fields.DateTime()
    reviewed_at = fields.DateTime(allow_none=True)
    reviewed_by = fields.Integer(attribute="reviewed_by_id", allow_none=True)
    outcome = fields.Enum(ReviewOutcome, by_value=True, allow_none=True)
    note = fields.String(allow_none=True)
