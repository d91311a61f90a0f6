"""MSI-BPD (Zanarini 2003): ten yes/no items, score 0-10; 7 or more is positive
(``borderline_personality`` flag)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from intake.instruments.scoring import Cutoffs, ScreeningResult, bool_items

NAME = "msi_bpd"
ITEM_COUNT = 10
DEFAULT_CUTOFFS = Cutoffs(positive_min=7)


@dataclass(frozen=True)
class MsiBpdResult(ScreeningResult):
    """An MSI-BPD result."""


def score_msi_bpd(items: Any, *, cutoffs: Cutoffs = DEFAULT_CUTOFFS) -> MsiBpdResult:
    """Count the yes answers; positive follows ``cutoffs``."""
    score = sum(bool_items(NAME, items, ITEM_COUNT))
    return MsiBpdResult(
        score=score, band=cutoffs.band_for(score), positive=cutoffs.is_positive(score)
    )
