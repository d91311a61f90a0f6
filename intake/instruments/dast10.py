"""DAST-10 (Skinner 1982): ten yes/no items, score 0-10.

Each yes scores 1, except item 3 ("Are you always able to stop using drugs when you want
to?"), which is reversed: **no** scores 1. Bands 0 none, 1-2 low, 3-5 moderate, 6-8
substantial, 9-10 severe; 3 or more is positive (``drug_use_risk`` flag).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from intake.instruments.scoring import Cutoffs, ScreeningResult, bool_items

NAME = "dast10"
ITEM_COUNT = 10
REVERSED_ITEMS = frozenset({3})
DEFAULT_CUTOFFS = Cutoffs(
    positive_min=3,
    bands=((0, "none"), (1, "low"), (3, "moderate"), (6, "substantial"), (9, "severe")),
)


@dataclass(frozen=True)
class Dast10Result(ScreeningResult):
    """A DAST-10 result."""


def score_dast10(items: Any, *, cutoffs: Cutoffs = DEFAULT_CUTOFFS) -> Dast10Result:
    """Count the answers that point to drug problems (item 3 reversed)."""
    answers = bool_items(NAME, items, ITEM_COUNT)
    score = sum(
        answer != (position in REVERSED_ITEMS) for position, answer in enumerate(answers, start=1)
    )
    return Dast10Result(
        score=score, band=cutoffs.band_for(score), positive=cutoffs.is_positive(score)
    )
