"""C-SSRS screener (Posner 2011): six yes/no questions about the past month, plus whether
suicidal behaviour (q6) happened in the past 3 months.

q1 wish to be dead · q2 suicidal thoughts · q3 thoughts of a method · q4 intent · q5 a plan
with intent · q6 suicidal behaviour ever · q6_recent that behaviour in the past 3 months.

Risk: **high** when q4 or q5 is yes, or q6 is yes with behaviour in the past 3 months;
**moderate** when q3 is yes or q6 is yes but older; **low** when only q1 or q2 is yes;
otherwise **none**. Flag ``suicide_risk``: high urgent, moderate warning, low info; high also
sets a level-of-care floor and urgent review.

Skip logic (rule version 2): q1, q2 and q6 are always asked; q3-q5 only when q2 is yes (and
ignored when it is no); q6_recent only when q6 is yes. A missing answer is never a silent
"no": :func:`missing_answers` names it and :func:`score_cssrs` refuses to score without it.
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


ALWAYS_ASKED = ("q1", "q2", "q6")
#: Asked only when q2 (suicidal thoughts) is yes.
ASKED_AFTER_Q2 = ("q3", "q4", "q5")


def missing_answers(value: Any) -> list[str]:
    """The answers the skip logic requires that ``value`` lacks (None counts as missing)."""
    if not isinstance(value, dict):
        return list(ALWAYS_ASKED)
    missing = [key for key in ALWAYS_ASKED if value.get(key) is None]
    if value.get("q2") is True:
        missing += [key for key in ASKED_AFTER_Q2 if value.get(key) is None]
    if value.get("q6") is True and value.get("q6_recent") is None:
        missing.append("q6_recent")
    return sorted(missing, key=lambda key: (key[:2], key))


def score_cssrs(value: Any) -> CssrsResult:
    """Classify ``{q1..q6: bool, q6_recent: bool}`` following the skip logic. A required
    answer left out, or ``q6_recent`` true with q6 no (contradictory), is rejected rather than
    guessed; q3-q5 given when q2 is no are ignored."""
    fields = answer_fields(NAME, value, required=(), optional=(*QUESTIONS, "q6_recent"))
    missing = missing_answers(dict(fields))
    if missing:
        raise InstrumentInputError(
            f"{NAME} is missing {', '.join(missing)} (q1, q2 and q6 are always required; "
            "q3-q5 when q2 is true; q6_recent when q6 is true)"
        )
    answers = {key: yes_no(NAME, key, fields[key]) for key in ALWAYS_ASKED}
    for key in ASKED_AFTER_Q2:
        answers[key] = answers["q2"] and yes_no(NAME, key, fields[key])
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
