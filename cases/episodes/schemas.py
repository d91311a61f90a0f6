"""Marshmallow schemas for cases, beds and the waitlist."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from cases.episodes.models import Setting
from cases.episodes.rules import DISCHARGE_REASONS, CaseStatus
from core.http import PageArgsSchema, StrictSchema
from intake.assessments.placement import LEVELS

_id = fields.Integer(strict=True, validate=validate.Range(min=1))
_level = validate.OneOf(list(LEVELS), error="Must be one of: {choices}.")
_reason = validate.Length(min=1, max=4000)


class CaseCreateSchema(StrictSchema):
    client_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    assessment_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    level = fields.String(required=True, validate=_level)
    primary_counsellor_id = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=1)
    )
    override_reason = fields.String(allow_none=True, validate=_reason)
    bed_id = fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=1))
    previous_case_id = fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=1))
    care_team_ids = fields.List(_id, validate=validate.Length(max=20))
    #: a placement recorded late: the day it began, up to 30 days back (default today, in
    #: the centre's time zone); for inpatient levels also the admission date.
    opened_on = fields.Date()


class CaseUpdateSchema(StrictSchema):
    primary_counsellor_id = fields.Integer(strict=True, validate=validate.Range(min=1))
    care_team_ids = fields.List(_id, validate=validate.Length(max=20))
    level = fields.String(validate=_level)
    change_reason = fields.String(validate=_reason)


class DischargeSchema(StrictSchema):
    reason = fields.String(
        required=True,
        validate=validate.OneOf(DISCHARGE_REASONS, error="Must be one of: {choices}."),
    )
    #: may lie up to 30 days in the past; not in the future nor before admission.
    date = fields.Date(required=True)
    summary = fields.String(required=True, validate=_reason)


class CaseQuerySchema(PageArgsSchema):
    status = fields.Enum(CaseStatus, by_value=True)
    setting = fields.Enum(Setting, by_value=True)
    counsellor_id = fields.Integer(validate=validate.Range(min=1))
    client_id = fields.Integer(validate=validate.Range(min=1))
    #: cases a follow-up found relapsed: clients to offer a way back in.
    re_engagement_recommended = fields.Boolean()


class BedSchema(ma.Schema):
    id = fields.Integer()
    unit = fields.String()
    room = fields.String()
    label = fields.String()
    active = fields.Boolean()
    version = fields.Integer()


class LevelChangeSchema(ma.Schema):
    from_level = fields.String(allow_none=True)
    to_level = fields.String()
    reason = fields.String(allow_none=True)
    changed_at = fields.DateTime()
    changed_by = fields.Integer(attribute="changed_by_id", allow_none=True)


class CaseSchema(ma.Schema):
    id = fields.Integer()
    client_id = fields.Integer()
    assessment_id = fields.Integer()
    level = fields.String()
    setting = fields.Enum(Setting, by_value=True)
    status = fields.Enum(CaseStatus, by_value=True)
    recommended_level = fields.String()
    override_reason = fields.String(allow_none=True)
    requires_urgent_review = fields.Boolean()
    primary_counsellor_id = fields.Integer()
    care_team_ids = fields.List(fields.Integer())
    bed = fields.Nested(BedSchema, allow_none=True)
    previous_case_id = fields.Integer(allow_none=True)
    level_history = fields.List(fields.Nested(LevelChangeSchema))
    opened_at = fields.DateTime()
    admitted_at = fields.DateTime(allow_none=True)
    waitlisted_at = fields.DateTime(allow_none=True)
    discharged_at = fields.DateTime(allow_none=True)
    discharge_date = fields.Date(allow_none=True)
    discharge_reason = fields.String(allow_none=True)
    discharge_summary = fields.String(allow_none=True)
    re_engagement_recommended = fields.Boolean()
    version = fields.Integer()


class BedCreateSchema(StrictSchema):
    unit = fields.String(required=True, validate=validate.Length(min=1, max=100))
    room = fields.String(required=True, validate=validate.Length(min=1, max=100))
    label = fields.String(required=True, validate=validate.Length(min=1, max=100))


class BedUpdateSchema(StrictSchema):
    label = fields.String(validate=validate.Length(min=1, max=100))
    active = fields.Boolean()


class BedOccupantSchema(ma.Schema):
    case_id = fields.Integer()
    client_id = fields.Integer()
    #: the client's initials only: the board is a shared screen.
    initials = fields.String()


class BedBoardEntrySchema(BedSchema):
    id = fields.Integer(attribute="bed.id")
    unit = fields.String(attribute="bed.unit")
    room = fields.String(attribute="bed.room")
    label = fields.String(attribute="bed.label")
    active = fields.Boolean(attribute="bed.active")
    version = fields.Integer(attribute="bed.version")
    occupied = fields.Boolean()
    #: who is in the bed, when the caller may see that client; else null (even when
    #: `occupied`: a bed on another caseload tells no identity).
    occupant = fields.Nested(BedOccupantSchema, allow_none=True)


class WaitlistEntrySchema(CaseSchema):
    position = fields.Integer()
