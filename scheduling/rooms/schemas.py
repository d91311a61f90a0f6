"""Room request and response schemas (API.md "Therapy sessions" → rooms)."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from core.http import StrictSchema


class RoomSchema(ma.Schema):
    id = fields.Integer()
    name = fields.String()
    capacity = fields.Integer()
    active = fields.Boolean()
    version = fields.Integer()


class RoomCreateSchema(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    capacity = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=500))


class RoomUpdateSchema(StrictSchema):
    name = fields.String(validate=validate.Length(min=1, max=100))
    capacity = fields.Integer(strict=True, validate=validate.Range(min=1, max=500))
    active = fields.Boolean()
