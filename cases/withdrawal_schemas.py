"""Marshmallow schemas for withdrawal scores (API.md "Placement and cases"). Item counts and
ranges per scale are checked by the pure rules in `cases.withdrawal`, whose messages name the
bound; the schemas check shapes and types."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from cases.withdrawal import WITHDRAWAL_INSTRUMENTS
from core.http import PageArgsSchema, StrictSchema

_instrument = validate.OneOf(list(WITHDRAWAL_INSTRUMENTS), error="Must be one of: {choices}.")


# --- withdrawal scores ------------------------------------------------------------------------


class WithdrawalScoreCreateSchema(StrictSchema):
    instrument = fields.String(required=True, validate=_instrument)
    #: item scores in the scale's order; counts and ranges per CLINICAL.md §4.
    items = fields.List(
        fields.Integer(strict=True), required=True, validate=validate.Length(max=50)
    )
    #: ISO 8601 with an offset; not more than a few minutes in the future.
    observed_at = fields.AwareDateTime(required=True, format="iso")


class WithdrawalScoreQuerySchema(PageArgsSchema):
    instrument = fields.String(validate=_instrument)


class WithdrawalScoreSchema(ma.Schema):
    id = fields.Integer()
    case_id = fields.Integer()
    instrument = fields.String()
    items = fields.List(fields.Integer())
    score = fields.Integer()
    max_score = fields.Function(lambda s: WITHDRAWAL_INSTRUMENTS[s.instrument].max_score)
    band = fields.String()
    #: a band that raises the urgent `severe_withdrawal` flag.
    severe = fields.Boolean()
    observed_at = fields.DateTime()
    recorded_at = fields.DateTime()
    recorded_by = fields.Integer(attribute="recorded_by_id", allow_none=True)
    rule_version = fields.String()


class WithdrawalScoreRecordedSchema(WithdrawalScoreSchema):
    """The answer to recording a score: the flag it raised (or kept) and whether the case's
    approved taper plan should be paused."""

    #: the active `severe_withdrawal` flag for a severe score (new or existing), else null.
    flag_id = fields.Integer(allow_none=True)
    taper_pause_suggested = fields.Boolean()
