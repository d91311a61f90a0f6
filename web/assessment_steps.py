"""The assessment as a stepped form (screen 4): which sections each step edits, how a posted
step becomes the API's PATCH body (validated by the API's own `AssessmentSectionsSchema`),
how a saved draft fills the form again, and where each step stands.

Field names are the API's dotted paths: ``dsm5.criteria.craving``, ``dimensions.readiness.
rating``, and for the list of substances indexed rows, ``substances.0.substance``. Each row is
read with `web.forms.form_data` and the row's schema; blank rows are skipped and the schema's
errors are given back under the row the user typed them in. Each step replaces its sections
whole, as PATCH does, so clearing a field on the form clears it in the draft.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import marshmallow as ma
from werkzeug.datastructures import MultiDict

from intake.assessments import rules
from intake.assessments.models import Assessment
from intake.assessments.schemas import AssessmentSectionsSchema, SubstanceSchema
from web.assessment_screens import screenings_from
from web.forms import Errors, FormInvalid, flatten, form_data

#: Most substance rows a form may carry (the schema's own maximum).
MAX_ROWS = 50
MIN_ROWS = 3
_OMIT = object()


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    sections: tuple[str, ...]
    #: what each section becomes when the step is saved blank (_OMIT: left as it was).
    blank: tuple[Any, ...]


STEPS: tuple[Step, ...] = (
    Step("substances", "Substances", ("substances",), ([],)),
    Step("dsm5", "DSM-5 criteria", ("dsm5",), ({},)),
    Step("screenings", "Screening instruments", ("screenings",), ({},)),
    Step(
        "history",
        "Withdrawal and psychiatric history",
        ("withdrawal_history", "psychiatric_history"),
        (_OMIT, []),
    ),
    Step("risk", "Risk factors and pregnancy", ("risk_factors", "pregnancy"), ({}, None)),
    Step("dimensions", "Six dimensions", ("dimensions",), ({},)),
    Step("goals", "The client's goals", ("goals",), ({},)),
)
BY_KEY = {step.key: step for step in STEPS}
#: the step that holds each section (to link a missing path to its step).
STEP_OF = {section: step.key for step in STEPS for section in step.sections}
STEP_OF["assessed_on"] = "substances"


def neighbours(key: str) -> tuple[str | None, str | None]:
    keys = [step.key for step in STEPS]
    index = keys.index(key)
    before = keys[index - 1] if index else None
    after = keys[index + 1] if index + 1 < len(keys) else None
    return before, after


def step_for_path(path: str) -> str:
    """The step holding a dotted field path (``dsm5.criteria.craving`` → ``dsm5``)."""
    return STEP_OF.get(path.split(".", 1)[0], STEPS[0].key)


# --- reading a posted step -------------------------------------------------------------------


def posted_rows(form: MultiDict) -> int:
    """How many substance rows the posted form had."""
    raw = form.get("rows", "")
    count = int(raw) if raw.isdigit() else MIN_ROWS
    return max(0, min(count, MAX_ROWS))


def _substance_rows(form: MultiDict) -> tuple[list[dict[str, Any]], list[int]]:
    """The filled rows in the API's shape, and the form row each came from."""
    entries, rows = [], []
    schema = SubstanceSchema()
    for row in range(posted_rows(form)):
        entry = form_data(schema, form, prefix=f"substances.{row}.")
        if any(value is not False for value in entry.values()):
            entries.append(entry)
            rows.append(row)
    return entries, rows


def _renumber(errors: Errors, rows: list[int]) -> Errors:
    """Schema errors name list positions; the form names rows (blank rows were skipped)."""
    out: Errors = {}
    for path, messages in errors.items():
        parts = path.split(".")
        if parts[0] == "substances" and len(parts) > 1 and parts[1].isdigit():
            index = int(parts[1])
            parts[1] = str(rows[index]) if index < len(rows) else parts[1]
        out[".".join(parts)] = messages
    return out


