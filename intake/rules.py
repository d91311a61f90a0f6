"""Pure clinical rules of intake (CLINICAL.md §§1-3 and 5), over plain JSON-like data.

This module is the intake domain's one door to its rules: the rule-set configuration, the
level-of-care recommendation, the evaluation of a whole assessment into its ``results``, and
the checks an assessment must pass to be submitted. The pieces live beside it and are
re-exported here: instruments and the DSM-5 checklist, diazepam equivalents and flags in
``intake.instruments``, the level table in ``intake.placement_rules``.

Every threshold and table is configuration in a :class:`RuleSet` whose defaults are
CLINICAL.md's values; every result records the ``rule_version`` that produced it. The system
computes, a clinician decides.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Any

from intake.instruments import (
    Cutoffs,
    ScreeningResult,
    audit_c,
    ciwa_b,
    dast10,
    gad7,
    mdq,
    msi_bpd,
    pc_ptsd5,
    phq9,
    screen,
    sds,
)
from intake.instruments import dsm5 as _dsm5
from intake.instruments.dsm5 import DSM5_CRITERIA, SUPERVISION_EXEMPT_CRITERIA, SudResult
from intake.instruments.flags import (
    FLAG_CATEGORIES,
    FLAG_SEVERITIES,
    FLAG_SOURCE_KINDS,
    FLAG_TYPES,
    PSYCHIATRIC_DIAGNOSES,
    FlagRules,
    FlagSpec,
    dedupe_flags,
    history_flags,
    screening_flags,
    severity_rank,
    substance_flags,
    withdrawal_flags,
)
from intake.instruments.substances import (
    DEFAULT_EQUIVALENCE_TABLE,
    EQUIVALENCE_TABLES,
    SEDATIVE_CATEGORIES,
    SUBSTANCE_CATEGORIES,
    UnknownDrug,
    diazepam_equivalent_mg,
    drug_key,
    equivalence_table,
    is_dose,
    is_known_drug,
    months_before,
)
from intake.instruments.substances import is_current as _is_current
from intake.placement_rules import (
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

RULE_VERSION = "2026.11-1"
_SCREENING_MODULES = (phq9, gad7, pc_ptsd5, mdq, msi_bpd, audit_c, dast10, sds, ciwa_b)


@dataclass(frozen=True)
class RuleSet:
    """Every threshold and table the intake rules use, with CLINICAL.md's defaults.

    A centre that changes any value should also change ``version``, which results record.
    """

    version: str = RULE_VERSION
    equivalence_tables: Mapping[str, Mapping[str, float]] = field(
        default_factory=lambda: EQUIVALENCE_TABLES
    )
    equivalence_table: str = DEFAULT_EQUIVALENCE_TABLE
    sud_cutoffs: Cutoffs = _dsm5.DEFAULT_CUTOFFS
    #: "Current" use: no last use recorded, or last use within this many months.
    current_use_months: int = 12
    screening_cutoffs: Mapping[str, Any] = field(
        default_factory=lambda: MappingProxyType(
            {module.NAME: module.DEFAULT_CUTOFFS for module in _SCREENING_MODULES}
        )
    )
    #: Withdrawals that cause seizures: with a complicated history they set a floor.
    seizure_withdrawal_categories: tuple[str, ...] = ("alcohol", "benzodiazepine", "z_drug")
    flags: FlagRules = field(default_factory=FlagRules)
    placement: PlacementRules = field(default_factory=PlacementRules)

    def __post_init__(self) -> None:
        equivalence_table(self.equivalence_table, self.equivalence_tables)


DEFAULT_RULES = RuleSet()


def classify_sud(
    criteria: Mapping[str, bool], medically_supervised: bool, *, rules: RuleSet = DEFAULT_RULES
) -> SudResult:
    """DSM-5 use disorder versus physical dependence (CLINICAL.md §1): tolerance and withdrawal
    are not counted under medical supervision; severity <2 none, 2-3 mild, 4-5 moderate, >=6
    severe; physical dependence is tolerance or withdrawal present, counted or not."""
    return _dsm5.classify_sud(criteria, medically_supervised, cutoffs=rules.sud_cutoffs)


def is_current(
    substance: Mapping[str, Any], assessed_on: date, *, rules: RuleSet = DEFAULT_RULES
) -> bool:
    """Current use: no ``last_use``, or ``last_use`` within the 12 months before the assessment
    (on or after the same calendar day 12 months earlier)."""
    return _is_current(substance, assessed_on, months=rules.current_use_months)


def _current(
    substances: Iterable[Mapping[str, Any]], assessed_on: date | None, rules: RuleSet
) -> list[Mapping[str, Any]]:
    return [s for s in substances if assessed_on is None or is_current(s, assessed_on, rules=rules)]


def total_diazepam_equivalent(
    substances: Iterable[Mapping[str, Any]],
    table: str = DEFAULT_EQUIVALENCE_TABLE,
    *,
    assessed_on: date | None = None,
    rules: RuleSet = DEFAULT_RULES,
) -> float:
    """Sum of the diazepam equivalents of every current benzodiazepine and z-drug (with
    ``assessed_on`` None every entry counts as current). A current one without a
    ``daily_dose_mg`` raises ValueError; submit validation reports it first."""
    total = 0.0
    for entry in _current(substances, assessed_on, rules):
        if entry.get("category") not in SEDATIVE_CATEGORIES:
            continue
        dose = entry.get("daily_dose_mg")
        if dose is None:
            raise ValueError(f"{entry.get('substance')!r} has no daily_dose_mg")
        name = entry.get("substance")
        total += diazepam_equivalent_mg(name, dose, table, tables=rules.equivalence_tables)
    return round(total, 3)


def derive_flags(
    *,
    screenings: Mapping[str, ScreeningResult],
    psychiatric_history: Iterable[str] = (),
    substances: Iterable[Mapping[str, Any]] = (),
    withdrawal_history: Mapping[str, Any] | None = None,
    assessed_on: date,
    rules: RuleSet = DEFAULT_RULES,
) -> list[FlagSpec]:
    """The flags an assessment raises (CLINICAL.md §3), one spec per type with the highest
    severity found, urgent first. Substance flags look at current use only."""
    current = _current(substances, assessed_on, rules)
    return dedupe_flags(
        screening_flags(screenings, rules.flags)
        + history_flags(psychiatric_history, rules.flags)
        + substance_flags(current, rules.flags)
        + withdrawal_flags(withdrawal_history, rules.flags)
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
    rules: RuleSet = DEFAULT_RULES,
) -> Recommendation:
    """The least intensive level that meets the highest need (CLINICAL.md §5): the maximum of
    the six dimension minimums and of these floors, where they apply:

    - ``sud_floor`` (1): a use disorder or physical dependence;
    - ``complicated_withdrawal`` (3.7): withdrawal seizures or delirium with current alcohol,
      benzodiazepine or z-drug use;
    - ``suicide_risk_high`` (3.7): C-SSRS high risk, which also requires urgent review.

    PHQ-9 item 9 above 0 requires urgent review without a floor. Ratings must be the six
    dimensions, each an int 0-4 (ValueError otherwise).
    """
    floors: dict[str, str] = {}
    if sud.use_disorder or sud.physical_dependence:
        floors["sud_floor"] = _sud_reason(sud)
    if complicated_withdrawal_with_current_sedative:
        floors["complicated_withdrawal"] = (
            "History of withdrawal seizures or delirium with current alcohol, benzodiazepine "
            "or z-drug use"
        )
    urgent = []
    if cssrs_high:
        floors["suicide_risk_high"] = "C-SSRS screen shows high suicide risk"
        urgent.append("C-SSRS screen shows high suicide risk.")
    if phq9_item9_positive:
        urgent.append("PHQ-9 item 9 is above 0 (thoughts of death or self-harm).")
    return place(
        ratings,
        floors,
        urgent_review_reasons=urgent,
        rules=rules.placement,
        rule_version=rules.version,
    )


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
    withdrawal causes seizures (alcohol, benzodiazepine or z-drug)."""
    history = sections.get("withdrawal_history") or {}
    if not (history.get("seizures") is True or history.get("delirium") is True):
        return False
    current = _current(sections.get("substances") or [], assessed_on, rules)
    return any(entry.get("category") in rules.seizure_withdrawal_categories for entry in current)


