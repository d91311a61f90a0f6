"""GAD-7 (Spitzer 2006): seven anxiety items, each 0-3, total 0-21.

Bands 0-4 minimal, 5-9 mild, 10-14 moderate, 15-21 severe; 10 or more is positive
(``anxiety`` flag).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from intake.instruments.scoring import Cutoffs, ScreeningResult, int_items

NAME = "gad7"
ITEM_COUNT = 7
ITEM_MAX = 3
DEFAULT_CUTOFFS = Cutoffs(
    positive_min=10,
    bands=((0, "minimal"), (5, "mild"), (10, "moderate"), (15, "severe")),
)


@dataclass(frozen=True)
class Gad7Result(ScreeningResult):
    """A GAD-7 result."""


def score_gad7(items: Any, *, cutoffs: Cutoffs = DEFAULT_CUTOFFS) -> Gad7Result:
    """Sum the seven items; band and positive follow ``cutoffs``."""
    score = sum(int_items(NAME, items, ITEM_COUNT, 0, ITEM_MAX))
    return Gad7Result(
        score=score, band=cutoffs.band_for(score), positive=cutoffs.is_positive(score)
    )
