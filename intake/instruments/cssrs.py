"""C-SSRS screener (Posner 2011): six yes/no questions about the past month, plus whether
suicidal behaviour (q6) happened in the past 3 months.

q1 wish to be dead · q2 suicidal thoughts · q3 thoughts of a method · q4 intent · q5 a plan
with intent · q6 suicidal behaviour ever · q6_recent that behaviour in the past 3 months.

Risk: **high** when q4 or q5 is yes, or q6 is yes with behaviour in the past 3 months;
**moderate** when q3 is yes or q6 is yes but older; **low** when only q1 or q2 is yes;
otherwise **none**. Flag ``suicide_risk``: high urgent, moderate warning, low info; high also
sets a level-of-care floor and urgent review.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from intake.instruments.scoring import InstrumentInputError, ScreeningResult, answer_fields, yes_no

NAME = "cssrs_screen"
QUESTIONS = ("q1", "q2", "q3", "q4", "q5", "q6")
RISKS = ("none", "low", "moderate", "high")


@dataclass(frozen=True)
class CssrsResult(ScreeningResult):
    """A C-SSRS screen: categorical, so ``score`` is None and ``band`` equals ``risk``."""

    risk: str = "none"


def score_cssrs(value: Any) -> CssrsResult:
    """Classify ``{q1..q6: bool, q6_recent: bool}``; ``q6_recent`` may be left out when q6 is no.

    ``q6_recent`` true with q6 no is contradictory and rejected rather than guessed.
    """
    fields = answer_fields(NAME, value, required=QUESTIONS, optional=("q6_recent",))
    answers = {key: yes_no(NAME, key, fields[key]) for key in QUESTIONS}
    if answers["q6"] and "q6_recent" not in fields:
        raise InstrumentInputError(f"{NAME}.q6_recent must be true or false when q6 is true")
    recent = yes_no(NAME, "q6_recent", fields.get("q6_recent", False))
    if recent and not answers["q6"]:
        raise InstrumentInputError(f"{NAME}.q6_recent can only be true when q6 is true")
    risk = _risk(answers, recent)
    return CssrsResult(score=None, band=risk, positive=risk != "none", risk=risk)


def _risk(answers: dict[str, bool], q6_recent: bool) -> str:
    if answers["q4"] or answers["q5"] or (answers["q6"] and q6_recent):
        return "high"
    if answers["q3"] or answers["q6"]:
        return "moderate"
    if answers["q1"] or answers["q2"]:
        return "low"
    return "none"
