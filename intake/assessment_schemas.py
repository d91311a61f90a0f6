"""Marshmallow schemas for intake assessments (API.md "Intake assessments").

Shapes and ranges are checked on every write (422 naming the field and the allowed values);
completeness and the cross-section rules (a dose for every current benzodiazepine, the
supervision rule) are checked on submit by `intake.rules`."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from core.http import PageArgsSchema, StrictSchema
from intake.instruments import InstrumentInputError, screen
from intake.models import AssessmentStatus
from intake.rules import (
    DIMENSIONS,
    DSM5_CRITERIA,
    PSYCHIATRIC_DIAGNOSES,
    SUBSTANCE_CATEGORIES,
    substance_errors,
)

_text = validate.Length(max=4000)


def _one_of(choices: tuple[str, ...] | list[str]) -> validate.OneOf:
    return validate.OneOf(list(choices), error="Must be one of: {choices}.")


class SubstanceSchema(StrictSchema):
    substance = fields.String(required=True, validate=validate.Length(min=1, max=100))
    category = fields.String(required=True, validate=_one_of(SUBSTANCE_CATEGORIES))
    daily_dose_mg = fields.Float(
        allow_none=True,
        validate=validate.Range(min=0, max=100000, min_inclusive=False),
        allow_nan=False,
    )
    route = fields.String(allow_none=True, validate=validate.Length(max=50))
    frequency = fields.String(allow_none=True, validate=validate.Length(max=100))
    duration_months = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=1200))
    last_use = fields.Date(allow_none=True)
    prescribed = fields.Boolean(required=True)
    taken_as_prescribed = fields.Boolean(required=True)

    @ma.validates_schema
    def _taken_needs_prescribed(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("taken_as_prescribed") and not data.get("prescribed"):
            raise ma.ValidationError("Only true for a prescribed substance.", "taken_as_prescribed")


CriteriaSchema = StrictSchema.from_dict(
    {criterion: fields.Boolean() for criterion in DSM5_CRITERIA}, name="CriteriaSchema"
)


class Dsm5Schema(StrictSchema):
    primary_substance = fields.String(validate=validate.Length(min=1, max=100))
    medically_supervised = fields.Boolean()
    criteria = fields.Nested(CriteriaSchema)


class PcPtsd5Schema(StrictSchema):
    trauma_exposure = fields.Boolean(required=True)
    items = fields.List(fields.Boolean(), required=True)


class MdqSchema(StrictSchema):
    items = fields.List(fields.Boolean(), required=True)
    same_period = fields.Boolean(required=True)
    problem = fields.String(
        required=True, validate=_one_of(("none", "minor", "moderate", "serious"))
    )


class CssrsSchema(StrictSchema):
    q1 = fields.Boolean(required=True)
    q2 = fields.Boolean(required=True)
    q3 = fields.Boolean(load_default=False)
    q4 = fields.Boolean(load_default=False)
    q5 = fields.Boolean(load_default=False)
    q6 = fields.Boolean(required=True)
    q6_recent = fields.Boolean(load_default=False)


_ints = fields.List(fields.Integer(strict=True))
_bools = fields.List(fields.Boolean())


class ScreeningsSchema(StrictSchema):
    phq9 = _ints
    gad7 = fields.List(fields.Integer(strict=True))
    pc_ptsd5 = fields.Nested(PcPtsd5Schema)
    mdq = fields.Nested(MdqSchema)
    msi_bpd = _bools
    audit_c = fields.List(fields.Integer(strict=True))
    dast10 = fields.List(fields.Boolean())
    sds = fields.List(fields.Integer(strict=True))
    cssrs_screen = fields.Nested(CssrsSchema)
    ciwa_b = fields.List(fields.Integer(strict=True))

    @ma.validates_schema
    def _scorable(self, data: dict[str, Any], **_: Any) -> None:
        """Each instrument's item count and ranges, with its allowed values in the message."""
        errors: dict[str, list[str]] = {}
        for name, value in data.items():
            try:
                screen(name, value, sex=None)
            except InstrumentInputError as exc:
                errors[name] = [str(exc)]
        if errors:
            raise ma.ValidationError(errors)


class WithdrawalHistorySchema(StrictSchema):
    seizures = fields.Boolean(required=True)
    delirium = fields.Boolean(required=True)
    previous_detox_count = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=1000))


class RiskFactorsSchema(StrictSchema):
    family_history = fields.Boolean()
    trauma = fields.Boolean()
    psychiatric_history = fields.Boolean()
    easy_access = fields.Boolean()
    chronic_stress = fields.Boolean()
    normalising_environment = fields.Boolean()


class RatingSchema(StrictSchema):
    rating = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=0, max=4, error="Must be 0-4.")
    )
    note = fields.String(allow_none=True, validate=_text)


DimensionsSchema = StrictSchema.from_dict(
    {dimension: fields.Nested(RatingSchema) for dimension in DIMENSIONS}, name="DimensionsSchema"
)


class GoalsSchema(StrictSchema):
    ideas = fields.String(allow_none=True, validate=_text)
    concerns = fields.String(allow_none=True, validate=_text)
    expectations = fields.String(allow_none=True, validate=_text)
    what_health_looks_like = fields.String(allow_none=True, validate=_text)


class AssessmentSectionsSchema(StrictSchema):
    assessed_on = fields.Date()
    substances = fields.List(fields.Nested(SubstanceSchema), validate=validate.Length(max=50))
    dsm5 = fields.Nested(Dsm5Schema)
    screenings = fields.Nested(ScreeningsSchema)
    withdrawal_history = fields.Nested(WithdrawalHistorySchema)
    psychiatric_history = fields.List(
        fields.String(validate=_one_of(PSYCHIATRIC_DIAGNOSES)), validate=validate.Length(max=20)
    )
    risk_factors = fields.Nested(RiskFactorsSchema)
    dimensions = fields.Nested(DimensionsSchema)
    goals = fields.Nested(GoalsSchema)

    @ma.validates_schema
    def _known_drugs(self, data: dict[str, Any], **_: Any) -> None:
        """A benzodiazepine or z-drug must be named in the equivalence table (CLINICAL §2)."""
        substances = data.get("substances") or []
        errors = {
            path: messages
            for path, messages in substance_errors(substances).items()
            if path.endswith(".substance")
        }
        if errors:
            raise ma.ValidationError(errors)


class AssessmentCreateSchema(AssessmentSectionsSchema):
    """`assessed_on` defaults to today in the centre's time zone; sections may follow."""


class AssessmentSchema(ma.Schema):
    id = fields.Integer()
    client_id = fields.Integer()
    status = fields.Enum(AssessmentStatus, by_value=True)
    assessed_on = fields.Date()
    substances = fields.List(fields.Dict(), allow_none=True)
    dsm5 = fields.Dict(allow_none=True)
    screenings = fields.Dict(allow_none=True)
    withdrawal_history = fields.Dict(allow_none=True)
    psychiatric_history = fields.List(fields.String(), allow_none=True)
    risk_factors = fields.Dict(allow_none=True)
    dimensions = fields.Dict(allow_none=True)
    goals = fields.Dict(allow_none=True)
    results = fields.Dict(allow_none=True)
    submitted_at = fields.DateTime(allow_none=True)
    submitted_by = fields.Integer(attribute="submitted_by_id", allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    version = fields.Integer()


class AssessmentQuerySchema(PageArgsSchema):
    status = fields.Enum(AssessmentStatus, by_value=True)
