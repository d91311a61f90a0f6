"""DSM-5 substance use disorder (CLINICAL.md §1): dependence is not addiction.

Eleven criteria over the past 12 months. Tolerance and withdrawal are **not counted** for a
medicine taken solely under appropriate medical supervision; they are listed in
``not_counted``. Severity by the criteria counted: fewer than 2 none, 2-3 mild, 4-5 moderate,
6 or more severe; a use disorder is 2 or more counted. Physical dependence is tolerance or
withdrawal present, counted or not. So a prescribed benzodiazepine taken as prescribed, with
tolerance and withdrawal only, is dependence without a use disorder; the same two criteria
without supervision make a mild use disorder.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from intake.instruments.scoring import Cutoffs

#: The eleven criteria, in API order.
DSM5_CRITERIA: tuple[str, ...] = (
    *("larger_longer", "cut_down", "time_spent", "craving", "role_failure", "social_problems"),
    *("activities_reduced", "hazardous_use", "physical_psych_problems", "tolerance", "withdrawal"),
)
#: Criteria not counted under medical supervision; either one present is physical dependence.
SUPERVISION_EXEMPT_CRITERIA: tuple[str, ...] = ("tolerance", "withdrawal")
#: Criteria counted -> severity; ``positive_min`` is the use-disorder threshold.
DEFAULT_CUTOFFS = Cutoffs(
    positive_min=2, bands=((0, "none"), (2, "mild"), (4, "moderate"), (6, "severe"))
)


@dataclass(frozen=True)
class SudResult:
    """``criteria_met`` lists every criterion met (API order), ``not_counted`` those met but
    exempt under supervision, ``counted`` how many of the rest."""

    criteria_met: list[str]
    counted: int
    severity: str
    use_disorder: bool
    physical_dependence: bool
    not_counted: list[str]

    def as_dict(self) -> dict[str, Any]:
        """The classification as it appears in an assessment's ``results.sud``."""
        return asdict(self)


def classify_sud(
    criteria: Mapping[str, bool], medically_supervised: bool, *, cutoffs: Cutoffs = DEFAULT_CUTOFFS
) -> SudResult:
    """Classify the criteria (a key left out is not met); unknown keys and non-boolean values
    raise ValueError."""
    unknown = sorted(str(key) for key in criteria if key not in DSM5_CRITERIA)
    if unknown:
        raise ValueError(f"unknown DSM-5 criteria {unknown}; allowed: {', '.join(DSM5_CRITERIA)}")
    for key, value in [*criteria.items(), ("medically_supervised", medically_supervised)]:
        if type(value) is not bool:
            raise ValueError(f"{key} must be true or false (got {value!r})")
    met = [key for key in DSM5_CRITERIA if criteria.get(key, False)]
    exempt = SUPERVISION_EXEMPT_CRITERIA if medically_supervised else ()
    not_counted = [key for key in met if key in exempt]
    counted = len(met) - len(not_counted)
    return SudResult(
        criteria_met=met,
        counted=counted,
        severity=cutoffs.band_for(counted) or "none",
        use_disorder=cutoffs.is_positive(counted),
        physical_dependence=any(key in SUPERVISION_EXEMPT_CRITERIA for key in met),
        not_counted=not_counted,
    )
