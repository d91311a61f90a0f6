"""CIWA-B (Busto 1989), benzodiazepine withdrawal: 20 items, each 0-4, total 0-80.

Bands 0 none, 1-20 mild, 21-40 moderate, 41-60 severe, 61-80 very severe. Severe or very
severe (41 or more) is positive: a ``severe_withdrawal`` flag. Used at intake and for repeated
monitoring over a stay (``cases.withdrawal.rules`` builds its scale from these definitions); it is
for monitoring, not for dosing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from intake.instruments.scoring import Cutoffs, ScreeningResult, int_items

NAME = "ciwa_b"
#: The twenty items in the form's order: 17 the client rates, 3 the observer rates.
ITEM_NAMES: tuple[str, ...] = (
    "irritable",
    "fatigued",
    "tense",
    "difficulty_concentrating",
    "loss_of_appetite",
    "numbness_or_burning",
    "heart_racing",
    "head_full_or_achy",
    "muscle_aches_or_stiffness",
    "anxious_nervous_jittery",
    "upset",
    "sleep_not_restful",
    "weak",
    "not_enough_sleep",
    "visual_disturbances",
    "fearful",
    "worrying_about_misfortunes",
    "observed_sweating_restlessness_agitation",
    "observed_tremor",
    "observed_palms_moist",
)
ITEM_COUNT = len(ITEM_NAMES)
ITEM_MAX = 4
DEFAULT_CUTOFFS = Cutoffs(
    positive_min=41,
    bands=((0, "none"), (1, "mild"), (21, "moderate"), (41, "severe"), (61, "very_severe")),
)


@dataclass(frozen=True)
class CiwaBResult(ScreeningResult):
    """A CIWA-B result."""


def score_ciwa_b(items: Any, *, cutoffs: Cutoffs = DEFAULT_CUTOFFS) -> CiwaBResult:
    """Sum the twenty items; band and positive (severe or worse) follow ``cutoffs``."""
    score = sum(int_items(NAME, items, ITEM_COUNT, 0, ITEM_MAX))
    return CiwaBResult(
        score=score, band=cutoffs.band_for(score), positive=cutoffs.is_positive(score)
    )
