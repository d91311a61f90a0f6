"""Marshmallow schemas for staff auth and accounts."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from auth.models import Role
from core.http import QuerySchema, StrictSchema

_email = fields.Email(required=True, validate=validate.Length(max=320))
_password = fields.String(required=True, load_only=True, validate=validate.Length(max=1024))


_code = fields.String(validate=validate.Length(min=1, max=64))


class LoginSchema(StrictSchema):
    email = fields.String(required=True, validate=validate.Length(min=1, max=320))
    password = fields.String(required=True, validate=validate.Length(min=1, max=1024))
    #: once enrolled in MFA: the authenticator app's code, or a recovery code.
    otp = _code


class TokenRequestSchema(LoginSchema):
    label = fields.String(validate=validate.Length(max=100))


class StaffPublicSchema(ma.Schema):
    """What every signed-in user may see of a colleague."""

    id = fields.Integer(dump_only=True)
    name = fields.String()
    role = fields.Enum(Role, by_value=True)


class StaffSchema(StaffPublicSchema):
    """Full account view for managers, admins and the user themself."""

    email = fields.String()
    active = fields.Boolean()
    must_change_password = fields.Boolean()
    version = fields.Integer()
    created_at = fields.DateTime()


_enrolment_only = fields.Boolean(
    metadata={"description": "An enrolment-only session: enrol in MFA, then sign in again."}
)


class LoginResultSchema(ma.Schema):
    user = fields.Nested(StaffSchema)
    csrf_token = fields.String()
    mfa_enrolment_required = _enrolment_only


class TokenSchema(ma.Schema):
    token = fields.String()
    expires_at = fields.DateTime(allow_none=True)
    label = fields.String(allow_none=True)
    mfa_enrolment_required = _enrolment_only


class TotpEnrolmentSchema(ma.Schema):
    secret = fields.String(metadata={"description": "base32, for typing into the app"})
    otpauth_uri = fields.String()
    qr_svg = fields.String(metadata={"description": "the otpauth URI as a QR code (SVG)"})


class TotpConfirmSchema(StrictSchema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=64))


class RecoveryCodesSchema(ma.Schema):
    recovery_codes = fields.List(fields.String(), metadata={"description": "shown once"})


class PasswordChangeSchema(StrictSchema):
    current_password = fields.String(required=True, validate=validate.Length(min=1, max=1024))
    new_password = fields.String(required=True, validate=validate.Length(min=1, max=1024))


class StaffCreateSchema(StrictSchema):
    email = _email
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    role = fields.Enum(Role, by_value=True, required=True)
    password = _password
    must_change_password = fields.Boolean(load_default=False)


class StaffUpdateSchema(StrictSchema):
    name = fields.String(validate=validate.Length(min=1, max=200))
    role = fields.Enum(Role, by_value=True)
    active = fields.Boolean()
    #: sets a temporary password the user must change at next login.
    temporary_password = fields.String(load_only=True, validate=validate.Length(min=1, max=1024))


class StaffQuerySchema(QuerySchema):
    role = fields.Enum(Role, by_value=True)
    active = fields.Boolean()
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