def _ratings(dimensions: Mapping[str, Any]) -> dict[str, Any]:
    """Ratings from ``{key: {rating, note}}`` (a bare rating is accepted too)."""
    return {
        key: value.get("rating") if isinstance(value, Mapping) else value
        for key, value in dimensions.items()
    }


def evaluate_assessment(
    sections: Mapping[str, Any],
    *,
    sex: str | None,
    assessed_on: date,
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
        _ratings(sections["dimensions"]),
        sud,
        complicated_withdrawal_with_current_sedative=complicated_withdrawal_with_current_sedative(
            sections, assessed_on=assessed_on, rules=rules
        ),
        cssrs_high=getattr(screenings.get("cssrs_screen"), "risk", None) == "high",
        phq9_item9_positive=getattr(screenings.get("phq9"), "item9_positive", False),
        rules=rules,
    )
    flags = derive_flags(
        screenings=screenings,
        psychiatric_history=sections.get("psychiatric_history") or [],
        substances=substances,
        withdrawal_history=sections.get("withdrawal_history"),
        assessed_on=assessed_on,
        rules=rules,
    )
    return {
        "rule_version": rules.version,
        "sud": sud.as_dict(),
        "screenings": {name: result.as_dict() for name, result in screenings.items()},
        "diazepam_equivalent_mg_per_day": total_diazepam_equivalent(
            substances, rules.equivalence_table, assessed_on=assessed_on, rules=rules
        ),
        "equivalence_table": rules.equivalence_table,
        "recommendation": recommendation.as_dict(),
        "flag_specs": [spec.as_dict() for spec in flags],
    }


