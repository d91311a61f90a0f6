"""Marshmallow schemas for taper plans (API.md "Placement and cases", "Taper plans").

The clinical bounds (reduction 5-25 %, interval 7-56 days, the 25 %-in-14-days rate, whole
increments, drugs in the equivalence table; item ranges per withdrawal scale) are checked by
the pure rules in `cases.tapers.rules` and `cases.withdrawal.rules`, whose messages name
the bound; the schemas only check shapes and types."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from cases.tapers.models import TaperStatus
from core.http import PageArgsSchema, StrictSchema

_reason = validate.Length(min=1, max=4000)


def _number(**kw: object) -> fields.Decimal:
    """An exact decimal (JSON 0.125 stays 0.125), never NaN or infinity."""
    return fields.Decimal(allow_nan=False, **kw)  # type: ignore[arg-type]


# --- taper plans ------------------------------------------------------------------------------


class TaperPlanCreateSchema(StrictSchema):
    """A new draft. `medication`, `current_daily_dose_mg` and `switch_to_diazepam` are required
    unless `from_assessment` is true, and must then be left out (switch implied)."""

    #: a benzodiazepine or z-drug, generic or brand (case and spaces ignored), or a known
    #: sedative without an equivalent (then only with a switch and `start_dose_mg`).
    medication = fields.String(validate=validate.Length(min=1, max=50))
    current_daily_dose_mg = _number(
        metadata={
            "description": "> 0 and < 10,000 mg; above 150 mg/day diazepam-equivalent "
            "needs dose_confirmed."
        }
    )
    switch_to_diazepam = fields.Boolean()
    #: default 10 (5 for a client aged 65 or more), allowed 5-25 (at most 25 % within 14 days).
    reduction_percent = _number(
        load_default=None,
        metadata={
            "description": "Default 10 (older adults 5); 5-25, and at most 25 % "
            "removed within 14 days."
        },
    )
    #: default 14 (28 for a client aged 65 or more), allowed 7-56.
    interval_days = fields.Integer(
        strict=True,
        load_default=None,
        metadata={"description": "Default 14 (older adults 28); 7-56."},
    )
    #: the first day of the plan: the crossover's first stage, or steps[0] without a switch.
    start_date = fields.Date(required=True)
    #: the smallest dose step of the drug the plan is written in (diazepam after a switch).
    dose_increment_mg = _number(
        load_default=None,
        metadata={
            "description": "Default by drug (diazepam 0.5, alprazolam 0.125, ...); at "
            "most 2.5 mg diazepam-equivalent and 25 % of the starting dose."
        },
    )
    #: days over which a switch is staged: default 14, allowed 0-28; only with a switch.
    crossover_days = fields.Integer(strict=True)
    #: the clinician's diazepam start dose (switch only): at most the computed equivalent.
    start_dose_mg = _number(
        metadata={
            "description": "Switch only. Required for a drug without an equivalent; "
            "above 40 needs start_dose_reason."
        }
    )
    start_dose_reason = fields.String(validate=_reason)
    #: the clinician confirms a dose above 150 mg/day diazepam-equivalent.
    dose_confirmed = fields.Boolean(load_default=False)
    #: build a diazepam plan from every current sedative of the latest submitted assessment.
    from_assessment = fields.Boolean(load_default=False)
    notes = fields.String(allow_none=True, validate=validate.Length(max=4000))

    @ma.validates_schema(pass_original=True, skip_on_field_errors=False)
    def _drug_named_or_from_assessment(self, data: dict[str, Any], original: Any, **_: Any) -> None:
        given = original if isinstance(original, dict) else {}
        if given.get("from_assessment") is True:
            errors = {
                name: ["Leave out with from_assessment: the assessment gives it."]
                for name in ("medication", "current_daily_dose_mg")
                if name in given
            }
        else:
            errors = {
                name: ["Missing data for required field."]
                for name in ("medication", "current_daily_dose_mg", "switch_to_diazepam")
                if name not in given
            }
        if errors:
            raise ma.ValidationError(errors)


class ApproveSchema(StrictSchema):
    #: required when the plan has cautions: how the approver weighed them.
    approval_note = fields.String(load_default=None, allow_none=True, validate=_reason)


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


class CrossoverStageSchema(ma.Schema):
    date = fields.String(metadata={"format": "date"})
    #: the original drug still taken; null when the plan replaces several (see `originals`).
    original_mg = fields.Float(allow_none=True)
    diazepam_mg = fields.Float()
    #: from_assessment plans: each original drug's dose at this stage.
    originals = fields.List(fields.Dict())


_CROSSOVER_STAGES = CrossoverStageSchema(many=True)  # one instance for every dump


class CautionSchema(ma.Schema):
    #: start_dose_capped, dose_differs_from_intake, other_sedatives_at_intake, older_adult,
    #: pregnancy.
    code = fields.String()
    message = fields.String()


_CAUTIONS = CautionSchema(many=True)


class SourceMedicationSchema(ma.Schema):
    medication = fields.String()
    daily_dose_mg = fields.Float()
    diazepam_equivalent_mg = fields.Float(allow_none=True)


_SOURCE_MEDICATIONS = SourceMedicationSchema(many=True)


class TaperPlanSchema(ma.Schema):
    id = fields.Integer()
    case_id = fields.Integer()
    status = fields.Enum(TaperStatus, by_value=True)
    #: the generic; a from_assessment plan's drugs joined with " + ".
    medication = fields.String()
    #: the brand as entered (Xanax), else null.
    entered_name = fields.String(allow_none=True)
    #: for a from_assessment plan the total diazepam equivalent.
    current_daily_dose_mg = fields.Float()
    switch_to_diazepam = fields.Boolean()
    dose_confirmed = fields.Boolean()
    from_assessment = fields.Function(lambda plan: plan.from_assessment_id is not None)
    from_assessment_id = fields.Integer(allow_none=True)
    source_medications = fields.Function(
        lambda plan: _SOURCE_MEDICATIONS.dump(plan.source_medications or [])
    )
    #: the drug the steps are written in: diazepam after a switch, else `medication`.
    taper_medication = fields.Function(
        lambda plan: "diazepam" if plan.switch_to_diazepam else plan.medication
    )
    reduction_percent = fields.Float()
    interval_days = fields.Integer()
    start_date = fields.Date()
    dose_increment_mg = fields.Float()
    #: days the switch is staged over (null without a switch, and on version-1 plans).
    crossover_days = fields.Integer(allow_none=True)
    crossover = fields.Function(lambda plan: _CROSSOVER_STAGES.dump(plan.crossover or []))
    #: the clinician's diazepam start dose, and why (null: computed, or capped at 40).
    start_dose_mg = fields.Float(allow_none=True)
    start_dose_reason = fields.String(allow_none=True)
    steps = fields.List(fields.Nested(TaperStepSchema))
    #: the date of the last step (dose 0).
    end_date = fields.Function(lambda plan: plan.steps[-1]["date"] if plan.steps else None)
    notes = fields.String(allow_none=True)
    cautions = fields.Function(lambda plan: _CAUTIONS.dump(plan.cautions or []))
    approval_note = fields.String(allow_none=True)
    equivalence_table = fields.String()
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
