"""Follow-up request and response schemas."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from aftercare.follow_ups.models import FollowUpOutcome
from core.http import PageArgsSchema, StrictSchema

FOLLOW_UP_STATUSES: tuple[str, ...] = ("due", "overdue", "completed")


class FollowUpQuerySchema(PageArgsSchema):
    #: completed: contact recorded; overdue: open and due before today (CENTRE_TIMEZONE);
    #: due: open and due today or later.
    status = fields.String(
        validate=validate.OneOf(FOLLOW_UP_STATUSES, error="Must be one of: {choices}.")
    )
    counsellor_id = fields.Integer(validate=validate.Range(min=1))
    case_id = fields.Integer(validate=validate.Range(min=1))
    client_id = fields.Integer(validate=validate.Range(min=1))


class FollowUpSchema(ma.Schema):
    id = fields.Integer()
    case_id = fields.Integer()
    client_id = fields.Integer()
    #: days after the discharge date (7, 30, 90 by default).
    offset_days = fields.Integer()
    due_on = fields.Date()
    #: due | overdue | completed, computed against today in CENTRE_TIMEZONE.
    status = fields.String()
    assigned_to = fields.Integer(attribute="assigned_to_id")
    outcome = fields.Enum(FollowUpOutcome, by_value=True, allow_none=True)
    contacted_at = fields.DateTime(allow_none=True)
    notes = fields.String(allow_none=True)
    completed_at = fields.DateTime(allow_none=True)
    completed_by = fields.Integer(attribute="completed_by_id", allow_none=True)
    version = fields.Integer()


class FollowUpCompleteSchema(StrictSchema):
    #: when the client was contacted (or contact was attempted): ISO 8601 with an offset,
    #: not in the future, not before the discharge date.
    contacted_at = fields.AwareDateTime(required=True, format="iso")
    outcome = fields.Enum(FollowUpOutcome, by_value=True, required=True)
    notes = fields.String(required=True, validate=validate.Length(min=1, max=10000))
