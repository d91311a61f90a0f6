"""Disclosure request and response schemas, and the accounting's CSV row."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from core.http import PageArgsSchema, StrictSchema, one_of, required_text
from privacy.consents.schemas import optional_text, scopes_field

FORMATS = ("fhir",)


class DisclosureRecipientSchema(StrictSchema):
    """Who receives it: always a name; the class too when the consent names only a class."""

    name = required_text(200)
    class_ = optional_text(200, data_key="class")


class DisclosureCreateSchema(StrictSchema):
    consent_id = fields.Integer(required=True, validate=validate.Range(min=1))
    recipient = fields.Nested(DisclosureRecipientSchema, required=True)
    purpose = required_text(500)
    information = scopes_field(load_default=list)
    #: SUD counselling notes: only under a consent for them alone.
    counselling_notes = fields.Boolean(load_default=False)
    format = fields.String(load_default="fhir", validate=one_of(FORMATS))


class EmergencyRecipientSchema(StrictSchema):
    """§2.51(c): the medical personnel who receive it and the facility they work for."""

    name = required_text(200)
    affiliation = required_text(200)


class EmergencyDisclosureCreateSchema(StrictSchema):
    recipient = fields.Nested(EmergencyRecipientSchema, required=True)
    nature_of_emergency = required_text(2000)
    information = scopes_field(required=True)
    format = fields.String(load_default="fhir", validate=one_of(FORMATS))


class AccountingQuerySchema(PageArgsSchema):
    #: `csv`: every disclosure of the client, one row each (pagination does not apply).
    format = fields.String(validate=one_of(("json", "csv")))


class EmergencyDisclosureQuerySchema(PageArgsSchema):
    client_id = fields.Integer(validate=validate.Range(min=1))


class DisclosureRecipientOutSchema(ma.Schema):
    name = fields.String(attribute="recipient_name")
    class_ = fields.String(attribute="recipient_class", data_key="class", allow_none=True)
    affiliation = fields.String(attribute="recipient_affiliation", allow_none=True)


_RECIPIENT = DisclosureRecipientOutSchema()  # one instance for every dump


def _kind(disclosure: object) -> str:
    return "emergency" if getattr(disclosure, "consent_id", None) is None else "consent"


class DisclosureSchema(ma.Schema):
    """One entry of the accounting of disclosures."""

    id = fields.Integer()
    client_id = fields.Integer()
    #: `consent` (under `consent_id`) or `emergency` (§2.51, no consent).
    kind = fields.Function(_kind)
    disclosed_at = fields.DateTime()
    disclosed_by = fields.Integer(attribute="disclosed_by_id")
    consent_id = fields.Integer(allow_none=True)
    recipient = fields.Function(lambda d: _RECIPIENT.dump(d))
    purpose = fields.String(allow_none=True)
    information = fields.List(fields.String())
    counselling_notes = fields.Boolean()
    nature_of_emergency = fields.String(allow_none=True)
    format = fields.String()
    #: SHA-256 of the bundle sent (canonical JSON: sorted keys, no spaces).
    bundle_sha256 = fields.String(allow_none=True)


class DisclosureSentSchema(DisclosureSchema):
    """A disclosure just made: with the §2.32 notice and the FHIR bundle sent."""

    notice = fields.String()
    bundle = fields.Dict(allow_none=True)


class AccountingCsvSchema(ma.Schema):
    """One CSV row of the accounting (flat)."""

    id = fields.Integer()
    disclosed_at = fields.DateTime()
    kind = fields.Function(_kind)
    consent_id = fields.Integer(allow_none=True)
    recipient_name = fields.String()
    recipient_class = fields.String(allow_none=True)
    recipient_affiliation = fields.String(allow_none=True)
    purpose = fields.String(allow_none=True)
    information = fields.Function(lambda d: " ".join(d.information))
    counselling_notes = fields.Boolean()
    nature_of_emergency = fields.String(allow_none=True)
    disclosed_by = fields.Integer(attribute="disclosed_by_id")


CSV_COLUMNS = list(AccountingCsvSchema().fields)