def missing_sections(sections: Mapping[str, Any]) -> list[str]:
    """What a submit still lacks: ``substances`` (at least one entry), ``dsm5`` (primary
    substance, the supervision answer and all eleven criteria) and ``dimensions`` (all six
    ratings). A section missing whole is named alone; a partial one by the paths it lacks."""
    missing = []
    substances = sections.get("substances")
    if not isinstance(substances, list) or not substances:
        missing.append("substances")
    missing += _missing_dsm5(sections.get("dsm5"))
    dimensions = sections.get("dimensions")
    if not isinstance(dimensions, Mapping) or not dimensions:
        return [*missing, "dimensions"]
    ratings = _ratings(dimensions)
    return missing + [f"dimensions.{key}" for key in DIMENSIONS if ratings.get(key) is None]


def _missing_dsm5(dsm5: Any) -> list[str]:
    if not isinstance(dsm5, Mapping) or not dsm5:
        return ["dsm5"]
    missing = []
    if not drug_key(dsm5.get("primary_substance")):
        missing.append("dsm5.primary_substance")
    if dsm5.get("medically_supervised") is None:
        missing.append("dsm5.medically_supervised")
    criteria = dsm5.get("criteria")
    if not isinstance(criteria, Mapping):
        return [*missing, "dsm5.criteria"]
    return missing + [f"dsm5.criteria.{key}" for key in DSM5_CRITERIA if criteria.get(key) is None]


def substance_errors(
    substances: Sequence[Any], *, assessed_on: date | None = None, rules: RuleSet = DEFAULT_RULES
) -> dict[str, list[str]]:
    """Field errors in ``substances``: a benzodiazepine or z-drug whose name is not in the
    equivalence table (a 422 on every write), and a current one without a ``daily_dose_mg``
    greater than 0 (a 422 on submit; with ``assessed_on`` None every entry counts as current)."""
    errors: dict[str, list[str]] = {}
    table = rules.equivalence_table
    for index, entry in enumerate(substances):
        if not isinstance(entry, Mapping) or entry.get("category") not in SEDATIVE_CATEGORIES:
            continue
        if not is_known_drug(entry.get("substance"), table, tables=rules.equivalence_tables):
            known = ", ".join(equivalence_table(table, rules.equivalence_tables))
            errors[f"substances.{index}.substance"] = [
                f"Not in the {table} equivalence table; known: {known}."
            ]
        if assessed_on is not None and not is_current(entry, assessed_on, rules=rules):
            continue
        dose = entry.get("daily_dose_mg")
        if dose is None:
            message = "Required for a current benzodiazepine or z-drug."
        elif not is_dose(dose) or dose <= 0:
            message = "Must be a number greater than 0."
        else:
            continue
        errors[f"substances.{index}.daily_dose_mg"] = [message]
    return errors


def supervision_errors(sections: Mapping[str, Any]) -> dict[str, list[str]]:
    """``dsm5.medically_supervised`` may be true only when the primary substance (matched by
    name, any case) is among the substances and every entry of it is prescribed **and** taken
    as prescribed: "solely under appropriate medical supervision"."""
    dsm5 = sections.get("dsm5") or {}
    if dsm5.get("medically_supervised") is not True:
        return {}
    primary = drug_key(dsm5.get("primary_substance"))
    entries = [e for e in sections.get("substances") or [] if isinstance(e, Mapping)]
    matches = [e for e in entries if drug_key(e.get("substance")) == primary]
    if not matches:
        message = f"The primary substance {primary!r} is not among the substances."
    elif all(e.get("prescribed") is True and e.get("taken_as_prescribed") is True for e in matches):
        return {}
    else:
        message = "Only true when the primary substance is prescribed and taken as prescribed."
    return {"dsm5.medically_supervised": [message]}


def validate_sections(
    sections: Mapping[str, Any], *, assessed_on: date | None = None, rules: RuleSet = DEFAULT_RULES
) -> dict[str, list[str]]:
    """Field errors (dotted path -> messages) that block a submit; empty when it may proceed.
    Raises nothing; missing sections are :func:`missing_sections`' business."""
    substances = sections.get("substances")
    substances = substances if isinstance(substances, list) else []
    errors = substance_errors(substances, assessed_on=assessed_on, rules=rules)
    return errors | supervision_errors(sections)


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
    "classify_sud",
    "complicated_withdrawal_with_current_sedative",
    "dedupe_flags",
    "derive_flags",
    "diazepam_equivalent_mg",
    "dual_diagnosis",
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
]
