"""Consent request and response schemas (API.md "Consent and disclosure")."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from core.http import StrictSchema, one_of, required_text
from intake.clients.schemas import not_in_future
from privacy.consents.models import ConsentKind, SignatureMethod
from privacy.consents.rules import SCOPES


def optional_text(max_length: int, **kw: Any) -> fields.String:
    """An optional string that, when given, is not blank and at most `max_length` long."""
    not_blank = validate.Regexp(r"\s*\S", error="Must not be blank.")
    return fields.String(validate=[validate.Length(min=1, max=max_length), not_blank], **kw)


def scopes_field(**kw: Any) -> fields.List:
    """A list of scopes of the record (`SCOPES`)."""
    return fields.List(
        fields.String(validate=one_of(SCOPES)),
        metadata={"description": f"scopes: {', '.join(SCOPES)}"},
        **kw,
    )


class RecipientSchema(StrictSchema):
    """To whom: a named recipient, or (TPO consents) a class of recipients."""

    name = optional_text(200)
    class_ = optional_text(200, data_key="class")


class SignatureSchema(StrictSchema):
    method = fields.Enum(SignatureMethod, by_value=True, required=True)
    #: the client, or the representative signing for them.
    signed_by = required_text(200)


class ConsentCreateSchema(StrictSchema):
    """The elements of §2.31 (the discloser is the centre)."""

    kind = fields.Enum(ConsentKind, by_value=True, required=True)
    recipient = fields.Nested(RecipientSchema, required=True)
    purpose = required_text(500)
    information = scopes_field(load_default=list)
    #: SUD counselling notes: a consent for them names nothing else.
    counselling_notes = fields.Boolean(load_default=False)
    #: the last day the consent covers; or `expiry_event` (one of the two is required).
    expires_on = fields.Date(allow_none=True)
    expiry_event = optional_text(500, allow_none=True)
    signed_on = fields.Date(required=True, validate=not_in_future)
    signature = fields.Nested(SignatureSchema, required=True)


class RevokeSchema(StrictSchema):
    reason = required_text(2000)
    #: the day the client revoked it (default today in the centre's time zone).
    revoked_on = fields.Date(validate=not_in_future)


class RecipientOutSchema(ma.Schema):
    name = fields.String(attribute="recipient_name", allow_none=True)
    class_ = fields.String(attribute="recipient_class", data_key="class", allow_none=True)


_RECIPIENT = RecipientOutSchema()  # one instance for every dump


class SignatureOutSchema(ma.Schema):
    method = fields.Enum(SignatureMethod, by_value=True, attribute="signature_method")
    signed_by = fields.String()


_SIGNATURE = SignatureOutSchema()


class ConsentSchema(ma.Schema):
    id = fields.Integer()
    client_id = fields.Integer()
    discloser = fields.String()
    kind = fields.Enum(ConsentKind, by_value=True)
    recipient = fields.Function(lambda consent: _RECIPIENT.dump(consent))
    purpose = fields.String()
    information = fields.List(fields.String())
    counselling_notes = fields.Boolean()
    expires_on = fields.Date(allow_none=True)
    expiry_event = fields.String(allow_none=True)
    signed_on = fields.Date()
    signature = fields.Function(lambda consent: _SIGNATURE.dump(consent))
    #: today, in the centre's time zone: `active`, `revoked` or `expired` (an expiry event
    #: is for staff to watch: they record it as a revocation).
    status = fields.String()
    recorded_at = fields.DateTime()
    recorded_by = fields.Integer(attribute="recorded_by_id")
    revoked_on = fields.Date(allow_none=True)
    revoke_reason = fields.String(allow_none=True)
    revoked_by = fields.Integer(attribute="revoked_by_id", allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)
