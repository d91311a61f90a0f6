"""What the assessment pages show besides the form values: each step's choices (categories,
criteria, instruments, the six dimensions with their anchors), the diazepam equivalent of a
substance row, and the review page's list of what a submit still misses."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.errors import ValidationFailed
from core.http import etag_of
from intake.assessments import rules
from intake.assessments.models import Assessment
from intake.assessments.placement import DIMENSION_LABELS, DIMENSIONS, LEVEL_NAMES, RATINGS
from intake.clients.models import Client
from intake.flags.rules import PSYCHIATRIC_DIAGNOSES
from intake.instruments.dsm5 import DSM5_CRITERIA
from intake.instruments.sedatives import generic_name, is_brand, table_mg
from intake.instruments.substances import (
    MAX_DOSE_MG,
    SEDATIVE_CATEGORIES,
    SUBSTANCE_CATEGORIES,
    entry_equivalent,
    is_sedative,
)
from web import assessment_screens as screens
from web import assessment_steps as steps
from web.assessment_results import CRITERIA_WORDS
from web.forms import domain_errors

RULES = rules.DEFAULT_RULES
CATEGORY_LABELS = [(c, c.replace("_", "-") if c == "z_drug" else c) for c in SUBSTANCE_CATEGORIES]
DIMENSION_HINTS = {
    "withdrawal": "Intoxication and withdrawal potential.",
    "biomedical": "Physical health conditions and complications.",
    "emotional_behavioural": "Emotional, behavioural or cognitive conditions and complications.",
    "readiness": "Readiness to change (a higher rating is less ready).",
    "relapse_potential": "Relapse, continued use or continued problem potential.",
    "recovery_environment": "Home, family, work and social supports for recovery.",
}
RISK_FACTORS = {
    "family_history": "Family history of substance use",
    "trauma": "Trauma",
    "psychiatric_history": "Psychiatric history",
    "easy_access": "Easy access to substances",
    "chronic_stress": "Chronic stress",
    "normalising_environment": "An environment where use is normal",
}
GOALS = {
    "ideas": "Ideas: what the client thinks is going on",
    "concerns": "Concerns: what worries the client",
    "expectations": "Expectations: what the client hopes for from treatment",
    "what_health_looks_like": "What health looks like, in the client's words",
}
PREGNANCY = [("pregnant", "Pregnant"), ("not_pregnant", "Not pregnant"), ("unknown", "Unknown")]


def anchors(dimension: str) -> list[tuple[int, str]]:
    """Each rating's anchor and the least level it needs (the placement table)."""
    out = []
    for rating in RATINGS:
        level = RULES.placement.minimum_for(dimension, rating)
        word = rules.RATING_LABELS[rating]
        out.append((rating, f"{rating} · {word} — at least level {level}, {LEVEL_NAMES[level]}"))
    return out


def equivalent_note(name: str | None, dose: str | None, category: str | None) -> dict[str, Any]:
    """The diazepam equivalent of a substance as typed (a brand is its generic), by the same
    function the submit totals with; or a plain message when there is none."""
    name, category = (name or "").strip(), (category or "").strip()
    generic = generic_name(name, RULES.equivalence_table, tables=RULES.equivalence_tables)
    if not name or (generic is None and category not in ("", *SEDATIVE_CATEGORIES)):
        return {"text": "", "kind": "none"}
    if generic is None:
        text = "Not a known benzodiazepine or z-drug name, so no diazepam equivalent."
        return {"text": text, "kind": "warning" if category else "none"}
    if category and not is_sedative({"substance": name, "category": category}):
        return {"text": f"No diazepam equivalent for a {category} entry.", "kind": "none"}
    shown = f"{generic}, entered as {name}" if is_brand(name) else generic
    if table_mg(generic, RULES.equivalence_table, tables=RULES.equivalence_tables) is None:
        text = f"{shown}: no single published equivalent; adds nothing to the total."
        return {"text": text, "kind": "none"}
    mg = _dose(dose)
    if mg is None:
        text = f"{shown}: enter the daily dose to see its diazepam equivalent."
        return {"text": text, "kind": "none"}
    return _equivalent_text(generic, shown, mg)


