"""Marshmallow schemas for taper plans (API.md "Placement and cases", "Taper plans").

The clinical bounds (reduction 5-25 %, interval 7-56 days, the 25 %-in-14-days rate, whole
increments, drugs in the equivalence table; item ranges per withdrawal scale) are checked by
the pure rules in `cases.taper` and `cases.withdrawal`, whose messages name the bound; the
schemas only check shapes and types."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from cases.models import TaperStatus
from core.http import PageArgsSchema, StrictSchema

_reason = validate.Length(min=1, max=4000)


def _number(**kw: object) -> fields.Decimal:
    """An exact decimal (JSON 0.125 stays 0.125), never NaN or infinity."""
    return fields.Decimal(allow_nan=False, **kw)  # type: ignore[arg-type]


# --- taper plans ------------------------------------------------------------------------------


class TaperPlanCreateSchema(StrictSchema):
    #: a benzodiazepine or z-drug in the equivalence table (case-insensitive).
    medication = fields.String(required=True, validate=validate.Length(min=1, max=50))
    current_daily_dose_mg = _number(required=True)
    switch_to_diazepam = fields.Boolean(required=True)
    #: default 10, allowed 5-25 (and at most 25 % within 14 days).
    reduction_percent = _number(
        load_default=None,
        metadata={"description": "Default 10; 5-25, and at most 25 % removed within 14 days."},
    )
    #: default 14, allowed 7-56.
    interval_days = fields.Integer(
        strict=True, load_default=None, metadata={"description": "Default 14; 7-56."}
    )
    #: the date of steps[0], the starting dose.
    start_date = fields.Date(required=True)
    #: the smallest dose step of the drug the plan is written in (diazepam after a switch).
    dose_increment_mg = _number(
        load_default=None,
        metadata={"description": "Default by drug (diazepam 0.5, alprazolam 0.125, ...)."},
    )
    notes = fields.String(allow_none=True, validate=validate.Length(max=4000))


class TaperPlanQuerySchema(PageArgsSchema):
    status = fields.Enum(TaperStatus, by_value=True)


class PauseSchema(StrictSchema):
    reason = fields.String(load_default=None, allow_none=True, validate=_reason)


class CompleteSchema(StrictSchema):
    #: required when the plan's last step lies in the future (the taper ends early).
    reason = fields.String(load_default=None, allow_none=True, validate=_reason)


class CancelSchema(StrictSchema):
    reason = fields.String(required=True, validate=_reason)


class TaperStepSchema(ma.Schema):
    date = fields.String(metadata={"format": "date"})
    #: in the plan's `taper_medication` (diazepam after a switch).
    daily_dose_mg = fields.Float()
    diazepam_equivalent_mg = fields.Float()
    #: a tail step: one increment, `2 x interval_days` after the step before.
    tail = fields.Boolean()


class TaperPlanSchema(ma.Schema):
    id = fields.Integer()
    case_id = fields.Integer()
    status = fields.Enum(TaperStatus, by_value=True)
    medication = fields.String()
    current_daily_dose_mg = fields.Float()
    switch_to_diazepam = fields.Boolean()
    #: the drug the steps are written in: diazepam after a switch, else `medication`.
    taper_medication = fields.Function(
        lambda plan: "diazepam" if plan.switch_to_diazepam else plan.medication
    )
    reduction_percent = fields.Float()
    interval_days = fields.Integer()
    start_date = fields.Date()
    dose_increment_mg = fields.Float()
    steps = fields.List(fields.Nested(TaperStepSchema))
    #: the date of the last step (dose 0).
    end_date = fields.Function(lambda plan: plan.steps[-1]["date"] if plan.steps else None)
    notes = fields.String(allow_none=True)
    rule_version = fields.String()
    created_by = fields.Integer(attribute="created_by_id", allow_none=True)
    created_at = fields.DateTime()
    approved_at = fields.DateTime(allow_none=True)
    approved_by = fields.Integer(attribute="approved_by_id", allow_none=True)
    paused_at = fields.DateTime(allow_none=True)
    #: the centre-local date the current pause began; resuming shifts later steps.
    paused_on = fields.Date(allow_none=True)
    ended_at = fields.DateTime(allow_none=True)
    end_reason = fields.String(allow_none=True)
    updated_at = fields.DateTime()
    version = fields.Integer()
