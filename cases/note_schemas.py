"""Marshmallow schemas for clinical notes and treatment plans (API.md "Placement and cases").

A note's `body` has one shape per kind; `load_note_body` checks it, so a wrong shape is a
422 naming the body's fields (`{"json": {"body": {"plan": [...]}}}`) and unknown keys are
rejected like anywhere else."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from cases.models import NoteKind
from core.http import StrictSchema

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
MAX_NOTE_TEXT = 20000
MAX_PLAN_TEXT = 4000


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ma.ValidationError("Must not be blank.")


def _text(max_length: int = MAX_NOTE_TEXT, **kw: Any) -> fields.String:
    return fields.String(
        required=True, validate=[validate.Length(min=1, max=max_length), _not_blank], **kw
    )


def _one_of(choices: tuple[str, ...]) -> validate.OneOf:
    return validate.OneOf(list(choices), error="Must be one of: {choices}.")


# --- notes ------------------------------------------------------------------------------------


class TextNoteBodySchema(StrictSchema):
    """`progress` and `group` notes."""

    text = _text()


class DapNoteBodySchema(StrictSchema):
    data = _text()
    assessment = _text()
    plan = _text()


class SoapNoteBodySchema(StrictSchema):
    subjective = _text()
    objective = _text()
    assessment = _text()
    plan = _text()


NOTE_BODY_SCHEMAS: dict[NoteKind, type[StrictSchema]] = {
    NoteKind.PROGRESS: TextNoteBodySchema,
    NoteKind.GROUP: TextNoteBodySchema,
    NoteKind.DAP: DapNoteBodySchema,
    NoteKind.SOAP: SoapNoteBodySchema,
}


def load_note_body(kind: NoteKind, body: Any) -> dict[str, Any]:
    """The body checked against its kind's shape; raises `ValidationError` keyed by `body`."""
    if not isinstance(body, dict):
        raise ma.ValidationError({"body": ["Not a valid mapping type."]})
    try:
        return NOTE_BODY_SCHEMAS[kind]().load(body)
    except ma.ValidationError as err:
        raise ma.ValidationError({"body": err.messages}) from err


class NoteCreateSchema(StrictSchema):
    kind = fields.Enum(NoteKind, by_value=True, required=True)
    #: `{text}` for progress and group, `{data, assessment, plan}` for dap,
    #: `{subjective, objective, assessment, plan}` for soap.
    body = fields.Dict(required=True)

    @ma.post_load
    def _body_fits_kind(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        data["body"] = load_note_body(data["kind"], data["body"])
        return data


class NoteUpdateSchema(StrictSchema):
    """A draft's new body and/or kind; the body that results must fit the kind that results
    (checked by the service, which knows the note's current kind)."""

    kind = fields.Enum(NoteKind, by_value=True)
    body = fields.Dict()

    @ma.validates_schema
    def _something_to_change(self, data: dict[str, Any], **_: Any) -> None:
        if not data:
            raise ma.ValidationError("Send body, kind or both.", "body")


class AddendumCreateSchema(StrictSchema):
    text = _text()


class AddendumSchema(ma.Schema):
    id = fields.Integer()
    text = fields.String()
    author_id = fields.Integer()
    created_at = fields.DateTime()


class NoteSchema(ma.Schema):
    id = fields.Integer()
    case_id = fields.Integer()
    kind = fields.Enum(NoteKind, by_value=True)
    body = fields.Dict()
    #: `draft` until signed, then `signed` (locked: only addenda may follow).
    status = fields.Function(
        lambda note: "signed" if note.signed_at else "draft",
        metadata={"type": "string", "enum": ["draft", "signed"]},
    )
    author_id = fields.Integer()
    signed_at = fields.DateTime(allow_none=True)
    signed_by = fields.Integer(attribute="signed_by_id", allow_none=True)
    addenda = fields.List(fields.Nested(AddendumSchema))
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    version = fields.Integer()


# --- treatment plans --------------------------------------------------------------------------


class PlanInterventionSchema(StrictSchema):
    type = fields.String(required=True, validate=_one_of(INTERVENTION_TYPES))
    description = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=MAX_PLAN_TEXT)
    )
    #: free text, e.g. "weekly", "twice a week".
    frequency = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))


class PlanGoalSchema(StrictSchema):
    description = _text(MAX_PLAN_TEXT)
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
    description = _text(MAX_PLAN_TEXT)
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
