"""The relapse-prevention plan's form ↔ the API's plan body (`AftercarePlanInputSchema`).

Lists of words (goals, triggers, warning signs, coping strategies, safety steps) are one
textarea each, an item a line. Support contacts and groups are rows with one empty row more
than the plan holds (fill it in to add one; empty a row to remove it); kept rows are numbered
from 0 before validation, so the schema's error keys (`support_contacts.1.phone`) name the
row as the page shows it. A crisis plan with nothing filled in is left out (a draft may have
none); the naloxone checkbox carries a hidden marker so an unticked box says "no".
Everything else is `web.forms.form_data` with the schema's own fields.
"""

from __future__ import annotations

import re
from typing import Any

import marshmallow as ma
from werkzeug.datastructures import MultiDict

from aftercare.plans.schemas import AftercarePlanInputSchema
from web.forms import Errors, FormInvalid, flatten, form_data

CONTACT_FIELDS = ("name", "relationship", "phone")
GROUP_FIELDS = ("name", "schedule")
ROWS = {"support_contacts": CONTACT_FIELDS, "support_groups": GROUP_FIELDS}
#: the sections that are lists of words, one textarea each (an item a line).
LINES = ("goals", "triggers", "warning_signs", "coping_strategies", "crisis_plan.safety_steps")
TEXTS = ("lapse_plan", "medication_plan", "crisis_plan.crisis_line", "crisis_plan.safe_storage")
NALOXONE = "crisis_plan.naloxone_offered"

LABELS = {
    "goals": "Goals",
    "triggers": "Triggers and high-risk situations",
    "warning_signs": "Early warning signs",
    "coping_strategies": "Coping strategies",
    "support_contacts": "Support contacts",
    "support_groups": "Support groups",
    "lapse_plan": "After a lapse",
    "crisis_plan": "Crisis plan",
    "crisis_plan.crisis_line": "Crisis line",
    "crisis_plan.safety_steps": "Safety steps",
    "crisis_plan.naloxone_offered": "Naloxone offered",
    "crisis_plan.safe_storage": "Safe storage of medicines",
    "medication_plan": "Medication after discharge",
    "status": "Status",
}
_ROW_KEY = re.compile(r"^(support_contacts|support_groups)\.(\d{1,3})\.(\w+)$")
_LINE_KEY = re.compile(r"^(.+)\.(\d+)$")


def _posted_rows(form: MultiDict, section: str) -> list[dict[str, str]]:
    """A row section's posted rows in index order, the blank ones dropped."""
    rows: dict[int, dict[str, str]] = {}
    for key, value in form.items():
        found = _ROW_KEY.match(key)
        if found and found[1] == section and found[3] in ROWS[section]:
            row = rows.setdefault(int(found[2]), dict.fromkeys(ROWS[section], ""))
            row[found[3]] = value
    return [row for _n, row in sorted(rows.items()) if any(v.strip() for v in row.values())]


def _crisis_is_blank(crisis: dict[str, Any]) -> bool:
    """Nothing of the crisis plan filled in (the naloxone box left unticked)."""
    return not any(crisis.get(k) for k in ("crisis_line", "safety_steps", "safe_storage")) and (
        crisis.get("naloxone_offered") is not True
    )


def plan_body(form: MultiDict) -> dict[str, Any]:
    """The JSON-shaped plan a posted form stands for (to load with the API's schema)."""
    body = form_data(AftercarePlanInputSchema(), form)
    for section, fields in ROWS.items():
        body[section] = [
            {f: row[f].strip() for f in fields if row[f].strip()}
            for row in _posted_rows(form, section)
        ]
    if _crisis_is_blank(body.get("crisis_plan") or {}):
        body.pop("crisis_plan", None)
    return body


def load_plan(form: MultiDict) -> dict[str, Any]:
    """The posted plan validated by the API's schema, or `FormInvalid` with its messages
    flattened to the form's keys."""
    try:
        return AftercarePlanInputSchema().load(plan_body(form))
    except ma.ValidationError as error:
        raise FormInvalid(flatten(error.messages)) from error


def _with_empty_row(rows: list[dict[str, Any]], fields: tuple[str, ...]) -> list[dict[str, Any]]:
    """The rows as text inputs show them, and one empty row to fill in to add one."""
    kept = [{f: str(row.get(f) or "") for f in fields} for row in rows]
    return [*kept, dict.fromkeys(fields, "")]


def values_from_content(content: dict[str, Any] | None) -> dict[str, Any]:
    """The form's values for a stored plan's sections (a new plan: all empty)."""
    content = content or {}
    crisis = content.get("crisis_plan") or {}
    values: dict[str, Any] = {}
    for name in LINES:
        section, _, inner = name.partition(".")
        items = crisis.get(inner) if inner else content.get(section)
        values[name] = "\n".join(items or [])
    for name in TEXTS:
        section, _, inner = name.partition(".")
        values[name] = (crisis.get(inner) if inner else content.get(section)) or ""
    values[NALOXONE] = crisis.get("naloxone_offered") is True
    for section, fields in ROWS.items():
        values[section] = _with_empty_row(content.get(section) or [], fields)
    return values


def values_from_form(form: MultiDict) -> dict[str, Any]:
    """The form's values as posted (kept rows renumbered from 0, one empty row added)."""
    values: dict[str, Any] = {name: form.get(name, "") for name in (*LINES, *TEXTS)}
    values[NALOXONE] = any(v.lower() in {"on", "true"} for v in form.getlist(NALOXONE))
    for section, fields in ROWS.items():
        values[section] = _with_empty_row(_posted_rows(form, section), fields)
    return values


def form_errors(errors: Errors) -> Errors:
    """Errors keyed by the form's inputs: a line of a list (`triggers.2`) is reported on its
    textarea as "Line 3: …"; everything else keeps its key."""
    out: Errors = {}
    for key, messages in errors.items():
        found = _LINE_KEY.match(key)
        if found and found[1] in LINES:
            line = int(found[2]) + 1
            out.setdefault(found[1], []).extend(f"Line {line}: {m}" for m in messages)
        else:
            out.setdefault(key, []).extend(messages)
    return out


def error_label(key: str) -> str:
    """An error key in the form's words: "support_contacts.0.phone" → "Support contact 1:
    phone"."""
    found = _ROW_KEY.match(key)
    if found:
        kind = "Support contact" if found[1] == "support_contacts" else "Support group"
        return f"{kind} {int(found[2]) + 1}: {found[3]}"
    return LABELS.get(key, key.replace("_", " ").replace(".", ": "))
