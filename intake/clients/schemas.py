"""Marshmallow schemas for clients."""

from __future__ import annotations

from datetime import date

import marshmallow as ma
from marshmallow import fields, validate

from core.clock import centre_today
from core.http import PageArgsSchema, StrictSchema
from intake.clients.models import ClientStatus, Sex
from intake.flags.schemas import FlagSchema

_name = validate.Length(min=1, max=100)


def not_in_future(value: date) -> None:
    """A date that must already have happened (a birth, an assessment, a last use): after
    today in the centre's time zone is a 422 naming the field."""
    today = centre_today()
    if value > today:
        raise ma.ValidationError(f"Must not be in the future (today is {today.isoformat()}).")


class EmergencyContactSchema(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    relationship = fields.String(required=True, validate=validate.Length(min=1, max=100))
    phone = fields.String(required=True, validate=validate.Length(min=1, max=40))


class ClientFieldsSchema(StrictSchema):
    first_name = fields.String(validate=_name)
    last_name = fields.String(validate=_name)
    date_of_birth = fields.Date(validate=not_in_future)
    sex = fields.Enum(Sex, by_value=True)
    gender_identity = fields.String(allow_none=True, validate=validate.Length(max=100))
    phone = fields.String(allow_none=True, validate=validate.Length(max=40))
    email = fields.Email(allow_none=True, validate=validate.Length(max=320))
    address = fields.String(allow_none=True, validate=validate.Length(max=500))
    emergency_contact = fields.Nested(EmergencyContactSchema, allow_none=True)
    referral_source = fields.String(allow_none=True, validate=validate.Length(max=200))
    #: register anyway although a client with the same name and birth date exists.
    allow_duplicate = fields.Boolean(load_only=True)
    duplicate_reason = fields.String(validate=validate.Length(min=1, max=2000))

    @ma.validates_schema
    def _reason_with_override(self, data: dict, **_: object) -> None:
        if data.get("allow_duplicate") and not (data.get("duplicate_reason") or "").strip():
            raise ma.ValidationError(
                "Give a reason when registering a possible duplicate.", "duplicate_reason"
            )


class ClientCreateSchema(ClientFieldsSchema):
    first_name = fields.String(required=True, validate=_name)
    last_name = fields.String(required=True, validate=_name)
    date_of_birth = fields.Date(required=True, validate=not_in_future)


class ClientUpdateSchema(ClientFieldsSchema):
    pass


class ArchiveSchema(StrictSchema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class ClientQuerySchema(PageArgsSchema):
    #: matches name (any part), MRN (prefix) or date of birth (YYYY-MM-DD).
    q = fields.String(validate=validate.Length(min=1, max=200))
    status = fields.Enum(ClientStatus, by_value=True)


class EpisodeSchema(ma.Schema):
    """A case of the client's, as listed on the client record (oldest first)."""

    id = fields.Integer()
    status = fields.String()
    level = fields.String()
    setting = fields.String()
    opened_at = fields.DateTime()
    admitted_at = fields.DateTime(allow_none=True)
    discharge_date = fields.Date(allow_none=True)
    discharge_reason = fields.String(allow_none=True)
    previous_case_id = fields.Integer(allow_none=True)
    re_engagement_recommended = fields.Boolean()


class ClientSchema(ma.Schema):
    id = fields.Integer()
    mrn = fields.String()
    first_name = fields.String()
    last_name = fields.String()
    date_of_birth = fields.Date()
    sex = fields.Enum(Sex, by_value=True)
    gender_identity = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    address = fields.String(allow_none=True)
    emergency_contact = fields.Dict(allow_none=True)
    referral_source = fields.String(allow_none=True)
    status = fields.Enum(ClientStatus, by_value=True)
    archived_at = fields.DateTime(allow_none=True)
    archive_reason = fields.String(allow_none=True)
    duplicate_reason = fields.String(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    version = fields.Integer()
    #: an active psychiatric flag and a use disorder or dependence (CLINICAL.md §3).
    dual_diagnosis = fields.Boolean()
    #: active flags, urgent first.
    active_flags = fields.List(fields.Nested(FlagSchema))
    #: the client's episodes of care (cases), oldest first.
    episodes = fields.List(fields.Nested(EpisodeSchema))
