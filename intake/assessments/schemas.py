"""Marshmallow schemas for intake assessments (API.md "Intake assessments").

Shapes and ranges are checked on every write (422 naming the field and the allowed values),
and so are sedative names and the dose plausibility bound (CLINICAL.md §2); a brand name is
stored as its generic with `entered_name`. Completeness (the C-SSRS skip logic included) and
the cross-section rules (a dose for every current sedative, the supervision rule) are checked
on submit by `intake.assessments.rules`."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from core.http import PageArgsSchema, StrictSchema, one_of
from intake.assessments.checks import write_errors
from intake.assessments.models import AssessmentStatus
from intake.assessments.placement import DIMENSIONS
from intake.clients.schemas import not_in_future
from intake.flags.rules import PSYCHIATRIC_DIAGNOSES
from intake.instruments import InstrumentInputError, screen
from intake.instruments.cssrs import missing_answers
from intake.instruments.dsm5 import DSM5_CRITERIA
from intake.instruments.substances import (
    MAX_DOSE_MG,
    SUBSTANCE_CATEGORIES,
    normalise_substance,
    same_drug,
)

_text = validate.Length(max=4000)


class SubstanceSchema(StrictSchema):
    substance = fields.String(required=True, validate=validate.Length(min=1, max=100))
    category = fields.String(required=True, validate=one_of(SUBSTANCE_CATEGORIES))
    daily_dose_mg = fields.Float(
        allow_none=True,
        validate=validate.Range(
            min=0,
            max=MAX_DOSE_MG,
            min_inclusive=False,
            max_inclusive=False,
            error="Must be greater than 0 and less than 10000 (mg per day).",
        ),
        allow_nan=False,
    )
    #: the clinician confirms a sedative dose above the plausibility bound (CLINICAL.md §2).
    dose_confirmed = fields.Boolean()
    #: set from a brand name (Xanax) when the entry is stored as its generic.
    entered_name = fields.String(allow_none=True, validate=validate.Length(min=1, max=100))
    route = fields.String(allow_none=True, validate=validate.Length(max=50))
    frequency = fields.String(allow_none=True, validate=validate.Length(max=100))
    duration_months = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=1200))
    last_use = fields.Date(allow_none=True, validate=not_in_future)
    prescribed = fields.Boolean(required=True)
    taken_as_prescribed = fields.Boolean(required=True)

    @ma.validates_schema
    def _taken_needs_prescribed(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("taken_as_prescribed") and not data.get("prescribed"):
            raise ma.ValidationError("Only true for a prescribed substance.", "taken_as_prescribed")

    @ma.validates_schema
    def _entered_name_is_the_drug(self, data: dict[str, Any], **_: Any) -> None:
        entered = data.get("entered_name")
        if entered and not same_drug(entered, data.get("substance")):
            raise ma.ValidationError("Must name the same drug as substance.", "entered_name")

    @ma.post_load
    def _generic(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        """A known sedative is stored as its generic; a brand keeps the name entered."""
        return normalise_substance(data)


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
        required=True, validate=one_of(("none", "minor", "moderate", "serious"))
    )


class CssrsSchema(StrictSchema):
    """The C-SSRS screen follows its skip logic: q1, q2 and q6 always; q3-q5 when q2 is yes;
    q6_recent when q6 is yes. A draft may hold a partial screen; submit names what is missing
    (never a silent "no")."""

    q1 = fields.Boolean(allow_none=True)
    q2 = fields.Boolean(allow_none=True)
    q3 = fields.Boolean(allow_none=True)
    q4 = fields.Boolean(allow_none=True)
    q5 = fields.Boolean(allow_none=True)
    q6 = fields.Boolean(allow_none=True)
    q6_recent = fields.Boolean(allow_none=True)

    @ma.validates_schema
    def _consistent(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("q6_recent") is True and data.get("q6") is False:
            raise ma.ValidationError("Can only be true when q6 is true.", "q6_recent")

    @ma.post_load
    def _drop_unanswered(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        return {key: value for key, value in data.items() if value is not None}


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
            if name == "cssrs_screen" and missing_answers(value):
                continue  # a partial screen in a draft; submit names what is missing
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


class PregnancySchema(StrictSchema):
    status = fields.String(required=True, validate=one_of(("pregnant", "not_pregnant", "unknown")))
    gestation_weeks = fields.Integer(
        allow_none=True, strict=True, validate=validate.Range(min=0, max=45)
    )

    @ma.validates_schema
    def _weeks_only_when_pregnant(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("gestation_weeks") is not None and data.get("status") != "pregnant":
            raise ma.ValidationError("Only for status pregnant.", "gestation_weeks")


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
    #: the day the assessment took place: today or earlier (422 when in the future).
    assessed_on = fields.Date(validate=not_in_future)
    substances = fields.List(fields.Nested(SubstanceSchema), validate=validate.Length(max=50))
    dsm5 = fields.Nested(Dsm5Schema)
    screenings = fields.Nested(ScreeningsSchema)
    withdrawal_history = fields.Nested(WithdrawalHistorySchema)
    psychiatric_history = fields.List(
        fields.String(validate=one_of(PSYCHIATRIC_DIAGNOSES)), validate=validate.Length(max=20)
    )
    risk_factors = fields.Nested(RiskFactorsSchema)
    dimensions = fields.Nested(DimensionsSchema)
    goals = fields.Nested(GoalsSchema)
    pregnancy = fields.Nested(PregnancySchema, allow_none=True)

    @ma.validates_schema
    def _known_drugs(self, data: dict[str, Any], **_: Any) -> None:
        """A benzodiazepine or z-drug must be a known sedative, and a sedative dose above the
        plausibility bound needs `dose_confirmed` (CLINICAL.md §2)."""
        errors = write_errors(data.get("substances") or [])
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
    pregnancy = fields.Dict(allow_none=True)
    results = fields.Dict(allow_none=True)
    submitted_at = fields.DateTime(allow_none=True)
    submitted_by = fields.Integer(attribute="submitted_by_id", allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    version = fields.Integer()


class AssessmentQuerySchema(PageArgsSchema):
    status = fields.Enum(AssessmentStatus, by_value=True)
