"""The results page in plain words (screen 4): dependence versus addiction, the diazepam
equivalent, the flags raised and the recommended level — all read from the `results` the
submit computed (nothing is recomputed here), only put into sentences."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from intake.assessments.placement import DIMENSION_LABELS, LEVEL_NAMES
from web.assessment_screens import TITLES

RULE_LABELS = {
    "sud_floor": "Use disorder or physical dependence (at least outpatient care)",
    "complicated_withdrawal": "History of withdrawal seizures or delirium with current use",
    "suicide_risk_high": "High suicide risk on the C-SSRS screen",
}
CRITERIA_WORDS = {
    "larger_longer": "used more, or for longer, than intended",
    "cut_down": "wanted or tried to cut down",
    "time_spent": "much time spent getting, using or recovering",
    "craving": "craving",
    "role_failure": "failing duties at work, school or home",
    "social_problems": "kept using despite problems with other people",
    "activities_reduced": "gave up important activities",
    "hazardous_use": "used in physically hazardous situations",
    "physical_psych_problems": "kept using despite physical or psychological harm",
    "tolerance": "tolerance",
    "withdrawal": "withdrawal",
}


def criteria_words(keys: list[str]) -> str:
    return ", ".join(CRITERIA_WORDS.get(key, key.replace("_", " ")) for key in keys)


def dependence_words(sud: Mapping[str, Any]) -> dict[str, Any]:
    """The headline and the sentences that explain dependence versus addiction."""
    counted, severity = sud.get("counted", 0), sud.get("severity", "none")
    dependent, disorder = sud.get("physical_dependence"), sud.get("use_disorder")
    if disorder:
        headline = f"A {severity} substance use disorder (addiction)"
        lines = [
            f"{counted} of the 11 DSM-5 criteria count ({criteria_words(_counted(sud))}); "
            "2 or more make a use disorder: 2-3 mild, 4-5 moderate, 6 or more severe."
        ]
    elif dependent:
        headline = "Physical dependence, not addiction"
        lines = [
            "The body has adapted to the substance (tolerance or withdrawal), which happens "
            "with many medicines taken as prescribed. That alone is not addiction: "
            f"{counted} criteria count, and a use disorder needs at least 2."
        ]
    else:
        headline = "No use disorder and no physical dependence"
        lines = [f"{counted} criteria count; a use disorder needs at least 2."]
    if dependent and disorder:
        lines.append("There is also physical dependence (tolerance or withdrawal).")
    if sud.get("not_counted"):
        lines.append(
            f"Not counted: {criteria_words(sud['not_counted'])}, because the medicine is taken "
            "solely under appropriate medical supervision (DSM-5)."
        )
    return {"headline": headline, "lines": lines, "dependent": dependent, "disorder": disorder}


def _counted(sud: Mapping[str, Any]) -> list[str]:
    not_counted = set(sud.get("not_counted") or [])
    return [key for key in sud.get("criteria_met") or [] if key not in not_counted]


def driving_words(keys: list[str]) -> list[str]:
    return [DIMENSION_LABELS.get(key) or RULE_LABELS.get(key, key) for key in keys]


def results_view(results: Mapping[str, Any]) -> dict[str, Any]:
    """Everything the results page shows, from the frozen `results`."""
    recommendation = results.get("recommendation") or {}
    level = recommendation.get("level")
    return {
        "dependence": dependence_words(results.get("sud") or {}),
        "equivalent": results.get("diazepam_equivalent_mg_per_day"),
        "table": results.get("equivalence_table"),
        "missing_equivalents": results.get("equivalence_missing") or [],
        "screenings": [
            (TITLES.get(name, name), found)
            for name, found in (results.get("screenings") or {}).items()
        ],
        "flags": results.get("flags") or [],
        "level": level,
        "level_name": LEVEL_NAMES.get(level, ""),
        "recommendation": recommendation,
        "driving": driving_words(recommendation.get("driving_dimensions") or []),
    }
