"""Marshmallow schemas for therapy sessions, attendance and rooms."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from core.http import PageArgsSchema, StrictSchema, one_of
from scheduling.sessions.models import Attendance, ParticipantStatus, SessionStatus, SessionType

_id = fields.Integer(strict=True, validate=validate.Range(min=1))

_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")
#: Timestamps carry an offset. The range every date and timestamp must lie in (API.md,
#: 1900-01-01 ... 2200-12-31) is checked for every field by `core.input`.
_aware = {"format": "iso"}


class DateOrTimestamp(fields.Field):
    """A date (`2026-12-02`) or an ISO 8601 timestamp with an offset; the service reads a
    date as the start of that day in CENTRE_TIMEZONE."""

    def __init__(self, **kwargs: Any) -> None:
        metadata = {
            "type": "string",
            "example": "2026-12-02",
            "description": "A date (start of that day in CENTRE_TIMEZONE) or a timestamp "
            "with an offset.",
        }
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> date | datetime:
        if not isinstance(value, str):
            raise ma.ValidationError("Give a date or a timestamp with an offset.")
        if _DATE_ONLY.fullmatch(value):
            return fields.Date().deserialize(value)
        return fields.AwareDateTime(format="iso").deserialize(value)


class FamilyMemberSchema(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    relationship = fields.String(required=True, validate=validate.Length(min=1, max=100))


class RecurrenceSchema(StrictSchema):
    frequency = fields.String(required=True, validate=one_of(["weekly"]))
    count = fields.Integer(strict=True)
    until = fields.Date()

    @ma.validates_schema
    def _count_or_until(self, data: dict[str, Any], **_: Any) -> None:
        if ("count" in data) == ("until" in data):
            raise ma.ValidationError("Give either count or until.", "count")


class SessionCreateSchema(StrictSchema):
    type = fields.Enum(SessionType, by_value=True, required=True)
    title = fields.String(validate=validate.Length(max=200))
    facilitator_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    room_id = fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=1))
    #: ISO 8601 with an offset; a time without one is rejected.
    starts_at = fields.AwareDateTime(required=True, **_aware)
    ends_at = fields.AwareDateTime(required=True, **_aware)
    capacity = fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=1, max=200))
    case_ids = fields.List(_id, required=True, validate=validate.Length(max=200))
    family_members = fields.List(
        fields.Nested(FamilyMemberSchema), validate=validate.Length(max=20)
    )
    recurrence = fields.Nested(RecurrenceSchema, allow_none=True)


class SessionUpdateSchema(StrictSchema):
    title = fields.String(allow_none=True, validate=validate.Length(max=200))
    facilitator_id = fields.Integer(strict=True, validate=validate.Range(min=1))
    room_id = fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=1))
    starts_at = fields.AwareDateTime(**_aware)
    ends_at = fields.AwareDateTime(**_aware)
    capacity = fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=1, max=200))


class ScopeSchema(StrictSchema):
    #: `following` = this occurrence and the rest of its series.
    scope = fields.String(load_default="occurrence", validate=one_of(["occurrence", "following"]))


class ParticipantAddSchema(ScopeSchema):
    case_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))


class SessionCancelSchema(ScopeSchema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class AttendanceRecordSchema(StrictSchema):
    case_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    status = fields.Enum(Attendance, by_value=True, required=True)


class AttendanceSchema(StrictSchema):
    records = fields.List(
        fields.Nested(AttendanceRecordSchema),
        required=True,
        validate=validate.Length(min=1, max=200),
    )


class SessionQuerySchema(PageArgsSchema):
    #: sessions ending after `from` and starting before `to`; a date means the start of
    #: that day in CENTRE_TIMEZONE (so `to` is exclusive: `to=2026-12-03` ends with the 2nd).
    from_ = DateOrTimestamp(data_key="from")
    to = DateOrTimestamp()
    facilitator_id = fields.Integer(validate=validate.Range(min=1))
    case_id = fields.Integer(validate=validate.Range(min=1))
    type = fields.Enum(SessionType, by_value=True)
    status = fields.Enum(SessionStatus, by_value=True)


class ParticipantSchema(ma.Schema):
    case_id = fields.Integer()
    status = fields.Enum(ParticipantStatus, by_value=True)
    attendance = fields.Enum(Attendance, by_value=True, allow_none=True)
    attendance_recorded_at = fields.DateTime(allow_none=True)


class SessionSchema(ma.Schema):
    id = fields.Integer()
    series_id = fields.Integer(allow_none=True)
    type = fields.Enum(SessionType, by_value=True)
    title = fields.String(allow_none=True)
    facilitator_id = fields.Integer()
    room_id = fields.Integer(allow_none=True)
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    capacity = fields.Integer(allow_none=True)
    family_members = fields.List(fields.Dict(), allow_none=True)
    status = fields.Enum(SessionStatus, by_value=True)
    cancel_reason = fields.String(allow_none=True)
    #: booked participants; a counsellor sees only those on their own caseload.
    participants = fields.List(fields.Nested(ParticipantSchema), attribute="visible_participants")
    #: booked participants not shown (other caseloads): "+2 others".
    other_participant_count = fields.Integer()
    version = fields.Integer()


class SessionActionSchema(SessionSchema):
    """The session in the path after an action, and every session the action changed
    (several with `scope: following`)."""

    affected_session_ids = fields.List(fields.Integer())


class BookingSchema(ma.Schema):
    series_id = fields.Integer(allow_none=True)
    sessions = fields.List(fields.Nested(SessionSchema))


class CaseAttendanceSchema(ma.Schema):
    session_id = fields.Integer()
    type = fields.String()
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    session_status = fields.String()
    participant_status = fields.String()
    attendance = fields.String(allow_none=True)
