"""Pure clinical rules of intake (CLINICAL.md §§1-3 and 5, rule version 2), over plain
JSON-like data.

This module is the intake domain's one door to its rules: the rule-set configuration, the
level-of-care recommendation, the evaluation of a whole assessment into its ``results``, and
the checks an assessment must pass to be submitted. The pieces live beside it and are
re-exported here: instruments and the DSM-5 checklist, diazepam equivalents and flags in
``intake.instruments``, the configuration in ``intake.assessments.rule_set``, the submit checks in
``intake.assessments.checks``, the level table in ``intake.assessments.placement``.

Every threshold and table is configuration in a :class:`RuleSet` whose defaults are
CLINICAL.md's values; every result records the ``rule_version`` that produced it. The system
computes, a clinician decides."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from intake.assessments.checks import (
    missing_sections,
    ratings,
    substance_errors,
    supervision_errors,
    validate_sections,
    write_errors,
)
from intake.assessments.placement import (
    DIMENSION_LABELS,
    DIMENSIONS,
    INPATIENT_LEVELS,
    LEVEL_NAMES,
    LEVELS,
    OUTPATIENT_LEVELS,
    RATING_LABELS,
    PlacementRules,
    Recommendation,
    level_rank,
    place,
    setting_for_level,
)
from intake.assessments.rule_set import (
    DEFAULT_RULES,
    RULE_VERSION,
    RuleSet,
    current_entries,
    is_current,
)
from intake.flags.rules import (
    FLAG_CATEGORIES,
    FLAG_SEVERITIES,
    FLAG_SOURCE_KINDS,
    FLAG_TYPES,
    PSYCHIATRIC_DIAGNOSES,
    FlagRules,
    FlagSpec,
    dedupe_flags,
    falls_flags,
    history_flags,
    pregnancy_flags,
    screening_flags,
    severity_rank,
    substance_flags,
    withdrawal_flags,
)
from intake.instruments import ScreeningResult, screen
from intake.instruments import dsm5 as _dsm5
from intake.instruments.dsm5 import DSM5_CRITERIA, SUPERVISION_EXEMPT_CRITERIA, SudResult
from intake.instruments.sedatives import (
    DEFAULT_EQUIVALENCE_TABLE,
    EQUIVALENCE_TABLES,
    generic_name,
)
from intake.instruments.substances import (
    SEDATIVE_CATEGORIES,
    SUBSTANCE_CATEGORIES,
    UnknownDrug,
    diazepam_equivalent_mg,
    entry_equivalent,
    is_known_drug,
    is_sedative,
    months_before,
    substance_class,
)


def classify_sud(
    criteria: Mapping[str, bool], medically_supervised: bool, *, rules: RuleSet = DEFAULT_RULES
) -> SudResult:
    """DSM-5 use disorder versus physical dependence (CLINICAL.md §1): tolerance and withdrawal
    are not counted under medical supervision; severity <2 none, 2-3 mild, 4-5 moderate, >=6
    severe; physical dependence is tolerance or withdrawal present, counted or not."""
    return _dsm5.classify_sud(criteria, medically_supervised, cutoffs=rules.sud_cutoffs)


def _current_sedatives(
    substances: Iterable[Mapping[str, Any]], assessed_on: date | None, rules: RuleSet
) -> list[Mapping[str, Any]]:
    table, tables = rules.equivalence_table, rules.equivalence_tables
    current = current_entries(substances, assessed_on, rules)
    return [entry for entry in current if is_sedative(entry, table, tables=tables)]


def total_diazepam_equivalent(
    substances: Iterable[Mapping[str, Any]],
    table: str = DEFAULT_EQUIVALENCE_TABLE,
    *,
    assessed_on: date | None = None,
    rules: RuleSet = DEFAULT_RULES,
) -> float:
    """Sum of the diazepam equivalents of every current sedative that has one (with
    ``assessed_on`` None every entry counts as current); sedatives without an equivalent add
    nothing (see :func:`equivalence_missing`). A current one without a ``daily_dose_mg``
    raises ValueError; submit validation reports it first."""
    total = 0.0
    for entry in _current_sedatives(substances, assessed_on, rules):
        if entry.get("daily_dose_mg") is None:
            raise ValueError(f"{entry.get('substance')!r} has no daily_dose_mg")
        total += entry_equivalent(entry, table, tables=rules.equivalence_tables) or 0.0
    return round(total, 3)


def equivalence_missing(
    substances: Iterable[Mapping[str, Any]],
    table: str = DEFAULT_EQUIVALENCE_TABLE,
    *,
    assessed_on: date | None = None,
    rules: RuleSet = DEFAULT_RULES,
) -> list[str]:
    """The current sedatives the table has no equivalent for (the total is then a lower
    bound), as generics, sorted."""
    tables = rules.equivalence_tables
    names = {
        generic_name(entry.get("substance"), table, tables=tables) or str(entry["substance"])
        for entry in _current_sedatives(substances, assessed_on, rules)
    }
    return sorted(name for name in names if name not in tables[table])


def age_on(date_of_birth: date | None, day: date) -> int | None:
    """Whole years of age on ``day`` (None without a date of birth)."""
    if date_of_birth is None:
        return None
    before_birthday = (day.month, day.day) < (date_of_birth.month, date_of_birth.day)
    return day.year - date_of_birth.year - before_birthday


def derive_flags(
    *,
    screenings: Mapping[str, ScreeningResult],
    psychiatric_history: Iterable[str] = (),
    substances: Iterable[Mapping[str, Any]] = (),
    withdrawal_history: Mapping[str, Any] | None = None,
    pregnancy: Mapping[str, Any] | None = None,
    age: int | None = None,
    assessed_on: date,
    rules: RuleSet = DEFAULT_RULES,
) -> list[FlagSpec]:
    """The flags an assessment raises (CLINICAL.md §3), one spec per type with the highest
    severity found, urgent first. Substance, falls and pregnancy flags look at current use."""
    current = current_entries(substances, assessed_on, rules)
    return dedupe_flags(
        screening_flags(screenings, rules.flags)
        + history_flags(psychiatric_history, rules.flags)
        + substance_flags(current, rules.flags)
        + withdrawal_flags(withdrawal_history, rules.flags)
        + falls_flags(current, age, rules.flags)
        + pregnancy_flags(pregnancy, current, rules.flags)
    )


def dual_diagnosis(
    active_flag_categories: Iterable[str], latest_sud: Mapping[str, Any] | None
) -> bool:
    """Dual diagnosis: an active flag in the ``psychiatric`` category **and** the latest
    submitted assessment found a use disorder or physical dependence."""
    found = bool(latest_sud) and bool(
        latest_sud.get("use_disorder") or latest_sud.get("physical_dependence")
    )
    return found and "psychiatric" in set(active_flag_categories)


def _sud_reason(sud: SudResult) -> str:
    if sud.use_disorder:
        return f"A {sud.severity} use disorder ({sud.counted} criteria counted) was found"
    return "Physical dependence without a use disorder was found"


def recommend_level(
    ratings: Mapping[str, int],
    sud: SudResult,
    *,
    complicated_withdrawal_with_current_sedative: bool,
    cssrs_high: bool,
    phq9_item9_positive: bool,
    ciwa_b_severe: bool = False,
    rules: RuleSet = DEFAULT_RULES,
) -> Recommendation:
    """The least intensive level that meets the highest need (CLINICAL.md §5): the maximum of
    the six dimension minimums and of these floors, where they apply:

    - ``sud_floor`` (1): a use disorder or physical dependence;
    - ``complicated_withdrawal`` (3.7): withdrawal seizures or delirium with a current
      sedative (benzodiazepine, z-drug or other known sedative) or alcohol;
    - ``suicide_risk_high`` (3.7): C-SSRS high risk, which also requires urgent review.

    PHQ-9 item 9 above 0 and an intake CIWA-B in the severe or very severe band require
    urgent review without a floor. Ratings must be the six dimensions, each an int 0-4
    (ValueError otherwise).
    """
    floors = _floors(sud, complicated_withdrawal_with_current_sedative, cssrs_high)
    urgent = [
        reason
        for found, reason in (
            (cssrs_high, "C-SSRS screen shows high suicide risk."),
            (phq9_item9_positive, "PHQ-9 item 9 is above 0 (thoughts of death or self-harm)."),
            (ciwa_b_severe, "CIWA-B at intake is in the severe or very severe band."),
        )
        if found
    ]
    return place(
        ratings,
        floors,
        urgent_review_reasons=urgent,
        rules=rules.placement,
        rule_version=rules.version,
    )


def _floors(sud: SudResult, complicated: bool, cssrs_high: bool) -> dict[str, str]:
    """The floors that apply, by rule id, each with the sentence that explains it."""
    floors: dict[str, str] = {}
    if sud.use_disorder or sud.physical_dependence:
        floors["sud_floor"] = _sud_reason(sud)
    if complicated:
        floors["complicated_withdrawal"] = (
            "History of withdrawal seizures or delirium with current sedative (benzodiazepine, "
            "z-drug or other) or alcohol use"
        )
    if cssrs_high:
        floors["suicide_risk_high"] = "C-SSRS screen shows high suicide risk"
    return floors


def score_screenings(
    screenings: Mapping[str, Any] | None, *, sex: str | None, rules: RuleSet = DEFAULT_RULES
) -> dict[str, ScreeningResult]:
    """Score every screening given (None values are skipped); answers that cannot be scored,
    or an unknown screening key, raise ``InstrumentInputError``."""
    return {
        name: screen(name, value, sex=sex, cutoffs=rules.screening_cutoffs.get(name))
        for name, value in (screenings or {}).items()
        if value is not None
    }


def complicated_withdrawal_with_current_sedative(
    sections: Mapping[str, Any], *, assessed_on: date, rules: RuleSet = DEFAULT_RULES
) -> bool:
    """Withdrawal seizures or delirium in the history **and** current use of a substance whose
    withdrawal causes seizures: any sedative (etizolam entered as "other" included) or
    alcohol."""
    history = sections.get("withdrawal_history") or {}
    if not (history.get("seizures") is True or history.get("delirium") is True):
        return False
    current = current_entries(sections.get("substances") or [], assessed_on, rules)
    return any(substance_class(entry) in rules.seizure_withdrawal_classes for entry in current)


def evaluate_assessment(
    sections: Mapping[str, Any],
    *,
    sex: str | None,
    assessed_on: date,
    date_of_birth: date | None = None,
    rules: RuleSet = DEFAULT_RULES,
) -> dict[str, Any]:
    """An assessment's ``results`` as API.md describes them, plus ``flag_specs`` (plain dicts
    the service turns into flags). Expects sections that :func:`missing_sections` and
    :func:`validate_sections` accept; otherwise raises ValueError (or its subclasses
    ``InstrumentInputError`` and ``UnknownDrug``)."""
    substances = sections.get("substances") or []
    dsm5 = sections["dsm5"]
    sud = classify_sud(dsm5.get("criteria") or {}, dsm5["medically_supervised"], rules=rules)
    screenings = score_screenings(sections.get("screenings"), sex=sex, rules=rules)
    recommendation = recommend_level(
        ratings(sections["dimensions"]),
        sud,
        complicated_withdrawal_with_current_sedative=complicated_withdrawal_with_current_sedative(
            sections, assessed_on=assessed_on, rules=rules
        ),
        cssrs_high=getattr(screenings.get("cssrs_screen"), "risk", None) == "high",
        phq9_item9_positive=getattr(screenings.get("phq9"), "item9_positive", False),
        ciwa_b_severe=getattr(screenings.get("ciwa_b"), "positive", False),
        rules=rules,
    )
    flags = derive_flags(
        screenings=screenings,
        psychiatric_history=sections.get("psychiatric_history") or [],
        substances=substances,
        withdrawal_history=sections.get("withdrawal_history"),
        pregnancy=sections.get("pregnancy"),
        age=age_on(date_of_birth, assessed_on),
        assessed_on=assessed_on,
        rules=rules,
    )
    return _results(substances, sud, screenings, recommendation, flags, assessed_on, rules)


def _results(
    substances: list[Any],
    sud: SudResult,
    screenings: Mapping[str, ScreeningResult],
    recommendation: Recommendation,
    flags: list[FlagSpec],
    assessed_on: date,
    rules: RuleSet,
) -> dict[str, Any]:
    table = rules.equivalence_table
    return {
        "rule_version": rules.version,
        "sud": sud.as_dict(),
        "screenings": {name: result.as_dict() for name, result in screenings.items()},
        "diazepam_equivalent_mg_per_day": total_diazepam_equivalent(
            substances, table, assessed_on=assessed_on, rules=rules
        ),
        "equivalence_table": table,
        "equivalence_missing": equivalence_missing(
            substances, table, assessed_on=assessed_on, rules=rules
        ),
        "recommendation": recommendation.as_dict(),
        "flag_specs": [spec.as_dict() for spec in flags],
    }


__all__ = [
    "DEFAULT_EQUIVALENCE_TABLE",
    "DEFAULT_RULES",
    "DIMENSIONS",
    "DIMENSION_LABELS",
    "DSM5_CRITERIA",
    "EQUIVALENCE_TABLES",
    "FLAG_CATEGORIES",
    "FLAG_SEVERITIES",
    "FLAG_SOURCE_KINDS",
    "FLAG_TYPES",
    "INPATIENT_LEVELS",
    "LEVELS",
    "LEVEL_NAMES",
    "OUTPATIENT_LEVELS",
    "PSYCHIATRIC_DIAGNOSES",
    "RATING_LABELS",
    "RULE_VERSION",
    "SEDATIVE_CATEGORIES",
    "SUBSTANCE_CATEGORIES",
    "SUPERVISION_EXEMPT_CRITERIA",
    "FlagRules",
    "FlagSpec",
    "PlacementRules",
    "Recommendation",
    "RuleSet",
    "SudResult",
    "UnknownDrug",
    "age_on",
    "classify_sud",
    "complicated_withdrawal_with_current_sedative",
    "dedupe_flags",
    "derive_flags",
    "diazepam_equivalent_mg",
    "dual_diagnosis",
    "equivalence_missing",
    "evaluate_assessment",
    "is_current",
    "is_known_drug",
    "level_rank",
    "missing_sections",
    "months_before",
    "recommend_level",
    "score_screenings",
    "setting_for_level",
    "severity_rank",
    "substance_errors",
    "supervision_errors",
    "total_diazepam_equivalent",
    "validate_sections",
    "write_errors",
]