def _equivalent_text(generic: str, shown: str, mg: float) -> dict[str, Any]:
    found = entry_equivalent(
        {"substance": generic, "daily_dose_mg": mg},
        RULES.equivalence_table,
        tables=RULES.equivalence_tables,
    )
    text = f"≈ {found:g} mg diazepam per day ({shown}; {RULES.equivalence_table} table)"
    if found is not None and found > RULES.plausible_max_diazepam_mg:
        text += ": above the plausibility bound, check the unit (micrograms?)"
        return {"text": text, "kind": "warning", "mg": found}
    return {"text": text, "kind": "ok", "mg": found}


def _dose(raw: str | None) -> float | None:
    try:
        value = float((raw or "").strip())
    except ValueError:
        return None
    return value if 0 < value < MAX_DOSE_MG else None


def _extras(step: steps.Step, assessment: Assessment, client: Client, form: Any, kw: Any) -> Any:
    if step.key == "substances":
        rows = steps.row_count(assessment, kw.get("rows"))
        return {
            "rows": rows,
            "categories": CATEGORY_LABELS,
            "notes": [equivalent_note(*_row(form, row)) for row in range(rows)],
        }
    if step.key == "dsm5":
        names = [e.get("entered_name") or e.get("substance") for e in assessment.substances or []]
        return {"criteria": [(c, CRITERIA_WORDS[c]) for c in DSM5_CRITERIA], "names": names}
    if step.key == "screenings":
        sex = client.sex.value if client.sex else None
        live = {name: screens.live_score(name, form, sex) for name in screens.SCREENING_KEYS}
        return {"screens": screens, "live": live}
    if step.key == "history":
        chosen = kw.get("diagnoses")
        chosen = assessment.psychiatric_history or [] if chosen is None else chosen
        return {"diagnoses": PSYCHIATRIC_DIAGNOSES, "chosen": set(chosen)}
    if step.key == "dimensions":
        dims = [(d, DIMENSION_LABELS[d], DIMENSION_HINTS[d], anchors(d)) for d in DIMENSIONS]
        return {"dimensions": dims}
    return {"risk_factors": RISK_FACTORS, "pregnancy": PREGNANCY, "goals": GOALS}


def _row(form: Mapping[str, Any], row: int) -> tuple[str, str, str]:
    prefix = f"substances.{row}."
    return tuple(form.get(prefix + k, "") for k in ("substance", "daily_dose_mg", "category"))


def step_context(
    assessment: Assessment, client: Client, step: steps.Step, **kw: Any
) -> dict[str, Any]:
    """The template context of one step: the form values (the draft, or what was posted),
    the navigation, the version the form will send back, and the step's own choices."""
    form = kw.get("form") or steps.saved_values(assessment)
    before, after = steps.neighbours(step.key)
    return {
        "assessment": assessment,
        "client": client,
        "step": step,
        "nav": steps.step_states(assessment, step.key),
        "before": before,
        "after": after,
        "version": etag_of(assessment),
        "form": form,
        "errors": kw.get("errors") or {},
        "notice": kw.get("notice"),
        **_extras(step, assessment, client, form, kw),
    }


def _words(path: str) -> str:
    """``dsm5.criteria.craving`` → "criteria: craving"; a whole section → "not filled in"."""
    rest = path.split(".", 1)[1] if "." in path else ""
    return rest.replace(".", ": ").replace("_", " ") if rest else "not filled in"


def _linked(paths: list[str]) -> list[dict[str, str]]:
    return [
        {
            "path": path,
            "step": steps.step_for_path(path),
            "title": steps.BY_KEY[steps.step_for_path(path)].title,
            "label": _words(path),
        }
        for path in paths
    ]


def review_context(
    assessment: Assessment,
    client: Client,
    *,
    failure: ValidationFailed | None = None,
    notice: str | None = None,
) -> dict[str, Any]:
    """The review page: the missing paths (from a failed submit, or what one would find),
    and a failed submit's other field errors, each linked to the step that holds it."""
    if failure is not None:
        missing = list(failure.extra.get("missing") or [])
        problems = {p: m for p, m in domain_errors(failure).items() if p not in missing}
    else:
        missing, problems = steps.missing_paths(assessment), {}
    return {
        "assessment": assessment,
        "client": client,
        "nav": steps.step_states(assessment, None),
        "version": etag_of(assessment),
        "missing": _linked(missing),
        "problems": [
            {**item, "messages": problems[item["path"]]} for item in _linked(list(problems))
        ],
        "failure": failure,
        "notice": notice,
        "errors": {},
    }
