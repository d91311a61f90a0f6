"""Flags an intake raises (CLINICAL.md §3): the vocabulary of flag types, and the pure rules
that turn screenings, history and the substance table into flag specs.

- A positive screen raises its instrument's flag (PHQ-9 ``depression``, GAD-7 ``anxiety``, ...).
- PHQ-9 item 9 above 0 raises ``suicide_risk`` (urgent) whatever the total; the C-SSRS screen
  raises ``suicide_risk`` at high (urgent), moderate (warning) or low (info) risk.
- Each psychiatric history entry raises a flag of the same type (warning).
- Two or more substance classes in current use raise ``polysubstance``; every sedative
  (benzodiazepines, z-drugs, and known sedatives entered as "other") is one class.
- Combined CNS depressants raise ``respiratory_depression_risk`` (urgent; CDC 2022, rec. 11):
  a current opioid with a sedative, alcohol or an ``other`` substance in the depressant list
  (gabapentin, pregabalin, ...), and a current sedative with alcohol. The note names the pairs.
- Withdrawal seizures or delirium raise ``complicated_withdrawal_risk`` (urgent).
- Age 65 or more with a current sedative raises ``falls_risk`` (warning).
- A pregnancy raises ``pregnancy``: urgent with a current sedative, opioid or alcohol,
  warning otherwise.
- One spec per type: the highest severity wins."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from types import MappingProxyType
from typing import Any

from intake.instruments.scoring import ScreeningResult
from intake.instruments.sedatives import name_key
from intake.instruments.substances import SEDATIVE_CLASS, is_sedative, substance_class

PSYCHIATRIC_DIAGNOSES: tuple[str, ...] = (
    *("depression", "anxiety", "ptsd", "bipolar", "borderline_personality", "psychosis"),
    "other_psychiatric",
)
_TYPES_BY_CATEGORY: dict[str, tuple[str, ...]] = {
    "psychiatric": PSYCHIATRIC_DIAGNOSES,
    "substance": (
        *("polysubstance", "alcohol_risk", "drug_use_risk", "benzodiazepine_dependence"),
        "relapse",
    ),
    "safety": ("suicide_risk", "self_harm", "violence_risk"),
    "medical": (
        *("complicated_withdrawal_risk", "respiratory_depression_risk", "severe_withdrawal"),
        *("pregnancy", "falls_risk", "other_medical"),
    ),
    "care": ("aftercare_missing", "other_care"),
}
#: Flag type -> category; manual flags use the same list.
FLAG_TYPES: dict[str, str] = {
    flag_type: category
    for category, flag_types in _TYPES_BY_CATEGORY.items()
    for flag_type in flag_types
}
FLAG_CATEGORIES: tuple[str, ...] = tuple(_TYPES_BY_CATEGORY)
FLAG_SEVERITIES: tuple[str, ...] = ("info", "warning", "urgent")
FLAG_SOURCE_KINDS: tuple[str, ...] = (
    *("screening", "history", "manual", "withdrawal_score", "follow_up"),
)


#: How notes name each screening.
SCREENING_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "phq9": "PHQ-9",
        "gad7": "GAD-7",
        "pc_ptsd5": "PC-PTSD-5",
        "mdq": "MDQ",
        "msi_bpd": "MSI-BPD",
        "audit_c": "AUDIT-C",
        "dast10": "DAST-10",
        "sds": "SDS",
        "cssrs_screen": "C-SSRS screen",
        "ciwa_b": "CIWA-B",
    }
)


def severity_rank(severity: str) -> int:
    """Order of severities: info 0 < warning 1 < urgent 2; anything else raises ValueError."""
    try:
        return FLAG_SEVERITIES.index(severity)
    except ValueError:
        raise ValueError(f"unknown severity {severity!r}; allowed: info, warning, urgent") from None


def _frozen(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class FlagRules:
    """Which flag each finding raises and how severe it is, as configuration."""

    #: A positive screen raises (flag type, severity).
    screening_flags: Mapping[str, tuple[str, str]] = field(
        default_factory=lambda: _frozen(
            {
                "phq9": ("depression", "warning"),
                "gad7": ("anxiety", "warning"),
                "pc_ptsd5": ("ptsd", "warning"),
                "mdq": ("bipolar", "warning"),
                "msi_bpd": ("borderline_personality", "warning"),
                "audit_c": ("alcohol_risk", "warning"),
                "dast10": ("drug_use_risk", "warning"),
                "sds": ("benzodiazepine_dependence", "warning"),
                "ciwa_b": ("severe_withdrawal", "urgent"),
            }
        )
    )
    phq9_item9_severity: str = "urgent"
    cssrs_severity: Mapping[str, str] = field(
        default_factory=lambda: _frozen({"high": "urgent", "moderate": "warning", "low": "info"})
    )
    history_severity: str = "warning"
    polysubstance_severity: str = "warning"
    respiratory_depression_severity: str = "urgent"
    complicated_withdrawal_severity: str = "urgent"
    polysubstance_min_classes: int = 2
    #: ``other`` substances that are CNS depressants: with an opioid, respiratory depression.
    depressant_others: tuple[str, ...] = (
        *("gabapentin", "pregabalin", "phenobarbital", "butalbital", "carisoprodol", "ghb"),
        *("gbl", "xylazine"),
    )
    falls_risk_min_age: int = 65
    falls_risk_severity: str = "warning"
    #: pregnancy with a current sedative, opioid or alcohol / otherwise.
    pregnancy_with_substance_severity: str = "urgent"
    pregnancy_severity: str = "warning"
    pregnancy_urgent_classes: tuple[str, ...] = (SEDATIVE_CLASS, "opioid", "alcohol")

    def __post_init__(self) -> None:
        for flag_type, severity in self.screening_flags.values():
            if flag_type not in FLAG_TYPES:
                raise ValueError(f"unknown flag type {flag_type!r}")
            severity_rank(severity)
        for severity in (
            self.phq9_item9_severity,
            self.history_severity,
            self.polysubstance_severity,
            self.respiratory_depression_severity,
            self.complicated_withdrawal_severity,
            self.falls_risk_severity,
            self.pregnancy_with_substance_severity,
            self.pregnancy_severity,
            *self.cssrs_severity.values(),
        ):
            severity_rank(severity)


@dataclass(frozen=True)
class FlagSpec:
    """A flag the rules ask the service to raise, or to raise in severity if already active."""

    type: str
    category: str
    severity: str
    source_kind: str
    instrument: str | None
    score: int | None
    note: str

    def as_dict(self) -> dict[str, Any]:
        """Plain data for the service and for ``results.flag_specs``."""
        return asdict(self)


def flag_spec(
    flag_type: str,
    severity: str,
    source_kind: str,
    note: str,
    instrument: str | None = None,
    score: int | None = None,
) -> FlagSpec:
    """A spec whose category follows from its type."""
    return FlagSpec(
        flag_type, FLAG_TYPES[flag_type], severity, source_kind, instrument, score, note
    )


def screening_flags(screenings: Mapping[str, ScreeningResult], rules: FlagRules) -> list[FlagSpec]:
    """Flags from scored screenings (source ``screening``, naming instrument and score)."""
    specs = []
    for name, result in screenings.items():
        label = SCREENING_LABELS.get(name, name)
        if name in rules.screening_flags and result.positive:
            flag_type, severity = rules.screening_flags[name]
            band = f" ({result.band.replace('_', ' ')})" if result.band else ""
            note = f"{label} positive: score {result.score}{band}."
            specs.append(flag_spec(flag_type, severity, "screening", note, name, result.score))
        if getattr(result, "item9_positive", False):
            note = f"{label} item 9 above 0 (thoughts of death or self-harm), whatever the total."
            severity = rules.phq9_item9_severity
            specs.append(flag_spec("suicide_risk", severity, "screening", note, name, result.score))
        risk = getattr(result, "risk", None)
        if risk in rules.cssrs_severity:
            note = f"{label}: {risk} suicide risk."
            severity = rules.cssrs_severity[risk]
            specs.append(flag_spec("suicide_risk", severity, "screening", note, name))
    return specs


def history_flags(psychiatric_history: Iterable[str], rules: FlagRules) -> list[FlagSpec]:
    """A flag of the same type for each known diagnosis (source ``history``); an unknown
    diagnosis raises ValueError."""
    specs = []
    for diagnosis in psychiatric_history:
        if diagnosis not in PSYCHIATRIC_DIAGNOSES:
            allowed = ", ".join(PSYCHIATRIC_DIAGNOSES)
            raise ValueError(f"unknown diagnosis {diagnosis!r}; allowed: {allowed}")
        note = f"Reported history of {diagnosis.replace('_', ' ')}."
        specs.append(flag_spec(diagnosis, rules.history_severity, "history", note))
    return specs


def substance_flags(current: Sequence[Mapping[str, Any]], rules: FlagRules) -> list[FlagSpec]:
    """``polysubstance`` and ``respiratory_depression_risk`` from the substances in current use
    (the caller decides which are current)."""
    specs = []
    classes = sorted({substance_class(entry) for entry in current})
    if len(classes) >= rules.polysubstance_min_classes:
        note = f"Current use of {len(classes)} substance classes: {', '.join(classes)}."
        specs.append(flag_spec("polysubstance", rules.polysubstance_severity, "history", note))
    pairs = depressant_pairs(current, rules)
    if pairs:
        note = (
            f"Combined CNS depressants: {'; '.join(pairs)}. Combined depressants are the main "
            "overdose risk (respiratory depression)."
        )
        severity = rules.respiratory_depression_severity
        specs.append(flag_spec("respiratory_depression_risk", severity, "history", note))
    return specs


def _depressant_kind(entry: Mapping[str, Any], rules: FlagRules) -> str | None:
    """opioid, sedative, alcohol, depressant (an ``other`` in the list), or None."""
    if is_sedative(entry):
        return SEDATIVE_CLASS
    category = entry.get("category")
    if category in ("opioid", "alcohol"):
        return str(category)
    names = {name_key(name) for name in rules.depressant_others}
    if category == "other" and name_key(entry.get("substance")) in names:
        return "depressant"
    return None


def depressant_pairs(current: Sequence[Mapping[str, Any]], rules: FlagRules) -> list[str]:
    """Each combination that risks respiratory depression, e.g. "fentanyl (opioid) with
    etizolam (sedative)": an opioid with any other depressant, a sedative with alcohol."""
    kinds: dict[str, list[str]] = {}
    for entry in current:
        kind = _depressant_kind(entry, rules)
        if kind is not None:
            kinds.setdefault(kind, []).append(str(entry.get("substance")))

    def named(kind: str) -> str:
        return ", ".join(f"{name} ({kind})" for name in sorted(set(kinds.get(kind, []))))

    pairs = []
    for partner in (SEDATIVE_CLASS, "alcohol", "depressant"):
        if "opioid" in kinds and partner in kinds:
            pairs.append(f"{named('opioid')} with {named(partner)}")
    if SEDATIVE_CLASS in kinds and "alcohol" in kinds:
        pairs.append(f"{named(SEDATIVE_CLASS)} with {named('alcohol')}")
    return pairs


