"""MDQ (Hirschfeld 2000): 13 yes/no symptom items plus two questions.

Positive (``bipolar`` flag) only when all three parts hold: at least 7 of the 13 items yes,
**and** several happened during the same period, **and** they caused a moderate or serious
problem. The score reported is the number of yes items (0-13); there are no bands.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from intake.instruments.scoring import (
    ScreeningResult,
    answer_fields,
    bool_items,
    one_of,
    yes_no,
)

NAME = "mdq"
ITEM_COUNT = 13
PROBLEM_LEVELS = ("none", "minor", "moderate", "serious")


@dataclass(frozen=True)
class MdqCutoffs:
    """The three-part MDQ rule: ``min_yes`` items, same period, and a problem in ``problems``."""

    min_yes: int = 7
    problems: tuple[str, ...] = ("moderate", "serious")


DEFAULT_CUTOFFS = MdqCutoffs()


@dataclass(frozen=True)
class MdqResult(ScreeningResult):
    """An MDQ result, keeping the two questions that gate positivity."""

    same_period: bool = False
    problem: str = "none"


def score_mdq(value: Any, *, cutoffs: MdqCutoffs = DEFAULT_CUTOFFS) -> MdqResult:
    """Score ``{items: [13 bools], same_period: bool, problem: none|minor|moderate|serious}``."""
    answers = answer_fields(NAME, value, required=("items", "same_period", "problem"))
    score = sum(bool_items(NAME, answers["items"], ITEM_COUNT))
    same_period = yes_no(NAME, "same_period", answers["same_period"])
    problem = one_of(NAME, "problem", answers["problem"], PROBLEM_LEVELS)
    positive = score >= cutoffs.min_yes and same_period and problem in cutoffs.problems
    return MdqResult(
        score=score, band=None, positive=positive, same_period=same_period, problem=problem
    )
