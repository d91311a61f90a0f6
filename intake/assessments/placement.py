"""Level-of-care placement (CLINICAL.md §5): the level vocabulary, the table of minimum levels
per dimension rating, and the pure placement rule.

Placement is not an average. Each of six dimension ratings (0 none to 4 imminent danger) has a
minimum level; three rules add floors. The recommendation is the **least intensive level that
meets the highest need**: the maximum of all the minimums that apply."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

#: Level codes, least to most intensive.
LEVELS: tuple[str, ...] = ("0.5", "1", "2.1", "2.5", "3.1", "3.5", "3.7", "4")
OUTPATIENT_LEVELS: tuple[str, ...] = ("0.5", "1", "2.1", "2.5")
INPATIENT_LEVELS: tuple[str, ...] = ("3.1", "3.5", "3.7", "4")
LEVEL_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "0.5": "early intervention",
        "1": "outpatient",
        "2.1": "intensive outpatient",
        "2.5": "partial hospitalisation",
        "3.1": "low-intensity residential",
        "3.5": "high-intensity residential",
        "3.7": "medically monitored inpatient",
        "4": "medically managed inpatient",
    }
)

#: The six dimension keys, in the order API.md lists them, with readable labels.
DIMENSIONS: tuple[str, ...] = (
    "withdrawal",
    "biomedical",
    "emotional_behavioural",
    "readiness",
    "relapse_potential",
    "recovery_environment",
)
DIMENSION_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "withdrawal": "Withdrawal",
        "biomedical": "Biomedical conditions",
        "emotional_behavioural": "Emotional, behavioural or cognitive conditions",
        "readiness": "Readiness to change",
        "relapse_potential": "Relapse or continued-use potential",
        "recovery_environment": "Recovery environment",
    }
)
RATINGS: tuple[int, ...] = (0, 1, 2, 3, 4)
RATING_LABELS: Mapping[int, str] = MappingProxyType(
    {0: "none", 1: "mild", 2: "moderate", 3: "severe", 4: "imminent danger"}
)

#: Minimum level for each rating 0-4 of each dimension (CLINICAL.md §5 table).
DEFAULT_LEVEL_MINIMUMS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "withdrawal": ("0.5", "1", "2.1", "3.7", "4"),
        "biomedical": ("0.5", "1", "2.1", "3.7", "4"),
        "emotional_behavioural": ("0.5", "1", "2.1", "3.5", "4"),
        "readiness": ("0.5", "1", "1", "2.1", "2.1"),
        "relapse_potential": ("0.5", "1", "2.1", "2.5", "3.5"),
        "recovery_environment": ("0.5", "1", "2.1", "3.1", "3.5"),
    }
)

#: Rule ids that can drive a recommendation, in the order they are reported.
FLOOR_RULES: tuple[str, ...] = ("sud_floor", "complicated_withdrawal", "suicide_risk_high")


def level_rank(level: str) -> int:
    """Position of ``level`` from least (0) to most intensive; unknown codes raise ValueError."""
    try:
        return LEVELS.index(level)
    except ValueError:
        raise ValueError(f"unknown level {level!r}; allowed: {', '.join(LEVELS)}") from None


def setting_for_level(level: str) -> str:
    """``inpatient`` for levels 3.1 and above, ``outpatient`` for 0.5 to 2.5."""
    return "inpatient" if level_rank(level) >= level_rank(INPATIENT_LEVELS[0]) else "outpatient"


@dataclass(frozen=True)
class PlacementRules:
    """The placement table and floors as configuration.

    Each dimension's minimums must be known levels that never fall as the rating rises, so a
    higher rating can never lower the recommendation.
    """

    level_minimums: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: DEFAULT_LEVEL_MINIMUMS
    )
    sud_floor: str = "1"
    complicated_withdrawal: str = "3.7"
    suicide_risk_high: str = "3.7"

    def __post_init__(self) -> None:
        if set(self.level_minimums) != set(DIMENSIONS):
            raise ValueError(f"level_minimums needs exactly the dimensions {', '.join(DIMENSIONS)}")
        for dimension, row in self.level_minimums.items():
            ranks = [level_rank(level) for level in row]
            if len(ranks) != len(RATINGS) or ranks != sorted(ranks):
                raise ValueError(f"{dimension} needs 5 levels that never fall as the rating rises")
        for rule in FLOOR_RULES:
            level_rank(getattr(self, rule))

    def minimum_for(self, dimension: str, rating: int) -> str:
        """The least intensive level that meets ``rating`` on ``dimension``."""
        return self.level_minimums[dimension][rating]


@dataclass(frozen=True)
class Recommendation:
    """A recommended level with the dimensions and rules that set it, each explained."""

    level: str
    setting: str
    driving_dimensions: list[str]
    rationale: list[str]
    requires_urgent_review: bool
    urgent_review_reasons: list[str]
    rule_version: str

    def as_dict(self) -> dict[str, Any]:
        """The recommendation as it appears in an assessment's ``results``."""
        return {
            "level": self.level,
            "setting": self.setting,
            "driving_dimensions": list(self.driving_dimensions),
            "rationale": list(self.rationale),
            "requires_urgent_review": self.requires_urgent_review,
            "urgent_review_reasons": list(self.urgent_review_reasons),
        }


def check_ratings(ratings: Mapping[str, Any]) -> dict[str, int]:
    """Return ``ratings`` when it rates exactly the six dimensions, each an int 0-4."""
    rule = f"ratings need exactly {', '.join(DIMENSIONS)}, each 0-4"
    if not isinstance(ratings, Mapping) or set(ratings) != set(DIMENSIONS):
        raise ValueError(rule)
    for dimension, rating in ratings.items():
        if type(rating) is not int or rating not in RATINGS:
            raise ValueError(f"{rule} ({dimension} is {rating!r})")
    return dict(ratings)


def place(
    ratings: Mapping[str, Any],
    floors: Mapping[str, str],
    *,
    urgent_review_reasons: list[str],
    rules: PlacementRules,
    rule_version: str,
) -> Recommendation:
    """The maximum of the dimension minimums and the floors that apply.

    ``floors`` maps each applying rule id to the sentence explaining why it applies.
    ``driving_dimensions`` lists every dimension, then every rule, whose minimum equals the
    result, and ``rationale`` has one sentence for each. Urgent review is required when any
    reason is given.
    """
    rated = check_ratings(ratings)
    minimums = {key: rules.minimum_for(key, rated[key]) for key in DIMENSIONS}
    minimums |= {rule: getattr(rules, rule) for rule in FLOOR_RULES if rule in floors}
    level = max(minimums.values(), key=level_rank)
    driving = [key for key, minimum in minimums.items() if minimum == level]
    rationale = [
        _dimension_sentence(key, rated[key], level)
        if key in rated
        else _rule_sentence(floors[key], level)
        for key in driving
    ]
    return Recommendation(
        level=level,
        setting=setting_for_level(level),
        driving_dimensions=driving,
        rationale=rationale,
        requires_urgent_review=bool(urgent_review_reasons),
        urgent_review_reasons=list(urgent_review_reasons),
        rule_version=rule_version,
    )


def _dimension_sentence(dimension: str, rating: int, level: str) -> str:
    label = DIMENSION_LABELS[dimension]
    return (
        f"{label} rated {rating} ({RATING_LABELS[rating]}): "
        f"needs at least level {level}, {LEVEL_NAMES[level]}."
    )


def _rule_sentence(reason: str, level: str) -> str:
    return f"{reason}: needs at least level {level}, {LEVEL_NAMES[level]}."