def falls_flags(
    current: Sequence[Mapping[str, Any]], age: int | None, rules: FlagRules
) -> list[FlagSpec]:
    """``falls_risk`` for an older adult (65+ on the assessment date) with a current sedative:
    falls, fractures and cognitive effects; tapers go slower (CLINICAL.md §6.1)."""
    if age is None or age < rules.falls_risk_min_age:
        return []
    sedatives = sorted({str(e.get("substance")) for e in current if is_sedative(e)})
    if not sedatives:
        return []
    note = (
        f"Aged {age} with a current sedative ({', '.join(sedatives)}): risk of falls, "
        "fractures and cognitive effects; taper more slowly."
    )
    return [flag_spec("falls_risk", rules.falls_risk_severity, "history", note)]


def pregnancy_flags(
    pregnancy: Mapping[str, Any] | None, current: Sequence[Mapping[str, Any]], rules: FlagRules
) -> list[FlagSpec]:
    """``pregnancy`` for a pregnant client: urgent with a current sedative, opioid or alcohol
    (withdrawal in pregnancy needs specialist care; for opioids medication treatment, not
    withdrawal, is the standard), warning otherwise."""
    if not pregnancy or pregnancy.get("status") != "pregnant":
        return []
    weeks = pregnancy.get("gestation_weeks")
    when = f" ({weeks} weeks)" if weeks is not None else ""
    risky = sorted(
        {
            str(e.get("substance"))
            for e in current
            if substance_class(e) in rules.pregnancy_urgent_classes
        }
    )
    if not risky:
        note = f"Pregnant{when}."
        return [flag_spec("pregnancy", rules.pregnancy_severity, "history", note)]
    note = (
        f"Pregnant{when} with current {', '.join(risky)}: withdrawal in pregnancy needs "
        "specialist care (for opioids, medication treatment rather than withdrawal)."
    )
    return [flag_spec("pregnancy", rules.pregnancy_with_substance_severity, "history", note)]


def withdrawal_flags(history: Mapping[str, Any] | None, rules: FlagRules) -> list[FlagSpec]:
    """``complicated_withdrawal_risk`` when withdrawal history has seizures or delirium."""
    found = [key for key in ("seizures", "delirium") if (history or {}).get(key) is True]
    if not found:
        return []
    note = f"Withdrawal history: {' and '.join(found)}."
    severity = rules.complicated_withdrawal_severity
    return [flag_spec("complicated_withdrawal_risk", severity, "history", note)]


def dedupe_flags(specs: Iterable[FlagSpec]) -> list[FlagSpec]:
    """One spec per type: the highest severity wins, the earlier on a tie; urgent first."""
    chosen: dict[str, FlagSpec] = {}
    for spec in specs:
        held = chosen.get(spec.type)
        if held is None or severity_rank(spec.severity) > severity_rank(held.severity):
            chosen[spec.type] = spec
    return sorted(chosen.values(), key=lambda spec: -severity_rank(spec.severity))