def _body(step: Step, form: MultiDict, errors: Errors) -> tuple[dict[str, Any], list[int]]:
    data = form_data(AssessmentSectionsSchema(), form)
    body = {name: data[name] for name in step.sections if name in data}
    rows: list[int] = []
    if step.key == "substances":
        body["substances"], rows = _substance_rows(form)
        if "assessed_on" in data:
            body["assessed_on"] = data["assessed_on"]
    if step.key == "screenings":
        body["screenings"] = screenings_from(form, errors)
    for name, blank in zip(step.sections, step.blank, strict=True):
        if not body.get(name) and blank is not _OMIT:
            body[name] = blank
    return body, rows


def changes_from(step: Step, form: MultiDict) -> dict[str, Any]:
    """The PATCH body a posted step stands for, validated by the API's schema; FormInvalid
    with errors under the form's own field names otherwise."""
    errors: Errors = {}
    body, rows = _body(step, form, errors)
    try:
        changes = AssessmentSectionsSchema().load(body)
    except ma.ValidationError as invalid:
        errors |= _renumber(flatten(invalid.messages), rows)
        changes = {}
    if errors:
        raise FormInvalid(errors)
    return changes


# --- filling the form from a draft -----------------------------------------------------------


def _flat(value: Any, prefix: str, out: dict[str, str]) -> None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            _flat(item, f"{prefix}{key}.", out)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _flat(item, f"{prefix}{index}.", out)
    elif isinstance(value, bool):
        out[prefix.rstrip(".")] = "yes" if value else "no"
    elif isinstance(value, date):
        out[prefix.rstrip(".")] = value.isoformat()
    elif value is not None:
        out[prefix.rstrip(".")] = f"{value:g}" if isinstance(value, float) else str(value)


def saved_values(assessment: Assessment) -> dict[str, str]:
    """The draft as form values: dotted names → text ("yes"/"no" for booleans); a brand
    name shows as entered (the draft holds its generic)."""
    out: dict[str, str] = {"assessed_on": assessment.assessed_on.isoformat()}
    for name in Assessment.SECTIONS:
        _flat(getattr(assessment, name), f"{name}.", out)
    for row, entry in enumerate(assessment.substances or []):
        if entry.get("entered_name"):
            out[f"substances.{row}.substance"] = entry["entered_name"]
    return out


def posted_values(form: MultiDict) -> dict[str, str]:
    """A posted form as form values: for a ticked box after its hidden marker, the tick."""
    out: dict[str, str] = {}
    for name in form:
        values = [v for v in form.getlist(name) if v.strip()]
        out[name] = values[-1] if values else ""
    return out


def row_count(assessment: Assessment, asked: int | None) -> int:
    """Rows on the substances step: the saved ones and at least one blank (three in all at
    the least), or as many as "add another" asked for."""
    saved = len(assessment.substances or [])
    return max(MIN_ROWS, saved + 1, min(asked or 0, MAX_ROWS))


# --- where each step stands ------------------------------------------------------------------


def missing_paths(assessment: Assessment) -> list[str]:
    """What a submit would still miss (the submit's own completeness check)."""
    return rules.missing_sections(assessment.sections())


def step_states(assessment: Assessment, current: str | None) -> list[dict[str, Any]]:
    """Each step for the navigation: saved (any of its sections), with missing answers."""
    missing = {step_for_path(path) for path in missing_paths(assessment)}
    states = []
    for step in STEPS:
        saved = any(getattr(assessment, name) is not None for name in step.sections)
        states.append(
            {
                "step": step,
                "current": step.key == current,
                "done": saved and step.key not in missing,
                "missing": saved and step.key in missing,
            }
        )
    return states


def first_open_step(assessment: Assessment) -> str:
    """Where a draft resumes: the first step not saved or still missing answers."""
    for state in step_states(assessment, None):
        if not state["done"]:
            return state["step"].key
    return STEPS[0].key
