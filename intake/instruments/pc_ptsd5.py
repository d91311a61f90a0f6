"""PC-PTSD-5 (Prins 2016): a trauma-exposure gate, then five yes/no items, score 0-5.

Without trauma exposure the items are not asked and the score is 0 (items, if sent anyway, are
still checked but not counted). Three or more yes answers are positive (``ptsd`` flag).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from intake.instruments.scoring import Cutoffs, ScreeningResult, answer_fields, bool_items, yes_no

NAME = "pc_ptsd5"
ITEM_COUNT = 5
DEFAULT_CUTOFFS = Cutoffs(positive_min=3)


@dataclass(frozen=True)
class PcPtsd5Result(ScreeningResult):
    """A PC-PTSD-5 result; ``trauma_exposure`` records the gate answer."""

    trauma_exposure: bool = False


def score_pc_ptsd5(value: Any, *, cutoffs: Cutoffs = DEFAULT_CUTOFFS) -> PcPtsd5Result:
    """Score ``{trauma_exposure, items: [5 bools]}``; no trauma exposure scores 0."""
    answers = answer_fields(NAME, value, required=("trauma_exposure",), optional=("items",))
    exposed = yes_no(NAME, "trauma_exposure", answers["trauma_exposure"])
    items = answers.get("items")
    if exposed or items is not None:
        items = bool_items(NAME, items, ITEM_COUNT)
    score = sum(items) if exposed else 0
    return PcPtsd5Result(
        score=score,
        band=cutoffs.band_for(score),
        positive=cutoffs.is_positive(score),
        trauma_exposure=exposed,
    )
