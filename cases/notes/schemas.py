"""Marshmallow schemas for clinical notes and treatment plans (API.md "Placement and cases").

A note's `body` has one shape per kind; `load_note_body` checks it, so a wrong shape is a
422 naming the body's fields (`{"json": {"body": {"plan": [...]}}}`) and unknown keys are
rejected like anywhere else."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields

from cases.notes.models import NoteKind
from core.http import StrictSchema, required_text

MAX_NOTE_TEXT = 20000


def _text(max_length: int = MAX_NOTE_TEXT, **kw: Any) -> fields.String:
    return required_text(max_length, **kw)


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
    NoteKind.COUNSELLING: TextNoteBodySchema,
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
    #: a counselling note outside the caller's care team: its text and addenda are withheld.
    withheld = fields.Boolean(dump_default=False)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    version = fields.Integer()
