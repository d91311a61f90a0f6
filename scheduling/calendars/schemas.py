"""The calendar subscription token's response schema."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields


class CalendarTokenSchema(ma.Schema):
    token = fields.String()
    #: a URL a calendar program can subscribe to (it sends no headers).
    feed_url = fields.String()
