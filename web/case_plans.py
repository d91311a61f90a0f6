"""The case page's treatment plan editor: problems → goals → interventions, saved whole
through the API's schema and `cases.treatment_plans.service`.

The form works without JavaScript: each level has one empty row more than it holds (fill it
in to add one; empty a row to remove it), and its inputs are named like the schema's error
keys (`problems.0.goals.1.review_date`), so an error lands beside its input. The form
carries the plan's version (its ETag) as If-Match does for the API: when someone saved the
plan in between, nothing is saved, their plan is shown, and the user's own text stays in
the form, now based on their version, to save again or change."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import marshmallow as ma
from flask import Response, redirect, request, url_for

from auth.permissions import Permission, current_actor
from cases.episodes.models import client_of_case
from cases.treatment_plans import service
from cases.treatment_plans.schemas import TreatmentPlanInputSchema, stored_problems
from core.audit import finds_client
from core.errors import DomainError
from core.extensions import db
from web.cases import bp, case_page
from web.forms import Errors, domain_errors, flatten, form_is_current
from web.security import page

STALE_PLAN = (
    "Someone else saved this treatment plan since you opened the page, so nothing was saved. "
    "Their plan is shown above; your changes are still in the form below. Save again to "
    "replace their plan with yours."
)

GOAL_FIELDS = ("description", "target_date", "review_date")
INTERVENTION_FIELDS = ("type", "description", "frequency")
_INDEXED = re.compile(r"^problems\.(\d{1,3})\.(.+)$")
_IN_PROBLEM = re.compile(r"^goals\.(\d{1,3})\.(.+)$")
_IN_GOAL = re.compile(r"^interventions\.(\d{1,3})\.(\w+)$")


def _tree(form: Mapping[str, str]) -> list[dict[str, Any]]:
    """The posted inputs as rows, in index order, blanks included (as typed)."""
    problems: dict[int, dict[str, Any]] = {}
    for key, value in form.items():
        found = _INDEXED.match(key)
        if found:
            problem = problems.setdefault(int(found[1]), {"description": "", "goals": {}})
            _place(problem, found[2], value)
    return [
        {"index": p, "description": problem["description"], "goals": _goal_rows(problem["goals"])}
        for p, problem in sorted(problems.items())
    ]


def _place(problem: dict[str, Any], rest: str, value: str) -> None:
    """One posted input (`rest`: its key after `problems.N.`) put in its problem's row: the
    description, a goal's field or an intervention's (an unknown field only adds empty rows)."""
    if rest == "description":
        problem["description"] = value
        return
    in_problem = _IN_PROBLEM.match(rest)
    if not in_problem:
        return
    goal = problem["goals"].setdefault(
        int(in_problem[1]), {**dict.fromkeys(GOAL_FIELDS, ""), "interventions": {}}
    )
    field = in_problem[2]
    if field in GOAL_FIELDS:
        goal[field] = value
        return
    in_goal = _IN_GOAL.match(field)
    if in_goal and in_goal[2] in INTERVENTION_FIELDS:
        item = goal["interventions"].setdefault(
            int(in_goal[1]), dict.fromkeys(INTERVENTION_FIELDS, "")
        )
        item[in_goal[2]] = value


def _goal_rows(goals: dict[int, dict[str, Any]]) -> list[dict[str, Any]]:
    """A problem's goals (by index) as rows in index order, each with its interventions."""
    return [
        {
            "index": g,
            **{f: goal[f] for f in GOAL_FIELDS},
            "interventions": [
                {"index": i, **goal["interventions"][i]} for i in sorted(goal["interventions"])
            ],
        }
        for g, goal in sorted(goals.items())
    ]


def _filled(row: Mapping[str, Any], fields: tuple[str, ...]) -> dict[str, str]:
    return {f: row[f].strip() for f in fields if row[f].strip()}


def _body(rows: list[dict[str, Any]]) -> tuple[dict[str, Any], dict[tuple[int, ...], int]]:
    """The schema's input from the rows, empty rows left out, and where each kept row came
    from (`(p,)`, `(p, g)`, `(p, g, i)` in kept positions → the form's index)."""
    origin: dict[tuple[int, ...], int] = {}
    problems: list[dict[str, Any]] = []
    for row in rows:
        goals: list[dict[str, Any]] = []
        p = len(problems)
        for goal_row in row["goals"]:
            items: list[dict[str, str]] = []
            g = len(goals)
            for item_row in goal_row["interventions"]:
                item = _filled(item_row, INTERVENTION_FIELDS)
                if item:
                    origin[(p, g, len(items))] = item_row["index"]
                    items.append(item)
            goal: dict[str, Any] = _filled(goal_row, GOAL_FIELDS)
            if goal or items:
                origin[(p, g)] = goal_row["index"]
                goals.append({**goal, "interventions": items})
        description = row["description"].strip()
        if description or goals:
            origin[(p,)] = row["index"]
            problem: dict[str, Any] = {"description": description} if description else {}
            problems.append({**problem, "goals": goals})
    return {"problems": problems}, origin


