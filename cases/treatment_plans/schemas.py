"""Treatment plan request and response schemas: problems, goals and interventions."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from core.http import StrictSchema, one_of, required_text

#: What a treatment-plan intervention may be (API.md).
INTERVENTION_TYPES = (
    "cbt",
    "group",
    "family",
    "motivational_interviewing",
    "contingency_management",
    "medication_taper",
    "holistic",
)
MAX_PLAN_TEXT = 4000


# --- treatment plans --------------------------------------------------------------------------


class PlanInterventionSchema(StrictSchema):
    type = fields.String(required=True, validate=one_of(INTERVENTION_TYPES))
    description = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=MAX_PLAN_TEXT)
    )
    #: free text, e.g. "weekly", "twice a week".
    frequency = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))


class PlanGoalSchema(StrictSchema):
    description = required_text(MAX_PLAN_TEXT)
    target_date = fields.Date(required=True)
    #: when progress towards the goal is next reviewed: on or before `target_date`.
    review_date = fields.Date(required=True)
    interventions = fields.List(
        fields.Nested(PlanInterventionSchema),
        required=True,
        validate=validate.Length(min=1, max=50),
    )

    @ma.validates_schema
    def _review_by_target(self, data: dict[str, Any], **_: Any) -> None:
        review, target = data.get("review_date"), data.get("target_date")
        if review is not None and target is not None and review > target:
            raise ma.ValidationError("Must be on or before target_date.", "review_date")


class PlanProblemSchema(StrictSchema):
    description = required_text(MAX_PLAN_TEXT)
    goals = fields.List(
        fields.Nested(PlanGoalSchema), required=True, validate=validate.Length(min=1, max=50)
    )


class TreatmentPlanInputSchema(StrictSchema):
    problems = fields.List(
        fields.Nested(PlanProblemSchema), required=True, validate=validate.Length(min=1, max=50)
    )


def stored_problems(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Loaded plan input as JSON-ready data (dates as `YYYY-MM-DD`, optional intervention
    fields as null), the form kept in the plan and in each revision."""
    return TreatmentPlanInputSchema().dump(data)["problems"]


_date_out = {"metadata": {"format": "date"}}


class PlanInterventionOutSchema(ma.Schema):
    type = fields.String()
    description = fields.String(allow_none=True)
    frequency = fields.String(allow_none=True)


class PlanGoalOutSchema(ma.Schema):
    description = fields.String()
    target_date = fields.String(**_date_out)
    review_date = fields.String(**_date_out)
    interventions = fields.List(fields.Nested(PlanInterventionOutSchema))


class PlanProblemOutSchema(ma.Schema):
    description = fields.String()
    goals = fields.List(fields.Nested(PlanGoalOutSchema))


class TreatmentPlanSchema(ma.Schema):
    id = fields.Integer()
    case_id = fields.Integer()
    problems = fields.List(fields.Nested(PlanProblemOutSchema))
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    updated_by = fields.Integer(attribute="updated_by_id", allow_none=True)
    version = fields.Integer()


class TreatmentPlanRevisionSchema(ma.Schema):
    version = fields.Integer()
    problems = fields.List(fields.Nested(PlanProblemOutSchema))
    saved_at = fields.DateTime()
    saved_by = fields.Integer(attribute="saved_by_id", allow_none=True)
