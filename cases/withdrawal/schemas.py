"""Marshmallow schemas for withdrawal scores (API.md "Placement and cases"). Item counts and
allowed values per scale are checked by the pure rules in `cases.withdrawal.rules`, whose messages
name the item and its values; the schemas check shapes and types."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from cases.withdrawal.rules import WITHDRAWAL_INSTRUMENTS
from core.http import PageArgsSchema, StrictSchema

_instrument = validate.OneOf(list(WITHDRAWAL_INSTRUMENTS), error="Must be one of: {choices}.")


# --- withdrawal scores ------------------------------------------------------------------------


class WithdrawalScoreCreateSchema(StrictSchema):
    instrument = fields.String(required=True, validate=_instrument)
    #: item scores in the scale's order; counts and allowed values per CLINICAL.md §4.
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
    #: raises the urgent `severe_withdrawal` flag: an urgent band, or (rule version 2) any
    #: warning sign whatever the total.
    severe = fields.Boolean()
    #: rule version 2: the items that are signs of complicated withdrawal (CIWA-Ar tactile,
    #: auditory or visual disturbances ≥ 4, orientation ≥ 3), in the scale's order; null on
    #: version-1 scores, which did not look for them.
    warning_signs = fields.List(fields.String(), allow_none=True)
    #: rule version 2: the total rose by 10 or more (CIWA-B, COWS) or 8 or more (CIWA-Ar)
    #: since the case's previous score on the scale, observed at most 24 h before; null on
    #: version-1 scores.
    rising_fast = fields.Boolean(allow_none=True)
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