def _blank(row: Mapping[str, Any], fields: tuple[str, ...]) -> bool:
    return not any(str(row.get(f) or "").strip() for f in fields)


Moved = dict[tuple[int, ...], int]


def _kept(
    rows: list[dict[str, Any]],
    fields: tuple[str, ...],
    at: tuple[int, ...],
    moved: Moved,
    children: str | None = None,
    inner: Any = None,
) -> list[dict[str, Any]]:
    """`rows` numbered from 0 for the form, empty ones dropped, one empty row added at the
    end; `moved` records each kept row's earlier index (a posted row's own, a stored row's
    place) → its new one, under the indexes of its parents (`at`)."""
    out: list[dict[str, Any]] = []
    for n, row in enumerate(rows):
        was = row.get("index", n)
        row = {key: value for key, value in row.items() if key != "index"}
        if children is not None:
            row[children] = inner(row.get(children) or [], (*at, was), moved)
        if _blank(row, fields) and (children is None or len(row[children]) == 1):
            continue
        moved[(*at, was)] = len(out)
        out.append({**row, "index": len(out)})
    empty = {**dict.fromkeys(fields, ""), "index": len(out)}
    if children is not None:
        empty[children] = inner([], (*at, -1), {})
    return [*out, empty]


def _interventions(rows: list[dict[str, Any]], at: tuple[int, ...], moved: Moved) -> list[Any]:
    return _kept(rows, INTERVENTION_FIELDS, at, moved)


def _goals(rows: list[dict[str, Any]], at: tuple[int, ...], moved: Moved) -> list[Any]:
    return _kept(rows, GOAL_FIELDS, at, moved, "interventions", _interventions)


def editor_rows(problems: list[dict[str, Any]], moved: Moved | None = None) -> list[Any]:
    """The editor's rows for the stored problems or the posted rows: numbered from 0, empty
    rows dropped, and one empty row to fill in at the end of each list. `moved` (when
    given) gets where each posted row went, to move its errors with it."""
    return _kept(problems, ("description",), (), {} if moved is None else moved, "goals", _goals)


def _form_key(key: str, origin: Moved) -> str:
    """An error key with the indexes of one numbering as the other's (`origin`: a row's
    indexes there, with its parents' → its index here)."""
    parts = key.split(".")
    kept: list[int] = []
    for n, part in enumerate(parts):
        if part.isdigit() and n > 0 and parts[n - 1] in ("problems", "goals", "interventions"):
            kept.append(int(part))
            parts[n] = str(origin.get(tuple(kept), int(part)))
    return ".".join(parts)


def _validated(rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]] | None, Errors]:
    data, origin = _body(rows)
    try:
        loaded = TreatmentPlanInputSchema().load(data)
    except ma.ValidationError as error:
        flat = flatten(error.messages)
        return None, {_form_key(key, origin): messages for key, messages in flat.items()}
    return stored_problems(loaded), {}


def _refused(case_id: int, status: int, rows: list[dict[str, Any]], errors: Errors) -> Response:
    """The case page with the posted plan back in the editor (renumbered, its errors with
    it) and the refusal's status."""
    db.session.rollback()
    moved: Moved = {}
    shown = editor_rows(rows, moved)
    errors = {_form_key(key, moved): messages for key, messages in errors.items()}
    return case_page(case_id, status, plan_rows=shown, plan_errors=errors, plan_open=True)


@bp.post("/cases/<int:case_id>/treatment-plan")
@finds_client("case_id", client_of_case)
@page(Permission.CLINICAL_RECORD_WRITE)
def save_plan(case_id: int) -> Response:
    """Save the plan whole: 422 beside the fields, 412 (with the other version shown) when
    the plan was saved by someone else since the form was opened, 409 once discharged."""
    actor = current_actor()
    rows = _tree(request.form)
    problems, errors = _validated(rows)
    if problems is None:
        return _refused(case_id, 422, rows, errors)
    case, plan = service.treatment_plan_for_update(case_id, actor=actor)
    if not form_is_current(plan, request.form):
        return _refused(case_id, 412, rows, {"_form": [STALE_PLAN]})
    try:
        service.save_treatment_plan(case, plan, problems, actor=actor)
    except DomainError as error:
        if error.code == 404:
            raise
        return _refused(case_id, error.code, rows, domain_errors(error))
    db.session.commit()
    return redirect(url_for("web.cases.show", case_id=case_id) + "#plan", 303)


def error_label(key: str) -> str:
    """An error key as the form's words: "problems.0.goals.1.review_date" → "Problem 1,
    goal 2: review date"."""
    parts = key.split(".")
    words: list[str] = []
    for n, part in enumerate(parts):
        if part.isdigit() and n > 0:
            words.append(f"{_SINGULAR.get(parts[n - 1], parts[n - 1])} {int(part) + 1}")
        elif not (n + 1 < len(parts) and parts[n + 1].isdigit()):
            words.append(part.replace("_", " "))
    label = ", ".join(words[:-1]) + (": " if len(words) > 1 else "") + words[-1]
    return label[0].upper() + label[1:] if label else key


_SINGULAR = {"problems": "problem", "goals": "goal", "interventions": "intervention"}
