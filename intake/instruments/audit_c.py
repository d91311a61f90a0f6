"""AUDIT-C (Bush 1998; Delaney 2014): three alcohol items, each 0-4, total 0-12.

Positive (``alcohol_risk`` flag) at 4 or more when the client's recorded sex is ``male``, and at
3 or more otherwise (female, intersex, unknown, or not recorded): the lower cut-off is the safe
default when sex is not known to be male.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from intake.instruments.scoring import ScreeningResult, int_items

NAME = "audit_c"
ITEM_COUNT = 3
ITEM_MAX = 4


@dataclass(frozen=True)
class AuditCCutoffs:
    """Positive cut-offs: ``male_min`` for ``sex == "male"``, ``other_min`` for everyone else."""

    male_min: int = 4
    other_min: int = 3

    def positive_min(self, sex: str | None) -> int:
        """The cut-off that applies to a client of this recorded sex."""
        return self.male_min if sex == "male" else self.other_min


DEFAULT_CUTOFFS = AuditCCutoffs()


@dataclass(frozen=True)
class AuditCResult(ScreeningResult):
    """An AUDIT-C result; ``positive_min`` records the cut-off applied."""

    positive_min: int = DEFAULT_CUTOFFS.other_min


def score_audit_c(
    items: Any, *, sex: str | None = None, cutoffs: AuditCCutoffs = DEFAULT_CUTOFFS
) -> AuditCResult:
    """Sum the three items; positive at the sex-specific cut-off."""
    score = sum(int_items(NAME, items, ITEM_COUNT, 0, ITEM_MAX))
    threshold = cutoffs.positive_min(sex)
    return AuditCResult(score=score, band=None, positive=score >= threshold, positive_min=threshold)
