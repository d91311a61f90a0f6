"""SDS, Severity of Dependence Scale for benzodiazepines (de las Cuevas 2000): five items,
each 0-3, total 0-15. Positive at 7 or more ("higher than six"): ``benzodiazepine_dependence``
flag."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from intake.instruments.scoring import Cutoffs, ScreeningResult, int_items

NAME = "sds"
ITEM_COUNT = 5
ITEM_MAX = 3
DEFAULT_CUTOFFS = Cutoffs(positive_min=7)


@dataclass(frozen=True)
class SdsResult(ScreeningResult):
    """An SDS result."""


def score_sds(items: Any, *, cutoffs: Cutoffs = DEFAULT_CUTOFFS) -> SdsResult:
    """Sum the five items; positive follows ``cutoffs``."""
    score = sum(int_items(NAME, items, ITEM_COUNT, 0, ITEM_MAX))
    return SdsResult(score=score, band=cutoffs.band_for(score), positive=cutoffs.is_positive(score))
