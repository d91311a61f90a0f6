"""PHQ-9 (Kroenke 2001): nine depression items, each 0-3, total 0-27.

Bands 0-4 minimal, 5-9 mild, 10-14 moderate, 15-19 moderately severe, 20-27 severe. A total of
10 or more is positive (``depression`` flag). Item 9 (thoughts of being better off dead or of
self-harm) above 0 is positive on its own, whatever the total (``suicide_risk`` flag and urgent
review).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from intake.instruments.scoring import Cutoffs, ScreeningResult, int_items

NAME = "phq9"
ITEM_COUNT = 9
ITEM_MAX = 3
DEFAULT_CUTOFFS = Cutoffs(
    positive_min=10,
    bands=(
        (0, "minimal"),
        (5, "mild"),
        (10, "moderate"),
        (15, "moderately_severe"),
        (20, "severe"),
    ),
)


@dataclass(frozen=True)
class Phq9Result(ScreeningResult):
    """A PHQ-9 result; ``item9_positive`` is true when item 9 is above 0."""

    item9_positive: bool = False


def score_phq9(items: Any, *, cutoffs: Cutoffs = DEFAULT_CUTOFFS) -> Phq9Result:
    """Sum the nine items; band and positive follow ``cutoffs``; item 9 > 0 is flagged apart."""
    values = int_items(NAME, items, ITEM_COUNT, 0, ITEM_MAX)
    score = sum(values)
    return Phq9Result(
        score=score,
        band=cutoffs.band_for(score),
        positive=cutoffs.is_positive(score),
        item9_positive=values[8] > 0,
    )
